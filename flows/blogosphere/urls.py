"""Where things live on each platform: post permalinks and feed paths.

Shared by the themes (which link to posts) and by the ground truth (which reports post URLs),
so the two can never disagree.
"""

from __future__ import annotations

from flows.blogosphere.model import Post

_FEED_PATHS = {"wordpress": "feed/", "generic": "atom.xml", "ghost": "rss/"}


def post_path(platform: str, post: Post) -> str:
    """The permalink path of ``post`` (no leading slash), e.g. ``2026/10/02/slug/``."""
    if platform == "wordpress":
        day = post.published
        return f"{day:%Y/%m/%d}/{post.slug}/"
    if platform == "generic":
        return f"posts/{post.slug}.html"
    if platform == "ghost":
        return f"{post.slug}/"
    raise ValueError(f"unknown platform {platform!r}")


def feed_path(platform: str) -> str:
    """The path (no leading slash) of the platform's main feed."""
    return _FEED_PATHS[platform]
