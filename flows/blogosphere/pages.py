"""A rendered resource and the table of them that one blog serves.

Pages are rendered once when a server starts; the HTTP handler only looks them up. That makes
responses byte-identical between requests and runs, which is what cache validators and
incremental-crawl tests rely on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

HTML = "text/html; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Page:
    """One resource: its bytes, type, modification time and any extra response headers."""

    body: bytes
    content_type: str
    last_modified: datetime | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def etag(self) -> str:
        """A strong validator: the quoted first 16 hex digits of the body's SHA-256."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


def page(text: str, content_type: str, last_modified: datetime | None = None, **headers: str) -> Page:
    """A ``Page`` from text encoded as UTF-8; keyword headers use ``_`` for ``-``."""
    extra = tuple((name.replace("_", "-"), value) for name, value in headers.items())
    return Page(text.encode("utf-8"), content_type, last_modified, extra)


@dataclass
class SiteRoutes:
    """Everything one blog answers on one simulated day: live pages and deleted (410) paths."""

    site_id: str
    base_url: str
    pages: dict[str, Page] = field(default_factory=dict)
    gone: frozenset[str] = frozenset()

    def add(self, path: str, resource: Page) -> None:
        """Register ``resource`` at ``path`` (no leading slash; ``""`` is the homepage)."""
        if path in self.pages:
            raise ValueError(f"{self.site_id}: two resources at /{path}")
        self.pages[path] = resource
