"""Public records of the hostile test web: sites, requests, ground truth, and the web itself.

Everything a crawler test needs to know is on ``HostileWeb``: where each site lives, the sources
file to crawl it with, every request the servers answered (and every request that reached the
trap), the posts a perfect crawler would extract, and what changed on day 1.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/:\-]*$")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: bare when unambiguous, else a JSON (hence YAML) string."""
    if _PLAIN.match(value) and ": " not in value and value.lower() not in _RESERVED and not value.endswith(":"):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Request:
    """One request a server answered: which host, what was asked, when, and the status sent.

    ``started``/``finished`` are ``time.monotonic()`` readings; ``finished`` is taken just before
    the last byte of the response leaves, so a client that has read a whole response always finds
    its record. ``status`` is 0 when the client went away before a status could be sent.
    """

    host_key: str
    method: str
    path: str
    headers: dict[str, str] = field(hash=False, compare=False)
    started: float
    finished: float
    status: int


@dataclass(frozen=True)
class HostileSite:
    """A running site: id, display name, platform (``None`` for the autodetect site), base URL,
    the feed URL the sources file gives (``None`` when it must be discovered) and ``host:port``."""

    id: str
    name: str
    platform: str | None
    base_url: str
    feed_url: str | None
    host_key: str


@dataclass(frozen=True)
class ExpectedPost:
    """Ground truth for one reachable post: what a perfect crawler extracts.

    ``text_snippets`` are two whole sentences that must appear in the extracted text.
    """

    site_id: str
    canonical_url: str
    title: str
    author: str
    published: datetime
    text_snippets: tuple[str, ...]


@dataclass(frozen=True)
class SourceInfo:
    """The descriptive fields a sources file carries for a site."""

    country: str
    language: str
    leaning: str


@dataclass(frozen=True)
class HostileWeb:
    """The running hostile web on one simulated ``day`` (see ``tests.extract.hostile``)."""

    sites: tuple[HostileSite, ...]
    allowed_hosts: tuple[str, ...]
    request_log: list[Request] = field(compare=False, repr=False)
    trap_hits: list[Request] = field(compare=False, repr=False)
    ports: tuple[int, int]
    day: int
    edited_url: str | None = None
    deleted_url: str | None = None
    new_urls: tuple[str, ...] = ()
    down_site_id: str | None = None
    trap_url: str = ""
    expected: tuple[ExpectedPost, ...] = field(default=(), compare=False, repr=False)
    source_info: dict[str, SourceInfo] = field(default_factory=dict, compare=False, repr=False)

    def site(self, site_id: str) -> HostileSite:
        """The site with id ``site_id`` (``KeyError`` if none)."""
        for candidate in self.sites:
            if candidate.id == site_id:
                return candidate
        raise KeyError(site_id)

    def expected_posts(self) -> list[ExpectedPost]:
        """Every post reachable today (down sites, deleted, disallowed and fault-only URLs excluded)."""
        return list(self.expected)

    def sources_yaml(self) -> str:
        """A sources file for every site (down ones included): ``feed`` omitted where it must be
        discovered, ``platform`` omitted for the autodetect site."""
        lines = [
            "# The slant hostile test web: fictional blogs on loopback, served by tests.extract.hostile.",
            f"# Simulated day {self.day}; addresses are only valid while the servers run.",
            "sources:",
        ]
        for site in self.sites:
            info = self.source_info.get(site.id, SourceInfo("GB", "en", "centre"))
            lines.append(f"  - id: {site.id}")
            lines.append(f"    name: {yaml_scalar(site.name)}")
            lines.append(f"    url: {site.base_url}")
            if site.feed_url:
                lines.append(f"    feed: {site.feed_url}")
            if site.platform:
                lines.append(f"    platform: {site.platform}")
            lines.append(f"    country: {info.country}")
            lines.append(f"    language: {info.language}")
            lines.append(f"    leaning: {yaml_scalar(info.leaning)}")
        return "\n".join(lines) + "\n"
