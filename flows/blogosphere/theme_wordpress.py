"""A WordPress 6 blog with a classic theme ("Dispatch", an underscores-style child theme).

The markup copies what real WordPress sites emit around a post: a header with the site menu,
a widget sidebar, Jetpack share buttons, a comment thread and reply form, the footer. Those are
exactly the parts a content extractor must learn to throw away.
"""

# ruff: noqa: E501 - HTML templates keep real markup lines intact

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flows.blogosphere.feeds import Channel, FeedItem, rss2
from flows.blogosphere.fmt import MONTHS, attr, body_html, date_gb, esc, excerpt, iso, slugify
from flows.blogosphere.model import Blog, Post
from flows.blogosphere.pages import HTML, RSS, TEXT, SiteRoutes, page
from flows.blogosphere.urls import feed_path, post_path

VERSION = "6.6.2"
THEME = "dispatch"


def _post_id(blog: Blog, post: Post) -> int:
    order = sorted(blog.posts, key=lambda p: p.published)
    return 112 + 9 * [p.slug for p in order].index(post.slug)


def _months(posts: Sequence[Post]) -> list[tuple[int, int]]:
    return sorted({(p.published.year, p.published.month) for p in posts}, reverse=True)


def _head(blog: Blog, base: str, title: str, canonical: str, description: str, og: Sequence[tuple[str, str]]) -> str:
    metas = "\n".join(f'<meta property="{attr(k)}" content="{attr(v)}" />' for k, v in og)
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="profile" href="https://gmpg.org/xfn/11">
<title>{esc(title)}</title>
<meta name='robots' content='max-image-preview:large' />
<link rel="alternate" type="application/rss+xml" title="{attr(blog.name)} &raquo; Feed" href="{base}{feed_path("wordpress")}" />
<link rel='stylesheet' id='wp-block-library-css' href='{base}wp-includes/css/dist/block-library/style.min.css?ver={VERSION}' media='all' />
<link rel='stylesheet' id='{THEME}-style-css' href='{base}wp-content/themes/{THEME}/style.css?ver=1.4.2' media='all' />
<link rel='stylesheet' id='sharedaddy-css' href='{base}wp-content/plugins/jetpack/modules/sharedaddy/sharing.css?ver=13.9' media='all' />
<script src="{base}wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<link rel="https://api.w.org/" href="{base}wp-json/" />
<link rel="EditURI" type="application/rsd+xml" title="RSD" href="{base}xmlrpc.php?rsd" />
<meta name="generator" content="WordPress {VERSION}" />
<link rel="canonical" href="{attr(canonical)}" />
<meta name="description" content="{attr(description)}" />
{metas}
<meta name="twitter:card" content="summary_large_image" />
</head>
"""


def _header(blog: Blog, base: str) -> str:
    items = [
        f'<li id="menu-item-11" class="menu-item menu-item-type-custom menu-item-home"><a href="{base}">Home</a></li>'
    ]
    for number, name in enumerate(blog.menu, start=12):
        items.append(
            f'<li id="menu-item-{number}" class="menu-item menu-item-type-taxonomy menu-item-object-category">'
            f'<a href="{base}category/{slugify(name)}/">{esc(name)}</a></li>'
        )
    items.append(
        f'<li id="menu-item-30" class="menu-item menu-item-type-post_type menu-item-object-page"><a href="{base}about/">About</a></li>'
    )
    menu = "\n\t\t\t\t".join(items)
    return f"""<div id="page" class="site">
	<a class="skip-link screen-reader-text" href="#primary">Skip to content</a>
	<header id="masthead" class="site-header">
		<div class="site-branding">
			<p class="site-title"><a href="{base}" rel="home">{esc(blog.name)}</a></p>
			<p class="site-description">{esc(blog.tagline)}</p>
		</div><!-- .site-branding -->
		<nav id="site-navigation" class="main-navigation">
			<button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Menu</button>
			<div class="menu-primary-container"><ul id="primary-menu" class="menu">
				{menu}
			</ul></div>
		</nav><!-- #site-navigation -->
	</header><!-- #masthead -->
"""


def _sidebar(blog: Blog, base: str, recent: Sequence[Post], months: Sequence[tuple[int, int]]) -> str:
    recent_items = "\n".join(
        f'\t\t<li><a href="{base}{post_path("wordpress", p)}">{esc(p.title)}</a></li>' for p in recent[:5]
    )
    month_items = "\n".join(f"\t\t<li><a href='{base}{y:04d}/{m:02d}/'>{MONTHS[m - 1]} {y}</a></li>" for y, m in months)
    roll = "\n".join(f'\t\t<li><a href="{attr(link.url)}">{esc(link.name)}</a></li>' for link in blog.blogroll)
    return f"""<aside id="secondary" class="widget-area">
	<section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="{base}">
		<label><span class="screen-reader-text">Search for:</span><input type="search" class="search-field" placeholder="Search &hellip;" value="" name="s" /></label>
		<input type="submit" class="search-submit" value="Search" />
	</form></section>
	<section id="recent-posts-2" class="widget widget_recent_entries">
	<h2 class="widget-title">Recent Posts</h2>
	<ul>
{recent_items}
	</ul>
	</section>
	<section id="archives-2" class="widget widget_archive"><h2 class="widget-title">Archives</h2>
	<ul>
{month_items}
	</ul>
	</section>
	<section id="linkcat-2" class="widget widget_links"><h2 class="widget-title">Blogroll</h2>
	<ul class='xoxo blogroll'>
{roll}
	</ul>
	</section>
	<section id="meta-2" class="widget widget_meta"><h2 class="widget-title">Meta</h2>
	<ul>
		<li><a href="{base}wp-login.php">Log in</a></li>
		<li><a href="{base}{feed_path("wordpress")}">Entries feed</a></li>
		<li><a href="https://wordpress.org/">WordPress.org</a></li>
	</ul>
	</section>
</aside><!-- #secondary -->
"""


def _footer(blog: Blog, base: str) -> str:
    return f"""	<footer id="colophon" class="site-footer">
		<div class="site-info">
			<a href="https://wordpress.org/">Proudly powered by WordPress</a>
			<span class="sep"> | </span>
			Theme: {THEME.title()} by <a href="{base}">{esc(blog.name)}</a>.
		</div><!-- .site-info -->
	</footer><!-- #colophon -->
</div><!-- #page -->
<script src="{base}wp-content/themes/{THEME}/js/navigation.js?ver=1.4.2" id="{THEME}-navigation-js"></script>
<script src="{base}wp-content/plugins/jetpack/_inc/build/sharedaddy/sharing.min.js?ver=13.9" id="sharing-js-js"></script>
</body>
</html>
"""


def _classes(blog: Blog, post: Post) -> str:
    post_id = _post_id(blog, post)
    terms = [f"category-{slugify(post.tags[0])}"] + [f"tag-{slugify(t)}" for t in post.tags[1:]]
    return f"post-{post_id} post type-post status-publish format-standard hentry " + " ".join(terms)


def _meta(base: str, post: Post, url: str) -> str:
    return (
        f'<div class="entry-meta"><span class="posted-on">Posted on <a href="{url}" rel="bookmark">'
        f'<time class="entry-date published" datetime="{iso(post.published)}">{date_gb(post.published)}</time>'
        f'<time class="updated" datetime="{iso(post.modified)}">{date_gb(post.modified)}</time></a></span>'
        f'<span class="byline"> by <span class="author vcard"><a class="url fn n" href="{base}author/{slugify(post.author)}/">'
        f"{esc(post.author)}</a></span></span></div><!-- .entry-meta -->"
    )


def _share(url: str) -> str:
    buttons = [("twitter", "X"), ("facebook", "Facebook"), ("email", "Email"), ("print", "Print")]
    lis = "".join(
        f'<li class="share-{key}"><a rel="nofollow noopener noreferrer" data-shared="sharing-{key}" '
        f'class="share-{key} sd-button share-icon" href="{url}?share={key}" target="_blank" '
        f'title="Click to share on {label}"><span>{label}</span></a></li>'
        for key, label in buttons
    )
    return (
        '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social '
        'sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3><div class="sd-content">'
        f'<ul>{lis}<li class="share-end"></li></ul></div></div></div>'
    )


def _comments(blog: Blog, base: str, post: Post, url: str) -> str:
    post_id = _post_id(blog, post)
    count = len(post.comments)
    heading = f"{count} thought{'s' if count != 1 else ''} on &ldquo;{esc(post.title)}&rdquo;"
    items = []
    for index, comment in enumerate(post.comments):
        cid = post_id * 10 + index + 1
        when: datetime = post.published + timedelta(minutes=47 + 83 * index)
        parity = "even" if index % 2 == 0 else "odd alt"
        items.append(
            f"""		<li id="comment-{cid}" class="comment {parity} thread-{parity.split()[0]} depth-1">
			<article id="div-comment-{cid}" class="comment-body">
				<footer class="comment-meta">
					<div class="comment-author vcard"><b class="fn">{esc(comment.author)}</b> <span class="says">says:</span></div>
					<div class="comment-metadata"><a href="{url}#comment-{cid}"><time datetime="{iso(when)}">{date_gb(when)} at {when:%H:%M}</time></a></div>
				</footer>
				<div class="comment-content"><p>{esc(comment.text)}</p></div>
				<div class="reply"><a rel="nofollow" class="comment-reply-link" href="{url}?replytocom={cid}#respond" aria-label="Reply to {attr(comment.author)}">Reply</a></div>
			</article>
		</li>"""
        )
    thread = ""
    if items:
        thread = (
            f'\t<h2 class="comments-title">{heading}</h2>\n\t<ol class="comment-list">\n'
            + "\n".join(items)
            + "\n\t</ol>\n"
        )
    return f"""<div id="comments" class="comments-area">
{thread}	<div id="respond" class="comment-respond">
		<h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
		<form action="{base}wp-comments-post.php" method="post" id="commentform" class="comment-form">
			<p class="comment-notes"><span id="email-notes">Your email address will not be published.</span> Required fields are marked <span class="required">*</span></p>
			<p class="comment-form-comment"><label for="comment">Comment <span class="required">*</span></label> <textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
			<p class="comment-form-author"><label for="author">Name <span class="required">*</span></label> <input id="author" name="author" type="text" value="" size="30" maxlength="245" required /></p>
			<p class="comment-form-email"><label for="email">Email <span class="required">*</span></label> <input id="email" name="email" type="email" value="" size="30" maxlength="100" required /></p>
			<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment" /> <input type='hidden' name='comment_post_ID' value='{post_id}' id='comment_post_ID' /></p>
		</form>
	</div><!-- #respond -->
</div><!-- #comments -->
"""


def _post_page(blog: Blog, base: str, post: Post) -> str:
    url = f"{base}{post_path('wordpress', post)}"
    earlier = blog.earlier_posts(post)
    og = [
        ("og:locale", "en_GB"),
        ("og:type", "article"),
        ("og:title", post.title),
        ("og:description", excerpt(post, 30)),
        ("og:url", url),
        ("og:site_name", blog.name),
        ("article:published_time", iso(post.published)),
        ("article:modified_time", iso(post.modified)),
    ]
    tags = " ".join(f'<a href="{base}tag/{slugify(t)}/" rel="tag">{esc(t)}</a>' for t in post.tags[1:])
    category = f'<a href="{base}category/{slugify(post.tags[0])}/" rel="category tag">{esc(post.tags[0])}</a>'
    previous = ""
    if earlier:
        prev = earlier[0]
        previous = (
            '<nav class="navigation post-navigation" aria-label="Posts"><h2 class="screen-reader-text">Post navigation</h2>'
            f'<div class="nav-links"><div class="nav-previous"><a href="{base}{post_path("wordpress", prev)}" rel="prev">'
            f'<span class="nav-subtitle">Previous:</span> <span class="nav-title">{esc(prev.title)}</span></a></div></div></nav>'
        )
    return (
        _head(blog, base, f"{post.title} – {blog.name}", url, excerpt(post, 30), og)
        + f'<body class="post-template-default single single-post postid-{_post_id(blog, post)} single-format-standard">\n'
        + _header(blog, base)
        + f"""	<main id="primary" class="site-main">

<article id="post-{_post_id(blog, post)}" class="{_classes(blog, post)}">
	<header class="entry-header">
		<h1 class="entry-title">{esc(post.title)}</h1>
		{_meta(base, post, url)}
	</header><!-- .entry-header -->

	<div class="entry-content">
{body_html(post.paragraphs, quote_class="wp-block-quote")}
{_share(url)}
	</div><!-- .entry-content -->

	<footer class="entry-footer"><span class="cat-links">Posted in {category}</span>{f'<span class="tags-links">Tagged {tags}</span>' if tags else ""}</footer><!-- .entry-footer -->
</article><!-- #post-{_post_id(blog, post)} -->

{previous}
{_comments(blog, base, post, url)}
	</main><!-- #main -->

"""
        + _sidebar(blog, base, earlier, _months([post, *earlier]))
        + _footer(blog, base)
    )


def _listing(blog: Blog, base: str, path: str, heading: str | None, posts: Sequence[Post], live: Sequence[Post]) -> str:
    url = f"{base}{path}"
    entries = []
    for post in posts:
        link = f"{base}{post_path('wordpress', post)}"
        entries.append(
            f"""<article id="post-{_post_id(blog, post)}" class="{_classes(blog, post)}">
	<header class="entry-header">
		<h2 class="entry-title"><a href="{link}" rel="bookmark">{esc(post.title)}</a></h2>
		{_meta(base, post, link)}
	</header>
	<div class="entry-summary"><p>{esc(excerpt(post))} <a class="more-link" href="{link}">Continue reading<span class="screen-reader-text"> &#8220;{esc(post.title)}&#8221;</span></a></p></div>
</article>"""
        )
    title = f"{heading} – {blog.name}" if heading else f"{blog.name} – {blog.tagline}"
    header = f'<header class="page-header"><h1 class="page-title">{esc(heading)}</h1></header>\n' if heading else ""
    body_class = "archive" if heading else "home blog"
    og = [("og:type", "website"), ("og:url", url), ("og:site_name", blog.name), ("og:title", heading or blog.name)]
    return (
        _head(blog, base, title, url, blog.tagline, og)
        + f'<body class="{body_class} hfeed">\n'
        + _header(blog, base)
        + f'\t<main id="primary" class="site-main">\n{header}'
        + "\n\n".join(entries)
        + "\n\t</main><!-- #main -->\n\n"
        + _sidebar(blog, base, live, _months(live))
        + _footer(blog, base)
    )


def _about(blog: Blog, base: str) -> str:
    paragraphs = "\n".join(f"<p>{esc(text)}</p>" for text in blog.about)
    return (
        _head(blog, base, f"About – {blog.name}", f"{base}about/", blog.tagline, [("og:type", "website")])
        + '<body class="page-template-default page">\n'
        + _header(blog, base)
        + '\t<main id="primary" class="site-main">\n<article class="page type-page status-publish hentry">\n'
        + f'<header class="entry-header"><h1 class="entry-title">About</h1></header>\n<div class="entry-content">\n{paragraphs}\n</div>\n</article>\n\t</main>\n'
        + _footer(blog, base)
    )


def _feed(blog: Blog, base: str, live: Sequence[Post]) -> str:
    items = []
    for post in live:
        url = f"{base}{post_path('wordpress', post)}"
        items.append(
            FeedItem(
                title=post.title,
                link=url,
                guid=f"{base}?p={_post_id(blog, post)}",
                author=post.author,
                categories=post.tags,
                published=post.published,
                updated=post.modified,
                summary=excerpt(post).replace(" […]", " [&#8230;]"),
                content_html=body_html(post.paragraphs, quote_class="wp-block-quote"),
                extra_xml=(
                    f"\t\t<comments>{url}#comments</comments>\n"
                    f"\t\t<wfw:commentRss>{url}feed/</wfw:commentRss>\n"
                    f"\t\t<slash:comments>{len(post.comments)}</slash:comments>"
                ),
            )
        )
    channel = Channel(
        title=blog.name,
        link=base.rstrip("/"),
        self_url=f"{base}{feed_path('wordpress')}",
        description=blog.tagline,
        updated=max(p.modified for p in live),
        language="en-GB",
        generator=f"https://wordpress.org/?v={VERSION}",
        extra_xml="\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>",
    )
    return rss2(channel, items)


ROBOTS = (
    "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\nDisallow: /wp-login.php\nDisallow: /?s=\n"
)


def build(blog: Blog, day: int, routes: SiteRoutes) -> None:
    """Render every page of a WordPress ``blog`` as it stands on ``day`` into ``routes``."""
    base = routes.base_url
    live = blog.live_posts(day)
    newest = max(p.modified for p in live)
    api = f'<{base}wp-json/>; rel="https://api.w.org/"'
    routes.add("", page(_listing(blog, base, "", None, live, live), HTML, newest, Link=api))
    routes.add(feed_path("wordpress"), page(_feed(blog, base, live), RSS, newest))
    routes.add("about/", page(_about(blog, base), HTML, min(p.published for p in blog.posts), Link=api))
    routes.add("robots.txt", page(ROBOTS, TEXT))
    for post in live:
        link = f"{api}, <{base}?p={_post_id(blog, post)}>; rel=shortlink"
        routes.add(post_path("wordpress", post), page(_post_page(blog, base, post), HTML, post.modified, Link=link))
    groups: dict[str, tuple[str, list[Post]]] = {}
    for post in live:
        keys = [(f"category/{slugify(post.tags[0])}/", post.tags[0])]
        keys += [(f"tag/{slugify(t)}/", t) for t in post.tags]
        keys.append((f"author/{slugify(post.author)}/", post.author))
        keys.append((f"{post.published:%Y/%m}/", f"{MONTHS[post.published.month - 1]} {post.published.year}"))
        for path, name in keys:
            groups.setdefault(path, (name, []))[1].append(post)
    for path, (name, posts) in sorted(groups.items()):
        text = _listing(blog, base, path, name, posts, live)
        routes.add(path, page(text, HTML, max(p.modified for p in posts), Link=api))
