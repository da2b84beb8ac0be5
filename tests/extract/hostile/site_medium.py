"""The Medium-style site: ``/feed`` RSS with full bodies and ``?source=rss-...`` links, Medium markup.

Post URLs look like Medium's: ``<base>@priya-castellanos/<slug>-<12 hex>``. The feed links carry
Medium's tracking parameter (``?source=rss----<id>---4``), which a crawler should drop; the
ground truth is the clean URL, which is also the pages' ``rel=canonical``.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from tests.extract.hostile import content
from tests.extract.hostile.common import Built, Env, expect, robots
from tests.extract.hostile.markup import (
    Channel,
    FeedItem,
    attr,
    body_html,
    esc,
    excerpt,
    long_date,
    newest,
    rss2,
    zulu_ms,
)
from tests.extract.hostile.prose import Post
from tests.extract.hostile.replies import HTML, RSS, Router, resource

SITE = content.MEDIUM
NAME = "Lantern Politics"
HANDLE = "@priya-castellanos"
SOURCE = "rss----7f3c2a9e1b04---4"


def _hex(post: Post) -> str:
    return hashlib.sha256(f"medium:{post.slug}".encode()).hexdigest()[:12]


def path_of(post: Post) -> str:
    """``/@priya-castellanos/<slug>-<hex>``."""
    return f"/{HANDLE}/{post.slug}-{_hex(post)}"


def url_of(env: Env, post: Post) -> str:
    """The clean canonical URL of ``post``."""
    return env.base + path_of(post)[1:]


def _head(env: Env, title: str, canonical: str, extra: str = "") -> str:
    return f"""<!doctype html><html lang="en"><head>
<title>{esc(title)}</title>
<meta data-rh="true" charset="utf-8"/><meta data-rh="true" name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1,maximum-scale=1"/>
<meta data-rh="true" name="theme-color" content="#000000"/><meta data-rh="true" name="twitter:app:name:iphone" content="Medium"/>
<meta data-rh="true" property="al:ios:app_name" content="Medium"/><meta data-rh="true" property="al:android:package" content="com.medium.reader"/>
<meta data-rh="true" property="og:site_name" content="Medium"/>
{extra}<link data-rh="true" rel="canonical" href="{attr(canonical)}"/>
<link data-rh="true" rel="alternate" type="application/rss+xml" title="RSS" href="{env.base}feed"/>
<link rel="stylesheet" href="https://glyph.medium.com/css/unbound.css"/>
<script src="https://cdn-client.medium.com/lite/static/js/manifest.a9c2b1f0.js"></script>
</head><body><div id="root"><div class="a b c"><div class="d e f g h i j k">
<div class="ab q co"><a data-testid="headerMediumLogo" href="https://medium.com/?source=post_page---top_nav_layout_nav" aria-label="Homepage">Medium</a>
<a href="https://medium.com/m/signin?operation=register" rel="noopener follow">Sign up</a> <a href="https://medium.com/m/signin?operation=login" rel="noopener follow">Sign in</a></div>
"""


_FOOT = """<div class="ab cb"><div class="po pp"><p class="be b dt z dw">Sign up to discover human stories that deepen your understanding of the world.</p>
<a href="https://medium.com/m/signin?operation=register">Sign up for free</a> <a href="https://medium.com/about?autoplay=1">Learn more about Medium</a></div></div>
<div class="ab cb"><a href="https://help.medium.com/hc/en-us">Help</a> <a href="https://medium.statuspage.io/">Status</a> <a href="https://medium.com/about">About</a> <a href="https://policy.medium.com/medium-privacy-policy-f03bf92035c9">Privacy</a> <a href="https://medium.com/p/cafe-terms">Terms</a></div>
</div></div></div></body></html>
"""


def _post_page(env: Env, post: Post) -> str:
    url = url_of(env, post)
    meta = (
        f'<meta data-rh="true" property="og:type" content="article"/><meta data-rh="true" property="og:title" content="{attr(post.title)}"/>\n'
        f'<meta data-rh="true" property="og:url" content="{attr(url)}"/><meta data-rh="true" name="author" content="{attr(post.author)}"/>\n'
        f'<meta data-rh="true" property="article:published_time" content="{zulu_ms(post.published)}"/>\n'
    )
    paragraphs = "\n".join(
        f'<p id="{_hex(post)[:4]}{i}" class="pw-post-body-paragraph lv lw fq lx b ly lz ma mb mc md me" data-selectable-paragraph="">{esc(text)}</p>'
        for i, text in enumerate(post.paragraphs)
    )
    return (
        _head(env, f"{post.title} | by {post.author} | Medium", url, meta)
        + f"""<article><div class="l"><div class="l"><section><div><div class="fq fr fs ft fu"></div><div class="ch bg fv fw fx fy"></div><div class="gn go gp gq gr">
<div class="ab cb"><div class="ci bh ew ex ey ez">
<div><h1 id="{_hex(post)[:4]}" class="pw-post-title gs gt gu bf gv gw gx gy gz ha" data-testid="storyTitle">{esc(post.title)}</h1></div>
<div class="speechify-ignore ab cp"><div class="hi hj"><a rel="noopener follow" href="{env.base}{HANDLE}?source=post_page-----{_hex(post)}--------------------------------"><p class="be b bg z" data-testid="authorName">{esc(post.author)}</p></a>
<span class="be b bg z dw"><span data-testid="storyReadTime">1 min read</span><span>·</span><span data-testid="storyPublishDate">{long_date(post.published)}</span></span></div></div>
{paragraphs}
</div></div></div></div></section></div></div></article>
<div class="ab cb"><div class="ci bh ew ex ey ez"><div class="pb pc"><span>--</span><button data-testid="headerClapButton" aria-label="clap">Clap</button> <button aria-label="responses">Responses</button></div>
<div class="mx my"><h2 class="be pd">Written by {esc(post.author)}</h2><p>Writing about local power, money and the people who mind both.</p></div></div></div>
"""
        + _FOOT
    )


def _home(env: Env, posts: Sequence[Post]) -> str:
    cards = "\n".join(
        f'<div class="ab cb"><a href="{url_of(env, p)}?source=user_profile_page" rel="noopener follow"><h2 class="be ht">{esc(p.title)}</h2><h3 class="be b">{esc(excerpt(p, 18))}</h3></a></div>'
        for p in posts
    )
    return _head(env, f"{NAME} – Medium", env.base) + f"<main>\n{cards}\n</main>\n" + _FOOT


def _feed(env: Env, posts: Sequence[Post]) -> str:
    items = [
        FeedItem(
            title=p.title,
            link=f"{url_of(env, p)}?source={SOURCE}",
            guid=f"https://medium.com/p/{_hex(p)}",
            author=p.author,
            categories=tuple(t.lower().replace(" ", "-") for t in p.tags),
            published=p.published,
            updated=p.modified,
            summary=excerpt(p, 30),
            content_html=f"<h3>{esc(p.title)}</h3>" + body_html(p.paragraphs),
            extra_xml=f"\t\t<atom:updated>{zulu_ms(p.modified)}</atom:updated>",
        )
        for p in posts
    ]
    channel = Channel(
        f"{NAME} - Medium",
        f"{env.base}?source={SOURCE}",
        f"{env.base}feed",
        "Local power, money and the people who mind both - Medium",
        newest(posts),
        "",
        "Medium",
    )
    return rss2(channel, items, cdata_text=True, gmt=True)


def build(env: Env) -> Built:
    """Render the Medium-style site for ``env.day``."""
    posts = content.posts_on(SITE, env.day)
    router = Router(env.base)
    router.add("/", resource(_home(env, posts), HTML, newest(posts)))
    router.add("/robots.txt", robots("Disallow: /m/", "Disallow: /me/", "Allow: /_/api/"))
    router.add("/feed", resource(_feed(env, posts), RSS, newest(posts)))
    built = Built(router)
    for post in posts:
        router.add(path_of(post), resource(_post_page(env, post), HTML, post.modified))
        built.expected.append(expect(env, url_of(env, post), post))
    return built
