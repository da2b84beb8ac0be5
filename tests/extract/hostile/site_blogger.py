"""The Blogger site: the GData JSON feed, the Atom feed, ``/YYYY/MM/slug.html`` pages.

``/feeds/posts/default?alt=json&start-index=N&max-results=M`` answers the JSON the crawler reads
(``feed.entry[]`` with ``$t`` fields, ``openSearch$totalResults``); without ``alt=json`` the same
URL is Atom, with ``rel="next"`` when more entries remain. Times carry Blogger's local offset
(US Eastern, ``-05:00`` in November), as the real service writes them.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from tests.extract.hostile import content
from tests.extract.hostile.common import Built, Env, expect, robots
from tests.extract.hostile.markup import attr, body_html, esc, long_date, newest
from tests.extract.hostile.prose import Post
from tests.extract.hostile.replies import ATOM, HTML, JSON, Reply, Req, Route, Router, error, ok, resource

SITE = content.BLOGGER
NAME = "Fenwick Street Notes"
BLOG_ID = "7310458822916603411"
EASTERN = timezone(timedelta(hours=-5))


def path_of(post: Post) -> str:
    """``/2026/11/slug.html``."""
    return f"/{post.published:%Y/%m}/{post.slug}.html"


def _post_id(post: Post) -> str:
    slugs = [p.slug for p in content.all_posts()[SITE]]
    return str(4417006633119250001 + 1000003 * slugs.index(post.slug))


def _stamp(post_time: datetime) -> str:
    moment = post_time.astimezone(EASTERN)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000-05:00")


def _t(value: str, **extra: str) -> dict[str, str]:
    return {**extra, "$t": value}


def _entry(env: Env, post: Post) -> dict[str, object]:
    pid = _post_id(post)
    url = env.base + path_of(post)[1:]
    api = f"{env.base}feeds/{BLOG_ID}/posts/default/{pid}"
    return {
        "id": _t(f"tag:blogger.com,1999:blog-{BLOG_ID}.post-{pid}"),
        "published": _t(_stamp(post.published)),
        "updated": _t(_stamp(post.modified)),
        "category": [{"scheme": "http://www.blogger.com/atom/ns#", "term": t} for t in post.tags],
        "title": _t(post.title, type="text"),
        "content": _t(body_html(post.paragraphs), type="html"),
        "link": [
            {
                "rel": "replies",
                "type": "application/atom+xml",
                "href": f"{env.base}feeds/{pid}/comments/default",
                "title": "Post Comments",
            },
            {"rel": "edit", "type": "application/atom+xml", "href": api},
            {"rel": "self", "type": "application/atom+xml", "href": api},
            {"rel": "alternate", "type": "text/html", "href": url, "title": post.title},
        ],
        "author": [
            {
                "name": _t(post.author),
                "uri": _t("https://www.blogger.com/profile/0" + pid[-8:]),
                "email": _t("noreply@blogger.com"),
            }
        ],
    }


def _window(req: Req) -> tuple[int, int] | None:
    try:
        start = int(req.query.get("start-index", "1"))
        size = int(req.query.get("max-results", "25"))
    except ValueError:
        return None
    return (start, size) if start >= 1 and 1 <= size <= 500 else None


def _json_feed(env: Env, posts: Sequence[Post], start: int, size: int) -> str:
    chunk = posts[start - 1 : start - 1 + size]
    feed = {
        "xmlns": "http://www.w3.org/2005/Atom",
        "xmlns$openSearch": "http://a9.com/-/spec/opensearchrss/1.0/",
        "xmlns$blogger": "http://schemas.google.com/blogger/2008",
        "id": _t(f"tag:blogger.com,1999:blog-{BLOG_ID}"),
        "updated": _t(_stamp(newest(posts))),
        "title": _t(NAME, type="text"),
        "subtitle": _t("Notes from a city hall beat", type="html"),
        "link": [{"rel": "alternate", "type": "text/html", "href": env.base}],
        "author": [{"name": _t("Dale Hutchins")}],
        "generator": _t("Blogger", version="7.00", uri="http://www.blogger.com"),
        "openSearch$totalResults": _t(str(len(posts))),
        "openSearch$startIndex": _t(str(start)),
        "openSearch$itemsPerPage": _t(str(size)),
        "entry": [_entry(env, p) for p in chunk],
    }
    return json.dumps({"version": "1.0", "encoding": "UTF-8", "feed": feed}, ensure_ascii=False, separators=(",", ":"))


def _atom_feed(env: Env, posts: Sequence[Post], start: int, size: int) -> str:
    chunk = posts[start - 1 : start - 1 + size]
    self_url = f"{env.base}feeds/posts/default"
    out = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' xmlns:blogger='http://schemas.google.com/blogger/2008'>",
        f"<id>tag:blogger.com,1999:blog-{BLOG_ID}</id><updated>{_stamp(newest(posts))}</updated>",
        f"<title type='text'>{esc(NAME)}</title><subtitle type='html'>Notes from a city hall beat</subtitle>",
        f"<link rel='alternate' type='text/html' href='{attr(env.base)}'/><link rel='self' type='application/atom+xml' href='{attr(self_url)}'/>",
    ]
    if start - 1 + size < len(posts):
        out.append(
            f"<link rel='next' type='application/atom+xml' href='{attr(self_url)}?start-index={start + size}&amp;max-results={size}'/>"
        )
    out.append(
        "<author><name>Dale Hutchins</name></author><generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
    )
    out.append(
        f"<openSearch:totalResults>{len(posts)}</openSearch:totalResults><openSearch:startIndex>{start}</openSearch:startIndex><openSearch:itemsPerPage>{size}</openSearch:itemsPerPage>"
    )
    for post in chunk:
        cats = "".join(f"<category scheme='http://www.blogger.com/atom/ns#' term='{attr(t)}'/>" for t in post.tags)
        out.append(
            f"<entry><id>tag:blogger.com,1999:blog-{BLOG_ID}.post-{_post_id(post)}</id><published>{_stamp(post.published)}</published>"
            f"<updated>{_stamp(post.modified)}</updated>{cats}<title type='text'>{esc(post.title)}</title>"
            f"<content type='html'>{esc(body_html(post.paragraphs))}</content>"
            f"<link rel='alternate' type='text/html' href='{attr(env.base + path_of(post)[1:])}' title='{attr(post.title)}'/>"
            f"<author><name>{esc(post.author)}</name><email>noreply@blogger.com</email></author></entry>"
        )
    out.append("</feed>")
    return "\n".join(out) + "\n"


def _feed_route(env: Env, posts: Sequence[Post]) -> Route:
    def route(req: Req) -> Reply:
        window = _window(req)
        if window is None:
            return error(400, body="Invalid start-index or max-results\n")
        start, size = window
        if req.query.get("alt") == "json":
            return ok(resource(_json_feed(env, posts, start, size), JSON, newest(posts)), req)
        return ok(resource(_atom_feed(env, posts, start, size), ATOM, newest(posts)), req)

    return route


def _page(env: Env, title: str, canonical: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html class='v2' dir='ltr' lang='en'>
<head>
<meta content='width=1100' name='viewport'/>
<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>
<meta content='blogger' name='generator'/>
<link href='{env.base}favicon.ico' rel='icon' type='image/x-icon'/>
<link href='{attr(canonical)}' rel='canonical'/>
<link rel="alternate" type="application/atom+xml" title="{attr(NAME)} - Atom" href="{env.base}feeds/posts/default" />
<link rel="service.post" type="application/atom+xml" title="{attr(NAME)} - Atom" href="https://www.blogger.com/feeds/{BLOG_ID}/posts/default" />
<title>{esc(title)}</title>
<script type="text/javascript" src="https://www.blogger.com/static/v1/widgets/2975350028-widgets.js"></script>
</head>
<body class='loading'>
<div class='navbar section' id='navbar'><div class='widget Navbar'>Blogger navigation bar</div></div>
<div class='header-outer'><div class='Header widget'><h1 class='title'><a href='{env.base}'>{esc(NAME)}</a></h1><p class='description'>Notes from a city hall beat</p></div></div>
<div class='main-outer'><div class='main section' id='main'><div class='widget Blog' id='Blog1'><div class='blog-posts hfeed'>
{main}
</div></div></div></div>
<div class='sidebar section' id='sidebar-right-1'><div class='widget Profile'><h2>About Me</h2><dl class='profile-datablock'><dd class='profile-data'>Dale Hutchins</dd><dd class='profile-textblock'>Twenty years covering city hall. Opinions mine.</dd></dl></div></div>
<div class='footer-outer'><div class='widget Attribution'>Powered by <a href='https://www.blogger.com' target='_blank'>Blogger</a>.</div></div>
</body>
</html>
"""


def _article(env: Env, post: Post, heading: str = "h3") -> str:
    url = env.base + path_of(post)[1:]
    labels = ", ".join(f"<a href='{env.base}search/label/{attr(t)}' rel='tag'>{esc(t)}</a>" for t in post.tags)
    return f"""<div class='date-outer'><h2 class='date-header'><span>{long_date(post.published)}</span></h2>
<div class='post hentry uncustomized-post-template' itemprop='blogPost'>
<a name='{_post_id(post)}'></a>
<{heading} class='post-title entry-title' itemprop='name'><a href='{attr(url)}'>{esc(post.title)}</a></{heading}>
<div class='post-body entry-content' id='post-body-{_post_id(post)}' itemprop='articleBody'>
{body_html(post.paragraphs)}
<div style='clear: both;'></div>
</div>
<div class='post-footer'><span class='post-author vcard'>Posted by <span class='fn' itemprop='author'>{esc(post.author)}</span></span>
<span class='post-timestamp'>at <abbr class='published' itemprop='datePublished' title='{_stamp(post.published)}'>{post.published.astimezone(EASTERN):%I:%M %p}</abbr></span>
<span class='post-labels'>Labels: {labels}</span></div>
</div></div>"""


def build(env: Env) -> Built:
    """Render the Blogger site for ``env.day``."""
    posts = sorted(content.posts_on(SITE, env.day), key=lambda p: p.modified, reverse=True)
    router = Router(env.base)
    home = "\n".join(_article(env, p) for p in posts)
    router.add("/", resource(_page(env, NAME, env.base, home), HTML, newest(posts)))
    router.add("/robots.txt", robots("Disallow: /search", "Allow: /"))
    router.add("/feeds/posts/default", _feed_route(env, posts))
    built = Built(router)
    for post in posts:
        url = env.base + path_of(post)[1:]
        comments = "<div class='comments' id='comments'><h4>No comments:</h4><p class='comment-footer'><a href='#'>Post a Comment</a></p></div>"
        page = _page(env, f"{NAME}: {post.title}", url, _article(env, post) + "\n" + comments)
        router.add(path_of(post), resource(page, HTML, post.modified))
        built.expected.append(expect(env, url, post))
    return built
