"""Two sites with poisoned feeds.

Bad-feeds site: the sources file gives ``/feed2/``, RSS that is malformed but partly readable: a
newline before ``<?xml``, a raw ``&`` in the first item's title, and the document cut off inside
the third item's ``</link>`` end tag. A lenient parser (feedparser's loose mode) reads the first
two items; the third has no complete link, so its page (served) is never discoverable. The
homepage advertises ``/feed/``, a classic billion-laughs document (one declaration per line).

Bomb-feed site: its only feed, ``/feed/``, is a billion-laughs document with every entity
declaration on ONE line (the variant feedparser's own scrubber misses). It has no posts.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

from collections.abc import Sequence

from tests.extract.hostile import content, payloads
from tests.extract.hostile.common import SITE_EPOCH, Built, Env, expect, robots
from tests.extract.hostile.markup import attr, body_html, esc, excerpt, long_date, newest, rfc822
from tests.extract.hostile.prose import Post
from tests.extract.hostile.replies import HTML, RSS, Router, resource

BAD_SITE = content.BADFEEDS
BAD_NAME = "Millrace Monitor"
BOMB_SITE = content.BOMBFEED
BOMB_NAME = "Gallows Hill Herald"


def url_of(env: Env, post: Post) -> str:
    """``<base>posts/<slug>``."""
    return f"{env.base}posts/{post.slug}"


def _page(env: Env, name: str, title: str, canonical: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<link rel="canonical" href="{attr(canonical)}">
<link rel="alternate" type="application/rss+xml" title="{attr(name)}" href="/feed/">
</head>
<body>
<header><a href="/">{esc(name)}</a></header>
<main>
{main}
</main>
<footer><p>&copy; 2026 {esc(name)}</p></footer>
</body>
</html>
"""


def _article(post: Post) -> str:
    return f"""<article>
<h1>{esc(post.title)}</h1>
<p class="byline">By {esc(post.author)}, <time datetime="{post.published.isoformat()}">{long_date(post.published)}</time></p>
{body_html(post.paragraphs)}
</article>"""


def broken_feed(env: Env, posts: Sequence[Post]) -> str:
    """``/feed2/``: oldest first, raw ``&`` left in titles, cut inside the third ``</link>``."""
    out = [
        "",
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>{BAD_NAME}</title>",
        f"<link>{env.base}</link>",
        "<description>Rivers, bridges and the people who charge for them</description>",
        f"<lastBuildDate>{rfc822(newest(posts))}</lastBuildDate>",
    ]
    for post in posts[:2]:
        out += [
            "<item>",
            f"<title>{post.title}</title>",  # deliberately unescaped
            f"<link>{url_of(env, post)}</link>",
            f"<dc:creator>{post.author}</dc:creator>",
            f"<pubDate>{rfc822(post.published)}</pubDate>",
            f'<guid isPermaLink="true">{url_of(env, post)}</guid>',
            f"<description>{esc(excerpt(post, 30))}</description>",
            "</item>",
        ]
    lost = posts[2]
    out += ["<item>", f"<title>{lost.title}</title>", f"<link>{url_of(env, lost)}</li"]
    return "\n".join(out)


def build_badfeeds(env: Env) -> Built:
    """Render the bad-feeds site."""
    posts = sorted(content.posts_on(BAD_SITE, env.day), key=lambda p: p.published)
    readable = posts[:2]
    router = Router(env.base)
    links = "\n".join(
        f'<h2><a href="/posts/{p.slug}">{esc(p.title)}</a></h2><p>{esc(excerpt(p, 20))}</p>' for p in reversed(readable)
    )
    router.add("/", resource(_page(env, BAD_NAME, BAD_NAME, env.base, links), HTML, newest(posts)))
    router.add("/robots.txt", robots("Disallow: /cgi-bin/"))
    router.add("/feed2/", resource(broken_feed(env, posts), RSS, newest(posts)))
    router.add("/feed/", resource(payloads.billion_laughs(env.base, one_line=False), RSS, SITE_EPOCH))
    built = Built(router)
    for post in posts:
        page = _page(env, BAD_NAME, f"{post.title} | {BAD_NAME}", url_of(env, post), _article(post))
        router.add(f"/posts/{post.slug}", resource(page, HTML, post.modified))
    built.expected += [expect(env, url_of(env, p), p) for p in reversed(readable)]
    return built


def build_bombfeed(env: Env) -> Built:
    """Render the bomb-feed site: a homepage without post links, and the one-line entity bomb."""
    router = Router(env.base)
    main = "<h1>Gallows Hill Herald</h1>\n<p>Local opinion, published when we have some. Subscribe to the feed to hear first.</p>"
    router.add("/", resource(_page(env, BOMB_NAME, BOMB_NAME, env.base, main), HTML, SITE_EPOCH))
    router.add("/robots.txt", robots("Disallow:"))
    router.add("/feed/", resource(payloads.billion_laughs(env.base, one_line=True), RSS, SITE_EPOCH))
    return Built(router)
