"""Assemble what one blog serves on one simulated day, picking the theme by platform.

``redesigned`` replaces every post page with what a theme change to a script-rendered front
end serves: the same URL, a new validator, and an empty shell whose text only JavaScript
would fill in. The health gates must notice (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable

from flows.blogosphere import theme_generic, theme_ghost, theme_wordpress
from flows.blogosphere.fmt import esc
from flows.blogosphere.model import Blog
from flows.blogosphere.pages import HTML, SiteRoutes, page
from flows.blogosphere.urls import post_path

Theme = Callable[[Blog, int, SiteRoutes], None]

THEMES: dict[str, Theme] = {
    "wordpress": theme_wordpress.build,
    "generic": theme_generic.build,
    "ghost": theme_ghost.build,
}


APP_SHELL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script src="/static/app.3f9c1.js" defer></script></head>
<body><div id="root"><noscript>Please enable JavaScript.</noscript></div></body></html>
"""


def build_routes(blog: Blog, day: int, base_url: str, *, redesigned: bool = False) -> SiteRoutes:
    """Every page of ``blog`` on ``day`` under ``base_url``, plus the paths of deleted posts."""
    routes = SiteRoutes(site_id=blog.id, base_url=base_url)
    THEMES[blog.platform](blog, day, routes)
    if redesigned:
        for post in blog.live_posts(day):
            path = post_path(blog.platform, post)
            if path in routes.pages:
                routes.pages[path] = page(APP_SHELL.format(title=esc(post.title)), HTML, post.modified)
    routes.gone = frozenset(post_path(blog.platform, p) for p in blog.gone_posts(day))
    return routes
