"""Assemble what one blog serves on one simulated day, picking the theme by platform."""

from __future__ import annotations

from collections.abc import Callable

from flows.blogosphere import theme_generic, theme_ghost, theme_wordpress
from flows.blogosphere.model import Blog
from flows.blogosphere.pages import SiteRoutes
from flows.blogosphere.urls import post_path

Theme = Callable[[Blog, int, SiteRoutes], None]

THEMES: dict[str, Theme] = {
    "wordpress": theme_wordpress.build,
    "generic": theme_generic.build,
    "ghost": theme_ghost.build,
}


def build_routes(blog: Blog, day: int, base_url: str) -> SiteRoutes:
    """Every page of ``blog`` on ``day`` under ``base_url``, plus the paths of deleted posts."""
    routes = SiteRoutes(site_id=blog.id, base_url=base_url)
    THEMES[blog.platform](blog, day, routes)
    routes.gone = frozenset(post_path(blog.platform, p) for p in blog.gone_posts(day))
    return routes
