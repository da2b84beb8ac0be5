"""The autodetect site: no platform and no feed in the sources file; everything must be discovered.

The homepage advertises ``/atom.xml`` (summaries only, so pages must be fetched); robots.txt
names ``/sitemap.xml``, a sitemap *index* whose one child, ``/sitemap-posts.xml.gz``, is served
as raw gzip bytes (``Content-Type: application/gzip``, no ``Content-Encoding``).

One post is reachable under three URLs: ``/posts/same-story`` (Atom), the same with
``?utm_source=x&fbclid=y`` (sitemap) and ``/p?id=7`` (homepage link, 301 to the first). Its page
names the first as ``rel=canonical`` and ``og:url``. On day 1 another post is deleted: 410, and
gone from the Atom feed, the sitemap and the homepage.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

from collections.abc import Sequence

from tests.extract.hostile import content
from tests.extract.hostile.common import SITE_EPOCH, Built, Env, expect, robots
from tests.extract.hostile.markup import (
    Channel,
    FeedItem,
    atom,
    attr,
    body_html,
    esc,
    excerpt,
    gz,
    long_date,
    newest,
    sitemap,
    sitemap_index,
)
from tests.extract.hostile.prose import Post
from tests.extract.hostile.replies import ATOM, HTML, XML, Reply, Req, Route, Router, error, gone, redirect, resource

SITE = content.AUTO
NAME = "Hollins Gazette"
SAME_ID = "7"
TRACKED = "?utm_source=x&fbclid=y"


def url_of(env: Env, post: Post) -> str:
    """``<base>posts/<slug>``."""
    return f"{env.base}posts/{post.slug}"


def _head(env: Env, title: str, canonical: str, extra: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>{esc(title)}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/static/gazette.css">
  <link rel="alternate" type="application/atom+xml" title="{attr(NAME)}" href="/atom.xml">
  <link rel="canonical" href="{attr(canonical)}">
{extra}</head>
<body>
<div class="cookie-notice">This site uses one cookie to remember that you have seen this notice. <button>OK</button></div>
<header class="masthead"><a class="brand" href="/">{esc(NAME)}</a> <span class="strap">Hollins news without the varnish</span>
<nav><a href="/">Front page</a> · <a href="/about.html">About</a> · <a href="/atom.xml">Atom</a></nav></header>
"""


_FOOT = """<footer><p>&copy; 2026 Hollins Gazette. Written in Hollins, hosted in a cupboard.</p><p><a href="/about.html">About</a> · <a href="/sitemap.xml">Sitemap</a></p></footer>
</body>
</html>
"""


def _post_page(env: Env, post: Post) -> str:
    url = url_of(env, post)
    extra = (
        f'  <meta property="og:url" content="{attr(url)}">\n  <meta property="og:title" content="{attr(post.title)}">\n'
        f'  <meta name="author" content="{attr(post.author)}">\n  <meta property="article:published_time" content="{post.published.isoformat()}">\n'
    )
    return (
        _head(env, f"{post.title} — {NAME}", url, extra)
        + f"""<main>
<article class="story">
  <h1>{esc(post.title)}</h1>
  <p class="byline">By <span class="author">{esc(post.author)}</span>, <time datetime="{post.published.isoformat()}">{long_date(post.published)}</time></p>
{body_html(post.paragraphs, indent="  ")}
</article>
<aside class="tipjar"><h3>Keep the Gazette going</h3><p>We take no advertising. If this was worth reading, a small monthly donation keeps us independent.</p></aside>
</main>
"""
        + _FOOT
    )


def _home_link(env: Env, post: Post) -> str:
    return f"/p?id={SAME_ID}" if post.slug == content.AUTO_SAME else f"/posts/{post.slug}"


def _home(env: Env, posts: Sequence[Post]) -> str:
    cards = "\n".join(
        f'<div class="teaser"><h2><a href="{_home_link(env, p)}">{esc(p.title)}</a></h2><p>{esc(excerpt(p, 25))}</p></div>'
        for p in posts
    )
    return _head(env, f"{NAME} — front page", env.base) + f'<main class="front">\n{cards}\n</main>\n' + _FOOT


def _atom(env: Env, posts: Sequence[Post]) -> str:
    items = [
        FeedItem(
            title=p.title,
            link=url_of(env, p),
            guid=f"tag:hollins-gazette.example,2026:posts/{p.slug}",
            author=p.author,
            categories=p.tags,
            published=p.published,
            updated=p.modified,
            summary=excerpt(p, 30),
        )
        for p in posts
    ]
    channel = Channel(
        NAME,
        env.base,
        f"{env.base}atom.xml",
        "Hollins news without the varnish",
        newest(posts),
        generator="hand-rolled 1.2",
    )
    return atom(channel, items, feed_id="tag:hollins-gazette.example,2026:feed")


def _p_route(env: Env) -> Route:
    target = f"{env.base}posts/{content.AUTO_SAME}"

    def route(req: Req) -> Reply:
        if req.query.get("id") == SAME_ID:
            return redirect(target, 301)(req)
        return error(404)

    return route


def build(env: Env) -> Built:
    """Render the autodetect site for ``env.day``."""
    posts = content.posts_on(SITE, env.day)
    stamp = newest(posts)
    router = Router(env.base)
    router.add("/", resource(_home(env, posts), HTML, stamp))
    router.add("/robots.txt", robots("Disallow: /drafts/", "", f"Sitemap: {env.base}sitemap.xml"))
    router.add("/atom.xml", resource(_atom(env, posts), ATOM, stamp))
    router.add("/sitemap.xml", resource(sitemap_index([(f"{env.base}sitemap-posts.xml.gz", stamp)]), XML, stamp))
    entries = [(url_of(env, p) + (TRACKED if p.slug == content.AUTO_SAME else ""), p.modified) for p in posts]
    router.add("/sitemap-posts.xml.gz", resource(gz(sitemap(entries)), "application/gzip", stamp))
    router.add("/p", _p_route(env))
    about = (
        _head(env, f"About — {NAME}", f"{env.base}about.html")
        + "<main><h1>About</h1><p>The Gazette is written by two retired reporters and a cat.</p></main>\n"
        + _FOOT
    )
    router.add("/about.html", resource(about, HTML, SITE_EPOCH))
    built = Built(router)
    for post in posts:
        router.add(f"/posts/{post.slug}", resource(_post_page(env, post), HTML, post.modified))
        built.expected.append(expect(env, url_of(env, post), post))
    for post in content.all_posts()[SITE]:
        if not content.live(SITE, post, env.day):
            router.add(f"/posts/{post.slug}", gone)
    return built
