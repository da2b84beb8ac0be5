"""A Ghost 5 publication with a Casper-style theme and its RSS feed at ``/rss/``.

Ghost pages differ from WordPress in the ways that trip extractors: the visible date is a day
only (``<time datetime="2026-10-03">``) with the exact time in ``article:published_time`` and
JSON-LD, tags live in meta tags rather than links, and the body sits in ``section.gh-content``.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from flows.blogosphere.feeds import Channel, FeedItem, rss2
from flows.blogosphere.fmt import attr, body_html, date_short, esc, excerpt, iso_utc_ms, slugify, stable_hex
from flows.blogosphere.model import Blog, Post
from flows.blogosphere.pages import HTML, RSS, TEXT, SiteRoutes, page
from flows.blogosphere.urls import feed_path, post_path

VERSION = "5.96"
ASSETS = "v=8f2a9c1e0b"


def _json_ld(blog: Blog, base: str, post: Post, url: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "publisher": {"@type": "Organization", "name": blog.name, "url": base},
        "author": {"@type": "Person", "name": post.author, "url": f"{base}author/{slugify(post.author)}/"},
        "headline": post.title,
        "url": url,
        "datePublished": iso_utc_ms(post.published),
        "dateModified": iso_utc_ms(post.modified),
        "keywords": ", ".join(post.tags),
        "description": excerpt(post, 30),
        "mainEntityOfPage": url,
    }
    return json.dumps(data, ensure_ascii=False, indent=4).replace("</", "<\\/")


def _head(
    blog: Blog,
    base: str,
    title: str,
    canonical: str,
    description: str,
    extra: str = "",
    body_class: str = "home-template",
) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>

    <meta charset="utf-8">
    <meta http-equiv="X-UA-Compatible" content="IE=edge">

    <title>{esc(title)}</title>
    <meta name="HandheldFriendly" content="True">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">

    <link rel="stylesheet" type="text/css" href="{base}assets/built/screen.css?{ASSETS}">

    <meta name="description" content="{attr(description)}">
    <link rel="icon" href="{base}favicon.png" type="image/png">
    <link rel="canonical" href="{attr(canonical)}">
    <meta name="referrer" content="no-referrer-when-downgrade">
    {extra}
    <meta name="generator" content="Ghost {VERSION}">
    <link rel="alternate" type="application/rss+xml" title="{attr(blog.name)}" href="{base}{feed_path("ghost")}">
    <script defer src="{base}public/portal.min.js" data-ghost="{base}" crossorigin="anonymous"></script>

</head>
<body class="{body_class} is-head-left-logo has-serif-body">
<div class="viewport">

    <header id="gh-head" class="gh-head outer">
        <div class="gh-head-inner inner">
            <div class="gh-head-brand">
                <a class="gh-head-logo no-image" href="{base}">{esc(blog.name)}</a>
            </div>
            <nav class="gh-head-menu">
                <ul class="nav">
{_menu(blog, base)}
                </ul>
            </nav>
            <div class="gh-head-actions">
                <a class="gh-head-link" href="#/portal/signin" data-portal="signin">Sign in</a>
                <a class="gh-head-button" href="#/portal/signup" data-portal="signup">Subscribe</a>
            </div>
        </div>
    </header>

    <div class="site-content">
"""


def _menu(blog: Blog, base: str) -> str:
    items = [f'                    <li class="nav-home"><a href="{base}">Home</a></li>']
    items += [
        f'                    <li class="nav-{slugify(n)}"><a href="{base}tag/{slugify(n)}/">{esc(n)}</a></li>'
        for n in blog.menu
    ]
    items.append(f'                    <li class="nav-about"><a href="{base}about/">About</a></li>')
    return "\n".join(items)


def _foot(blog: Blog, base: str) -> str:
    return f"""    </div>

    <footer class="site-footer outer">
        <div class="inner">
            <section class="copyright"><a href="{base}">{esc(blog.name)}</a> &copy; 2026</section>
            <nav class="site-footer-nav">
                <ul class="nav"><li class="nav-about"><a href="{base}about/">About</a></li><li class="nav-rss"><a href="{base}{feed_path("ghost")}">RSS</a></li></ul>
            </nav>
            <div class="gh-powered-by"><a href="https://ghost.org/" target="_blank" rel="noopener">Powered by Ghost</a></div>
        </div>
    </footer>

</div>
<script src="{base}assets/built/casper.js?{ASSETS}"></script>
</body>
</html>
"""


def _card(base: str, post: Post) -> str:
    link = f"{base}{post_path('ghost', post)}"
    return f"""            <article class="post-card post tag-{slugify(post.tags[0])}">
                <div class="post-card-content">
                    <a class="post-card-content-link" href="{link}">
                        <header class="post-card-header">
                            <div class="post-card-primary-tag">{esc(post.tags[0])}</div>
                            <h2 class="post-card-title">{esc(post.title)}</h2>
                        </header>
                        <div class="post-card-excerpt">{esc(excerpt(post, 30))}</div>
                    </a>
                    <footer class="post-card-meta">
                        <time class="post-card-meta-date" datetime="{post.published:%Y-%m-%d}">{date_short(post.published)}</time>
                        <span class="post-card-meta-length">{_minutes(post)} min read</span>
                    </footer>
                </div>
            </article>"""


def _minutes(post: Post) -> int:
    return max(1, math.ceil(post.word_count / 265))


def _post_page(blog: Blog, base: str, post: Post) -> str:
    url = f"{base}{post_path('ghost', post)}"
    tag_metas = "\n    ".join(f'<meta property="article:tag" content="{attr(t)}">' for t in post.tags)
    extra = f"""<meta property="og:site_name" content="{attr(blog.name)}">
    <meta property="og:type" content="article">
    <meta property="og:title" content="{attr(post.title)}">
    <meta property="og:description" content="{attr(excerpt(post, 30))}">
    <meta property="og:url" content="{attr(url)}">
    <meta property="article:published_time" content="{iso_utc_ms(post.published)}">
    <meta property="article:modified_time" content="{iso_utc_ms(post.modified)}">
    {tag_metas}
    <meta name="twitter:card" content="summary">
    <meta name="twitter:title" content="{attr(post.title)}">
    <script type="application/ld+json">
{_json_ld(blog, base, post, url)}
    </script>"""
    classes = " ".join(f"tag-{slugify(t)}" for t in post.tags)
    author_url = f"{base}author/{slugify(post.author)}/"
    more = "\n".join(_card(base, p) for p in blog.earlier_posts(post)[:3])
    return (
        _head(blog, base, post.title, url, excerpt(post, 30), extra, f"post-template {classes}")
        + f"""<main id="site-main" class="site-main">
<article class="article post {classes}">

    <header class="article-header gh-canvas">
        <div class="article-tag post-card-tags">
            <span class="post-card-primary-tag"><a href="{base}tag/{slugify(post.tags[0])}/">{esc(post.tags[0])}</a></span>
        </div>
        <h1 class="article-title">{esc(post.title)}</h1>
        <div class="article-byline">
            <section class="article-byline-content">
                <ul class="author-list"><li class="author-list-item"><a href="{author_url}" class="author-avatar author-profile-image"><svg viewBox="0 0 24 24"><g fill="none"><path d="M3.5 21.5c0-4 4-6.5 8.5-6.5s8.5 2.5 8.5 6.5"></path></g></svg></a></li></ul>
                <div class="article-byline-meta">
                    <h4 class="author-name"><a href="{author_url}">{esc(post.author)}</a></h4>
                    <div class="byline-meta-content">
                        <time class="byline-meta-date" datetime="{post.published:%Y-%m-%d}">{date_short(post.published)}</time>
                        <span class="byline-reading-time"><span class="bull">&bull;</span> {_minutes(post)} min read</span>
                    </div>
                </div>
            </section>
        </div>
    </header>

    <section class="gh-content gh-canvas">
{body_html(post.paragraphs, indent="        ")}
    </section>

</article>
</main>

<section class="footer-cta outer">
    <div class="inner">
        <h2 class="footer-cta-title">Sign up for {esc(blog.name)}</h2>
        <a class="footer-cta-button" href="#/portal" data-portal><div class="footer-cta-input">Enter your email</div><span>Subscribe</span></a>
    </div>
</section>

<aside class="read-more-wrap outer">
    <div class="read-more inner">
        <div class="post-feed">
            <h3 class="read-more-title">Read more</h3>
{more}
        </div>
    </div>
</aside>
"""
        + _foot(blog, base)
    )


def _listing(blog: Blog, base: str, path: str, heading: str | None, posts: Sequence[Post]) -> str:
    cards = "\n".join(_card(base, p) for p in posts)
    title = f"{heading} - {blog.name}" if heading else blog.name
    header = (
        f'<header class="post-card-header"><h1 class="site-title">{esc(heading)}</h1></header>\n'
        if heading
        else f'<div class="site-header-content outer"><h1 class="site-title">{esc(blog.name)}</h1><p class="site-description">{esc(blog.tagline)}</p></div>\n'
    )
    return (
        _head(
            blog, base, title, f"{base}{path}", blog.tagline, body_class="tag-template" if heading else "home-template"
        )
        + f'<main id="site-main" class="site-main outer">\n{header}<div class="inner posts"><div class="post-feed">\n{cards}\n</div></div>\n</main>\n'
        + _foot(blog, base)
    )


def _about(blog: Blog, base: str) -> str:
    body = "\n".join(f"        <p>{esc(t)}</p>" for t in blog.about)
    return (
        _head(blog, base, f"About - {blog.name}", f"{base}about/", blog.tagline, body_class="page-template")
        + f'<main id="site-main" class="site-main">\n<article class="article page">\n    <header class="article-header gh-canvas"><h1 class="article-title">About</h1></header>\n    <section class="gh-content gh-canvas">\n{body}\n    </section>\n</article>\n</main>\n'
        + _foot(blog, base)
    )


def _rss(blog: Blog, base: str, live: Sequence[Post]) -> str:
    items = [
        FeedItem(
            title=p.title,
            link=f"{base}{post_path('ghost', p)}",
            guid=stable_hex(blog.id, p.slug),
            author=p.author,
            categories=p.tags,
            published=p.published,
            updated=p.modified,
            summary=excerpt(p, 30),
            content_html=body_html(p.paragraphs),
        )
        for p in live
    ]
    channel = Channel(
        title=blog.name,
        link=base,
        self_url=f"{base}{feed_path('ghost')}",
        description=blog.tagline,
        updated=max(p.modified for p in live),
        generator=f"Ghost {VERSION}",
        extra_xml="\t<ttl>60</ttl>",
    )
    return rss2(channel, items, cdata_text=True, gmt=True)


ROBOTS = "User-agent: *\nDisallow: /ghost/\nDisallow: /email/\nDisallow: /members/api/comments/counts/\nDisallow: /r/\n"


def build(blog: Blog, day: int, routes: SiteRoutes) -> None:
    """Render every page of the Ghost ``blog`` as it stands on ``day`` into ``routes``."""
    base = routes.base_url
    live = blog.live_posts(day)
    newest = max(p.modified for p in live)
    routes.add("", page(_listing(blog, base, "", None, live), HTML, newest))
    routes.add(feed_path("ghost"), page(_rss(blog, base, live), RSS, newest))
    routes.add("about/", page(_about(blog, base), HTML, min(p.published for p in blog.posts)))
    routes.add("robots.txt", page(ROBOTS, TEXT))
    for post in live:
        routes.add(post_path("ghost", post), page(_post_page(blog, base, post), HTML, post.modified))
    groups: dict[str, tuple[str, list[Post]]] = {}
    for post in live:
        for name in post.tags:
            groups.setdefault(f"tag/{slugify(name)}/", (name, []))[1].append(post)
        groups.setdefault(f"author/{slugify(post.author)}/", (post.author, []))[1].append(post)
    for path, (name, posts) in sorted(groups.items()):
        routes.add(path, page(_listing(blog, base, path, name, posts), HTML, max(p.modified for p in posts)))
