"""The report's queries over a real labelled warehouse (tests/warehouse/labelled.py) and a new, empty one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from extract.errors import WarehouseError
from tests.warehouse.labelled import NEW_MODEL, NEW_STANCE, RUN_1, RUN_2
from warehouse.db import migrate, open_warehouse
from warehouse.report_data import Window, literal, report_data, require_views


@pytest.fixture()
def con(labelled_db: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(labelled_db.read_bytes())
    connection = duckdb.connect(str(copy))
    yield connection
    connection.close()


def test_overview_counts_live_posts_sources_days_and_models(con: duckdb.DuckDBPyConnection) -> None:
    data = report_data(con, Window())
    head = data.overview.dicts()[0]
    assert head["posts"] == 5  # six posts, one deleted
    assert (head["sources_with_posts"], head["sources_known"]) == (3, 3)
    assert head["first_day"] == date(2026, 11, 2)
    assert head["last_day"] == date(2026, 11, 7)  # the undated post takes the day of the run that stored it
    newest = {(m["task"], m["model_version"]) for m in data.models.dicts() if m["newest"]}
    assert ("loaded", NEW_MODEL) in newest and ("stance", NEW_STANCE) in newest


def test_weekly_loaded_shares_are_the_source_daily_sums_per_voice(con: duckdb.DuckDBPyConnection) -> None:
    data = report_data(con, Window())
    weekly = {r["source_id"]: r for r in data.loaded_weekly.dicts()}
    assert {r["week"] for r in weekly.values()} == {date(2026, 11, 2)}  # the Monday
    for source, row in weekly.items():
        sums = con.execute(
            "SELECT sum(loaded_sentences_author), sum(sentences_author), sum(loaded_sentences_quoted), "
            "sum(sentences_quoted) FROM source_daily WHERE source_id = ?",
            [source],
        ).fetchone()
        assert sums is not None
        assert (row["loaded_author"], row["sentences_author"]) == (sums[0], sums[1])
        assert (row["loaded_quoted"], row["sentences_quoted"]) == (sums[2], sums[3])
        assert row["share_author"] == pytest.approx(sums[0] / sums[1])


def test_stance_heat_map_uses_the_newest_label_per_post_and_counts_each(con: duckdb.DuckDBPyConnection) -> None:
    data = report_data(con, Window())
    cells = {(r["source_id"], r["target"]): r for r in data.stance_matrix.dicts()}
    # left-pen: the reform post is "against" by the newer model, the budget post "neither" by the older
    # (only the older model labelled it); right-angle's post "against" by both.
    left = cells[("left-pen", "labour")]
    assert (left["favor"], left["against"], left["neither"], left["posts"]) == (0, 1, 1, 2)
    assert left["net"] == pytest.approx(-0.5)
    assert cells[("right-angle", "labour")]["net"] == pytest.approx(-1.0)
    assert ("quiet-corner", "labour") not in cells
    assert [(t["target"], t["posts"]) for t in data.targets.dicts()] == [("labour", 3)]
    week = data.stance_weekly.dicts()
    assert [(r["target_name"], r["posts"], r["against"]) for r in week] == [("Labour Party", 3, 2)]


def test_top_terms_rank_within_each_category_and_trend_only_those(con: duckdb.DuckDBPyConnection) -> None:
    data = report_data(con, Window())
    terms = data.top_terms.dicts()
    assert terms, "the labelled posts use loaded language"
    by_category: dict[str, list[dict[str, object]]] = {}
    for row in terms:
        by_category.setdefault(str(row["category"]), []).append(row)
    for rows in by_category.values():
        assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
        assert [r["uses"] for r in rows] == sorted((r["uses"] for r in rows), reverse=True)  # type: ignore[type-var]
        for r in rows:
            assert r["uses"] == r["uses_author"] + r["uses_quoted"]  # type: ignore[operator]
    # The terms' totals agree with the loaded_terms view (same normalisation, newest model only).
    view = {(r[0], r[1]): r[2] for r in con.execute("SELECT term, category, uses FROM loaded_terms").fetchall()}
    assert all(view[(r["term"], r["category"])] == r["uses"] for r in terms)
    trend = {(r["category"], r["term"]) for r in data.term_trend.dicts()}
    assert trend == {(r["category"], r["term"]) for r in terms}


def test_per_source_table_has_every_source_with_shares_leaning_and_model_estimate(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = {r["source_id"]: r for r in report_data(con, Window()).sources.dicts()}
    assert set(rows) == {"left-pen", "right-angle", "quiet-corner"}
    left = rows["left-pen"]
    assert (left["name"], left["posts"], left["leaning_label"]) == ("The Left Pen", 2, "left")
    assert left["model_leaning"] == "left" and left["p_left"] == pytest.approx(0.7)
    assert rows["right-angle"]["model_leaning"] == "right"
    share = con.execute(
        "SELECT sum(loaded_sentences_author) / sum(sentences_author) FROM source_daily WHERE source_id = 'left-pen'"
    ).fetchone()
    assert share is not None and left["loaded_share_author"] == pytest.approx(share[0])


def test_run_health_lists_the_nights_in_order_with_the_killed_one(con: duckdb.DuckDBPyConnection) -> None:
    runs = report_data(con, Window()).runs.dicts()
    assert [r["run_id"] for r in runs] == [RUN_1, RUN_2]
    assert runs[0]["status"] == "completed" and runs[0]["duration_s"] == pytest.approx(61.5)
    assert runs[1]["duration_s"] is None  # killed before writing its stats


def test_run_health_names_the_sources_the_health_gates_flagged(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT INTO source_health (run_id, source_id, checked_at, posts_found, processed, failures, requests, flags) "
        "VALUES (?, 'left-pen', now(), 0, 0, 0, 3, ['zero_yield']), (?, 'right-angle', now(), 2, 2, 0, 3, [])",
        [RUN_1, RUN_1],
    )
    first = report_data(con, Window()).runs.dicts()[0]
    assert (first["flagged_sources"], first["flagged"]) == (1, "left-pen (zero_yield)")


def test_run_health_keeps_only_the_last_fourteen_nights(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT INTO runs (run_id, flow, started_at, finished_at, status, code_version, stats) "
        "SELECT 'old-' || i, 'nightly', TIMESTAMPTZ '2026-10-01 02:00:00+00' + to_days(i::INTEGER), NULL, "
        "'completed', 'x', NULL FROM range(30) t(i)"
    )
    runs = report_data(con, Window()).runs.dicts()
    days = sorted({r["started_utc"].date() for r in runs})
    # Fourteen nights back from the latest (8 Nov): 26 Oct on; the nights of 1-25 Oct are left out.
    assert days == [date(2026, 10, d) for d in range(26, 31)] + [date(2026, 11, 7), date(2026, 11, 8)]


def test_the_window_filters_days_sources_and_targets(con: duckdb.DuckDBPyConnection) -> None:
    window = Window(since=date(2026, 11, 4), sources=("left-pen", "nobody"), targets=("labour", "greens"))
    data = report_data(con, window)
    assert data.overview.dicts()[0]["posts"] == 1  # the budget post
    assert {r["source_id"] for r in data.posts_weekly.dicts()} == {"left-pen"}
    assert [r["source_id"] for r in data.sources.dicts()] == ["left-pen"]
    assert [(r["source_id"], r["neither"]) for r in data.stance_matrix.dicts()] == [("left-pen", 1)]
    assert data.unknown_sources == ("nobody",) and data.unknown_targets == ("greens",)
    assert "DATE '2026-11-04'" in data.loaded_weekly.sql and "'left-pen'" in data.loaded_weekly.sql


def test_ids_are_written_as_safe_literals(con: duckdb.DuckDBPyConnection) -> None:
    assert literal("o'brien") == "'o''brien'"
    data = report_data(con, Window(sources=("x') OR (1=1",)))
    assert data.overview.dicts()[0]["posts"] == 0
    assert data.unknown_sources == ("x') OR (1=1",)


def test_a_new_database_gives_empty_tables_not_errors(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "new.duckdb")
    try:
        data = report_data(con, Window())
    finally:
        con.close()
    assert data.overview.dicts()[0]["posts"] == 0
    for table in (data.posts_weekly, data.loaded_weekly, data.stance_matrix, data.top_terms, data.sources, data.runs):
        assert table.empty
    assert data.stance_labels_total == 0


def test_a_warehouse_without_the_views_is_told_to_migrate(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        migrate(con, target=6)
        with pytest.raises(WarehouseError, match="slant migrate"):
            require_views(con)
    finally:
        con.close()
