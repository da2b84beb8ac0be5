"""The cleaner on the project's archetype post: main text, quotes, metadata, no boilerplate."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from extract.decode import decode_body
from extract.errors import ParseError
from tests.conftest import SEED_POST_HTML, SHARED, need_shared
from transform.clean import ESCALATE_CHARS, CleanPost, clean_page

SEED_URL = "https://blog.example.org/2010/10/07/labour-expels-lutfur-rahman-supporters/"


@pytest.fixture(scope="module")
def seed() -> CleanPost:
    html = need_shared(SEED_POST_HTML).read_text(encoding="utf-8")
    return clean_page(html, SEED_URL, fetched_at=datetime(2026, 12, 1, tzinfo=UTC))


def test_seed_post_has_its_twelve_paragraphs_and_no_theme_text(seed: CleanPost) -> None:
    assert len(seed.paragraphs) == 12
    text = seed.text.lower()
    for boilerplate in ("share this", "leave a reply", "recent posts", "archives"):
        assert boilerplate not in text


def test_seed_post_metadata(seed: CleanPost) -> None:
    assert seed.title == "Labour expels Lutfur Rahman supporters"
    assert seed.published_at == datetime(2010, 10, 7, 21, 14, tzinfo=UTC)
    assert {"Labour Party", "Tower Hamlets"} <= set(seed.tags)
    assert seed.language == "en"
    assert seed.canonical_url == SEED_URL


def test_blockquoted_paragraphs_are_marked_quoted_and_the_authors_are_not(seed: CleanPost) -> None:
    quoted = [p.is_quote for p in seed.paragraphs]
    assert quoted == [False, True, True, True, False, True, False, False, False, False, True, True]


def test_dates_after_the_fetch_are_dropped() -> None:
    html = (
        "<html><head><meta property='article:published_time' content='2030-01-01T00:00:00Z'></head>"
        "<body><article><p>" + "A sentence of real text here. " * 10 + "</p></article></body></html>"
    )
    post = clean_page(html, "http://x.example/p", fetched_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert post.published_at is None


@pytest.mark.parametrize("html", ["", "<html></html>", "<html><body><nav>Home</nav></body></html>", "\x00\x01"])
def test_pages_without_main_text_raise_parse_error(html: str) -> None:
    with pytest.raises(ParseError):
        clean_page(html, "http://x.example/p", fetched_at=datetime(2026, 12, 1, tzinfo=UTC))


def test_comments_are_kept_apart_with_their_authors(seed: CleanPost) -> None:
    assert [c.author for c in seed.comments] == ["reader_one", "reader_two", "reader_three"]
    assert seed.comments[0].text == "About time the party acted."
    assert seed.comments[0].published_at == datetime(2010, 10, 7, 21, 40, tzinfo=UTC)
    assert all(c.text not in seed.text for c in seed.comments)


def test_a_long_post_keeps_the_fast_extraction(seed: CleanPost) -> None:
    assert len(seed.text) >= ESCALATE_CHARS
    assert seed.metadata_sources["text"] == "fast"


def test_a_page_fast_mode_cuts_short_is_extracted_again_with_the_full_cascade() -> None:
    """Axios' article: trafilatura's fast mode keeps 404 characters of it, the cascade 3,628."""
    raw = need_shared(SHARED / "corpora" / "blog-pages" / "trafilatura-eval" / "axios.com.future.html.gz")
    html = decode_body(gzip.decompress(raw.read_bytes()), "text/html")
    post = clean_page(html, "https://www.axios.com/future", fetched_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert post.metadata_sources["text"] == "cascade"
    assert len(post.text) > 3000
