"""What ``serve`` hands back: the running blogs, their sources file and their ground truth."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC
from urllib.parse import urlsplit

from flows.blogosphere.model import Blog, BlogSite, RequestRecord, SamplePost
from flows.blogosphere.urls import feed_path, post_path

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/:\-]*$")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: bare when that is unambiguous, else a JSON (= YAML) string."""
    if _PLAIN.match(value) and ": " not in value and value.lower() not in _RESERVED and not value.endswith(":"):
        return value
    return json.dumps(value, ensure_ascii=False)


def site_of(blog: Blog, base_url: str) -> BlogSite:
    """The public description of ``blog`` served at ``base_url``."""
    feed = f"{base_url}{feed_path(blog.platform)}" if blog.feed_in_sources else None
    return BlogSite(blog.id, blog.name, blog.platform, base_url, feed, blog.country, blog.language, blog.leaning)


@dataclass(frozen=True)
class Blogosphere:
    """The running sample blogs on one simulated ``day``.

    ``request_log`` fills up as the servers answer requests (one ``RequestRecord`` each).
    """

    host: str
    sites: tuple[BlogSite, ...]
    request_log: list[RequestRecord] = field(compare=False, repr=False)
    day: int = 0
    blogs: tuple[Blog, ...] = field(default=(), compare=False, repr=False)

    @property
    def ports(self) -> dict[str, int]:
        """Site id -> port, to pass back to ``serve(ports=...)`` so a later day keeps its URLs."""
        return {s.id: int(urlsplit(s.base_url).port or 80) for s in self.sites}

    def site(self, site_id: str) -> BlogSite:
        """The site with id ``site_id`` (``KeyError`` if there is none)."""
        for candidate in self.sites:
            if candidate.id == site_id:
                return candidate
        raise KeyError(site_id)

    def sources_yaml(self) -> str:
        """A sources file listing every site at its real address (feed omitted where it must be discovered)."""
        lines = [
            "# The slant sample blogosphere: fictional blogs served on loopback by flows.blogosphere.",
            f"# Simulated day {self.day}; ports are only valid while the servers run.",
            "sources:",
        ]
        for site in self.sites:
            lines.append(f"  - id: {site.id}")
            lines.append(f"    name: {_yaml_scalar(site.name)}")
            lines.append(f"    url: {site.base_url}")
            if site.feed_url:
                lines.append(f"    feed: {site.feed_url}")
            lines += [f"    platform: {site.platform}", f"    country: {site.country}"]
            lines += [f"    language: {site.language}", f"    leaning: {_yaml_scalar(site.leaning)}"]
        return "\n".join(lines) + "\n"

    def posts(self) -> list[SamplePost]:
        """Ground truth for every post live on ``day``: what a perfect crawler would extract."""
        out: list[SamplePost] = []
        for blog in self.blogs:
            base = self.site(blog.id).base_url
            for post in blog.live_posts(self.day):
                out.append(
                    SamplePost(
                        site_id=blog.id,
                        url=f"{base}{post_path(blog.platform, post)}",
                        title=post.title,
                        author=post.author,
                        published=post.published.astimezone(UTC),
                        tags=list(post.tags),
                        paragraphs=[(p.text, p.quote) for p in post.paragraphs],
                        modified=post.modified.astimezone(UTC),
                        slug=post.slug,
                    )
                )
        return out

    def post_count(self) -> int:
        """How many posts are live on ``day`` across all sites."""
        return sum(len(blog.live_posts(self.day)) for blog in self.blogs)
