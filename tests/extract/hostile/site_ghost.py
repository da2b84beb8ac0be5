"""The Ghost site: ``/rss/`` with full ``content:encoded``, Casper-style ``/slug/`` pages.

Down on day 1 (its server is not started, so connections are refused).
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from tests.extract.hostile import content
from tests.extract.hostile.common import Built, Env, expect, robots
from tests.extract.hostile.markup import Channel, FeedItem, attr, body_html, esc, excerpt, newest, rss2, zulu_ms
from tests.extract.hostile.prose import Post
from tests.extract.hostile.replies import HTML, RSS, Router, resource

SITE = content.GHOST
NAME = "Tidewater Review"
GENERATOR = "Ghost 5.80"


def url_of(env: Env, post: Post) -> str:
    """``<base><slug>/``."""
    return f"{env.base}{post.slug}/"


def _head(env: Env, title: str, canonical: str, extra: str = "", body_class: str = "home-template") -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <meta http-equiv="X-UA-Compatible" content="IE=edge">
    <title>{esc(title)}</title>
    <meta name="HandheldFriendly" content="True">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <link rel="stylesheet" type="text/css" href="{env.base}assets/built/screen.css?v=5d1c0e2a7b">
    <link rel="canonical" href="{attr(canonical)}">
    <meta name="referrer" content="no-referrer-when-downgrade">
    {extra}
    <meta name="generator" content="{GENERATOR}">
    <link rel="alternate" type="application/rss+xml" title="{attr(NAME)}" href="{env.base}rss/">
    <script defer src="https://cdn.jsdelivr.net/ghost/portal@~2.37/umd/portal.min.js" data-ghost="{env.base}" crossorigin="anonymous"></script>
</head>
<body class="{body_class} is-head-left-logo">
<div class="viewport">
    <header id="gh-head" class="gh-head outer"><div class="gh-head-inner inner">
        <a class="gh-head-logo no-image" href="{env.base}">{esc(NAME)}</a>
        <nav class="gh-head-menu"><ul class="nav"><li class="nav-home"><a href="{env.base}">Home</a></li><li class="nav-about"><a href="{env.base}about/">About</a></li></ul></nav>
        <div class="gh-head-actions"><a class="gh-head-link" href="#/portal/signin" data-portal="signin">Sign in</a><a class="gh-head-button" href="#/portal/signup" data-portal="signup">Subscribe</a></div>
    </div></header>
    <div class="site-content">
"""


def _foot(env: Env) -> str:
    return f"""    </div>
    <footer class="site-footer outer"><div class="inner">
        <section class="copyright"><a href="{env.base}">{esc(NAME)}</a> &copy; 2026</section>
        <div class="gh-powered-by"><a href="https://ghost.org/" target="_blank" rel="noopener">Powered by Ghost</a></div>
    </div></footer>
</div>
</body>
</html>
"""


def _post_page(env: Env, post: Post) -> str:
    url = url_of(env, post)
    meta = (
        f'<meta property="og:type" content="article">\n    <meta property="og:url" content="{attr(url)}">\n'
        f'    <meta property="article:published_time" content="{zulu_ms(post.published)}">\n'
        f'    <meta property="article:modified_time" content="{zulu_ms(post.modified)}">\n'
        + "".join(f'    <meta property="article:tag" content="{attr(t)}">\n' for t in post.tags)
    )
    return (
        _head(env, post.title, url, meta, "post-template")
        + f"""<main id="site-main" class="site-main">
<article class="article post">
    <header class="article-header gh-canvas">
        <h1 class="article-title">{esc(post.title)}</h1>
        <div class="article-byline"><div class="article-byline-meta"><h4 class="author-name"><a href="{env.base}author/{post.author.split()[0].lower()}/">{esc(post.author)}</a></h4>
        <div class="byline-meta-content"><time class="byline-meta-date" datetime="{post.published:%Y-%m-%d}">{post.published.day} {post.published:%b %Y}</time><span class="byline-reading-time"><span class="bull">&bull;</span> 1 min read</span></div></div></div>
    </header>
    <section class="gh-content gh-canvas">
{body_html(post.paragraphs, indent="        ")}
    </section>
</article>
<section class="footer-cta outer"><div class="inner"><h2 class="footer-cta-title">Sign up for more like this.</h2><a class="footer-cta-button" href="#/portal" data-portal>Enter your email <span>Subscribe</span></a></div></section>
</main>
"""
        + _foot(env)
    )


def _home(env: Env, posts: Sequence[Post]) -> str:
    cards = "\n".join(
        f'<article class="post-card post"><a class="post-card-content-link" href="{url_of(env, p)}"><header class="post-card-header"><h2 class="post-card-title">{esc(p.title)}</h2></header><div class="post-card-excerpt">{esc(excerpt(p, 25))}</div></a></article>'
        for p in posts
    )
    return (
        _head(env, NAME, env.base)
        + f'<main id="site-main" class="site-main outer"><div class="inner posts"><div class="post-feed">\n{cards}\n</div></div></main>\n'
        + _foot(env)
    )


def _feed(env: Env, posts: Sequence[Post]) -> str:
    items = [
        FeedItem(
            title=p.title,
            link=url_of(env, p),
            guid=hashlib.sha256(p.slug.encode()).hexdigest()[:24],
            author=p.author,
            categories=p.tags,
            published=p.published,
            updated=p.modified,
            summary=excerpt(p, 30),
            content_html=body_html(p.paragraphs),
        )
        for p in posts
    ]
    channel = Channel(
        NAME, env.base, f"{env.base}rss/", "Port politics and the people who run it", newest(posts), "", GENERATOR
    )
    return rss2(channel, items, cdata_text=True, gmt=True)


def build(env: Env) -> Built:
    """Render the Ghost site for ``env.day`` (the caller does not start it on day 1)."""
    posts = content.posts_on(SITE, env.day)
    router = Router(env.base)
    router.add("/", resource(_home(env, posts), HTML, newest(posts)))
    router.add("/robots.txt", robots("Disallow: /ghost/", "Disallow: /email/", "Disallow: /r/"))
    router.add("/rss/", resource(_feed(env, posts), RSS, newest(posts)))
    built = Built(router)
    for post in posts:
        router.add(f"/{post.slug}/", resource(_post_page(env, post), HTML, post.modified))
        built.expected.append(expect(env, url_of(env, post), post))
    return built
