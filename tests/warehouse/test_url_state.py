"""save_url_state: validators of good fetches, 304s moving only last_checked_at, remembered 404 probes.

The reference below is the row-by-row implementation it replaced (one executemany upsert per
record); the set-based one must leave url_state exactly as that did, duplicates included.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from extract.harvest import QUIET_404_ROLES, FetchRecord
from warehouse.db import open_warehouse
from warehouse.load import save_url_state

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
ROLES = frozenset({"feed", "sitemap", "api", "robots", "post"})


def _reference(con: duckdb.DuckDBPyConnection, records: Iterable[FetchRecord], roles: frozenset[str]) -> None:
    records = list(records)
    fresh = [
        (r.url, r.source_id, r.role, r.etag, r.last_modified, r.fetched_at, r.fetched_at, r.text)
        for r in records
        if r.role in roles and r.error is None and not r.not_modified
    ]
    checked = [(r.fetched_at, r.url) for r in records if r.role in roles and r.not_modified]
    fresh += [
        (r.url, r.source_id, "missing", None, None, r.fetched_at, r.fetched_at, None)
        for r in records
        if r.role in roles and r.role in QUIET_404_ROLES and r.status_code == 404
    ]
    if fresh:
        con.executemany(
            "INSERT INTO url_state (url, source_id, role, etag, last_modified, fetched_at, last_checked_at, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET role = excluded.role, "
            "etag = excluded.etag, last_modified = excluded.last_modified, fetched_at = excluded.fetched_at, "
            "last_checked_at = excluded.last_checked_at, body = excluded.body",
            fresh,
        )
    if checked:
        con.executemany("UPDATE url_state SET last_checked_at = ? WHERE url = ?", checked)


def _ok(url: str, minutes: int, role: str = "post", etag: str | None = None, text: str | None = None) -> FetchRecord:
    when = T0 + timedelta(minutes=minutes)
    return FetchRecord("src", url, url, 200, 10, 5, when, False, etag=etag, last_modified="Mon", role=role, text=text)


def _not_modified(url: str, minutes: int, role: str = "post") -> FetchRecord:
    return FetchRecord("src", url, url, 304, 0, 5, T0 + timedelta(minutes=minutes), True, role=role)


def _failed(url: str, minutes: int, status: int, role: str) -> FetchRecord:
    when = T0 + timedelta(minutes=minutes)
    return FetchRecord("src", url, None, status, 0, 5, when, False, "HTTP error", "HTTPStatusError", role=role)


NIGHT_1 = [
    _ok("https://b.example/a/", 1, etag='"a1"'),
    _ok("https://b.example/b/", 2, etag='"b1"'),
    _ok("https://b.example/feed/", 3, role="feed", etag='"f1"'),
    _ok("https://b.example/robots.txt", 4, role="robots", text="User-agent: *\nAllow: /\n"),
    _failed("https://b.example/wp-json/wp/v2/posts", 5, 404, "api"),
    _failed("https://b.example/sitemap.xml", 6, 500, "sitemap"),
    _ok("https://b.example/", 7, role="homepage", etag='"h"'),  # not a remembered role
]
NIGHT_2 = [
    _not_modified("https://b.example/a/", 61),
    _ok("https://b.example/b/", 62, etag='"b2"'),  # edited
    _ok("https://b.example/b/", 63, etag='"b3"'),  # and reached again the same night: the last wins
    _not_modified("https://b.example/feed/", 64, role="feed"),
    _not_modified("https://b.example/feed/", 65, role="feed"),
    _ok("https://b.example/c/", 66, etag='"c1"'),
    _not_modified("https://b.example/never-seen/", 67),
    _failed("https://b.example/sitemap.xml", 68, 404, "sitemap"),
]


def _state(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT url, source_id, role, etag, last_modified, fetched_at, last_checked_at, body "
        "FROM url_state ORDER BY url"
    ).fetchall()


@pytest.fixture()
def pair(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]:
    return open_warehouse(tmp_path / "new.duckdb"), open_warehouse(tmp_path / "ref.duckdb")


def test_two_nights_leave_url_state_as_row_by_row_upserts_did(
    pair: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection],
) -> None:
    new, ref = pair
    for night in (NIGHT_1, NIGHT_2):
        save_url_state(new, night, ROLES)
        _reference(ref, night, ROLES)
        assert _state(new) == _state(ref)


def test_what_each_kind_of_record_leaves_behind(
    pair: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection],
) -> None:
    con, _ = pair
    save_url_state(con, NIGHT_1, ROLES)
    save_url_state(con, NIGHT_2, ROLES)
    state = {row[0]: row for row in _state(con)}
    assert "https://b.example/" not in state and "https://b.example/never-seen/" not in state
    a, b, feed = state["https://b.example/a/"], state["https://b.example/b/"], state["https://b.example/feed/"]
    assert a[3] == '"a1"' and a[5] == T0 + timedelta(minutes=1) and a[6] == T0 + timedelta(minutes=61)
    assert b[3] == '"b3"' and b[5] == b[6] == T0 + timedelta(minutes=63)
    assert feed[3] == '"f1"' and feed[6] == T0 + timedelta(minutes=65)
    assert state["https://b.example/robots.txt"][7] == "User-agent: *\nAllow: /\n"
    assert state["https://b.example/wp-json/wp/v2/posts"][2] == "missing"
    assert state["https://b.example/sitemap.xml"][2] == "missing"  # the 500 was not remembered, the 404 is
    assert state["https://b.example/c/"][3] == '"c1"'


def test_nothing_to_save_writes_nothing(pair: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]) -> None:
    con, _ = pair
    save_url_state(con, [], ROLES)
    save_url_state(con, NIGHT_1, frozenset({"nothing"}))
    assert _state(con) == []
