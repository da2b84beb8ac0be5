"""Replay a run from the raw archive: a harvest client that answers from WARC records, offline.

``ArchiveClient`` has the same ``get``/``robots`` methods as ``extract.harvest.HostClient``, so
``harvest_source`` runs unchanged over one run's archived responses: the same discovery, the
same entry-or-page decisions, no network. A URL the run did not archive (it answered 304, or
failed) answers ``None``, exactly as a failed request would.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from protego import Protego

from extract.archive import ArchiveRef, read_response
from extract.errors import ArchiveCorrupt
from extract.fetch import FetchResult
from extract.harvest import CacheHint, Harvest
from extract.robots import RobotsRules, robots_url


class ArchiveClient:
    """Serves ``get`` from archived responses keyed by requested URL."""

    def __init__(self, archive_dir: Path, refs: Mapping[str, ArchiveRef]) -> None:
        self.archive_dir = archive_dir
        self.refs = refs

    def robots(self, harvest: Harvest, url: str) -> RobotsRules:
        """The run's archived robots.txt (for its Sitemap lines); everything archived was allowed."""
        stored = self.get(harvest, robots_url(url), "robots")
        if stored is None:
            return RobotsRules(None, allow_all=True, reason="replay")
        return RobotsRules(Protego.parse(stored.body.decode("utf-8", "replace")), allow_all=True, reason="replay")

    def get(
        self, harvest: Harvest, url: str, role: str, hint: CacheHint | None = None, *, quiet_404: bool = False
    ) -> FetchResult | None:
        """The archived response to ``url``, or ``None`` when the run has none (or it is unreadable)."""
        ref = self.refs.get(url)
        if ref is None:
            return None
        try:
            stored = read_response(self.archive_dir, ref)
        except (ArchiveCorrupt, OSError) as exc:
            harvest.errors.append(f"{url}: archive record unreadable: {exc}")
            return None
        return FetchResult(
            url=url,
            final_url=stored.url,
            status_code=stored.status_code,
            headers=stored.headers,
            body=stored.body,
            elapsed_ms=0,
            fetched_at=stored.fetched_at,
        )
