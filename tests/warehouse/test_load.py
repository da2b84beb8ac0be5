"""Loading: re-runs update rows and never duplicate; an edited post replaces its sentences."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.settings import _user_model_cache
from transform.clean import CleanPost, Paragraph
from transform.labelling import Labeller, load_labeller
from transform.process import ProcessedPost, label_post
from warehouse.db import open_warehouse
from warehouse.load import ORPHAN_TABLES, clear_orphans, load_posts, mark_deleted, post_id_for


def _labeller() -> Labeller:
    """The shipped default model (built once per machine, then loaded once per process)."""
    return load_labeller(None, _user_model_cache())


def _post(url: str, *texts: str) -> ProcessedPost:
    clean = CleanPost(url, "Title", ("A. Writer",), None, None, ("tag",), "en", tuple(Paragraph(t) for t in texts))
    return label_post("src", url, url, "sha", clean, _labeller())


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return open_warehouse(tmp_path / "w.duckdb")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def test_loading_the_same_posts_twice_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    posts = [_post("https://a.example/1", "These fools again. Calm line."), _post("https://a.example/2", "Neutral.")]
    first = load_posts(con, "run1", posts)
    counts = {t: _count(con, t) for t in ("posts", "sentences", "loaded_spans", "post_scores")}
    second = load_posts(con, "run2", posts)
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 2)
    assert counts == {t: _count(con, t) for t in counts}
    assert counts["posts"] == 2 and counts["sentences"] == 3 and counts["loaded_spans"] == 1
    assert con.execute("SELECT DISTINCT first_seen_run, last_seen_run FROM posts").fetchall() == [("run1", "run2")]


def test_edited_post_replaces_its_sentences_and_spans(con: duckdb.DuckDBPyConnection) -> None:
    load_posts(con, "run1", [_post("https://a.example/1", "These fools again. Calm line.")])
    counts = load_posts(con, "run2", [_post("https://a.example/1", "A calmer rewrite.")])
    assert (counts.new, counts.updated) == (0, 1)
    assert con.execute("SELECT text FROM sentences").fetchall() == [("A calmer rewrite.",)]
    assert _count(con, "loaded_spans") == 0
    assert con.execute("SELECT first_seen_run, last_seen_run FROM posts").fetchall() == [("run1", "run2")]


def test_rows_of_posts_deleted_out_of_band_are_swept_so_the_posts_reload_without_duplicates(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """load_posts replaces rows only for stored posts; a run's ``clear_orphans`` clears the rest first."""
    original = _post("https://a.example/1", "These fools again. Calm line.")
    copy = _post("https://b.example/1", "These fools again. Calm line.")  # an exact duplicate: a link row
    load_posts(con, "run1", [original, copy])
    tables = ORPHAN_TABLES + ("posts",)
    loaded = {t: _count(con, t) for t in tables}
    assert all(loaded[t] > 0 for t in ("sentences", "loaded_spans", "post_bands", "post_duplicates"))
    con.execute("DELETE FROM posts")  # a user clearing posts to rebuild them from the archive

    removed = clear_orphans(con)
    assert removed == {t: loaded[t] for t in ORPHAN_TABLES if loaded[t]}
    assert clear_orphans(con) == {}
    load_posts(con, "run2", [original, copy])
    assert {t: _count(con, t) for t in tables} == loaded


def test_each_edit_keeps_the_previous_text_as_a_numbered_version(con: duckdb.DuckDBPyConnection) -> None:
    load_posts(con, "run1", [_post("https://a.example/1", "First text.")])
    load_posts(con, "run2", [_post("https://a.example/1", "First text.")])
    load_posts(con, "run3", [_post("https://a.example/1", "Second text.")])
    load_posts(con, "run4", [_post("https://a.example/1", "Third text.")])
    versions = con.execute(
        "SELECT version_no, text, seen_run, replaced_run FROM post_versions ORDER BY version_no"
    ).fetchall()
    assert versions == [(1, "First text.", "run2", "run3"), (2, "Second text.", "run3", "run4")]
    assert con.execute("SELECT text FROM posts").fetchall() == [("Third text.",)]


def test_the_same_canonical_url_twice_in_one_batch_is_one_row(con: duckdb.DuckDBPyConnection) -> None:
    load_posts(con, "run1", [_post("https://a.example/1", "One."), _post("https://a.example/1", "One.")])
    assert _count(con, "posts") == 1


def test_deleted_posts_are_marked_not_dropped(con: duckdb.DuckDBPyConnection) -> None:
    from datetime import UTC, datetime

    load_posts(con, "run1", [_post("https://a.example/1", "One.")])
    assert mark_deleted(con, ["https://a.example/1"], datetime(2026, 12, 1, tzinfo=UTC)) == 1
    row = con.execute("SELECT post_id, deleted_at IS NOT NULL FROM posts").fetchone()
    assert row == (post_id_for("https://a.example/1"), True)


def test_syndicated_copies_are_linked_to_the_earlier_original(con: duckdb.DuckDBPyConnection) -> None:
    story = (
        "The council voted last night to close the library on Elm Street, despite a petition signed by four "
        "thousand residents who said it was the only quiet place left in the ward. The leader said the budget "
        "left no choice, and the opposition promised to table a motion to reverse the closure next month."
    )
    load_posts(con, "run1", [_post("https://a.example/original", story)])
    load_posts(
        con,
        "run2",
        [
            _post("https://b.example/reprint", "Reprinted with thanks. " + story),
            _post("https://c.example/same", story),
            _post(
                "https://d.example/other", "Senator Calloway unveiled a rural broadband plan for ten thousand homes."
            ),
        ],
    )
    links = con.execute(
        "SELECT p.url, o.url, d.kind FROM post_duplicates d JOIN posts p ON p.post_id = d.post_id "
        "JOIN posts o ON o.post_id = d.duplicate_of ORDER BY 1, 2"
    ).fetchall()
    # Without dates the tie breaks on post_id; every pair among the three copies is linked once.
    urls = {"https://a.example/original", "https://b.example/reprint", "https://c.example/same"}
    assert {frozenset(link[:2]) for link in links} == {
        frozenset(pair) for pair in [(a, b) for a in urls for b in urls if a < b]
    }
    kinds = {frozenset(link[:2]): link[2] for link in links}
    assert kinds[frozenset({"https://a.example/original", "https://c.example/same"})] == "exact"
    assert kinds[frozenset({"https://a.example/original", "https://b.example/reprint"})] == "near"


def test_the_sources_file_republish_flag_reaches_the_sources_table(con: duckdb.DuckDBPyConnection) -> None:
    from datetime import UTC, datetime

    from extract.sources import Source
    from warehouse.load import upsert_sources

    now = datetime(2026, 11, 1, tzinfo=UTC)
    upsert_sources(
        con, [Source("a", "A", "https://a.example/", republish=False), Source("b", "B", "https://b.example/")], now
    )
    assert con.execute("SELECT source_id, republish FROM sources ORDER BY 1").fetchall() == [("a", False), ("b", True)]
    upsert_sources(con, [Source("a", "A", "https://a.example/", republish=True)], now)  # the file changed its mind
    assert con.execute("SELECT republish FROM sources WHERE source_id = 'a'").fetchall() == [(True,)]
