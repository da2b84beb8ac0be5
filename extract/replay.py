"""Replay a run from the raw archive: a harvest client that answers from WARC records, offline.

``ArchiveClient`` has the same ``get``/``robots`` methods as ``extract.harvest.HostClient``, so
``harvest_source`` runs unchanged over one run's archived responses: the same discovery, the
same entry-or-page decisions, no network. A URL the run did not archive (it answered 304, or
failed) answers ``None``, exactly as a failed request would, except a homepage the caller holds a
stored copy of: that answers as a 304, so the copy finds the feeds as it did that night (when the
homepage answered 304 or was not asked for, ``extract.harvest.HOMEPAGE_RECHECK``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from protego import Protego

from extract.archive import ArchiveRef, read_response
from extract.errors import ArchiveCorrupt
from extract.fetch import FetchResult
from extract.harvest import CacheHint, Harvest, kept_body
from extract.robots import RobotsRules, robots_url

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a stand-in 304's time: nothing reads it


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
            if role == "homepage" and hint is not None and hint.role == "homepage" and hint.body:
                return FetchResult(
                    url=url, final_url=url, status_code=304, headers={}, body=b"", elapsed_ms=0, fetched_at=_EPOCH
                )
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


def archived_homepages(
    client: ArchiveClient, harvest: Harvest, by_url: Mapping[str, tuple[str, object]]
) -> dict[str, CacheHint]:
    """The homepages this run archived (``by_url``: role and reference per URL) as stored copies.

    Passed to the replay of the next runs, they stand in for the nights the homepage answered 304
    or was not asked for, as ``url_state.body`` did for the live crawl.
    """
    kept: dict[str, CacheHint] = {}
    for url, (role, _) in by_url.items():
        if role != "homepage":
            continue
        result = client.get(harvest, url, "homepage")
        body = kept_body("homepage", result) if result is not None and result.status_code == 200 else None
        if body:
            kept[url] = CacheHint(role="homepage", body=body)
    return kept
