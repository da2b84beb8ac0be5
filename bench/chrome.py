"""Site chrome of the weight real blog pages carry, around the generated blogs' post pages.

The sample themes emit lean pages (10-20 KB, 90-210 elements). The English blog pages of
``shared/corpora/blog-pages`` weigh 37-110 KB (median about 70 KB) with 250-1,100 elements and
80-240 links, most of it navigation, widgets, footers, consent banners and inline scripts; that
is what an extractor spends its time on (bare trafilatura: about 54 ms of CPU a page there, 4 ms
on the lean pages). ``dress`` wraps every HTML page of a blog in such chrome, the same on every
page of a blog as on a real site: a mega-menu header, a sidebar (tag cloud, archives, most read,
newsletter, ad slots), a link-heavy footer, a cookie dialog, an inline stylesheet, a site-config
script and an analytics snippet. The chrome carries no metadata (no JSON-LD, no bylines), so it
changes what extraction costs, not what it finds.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

import dataclasses
import json
import random

from bench.corpus import PLACES, TOPICS
from flows.blogosphere.fmt import attr, esc, slugify
from flows.blogosphere.model import Blog
from flows.blogosphere.pages import HTML, SiteRoutes
from flows.blogosphere.site import build_routes

SECTIONS = ("News", "Politics", "Opinion", "Local", "Economy", "Culture", "Investigations", "Podcasts")
SUBSECTIONS = 7  # links per mega-menu column: real mega-menus list 6-12
TAG_CLOUD = 40  # tags in the sidebar cloud
ARCHIVE_MONTHS = 36  # monthly archive links (three years of posting)
MOST_READ = 10
FOOTER_COLUMNS = 5
FOOTER_LINKS = 10
CSS_RULES = 160  # inline stylesheet rules: a few KB, as page-builder themes inline
CONFIG_KEYS = 120  # keys of the inline site-config object (tens of KB of script on real pages)


def _header(blog: Blog, rng: random.Random) -> str:
    columns = []
    for section in SECTIONS:
        links = "".join(
            f'<li class="menu-item"><a href="/{slugify(section)}/{slugify(t)}/">{esc(t.title())}</a></li>'
            for t in rng.sample(TOPICS, SUBSECTIONS)
        )
        columns.append(
            f'<li class="menu-item has-children"><a href="/{slugify(section)}/">{section}</a>'
            f'<div class="mega"><ul class="sub-menu">{links}</ul>'
            f'<div class="mega-promo"><a href="/{slugify(section)}/"><span class="label">Latest in {section}</span></a></div>'
            "</div></li>"
        )
    ticker = "".join(
        f'<li><a href="/breaking/{i}/"><span class="time">{8 + i}:00</span> {esc(rng.choice(PLACES))} update</a></li>'
        for i in range(6)
    )
    return (
        '<div class="skip-links"><a href="#content">Skip to content</a> <a href="#menu">Skip to menu</a></div>'
        f'<div class="top-bar"><ul class="ticker">{ticker}</ul>'
        '<ul class="top-links"><li><a href="/login/">Sign in</a></li><li><a href="/subscribe/">Subscribe</a></li>'
        '<li><a href="/donate/">Support us</a></li></ul></div>'
        f'<header class="masthead" role="banner"><div class="brand"><a href="/" class="logo">{esc(blog.name)}</a></div>'
        '<form class="search" role="search" action="/search/"><label><span class="sr-only">Search</span>'
        '<input type="search" name="q" placeholder="Search"></label><button type="submit">Go</button></form>'
        f'<nav id="menu" class="mega-menu" aria-label="Main"><ul class="menu">{"".join(columns)}</ul></nav></header>'
    )


def _sidebar(blog: Blog, rng: random.Random) -> str:
    cloud = "".join(
        f'<a class="tag-cloud-link tag-link-{i}" href="/tag/{slugify(t)}-{i}/" style="font-size:{8 + i % 14}pt">{esc(t)}</a> '
        for i, t in enumerate(rng.choices(TOPICS + PLACES, k=TAG_CLOUD))
    )
    months = "".join(
        f'<li><a href="/{2026 - m // 12}/{12 - m % 12:02d}/">{12 - m % 12:02d}/{2026 - m // 12}</a> <span class="count">({rng.randint(3, 40)})</span></li>'
        for m in range(ARCHIVE_MONTHS)
    )
    read = "".join(
        f'<li class="most-read-item"><span class="rank">{i + 1}</span><a href="/popular/{i}/">'
        f'<img src="/img/thumb-{i}.jpg" alt="" width="80" height="60"><span class="headline">'
        f"{esc(rng.choice(TOPICS).title())} in {esc(rng.choice(PLACES))}</span></a></li>"
        for i in range(MOST_READ)
    )
    ads = "".join(
        f'<div class="ad-slot" id="ad-{i}" data-size="300x250"><iframe title="advertisement" src="about:blank" '
        'width="300" height="250" loading="lazy"></iframe><span class="ad-label">Advertisement</span></div>'
        for i in range(2)
    )
    return (
        '<aside class="sidebar" role="complementary">'
        f'<section class="widget widget-most-read"><h2 class="widget-title">Most read</h2><ol>{read}</ol></section>{ads}'
        f'<section class="widget widget-newsletter"><h2 class="widget-title">The {esc(blog.name)} briefing</h2>'
        '<form action="/newsletter/" method="post"><input type="email" name="email" placeholder="Email address">'
        '<label><input type="checkbox" name="consent"> I agree to the terms</label><button>Sign up</button></form></section>'
        f'<section class="widget widget-tags"><h2 class="widget-title">Topics</h2><div class="tagcloud">{cloud}</div></section>'
        f'<section class="widget widget-archive"><h2 class="widget-title">Archives</h2><ul>{months}</ul></section>'
        "</aside>"
    )


def _footer(blog: Blog, rng: random.Random) -> str:
    columns = "".join(
        f'<div class="footer-col"><h3>{section}</h3><ul>'
        + "".join(
            f'<li><a href="/{slugify(section)}/{slugify(t)}/">{esc(t.title())}</a></li>'
            for t in rng.sample(TOPICS, FOOTER_LINKS)
        )
        + "</ul></div>"
        for section in SECTIONS[:FOOTER_COLUMNS]
    )
    icon = '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path d="M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20z"></path></svg>'
    social = "".join(
        f'<li><a href="https://{s}.example/{attr(blog.id)}" rel="me">{icon}<span class="sr-only">{s}</span></a></li>'
        for s in ("x", "facebook", "instagram", "youtube", "threads", "mastodon")
    )
    return (
        f'<footer class="site-footer" role="contentinfo"><div class="footer-cols">{columns}</div>'
        f'<ul class="social">{social}</ul>'
        f'<p class="legal">&copy; 2026 {esc(blog.name)}. Registered in {esc(rng.choice(PLACES))}. '
        '<a href="/terms/">Terms</a> <a href="/privacy/">Privacy</a> <a href="/cookies/">Cookies</a> '
        '<a href="/accessibility/">Accessibility</a> <a href="/corrections/">Corrections</a></p></footer>'
        '<div class="consent" role="dialog" aria-label="Cookie consent"><div class="consent-body">'
        "<p>We and our partners use cookies to personalise content and measure audiences.</p>"
        '<button class="accept">Accept all</button><button class="reject">Reject all</button>'
        '<a href="/cookies/">Manage choices</a></div></div>'
    )


def _head(blog: Blog, rng: random.Random) -> str:
    rules = "".join(
        f".{slugify(rng.choice(TOPICS))}-{i}{{margin:{i % 7}px {i % 5}px;color:#{rng.randrange(16**6):06x};"
        f"font-size:{10 + i % 9}px;line-height:1.{i % 9}}}"
        for i in range(CSS_RULES)
    )
    config = {
        f"{slugify(rng.choice(TOPICS))}_{i}": {
            "enabled": bool(i % 3),
            "variant": rng.randrange(9999),
            "path": f"/assets/{i}.js",
        }
        for i in range(CONFIG_KEYS)
    }
    return (
        f'<style id="theme-inline">{rules}</style>'
        f"<script>window.__SITE__ = {json.dumps({'site': blog.id, 'features': config}, sort_keys=True)};</script>"
        "<script>(function(w,d){var s=d.createElement('script');s.async=1;s.src='/stats.js';"
        "d.head.appendChild(s);w.stats=w.stats||function(){(w.stats.q=w.stats.q||[]).push(arguments)};})(window,document);</script>"
    )


def dress(blog: Blog, routes: SiteRoutes) -> None:
    """Wrap every HTML page of ``routes`` in ``blog``'s chrome (the same for all its pages)."""
    rng = random.Random(f"chrome-{blog.id}")
    head, header, sidebar, footer = _head(blog, rng), _header(blog, rng), _sidebar(blog, rng), _footer(blog, rng)
    for path, resource in routes.pages.items():
        if resource.content_type != HTML:
            continue
        text = resource.body.decode("utf-8")
        start = text.find(">", text.find("<body")) + 1
        end = text.rfind("</body>")
        if start <= 0 or end < start:
            continue
        dressed = (
            text[:start].replace("</head>", head + "</head>", 1)
            + header
            + '<div id="content" class="site-content">'
            + text[start:end]
            + sidebar
            + "</div>"
            + footer
            + text[end:]
        )
        routes.pages[path] = dataclasses.replace(resource, body=dressed.encode("utf-8"))


def dressed_routes(blog: Blog, day: int, base_url: str) -> SiteRoutes:
    """``flows.blogosphere.site.build_routes`` with the chrome added (a ``serve(build=...)`` renderer)."""
    routes = build_routes(blog, day, base_url)
    dress(blog, routes)
    return routes
