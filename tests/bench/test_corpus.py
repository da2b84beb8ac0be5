"""The benchmark corpus: seeded, realistic in shape, and served pages of real pages' weight."""

from __future__ import annotations

from bench.chrome import dressed_routes
from bench.corpus import MAX_WORDS, MIN_WORDS, generate
from flows.blogosphere.site import build_routes
from flows.blogosphere.urls import post_path


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another() -> None:
    assert generate(30, per_blog=10) == generate(30, per_blog=10)
    assert generate(30, per_blog=10, seed=1) != generate(30, per_blog=10)


def test_posts_have_the_parts_of_a_political_blog_post() -> None:
    corpus = generate(40, per_blog=10)
    assert corpus.posts == 40 and len(corpus.blogs) == 4
    assert {b.platform for b in corpus.blogs} == {"generic", "wordpress"}
    for blog in corpus.blogs:
        assert len({p.slug for p in blog.posts}) == len(blog.posts)
        for post in blog.posts:
            assert MIN_WORDS <= post.word_count <= MAX_WORDS
            assert len(post.paragraphs) >= 3
            assert sum(p.quote for p in post.paragraphs) == 1  # one blockquote
            assert any("\u201c" in p.text for p in post.paragraphs if not p.quote)  # quotation marks


def test_chrome_weighs_pages_down_without_touching_the_post() -> None:
    (blog,) = generate(5, per_blog=5).blogs
    lean = build_routes(blog, 0, "http://127.0.0.1:1/")
    dressed = dressed_routes(blog, 0, "http://127.0.0.1:1/")
    assert lean.pages.keys() == dressed.pages.keys()
    path = post_path(blog.platform, blog.posts[0])
    page, plain = dressed.pages[path], lean.pages[path]
    assert len(page.body) > 3 * len(plain.body)
    assert page.last_modified == plain.last_modified and page.etag != plain.etag
    assert all(
        p.text.encode() in page.body or p.text.replace("'", "&#x27;").encode() in page.body
        for p in blog.posts[0].paragraphs[:1]
    )
    assert dressed_routes(blog, 0, "http://127.0.0.1:1/").pages[path] == page  # the same bytes every time
