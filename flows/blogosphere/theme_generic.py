"""A hand-rolled static blog: no CMS, no feed in the sources file.

A crawler has to discover this one: the homepage advertises an Atom feed that lists only the
newest few posts, and robots.txt points at a sitemap that lists them all. Pages carry the usual
clutter of a small independent site (cookie banner, newsletter box, related posts), and use
root-relative links, as hand-written sites do.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

from collections.abc import Sequence

from flows.blogosphere.feeds import Channel, FeedItem, atom, sitemap
from flows.blogosphere.fmt import attr, body_html, date_us, esc, excerpt, iso
from flows.blogosphere.model import Blog, Post
from flows.blogosphere.pages import ATOM, HTML, TEXT, XML, SiteRoutes, page
from flows.blogosphere.urls import feed_path, post_path

ATOM_ENTRIES = 5
HOME_ENTRIES = 8


def _tag_uri(blog: Blog, rest: str) -> str:
    return f"tag:{blog.id}.example,2026:{rest}"


def _head(blog: Blog, base: str, title: str, canonical: str, description: str, author: str = "") -> str:
    author_meta = f'\n  <meta name="author" content="{attr(author)}">' if author else ""
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{esc(title)}</title>
  <meta name="description" content="{attr(description)}">{author_meta}
  <link rel="stylesheet" href="/css/site.css?v=7">
  <link rel="icon" href="/favicon.ico">
  <link rel="alternate" type="application/atom+xml" title="{attr(blog.name)}" href="/{feed_path("generic")}">
  <link rel="canonical" href="{attr(canonical)}">
</head>
<body>
<div id="cookie-banner" class="cookie-banner" role="dialog" aria-live="polite">
  <p>We use cookies to count visitors and remember your preferences. No ad tracking, ever. <a href="/privacy.html">Read our privacy policy</a>.</p>
  <button type="button" class="cookie-accept">Accept</button> <button type="button" class="cookie-decline">No thanks</button>
</div>
<div class="topbar">
  <a class="logo" href="/">{esc(blog.name)}</a>
  <span class="motto">{esc(blog.tagline)}</span>
  <nav class="site-nav">
    <a href="/">Home</a> |
    <a href="/about.html">About</a> |
    <a href="/privacy.html">Privacy</a> |
    <a href="/{feed_path("generic")}">Subscribe (Atom)</a>
  </nav>
</div>
"""


def _foot(blog: Blog) -> str:
    return f"""<footer class="site-footer">
  <p>&copy; 2026 {esc(blog.name)}. All rights reserved. Opinions are the authors' own.</p>
  <p><a href="/about.html">About</a> &middot; <a href="/privacy.html">Privacy</a> &middot; <a href="/sitemap.xml">Sitemap</a></p>
</footer>
<script>
  document.querySelectorAll('#cookie-banner button').forEach(function (b) {{
    b.addEventListener('click', function () {{ document.getElementById('cookie-banner').style.display = 'none'; }});
  }});
</script>
</body>
</html>
"""


def _newsletter(blog: Blog) -> str:
    return f"""<div class="newsletter-box">
  <h3>Get {esc(blog.name)} in your inbox</h3>
  <p>One email every Friday with the week's posts. Free, and you can leave any time.</p>
  <form action="/subscribe" method="post"><input type="email" name="email" placeholder="you@example.com" required> <button type="submit">Sign me up</button></form>
</div>
"""


def _related(blog: Blog, post: Post) -> list[Post]:
    earlier = blog.earlier_posts(post)
    sharing = [p for p in earlier if set(p.tags) & set(post.tags)]
    rest = [p for p in earlier if p not in sharing]
    return (sharing + rest)[:3]


def _post_page(blog: Blog, base: str, post: Post) -> str:
    url = f"{base}{post_path('generic', post)}"
    tags = ", ".join(f'<span class="tag">{esc(t)}</span>' for t in post.tags)
    related = "\n".join(
        f'    <li><a href="/{post_path("generic", p)}">{esc(p.title)}</a> <small>{date_us(p.published)}</small></li>'
        for p in _related(blog, post)
    )
    comments = ""
    if post.comments:
        items = "\n".join(
            f'    <div class="comment"><p class="comment-author">{esc(c.author)} wrote:</p><p>{esc(c.text)}</p></div>'
            for c in post.comments
        )
        comments = f'<section class="reader-mail">\n  <h3>From the mailbag</h3>\n{items}\n</section>\n'
    return (
        _head(blog, base, f"{post.title} | {blog.name}", url, excerpt(post, 25), post.author)
        + f"""<main>
<article>
  <h1>{esc(post.title)}</h1>
  <p class="byline">By {esc(post.author)} &middot; <time datetime="{iso(post.published)}">{date_us(post.published)}</time></p>
{body_html(post.paragraphs, indent="  ")}
  <p class="post-tags">Filed under: {tags}</p>
</article>
{_newsletter(blog)}<section class="related">
  <h3>Related posts</h3>
  <ul>
{related}
  </ul>
</section>
{comments}</main>
"""
        + _foot(blog)
    )


def _home(blog: Blog, base: str, live: Sequence[Post]) -> str:
    cards = "\n".join(
        f"""  <div class="post-card">
    <h2><a href="/{post_path("generic", p)}">{esc(p.title)}</a></h2>
    <p class="meta">By {esc(p.author)} &middot; {date_us(p.published)}</p>
    <p>{esc(excerpt(p, 40))}</p>
  </div>"""
        for p in live[:HOME_ENTRIES]
    )
    return (
        _head(blog, base, f"{blog.name} | {blog.tagline}", base, blog.tagline)
        + f'<main class="home">\n  <h1 class="visually-hidden">Latest posts</h1>\n{cards}\n</main>\n'
        + _newsletter(blog)
        + _foot(blog)
    )


def _static(blog: Blog, base: str, path: str, title: str, paragraphs: Sequence[str]) -> str:
    body = "\n".join(f"  <p>{esc(text)}</p>" for text in paragraphs)
    return (
        _head(blog, base, f"{title} | {blog.name}", f"{base}{path}", title)
        + f"<main>\n  <h1>{esc(title)}</h1>\n{body}\n</main>\n"
        + _foot(blog)
    )


PRIVACY = (
    "We count page views with a self-hosted analytics tool that does not share data with anyone.",
    "If you sign up for the newsletter we keep your email address until you unsubscribe. That is all we keep.",
)


def _robots(base: str) -> str:
    return f"User-agent: *\nDisallow: /admin/\nDisallow: /subscribe\n\nSitemap: {base}sitemap.xml\n"


def _atom(blog: Blog, base: str, live: Sequence[Post]) -> str:
    items = [
        FeedItem(
            title=p.title,
            link=f"{base}{post_path('generic', p)}",
            guid=_tag_uri(blog, f"posts/{p.slug}"),
            author=p.author,
            categories=p.tags,
            published=p.published,
            updated=p.modified,
            summary=excerpt(p),
        )
        for p in live[:ATOM_ENTRIES]
    ]
    channel = Channel(
        title=blog.name,
        link=base,
        self_url=f"{base}{feed_path('generic')}",
        description=blog.tagline,
        updated=max(p.modified for p in live),
        generator="make-site 0.9",
    )
    return atom(channel, items, feed_id=_tag_uri(blog, "feed"))


def build(blog: Blog, day: int, routes: SiteRoutes) -> None:
    """Render every page of the hand-rolled ``blog`` as it stands on ``day`` into ``routes``."""
    base = routes.base_url
    live = blog.live_posts(day)
    newest = max(p.modified for p in live)
    first = min(p.published for p in blog.posts)
    routes.add("", page(_home(blog, base, live), HTML, newest))
    routes.add(feed_path("generic"), page(_atom(blog, base, live), ATOM, newest))
    entries = [(f"{base}{post_path('generic', p)}", p.modified) for p in live]
    routes.add("sitemap.xml", page(sitemap(entries), XML, newest))
    routes.add("robots.txt", page(_robots(base), TEXT))
    routes.add("about.html", page(_static(blog, base, "about.html", "About", blog.about), HTML, first))
    routes.add("privacy.html", page(_static(blog, base, "privacy.html", "Privacy", PRIVACY), HTML, first))
    for post in live:
        routes.add(post_path("generic", post), page(_post_page(blog, base, post), HTML, post.modified))
