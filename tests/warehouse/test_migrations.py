"""Migrations create the schema from nothing and upgrade an older database keeping its rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.db import Migration, connect, migrate, migrations, schema_version

CONTRACT = {
    "sources": {"source_id", "name", "url", "feed_url", "platform", "country", "language", "leaning", "added_at"},
    "runs": {"run_id", "flow", "started_at", "finished_at", "status", "code_version", "stats"},
    "fetch_log": {
        "run_id",
        "url",
        "final_url",
        "status_code",
        "bytes",
        "elapsed_ms",
        "fetched_at",
        "not_modified",
        "error",
    },
    "posts": {
        "post_id",
        "source_id",
        "url",
        "canonical_url",
        "title",
        "author",
        "published_at",
        "updated_at",
        "tags",
        "language",
        "text",
        "text_sha256",
        "word_count",
        "first_seen_run",
        "last_seen_run",
        "deleted_at",
    },
    "sentences": {"post_id", "sentence_no", "paragraph_no", "start_char", "end_char", "text", "is_quote"},
    "loaded_spans": {"post_id", "sentence_no", "start_char", "end_char", "text", "category", "score", "model_version"},
    "post_scores": {"post_id", "model_version", "loaded_score"},
    "stances": {"post_id", "target", "label", "confidence", "model_version"},
}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
    return {r[0] for r in rows}


def test_empty_database_gets_every_contract_table(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    applied = migrate(con)
    assert applied == [m.version for m in migrations()]
    assert schema_version(con) == migrations()[-1].version
    for table, columns in CONTRACT.items():
        assert columns <= _columns(con, table), table


def test_previous_version_database_is_upgraded_in_place_keeping_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = connect(path)
    migrate(con, target=1)
    assert schema_version(con) == 1
    now = datetime(2026, 11, 1, tzinfo=UTC)
    con.execute("INSERT INTO sources VALUES ('a', 'A', 'https://a.example/', NULL, NULL, NULL, NULL, NULL, ?)", [now])
    con.execute(
        "INSERT INTO posts (post_id, source_id, url, canonical_url, text, text_sha256, word_count, first_seen_run, "
        "last_seen_run) VALUES ('p1', 'a', 'https://a.example/p', 'https://a.example/p', 'Old text.', 'h', 2, "
        "'r0', 'r0')"
    )
    con.close()

    con = connect(path)
    applied = migrate(con)
    assert applied == [m.version for m in migrations() if m.version > 1]
    assert con.execute("SELECT post_id, text, authors FROM posts").fetchall() == [("p1", "Old text.", None)]
    assert "url_state" in {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert migrate(con) == []  # idempotent


def test_a_lower_numbered_migration_that_lands_later_is_still_applied(tmp_path: Path) -> None:
    """A database built on a branch with 0006 and 0008 gets 0007 once it arrives, and nothing twice."""
    shipped = migrations()
    # 0007 (stance) is being written on another branch; until it ships, stand in for it.
    stand_in = Migration(7, "late", "CREATE TABLE late (a INTEGER)")
    with_7 = shipped if 7 in {m.version for m in shipped} else [*shipped, stand_in]
    con = connect(tmp_path / "w.duckdb")
    first = migrate(con, available=[m for m in with_7 if m.version != 7])
    assert 7 not in first and 8 in first
    assert migrate(con, available=with_7) == [7]
    assert migrate(con, available=with_7) == []
    versions = [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    assert versions == sorted(m.version for m in with_7)


def test_sources_gain_republish_defaulting_to_true_on_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = connect(path)
    migrate(con, target=6)
    con.execute("INSERT INTO sources VALUES ('a', 'A', 'https://a.example/', NULL, NULL, NULL, NULL, NULL, now())")
    migrate(con)
    assert con.execute("SELECT republish FROM sources").fetchall() == [(True,)]
