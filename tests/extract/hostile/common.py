"""What every site module shares: the build environment, the build result, ground-truth helpers.

A site module exposes ``build(env) -> Built``: it renders its resources for ``env.day`` at
``env.base`` into a ``Router`` and lists the posts a perfect crawler would find there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.extract.hostile.content import utc
from tests.extract.hostile.model import ExpectedPost
from tests.extract.hostile.prose import Post
from tests.extract.hostile.replies import TEXT, Resource, Router, resource

SITE_EPOCH = utc("2026-10-01T00:00")  # Last-Modified of files that never change (robots.txt, about pages)


@dataclass(frozen=True)
class Env:
    """Where a site is built: its id, base URL (``http://ip:port/``), the day, and the trap's base URL."""

    site_id: str
    base: str
    day: int
    trap_base: str
    crawl_delays: bool = True  # robots.txt Crawl-delay lines (off only where pacing is not under test)


@dataclass
class Built:
    """A built site: its routes and its ground truth."""

    router: Router
    expected: list[ExpectedPost] = field(default_factory=list)


def expect(env: Env, url: str, post: Post, snippets: tuple[str, ...] | None = None) -> ExpectedPost:
    """The ground truth for ``post`` at canonical ``url``."""
    return ExpectedPost(env.site_id, url, post.title, post.author, post.published, snippets or post.snippets)


def robots(*lines: str) -> Resource:
    """A robots.txt for ``User-agent: *`` with ``lines`` after it."""
    return resource("User-agent: *\n" + "".join(f"{line}\n" for line in lines), TEXT, SITE_EPOCH)
