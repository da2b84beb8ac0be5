"""The faults site: every way a page can misbehave, listed in one summaries-only ``/feed.xml``.

===================  =====================================================================
``/rate-limited``    429 with ``Retry-After: 2`` on the first request, then 200 (expected)
``/flapping``        503 on the first two requests, then 200 (expected)
``/slow``            sleeps 8 s, then 200 (expected: the crawler's default read timeout is 20 s)
``/cp1252``          windows-1252 bytes, declared only by ``<meta charset>`` (expected)
``/posts/committee-minutes``  an ordinary page (expected)
``/loop-a``          302 to ``/loop-b``, which 302s back to ``/loop-a``
``/huge``            50 MiB of text/html in 64 KiB chunks, no Content-Length (connection closes)
``/bomb``            ``Content-Encoding: gzip`` over ~1 MB that inflates to 1 GiB of zeros
``/image``           a real PNG served as ``text/html``
``/to-trap``         302 to the trap (``http://127.0.0.3:A/trap-redirect``)
trap post            a feed item linking straight to ``http://127.0.0.3:A/trap-post``
===================  =====================================================================

Counters (429 once, 503 twice) live in the routes, so they restart with every ``hostile_web()``.
robots.txt asks for ``Crawl-delay: 2`` (left out with ``hostile_web(crawl_delays=False)``).
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

import threading
from collections.abc import Sequence

from tests.extract.hostile import content, payloads
from tests.extract.hostile.common import SITE_EPOCH, Built, Env, expect, robots
from tests.extract.hostile.content import utc
from tests.extract.hostile.markup import Channel, FeedItem, attr, body_html, esc, excerpt, long_date, newest, rss2
from tests.extract.hostile.prose import Post
from tests.extract.hostile.replies import (
    HTML,
    RSS,
    Reply,
    Req,
    Resource,
    Route,
    Router,
    error,
    http_date,
    not_modified,
    ok,
    redirect,
    resource,
)

SITE = content.FAULTS
NAME = "Brackwater Fault Line"
SLOW_S = 8.0
RETRY_AFTER = "2"
EXPECTED_PATHS = {
    "rate-limited": "/rate-limited",
    "flapping": "/flapping",
    "slow": "/slow",
    content.CP1252_SLUG: "/cp1252",
    "committee-minutes": "/posts/committee-minutes",
}
# (path or absolute "trap:" marker, title, published): fault-only feed items, never expected posts
FAULT_ITEMS = (
    ("/loop-a", "Going Round in Circles", "2026-11-01T12:00"),
    ("/huge", "The Longest Manifesto", "2026-11-02T12:00"),
    ("/bomb", "Explosive Claims", "2026-11-03T12:00"),
    ("/image", "A Picture of Health", "2026-11-03T15:00"),
    ("trap:trap-post", "Totally Normal Post", "2026-11-04T12:00"),
    ("/to-trap", "Read More Elsewhere", "2026-11-05T12:00"),
)


def _page(env: Env, post: Post, charset: str = "utf-8") -> str:
    url = env.base + EXPECTED_PATHS[post.slug][1:]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="{charset}">
<title>{esc(post.title)} | {esc(NAME)}</title>
<link rel="canonical" href="{attr(url)}">
<link rel="alternate" type="application/rss+xml" href="/feed.xml" title="{attr(NAME)}">
</head>
<body>
<header><a href="/">{esc(NAME)}</a> - <em>where the cracks show first</em></header>
<main>
<article>
<h1>{esc(post.title)}</h1>
<p class="meta">By <span class="author">{esc(post.author)}</span> on <time datetime="{post.published.isoformat()}">{long_date(post.published)}</time></p>
{body_html(post.paragraphs)}
</article>
</main>
<footer><p>Brackwater Fault Line is an independent blog. Send corrections to the editor.</p></footer>
</body>
</html>
"""


def _countdown(failures: int, status: int, res: Resource, retry_after: str | None) -> Route:
    """A route failing ``failures`` times with ``status``, then serving ``res``; thread-safe."""
    lock = threading.Lock()
    seen = [0]

    def route(req: Req) -> Reply:
        with lock:
            seen[0] += 1
            failing = seen[0] <= failures
        if failing:
            extra = (("Retry-After", retry_after),) if retry_after else ()
            return error(
                status,
                *extra,
                body=f"<!DOCTYPE html>\n<html><body><h1>{status}</h1><p>Try again later.</p></body></html>\n",
            )
        return ok(res, req)

    return route


def _slow(res: Resource) -> Route:
    return lambda req: ok(res, req, delay_s=SLOW_S)


def _huge(req: Req) -> Reply:
    etag = payloads.huge_etag()
    validators = (("ETag", etag), ("Last-Modified", http_date(SITE_EPOCH)))
    if not_modified(req.headers, etag, SITE_EPOCH):
        return Reply(304, validators)
    headers = (("Content-Type", "text/html; charset=utf-8"), *validators, ("Connection", "close"))
    return Reply(200, headers, stream=payloads.huge_chunks)


def _bomb(req: Req) -> Reply:
    return ok(
        Resource(payloads.gzip_bomb(), "text/html; charset=utf-8", SITE_EPOCH, (("Content-Encoding", "gzip"),)), req
    )


def _feed(env: Env, posts: Sequence[Post]) -> str:
    items = [
        FeedItem(
            p.title,
            env.base + EXPECTED_PATHS[p.slug][1:],
            env.base + EXPECTED_PATHS[p.slug][1:],
            p.author,
            p.tags,
            p.published,
            p.modified,
            excerpt(p, 30),
            guid_is_permalink=True,
        )
        for p in posts
    ]
    for path, title, when in FAULT_ITEMS:
        link = env.trap_base + path.removeprefix("trap:") if path.startswith("trap:") else env.base + path[1:]
        items.append(
            FeedItem(
                title,
                link,
                link,
                "Oona Blackwood",
                ("Odds and Ends",),
                utc(when),
                utc(when),
                f"{title}: more inside.",
                guid_is_permalink=True,
            )
        )
    items.sort(key=lambda i: i.published, reverse=True)
    channel = Channel(
        NAME, env.base, f"{env.base}feed.xml", "Where the cracks show first", newest(posts), "en-GB", "feedgen 0.9"
    )
    return rss2(channel, items)


def _home(env: Env, posts: Sequence[Post]) -> str:
    links = "\n".join(f'<li><a href="{EXPECTED_PATHS[p.slug]}">{esc(p.title)}</a></li>' for p in posts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(NAME)}</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml" title="{attr(NAME)}"></head>
<body><h1>{esc(NAME)}</h1><p>Where the cracks show first.</p><ul>
{links}
</ul></body></html>
"""


def build(env: Env) -> Built:
    """Render the faults site (identical every day; counters fresh for every build)."""
    posts = content.posts_on(SITE, env.day)
    by_slug = {p.slug: p for p in posts}
    router = Router(env.base)
    router.add("/", resource(_home(env, posts), HTML, newest(posts)))
    router.add("/robots.txt", robots(*(["Crawl-delay: 2"] if env.crawl_delays else []), "Disallow: /admin/"))
    router.add("/feed.xml", resource(_feed(env, posts), RSS, newest(posts)))

    def page(slug: str) -> Resource:
        return resource(_page(env, by_slug[slug]), HTML, by_slug[slug].modified)

    router.add("/rate-limited", _countdown(1, 429, page("rate-limited"), RETRY_AFTER))
    router.add("/flapping", _countdown(2, 503, page("flapping"), None))
    router.add("/slow", _slow(page("slow")))
    router.add("/posts/committee-minutes", page("committee-minutes"))
    cp = by_slug[content.CP1252_SLUG]
    router.add("/cp1252", resource(_page(env, cp, "windows-1252").encode("cp1252"), "text/html", cp.modified))
    router.add("/loop-a", redirect(f"{env.base}loop-b", 302))
    router.add("/loop-b", redirect(f"{env.base}loop-a", 302))
    router.add("/huge", _huge)
    router.add("/bomb", _bomb)
    router.add("/image", resource(payloads.png_image(), "text/html", SITE_EPOCH))
    router.add("/to-trap", redirect(f"{env.trap_base}trap-redirect", 302))
    built = Built(router)
    for post in posts:
        built.expected.append(expect(env, env.base + EXPECTED_PATHS[post.slug][1:], post))
    return built
