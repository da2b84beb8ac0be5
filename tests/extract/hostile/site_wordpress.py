"""The WordPress site: REST API with ``_embed``, ``/feed/`` RSS, dated permalinks, a disallowed post.

robots.txt asks for ``Crawl-delay: 1`` and disallows ``/private/``; the oldest post, listed in
both the API and the feed, lives at ``/private/secret-post/`` and must never be requested. On
day 1 one post is edited (paragraph 3 changes, ``modified_gmt`` moves) and a new one appears.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

import json
from collections.abc import Sequence

from tests.extract.hostile import content
from tests.extract.hostile.common import SITE_EPOCH, Built, Env, expect, robots
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
    wp_gmt,
)
from tests.extract.hostile.prose import Post
from tests.extract.hostile.replies import HTML, JSON, RSS, Reply, Req, Route, Router, ok, resource

SITE = content.WP
NAME = "The Dunmore Ledger"
VERSION = "6.6"
_TERMS = {
    name: 3 + i for i, name in enumerate(sorted({t for p in content.all_posts()[SITE] for t in p.tags} | {"Opinion"}))
}


def path_of(post: Post) -> str:
    """The permalink path: ``/private/secret-post/`` for the draft, else ``/2026/11/02/slug/``."""
    if post.slug == content.WP_SECRET:
        return f"/private/{post.slug}/"
    return f"/{post.published:%Y/%m/%d}/{post.slug}/"


def _post_id(post: Post) -> int:
    slugs = [p.slug for p in content.all_posts()[SITE]]
    return 101 + 7 * slugs.index(post.slug)


def _head(env: Env, title: str, canonical: str, extra: str = "") -> str:
    b = env.base
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="alternate" type="application/rss+xml" title="{attr(NAME)} &raquo; Feed" href="{b}feed/" />
<link rel='stylesheet' id='wp-block-library-css' href='{b}wp-includes/css/dist/block-library/style.min.css?ver={VERSION}' media='all' />
<link rel='stylesheet' id='ledger-style-css' href='{b}wp-content/themes/ledger/style.css?ver=2.1' media='all' />
<link rel="https://api.w.org/" href="{b}wp-json/" />
<meta name="generator" content="WordPress {VERSION}" />
<link rel="canonical" href="{attr(canonical)}" />
{extra}</head>
<body class="wp-theme-ledger">
<div id="page" class="site">
<header id="masthead" class="site-header">
  <p class="site-title"><a href="{b}" rel="home">{esc(NAME)}</a></p>
  <p class="site-description">Council business, read closely</p>
  <nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
    <li class="menu-item"><a href="{b}">Home</a></li>
    <li class="menu-item"><a href="{b}category/opinion/">Opinion</a></li>
    <li class="menu-item"><a href="{b}about/">About</a></li>
  </ul></nav>
</header>
"""


_FOOT = """<footer id="colophon" class="site-footer">
  <div class="site-info">Proudly powered by WordPress | Theme: Ledger by Dunmore Press.</div>
</footer>
</div><!-- #page -->
</body>
</html>
"""


def _sidebar(env: Env, post: Post) -> str:
    earlier = [p for p in content.all_posts()[SITE] if p.published < post.published and p.slug != content.WP_SECRET]
    items = "\n".join(
        f'    <li><a href="{env.base}{path_of(p)[1:]}">{esc(p.title)}</a></li>' for p in reversed(earlier[-3:])
    )
    return f"""<aside id="secondary" class="widget-area">
  <section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Earlier posts</h2>
  <ul>
{items}
  </ul></section>
  <section id="text-3" class="widget widget_text"><h2 class="widget-title">Support us</h2><div class="textwidget"><p>The Ledger is written by volunteers. Buy us a coffee if you found this useful.</p></div></section>
</aside>
"""


def _post_page(env: Env, post: Post) -> str:
    url = env.base + path_of(post)[1:]
    og = (
        f'<meta property="og:type" content="article" />\n<meta property="og:url" content="{attr(url)}" />\n'
        f'<meta property="og:title" content="{attr(post.title)}" />\n'
        f'<meta property="article:published_time" content="{post.published.isoformat()}" />\n'
        f'<meta property="article:modified_time" content="{post.modified.isoformat()}" />\n'
    )
    cats = ", ".join(
        f'<a href="{env.base}category/{t.lower().replace(" ", "-")}/" rel="category tag">{esc(t)}</a>'
        for t in post.tags
    )
    return (
        _head(env, f"{post.title} - {NAME}", url, og)
        + f"""<main id="primary" class="site-main">
<article id="post-{_post_id(post)}" class="post-{_post_id(post)} post type-post status-publish format-standard hentry">
  <header class="entry-header">
    <h1 class="entry-title">{esc(post.title)}</h1>
    <div class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published" datetime="{post.published.isoformat()}">{long_date(post.published)}</time></span> <span class="byline">by <span class="author vcard"><a class="url fn n" href="{env.base}author/{post.author.split()[0].lower()}/">{esc(post.author)}</a></span></span></div>
  </header>
  <div class="entry-content">
{body_html(post.paragraphs)}
    <div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul><li><a class="share-twitter" href="#">Share on X</a></li><li><a class="share-facebook" href="#">Share on Facebook</a></li></ul></div>
  </div>
  <footer class="entry-footer"><span class="cat-links">Posted in {cats}</span></footer>
</article>
<div id="comments" class="comments-area">
  <div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
  <form action="{env.base}wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-notes">Your email address will not be published.</p><textarea id="comment" name="comment"></textarea><input name="submit" type="submit" id="submit" class="submit" value="Post Comment" /></form></div>
</div>
</main>
"""
        + _sidebar(env, post)
        + _FOOT
    )


def _home(env: Env, posts: Sequence[Post]) -> str:
    cards = "\n".join(
        f"""<article class="post type-post hentry"><h2 class="entry-title"><a href="{env.base}{path_of(p)[1:]}" rel="bookmark">{esc(p.title)}</a></h2>
  <div class="entry-summary"><p>{esc(excerpt(p))}</p></div></article>"""
        for p in posts
        if p.slug != content.WP_SECRET
    )
    return (
        _head(env, f"{NAME} - Council business, read closely", env.base)
        + f'<main id="primary" class="site-main">\n{cards}\n</main>\n'
        + _FOOT
    )


def _api_post(env: Env, post: Post) -> dict[str, object]:
    pid = _post_id(post)
    terms = [[{"id": _TERMS["Opinion"], "name": "Opinion", "slug": "opinion", "taxonomy": "category"}]]
    terms.append(
        [{"id": _TERMS[t], "name": t, "slug": t.lower().replace(" ", "-"), "taxonomy": "post_tag"} for t in post.tags]
    )
    rendered = body_html(post.paragraphs) + "\n"
    return {
        "id": pid,
        "date": wp_gmt(post.published),
        "date_gmt": wp_gmt(post.published),
        "guid": {"rendered": f"{env.base}?p={pid}"},
        "modified": wp_gmt(post.modified),
        "modified_gmt": wp_gmt(post.modified),
        "slug": post.slug,
        "status": "publish",
        "type": "post",
        "link": env.base + path_of(post)[1:],
        "title": {"rendered": esc(post.title)},
        "content": {"rendered": rendered, "protected": False},
        "excerpt": {"rendered": f"<p>{esc(excerpt(post, 40))}</p>\n", "protected": False},
        "author": 2 if post.author.startswith("Marguerite") else 3,
        "categories": [_TERMS["Opinion"]],
        "tags": [_TERMS[t] for t in post.tags],
        "_embedded": {
            "author": [
                {
                    "id": 2 if post.author.startswith("Marguerite") else 3,
                    "name": post.author,
                    "slug": post.author.split()[0].lower(),
                }
            ],
            "wp:term": terms,
        },
    }


def _api_error(code: str, message: str) -> Reply:
    data = json.dumps({"code": code, "message": message, "data": {"status": 400}}).encode()
    return Reply(400, (("Content-Type", JSON), ("Content-Length", str(len(data)))), data)


def _posts_route(env: Env, posts: Sequence[Post]) -> Route:
    def route(req: Req) -> Reply:
        try:
            per_page = int(req.query.get("per_page", "10"))
            page = int(req.query.get("page", "1"))
        except ValueError:
            return _api_error("rest_invalid_param", "Invalid parameter(s): per_page, page")
        if not 1 <= per_page <= 100 or page < 1:
            return _api_error("rest_invalid_param", "Invalid parameter(s): per_page, page")
        pages = max(1, -(-len(posts) // per_page))
        if page > pages:
            return _api_error(
                "rest_post_invalid_page_number",
                "The page number requested is larger than the number of pages available.",
            )
        chunk = posts[(page - 1) * per_page : page * per_page]
        body = json.dumps([_api_post(env, p) for p in chunk], ensure_ascii=False, separators=(",", ":"))
        res = resource(body, JSON, newest(chunk), X_WP_Total=str(len(posts)), X_WP_TotalPages=str(pages))
        return ok(res, req)

    return route


def _feed(env: Env, posts: Sequence[Post]) -> str:
    items = [
        FeedItem(
            title=p.title,
            link=env.base + path_of(p)[1:],
            guid=f"{env.base}?p={_post_id(p)}",
            author=p.author,
            categories=p.tags,
            published=p.published,
            updated=p.modified,
            summary=excerpt(p, 40),
            content_html=body_html(p.paragraphs),
        )
        for p in posts
    ]
    channel = Channel(
        NAME,
        env.base,
        f"{env.base}feed/",
        "Council business, read closely",
        newest(posts),
        "en-GB",
        f"https://wordpress.org/?v={VERSION}",
    )
    return rss2(channel, items)


def build(env: Env) -> Built:
    """Render the WordPress site for ``env.day``."""
    posts = content.posts_on(SITE, env.day)
    router = Router(env.base)
    link = f'<{env.base}wp-json/>; rel="https://api.w.org/"'
    router.add("/", resource(_home(env, posts), HTML, newest(posts), Link=link))
    router.add("/robots.txt", robots("Crawl-delay: 1", "Disallow: /private/"))
    router.add("/feed/", resource(_feed(env, posts), RSS, newest(posts)))
    index = {
        "name": NAME,
        "description": "Council business, read closely",
        "url": env.base,
        "namespaces": ["oembed/1.0", "wp/v2"],
    }
    router.add("/wp-json/", resource(json.dumps(index, separators=(",", ":")), JSON, SITE_EPOCH, Link=link))
    router.add("/wp-json/wp/v2/posts", _posts_route(env, posts))
    built = Built(router)
    for post in posts:
        router.add(path_of(post), resource(_post_page(env, post), HTML, post.modified))
        if post.slug != content.WP_SECRET:
            built.expected.append(expect(env, env.base + path_of(post)[1:], post))
    return built
