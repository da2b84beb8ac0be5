"""The Substack site: the archive API, the per-post API with ``body_html``, ``/feed`` and ``/p/slug``.

The archive (``/api/v1/archive?sort=new&offset=&limit=``) lists posts without bodies, as the
real one does; ``/api/v1/posts/<slug>`` has ``body_html``. One post is ``audience: only_paid``:
its body everywhere (API, feed, page) is a two-paragraph teaser followed, on the page, by a
paywall box. Its ground-truth snippets come from the teaser.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

import json
from collections.abc import Sequence

from tests.extract.hostile import content
from tests.extract.hostile.common import Built, Env, expect, robots
from tests.extract.hostile.markup import Channel, FeedItem, attr, body_html, esc, long_date, newest, rss2, zulu_ms
from tests.extract.hostile.prose import Post, detail_sentence
from tests.extract.hostile.replies import HTML, JSON, RSS, Reply, Req, Route, Router, ok, resource

SITE = content.SUBSTACK
NAME = "The Quarry Letter"
PUBLICATION_ID = 2208817
SUBTITLES = (
    "The numbers behind the headline, checked.",
    "What the press release left out.",
    "A pledge, a spreadsheet and a second list.",
    "Small budgets, large consequences.",
)
MAX_LIMIT = 50


def _paid(post: Post) -> bool:
    return post.slug == content.SUBSTACK_PAID


def _index(post: Post) -> int:
    return [p.slug for p in content.all_posts()[SITE]].index(post.slug)


def _body(post: Post) -> str:
    """The body a reader without a subscription gets: the whole post, or the teaser of a paid one."""
    return body_html(post.paragraphs[:2] if _paid(post) else post.paragraphs)


def url_of(env: Env, post: Post) -> str:
    """The canonical URL, ``<base>p/<slug>``."""
    return f"{env.base}p/{post.slug}"


def _listing(env: Env, post: Post) -> dict[str, object]:
    return {
        "id": 14800000 + 37 * _index(post),
        "publication_id": PUBLICATION_ID,
        "title": post.title,
        "social_title": post.title,
        "type": "newsletter",
        "slug": post.slug,
        "post_date": zulu_ms(post.published),
        "audience": "only_paid" if _paid(post) else "everyone",
        "canonical_url": url_of(env, post),
        "subtitle": SUBTITLES[_index(post) % len(SUBTITLES)],
        "description": SUBTITLES[_index(post) % len(SUBTITLES)],
        "cover_image": None,
        "wordcount": post.words,
        "reactions": {"❤": 12 + _index(post)},
        "comment_count": 3,
        "publishedBylines": [{"id": 90210, "name": post.author, "handle": "nadiaferrante", "is_guest": False}],
        "postTags": [],
    }


def _full(env: Env, post: Post) -> dict[str, object]:
    data = _listing(env, post)
    data["body_html"] = _body(post)
    data["truncated_body_text"] = post.paragraphs[0]
    return data


def _archive_route(env: Env, posts: Sequence[Post]) -> Route:
    def route(req: Req) -> Reply:
        try:
            offset = max(0, int(req.query.get("offset", "0")))
            limit = min(MAX_LIMIT, max(1, int(req.query.get("limit", "12"))))
        except ValueError:
            offset, limit = 0, 12
        chunk = list(posts[offset : offset + limit])
        body = json.dumps([_listing(env, p) for p in chunk], ensure_ascii=False, separators=(",", ":"))
        return ok(resource(body, JSON, newest(chunk) if chunk else newest(posts)), req)

    return route


def _head(env: Env, title: str, canonical: str, description: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta property="og:site_name" content="{attr(NAME)}">
<meta property="og:title" content="{attr(title)}">
<meta property="og:url" content="{attr(canonical)}">
<meta name="description" content="{attr(description)}">
<link rel="canonical" href="{attr(canonical)}">
<link rel="alternate" type="application/rss+xml" href="{env.base}feed" title="{attr(NAME)}">
<link rel="stylesheet" href="https://substackcdn.com/bundle/theme/main.css">
<script>window._preloads = {{"base_url": "{env.base}", "api": "/api/v1/"}}</script>
</head>
<body>
<div id="entry"><div class="main-menu"><a class="navbar-title-link" href="{env.base}">{esc(NAME)}</a>
<div class="navbar-buttons"><a class="button subscribe-btn" href="{env.base}subscribe">Subscribe</a><a class="button sign-in-link" href="{env.base}sign-in">Sign in</a></div></div>
"""


_FOOT = """<div class="footer-wrap"><div class="footer"><p>© 2026 Nadia Ferrante</p><p><a href="https://substack.com/privacy">Privacy</a> · <a href="https://substack.com/tos">Terms</a> · <a href="https://substack.com/ccpa#personal-data-collected">Collection notice</a></p><p>Substack is the home for great culture</p></div></div>
</div>
</body>
</html>
"""


def _post_page(env: Env, post: Post) -> str:
    subtitle = SUBTITLES[_index(post) % len(SUBTITLES)]
    paywall = ""
    if _paid(post):
        paywall = """<div class="paywall"><h2 class="paywall-title">This post is for paid subscribers</h2><a class="button primary" href="subscribe">Subscribe</a><div class="paywall-login">Already a paid subscriber? <a href="sign-in">Sign in</a></div></div>
"""
    return (
        _head(env, post.title, url_of(env, post), subtitle)
        + f"""<div class="container"><div class="single-post"><article class="typography newsletter-post post">
<div class="post-header"><h1 class="post-title unpublished">{esc(post.title)}</h1><h3 class="subtitle">{esc(subtitle)}</h3>
<div class="post-meta"><div class="byline-names"><a href="https://substack.com/@nadiaferrante">{esc(post.author)}</a></div><div class="post-date" title="{zulu_ms(post.published)}">{long_date(post.published)}</div></div></div>
<div class="available-content"><div dir="auto" class="body markup">
{_body(post)}
</div></div>
{paywall}</article>
<div class="subscribe-widget"><p>Thanks for reading {esc(NAME)}! Subscribe for free to receive new posts and support my work.</p><form action="/api/v1/free" method="post"><input type="email" name="email" placeholder="Type your email…"><button type="submit">Subscribe</button></form></div>
<div class="post-footer"><a class="post-ufi-button" href="#comments">3 Comments</a> <a class="post-ufi-button" href="#share">Share</a></div>
</div></div>
"""
        + _FOOT
    )


def _home(env: Env, posts: Sequence[Post]) -> str:
    cards = "\n".join(
        f'<div class="post-preview"><a class="post-preview-title" href="{url_of(env, p)}">{esc(p.title)}</a><div class="post-preview-description">{esc(SUBTITLES[_index(p) % len(SUBTITLES)])}</div></div>'
        for p in posts
    )
    return (
        _head(env, NAME, env.base, "Politics, slowly")
        + f'<div class="container"><div class="portable-archive-list">\n{cards}\n</div></div>\n'
        + _FOOT
    )


def _feed(env: Env, posts: Sequence[Post]) -> str:
    items = [
        FeedItem(
            title=p.title,
            link=url_of(env, p),
            guid=url_of(env, p),
            author=p.author,
            categories=(),
            published=p.published,
            updated=p.modified,
            summary=SUBTITLES[_index(p) % len(SUBTITLES)],
            content_html=_body(p),
            guid_is_permalink=True,
        )
        for p in posts
    ]
    channel = Channel(NAME, env.base, f"{env.base}feed", "Politics, slowly", newest(posts), "en", "Substack")
    return rss2(channel, items, cdata_text=True, gmt=True)


def build(env: Env) -> Built:
    """Render the Substack site for ``env.day``."""
    posts = content.posts_on(SITE, env.day)
    router = Router(env.base)
    router.add("/", resource(_home(env, posts), HTML, newest(posts)))
    router.add("/robots.txt", robots("Disallow: /action/", "Disallow: /sign-in", "Disallow: /subscribe"))
    router.add("/feed", resource(_feed(env, posts), RSS, newest(posts)))
    router.add("/api/v1/archive", _archive_route(env, posts))
    built = Built(router)
    for post in posts:
        body = json.dumps(_full(env, post), ensure_ascii=False, separators=(",", ":"))
        router.add(f"/api/v1/posts/{post.slug}", resource(body, JSON, post.modified))
        router.add(f"/p/{post.slug}", resource(_post_page(env, post), HTML, post.modified))
        snippets = (post.snippets[0], detail_sentence(post)) if _paid(post) else post.snippets
        built.expected.append(expect(env, url_of(env, post), post, snippets))
    return built
