"""Replaying archived runs: the same discovery as the live crawl, from WARC records only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from extract.archive import ArchiveRef, RunArchive
from extract.harvest import CacheHint, Harvest, harvest_source
from extract.replay import ArchiveClient, archived_homepages
from extract.sources import Source

BASE = "https://ridge.example"
T0 = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
HTML = {"content-type": "text/html; charset=utf-8"}
HOME = (
    b'<html><head><link rel="alternate" type="application/rss+xml" href="/news.xml">'
    b"</head><body><p>A blog</p></body></html>"
)


def _feed(*slugs: str) -> bytes:
    items = "".join(f"<item><title>{s}</title><link>{BASE}/posts/{s}</link></item>" for s in slugs)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def _page(slug: str) -> bytes:
    text = f"The post called {slug}, with enough words to extract."
    return f"<html><body><h1>{slug}</h1><p>{text}</p></body></html>".encode()


def _run(directory: Path, run_id: str, responses: dict[str, tuple[dict[str, str], bytes]]) -> dict[str, ArchiveRef]:
    with RunArchive(directory, run_id, software="slant/test", started_at=T0) as archive:
        return {url: archive.write(url, 200, headers, body, T0) for url, (headers, body) in responses.items()}


def test_a_night_without_its_homepage_replays_through_the_previous_nights_archived_copy(tmp_path: Path) -> None:
    """Night 2 did not ask for a homepage checked on night 1 (``HOMEPAGE_RECHECK``): replaying it
    with night 1's archived homepage finds the feed that copy names, and the post new that night."""
    rss = {"content-type": "application/rss+xml"}
    night1 = _run(
        tmp_path,
        "n1",
        {f"{BASE}/": (HTML, HOME), f"{BASE}/news.xml": (rss, _feed("one")), f"{BASE}/posts/one": (HTML, _page("one"))},
    )
    night2 = _run(
        tmp_path, "n2", {f"{BASE}/news.xml": (rss, _feed("two", "one")), f"{BASE}/posts/two": (HTML, _page("two"))}
    )
    source = Source("ridge", "Ridge", f"{BASE}/", platform="generic")

    first_client = ArchiveClient(tmp_path, night1)
    first = harvest_source(first_client, source, {})
    assert [p.url for p in first.pages] == [f"{BASE}/posts/one"]
    roles = {url: ("homepage" if url == f"{BASE}/" else "other", ref) for url, ref in night1.items()}
    kept = archived_homepages(first_client, Harvest("ridge"), roles)
    assert set(kept) == {f"{BASE}/"} and kept[f"{BASE}/"].body

    known: dict[str, CacheHint] = {f"{BASE}/posts/one": CacheHint(role="post"), **kept}
    second = harvest_source(ArchiveClient(tmp_path, night2), source, known)
    assert f"{BASE}/posts/two" in [p.url for p in second.pages]

    without = harvest_source(ArchiveClient(tmp_path, night2), source, {f"{BASE}/posts/one": CacheHint(role="post")})
    assert without.pages == []  # the feed is named only by the homepage: without its copy nothing is found
