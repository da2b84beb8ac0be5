"""The analytical views of migration 0008, on a real labelled warehouse built through the migrations."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.labelled import (
    NEW_MODEL,
    NEW_STANCE,
    OLD_STANCE,
    POSTS,
    RUN_1,
    RUN_2,
    first_model,
    post_id,
)

VIEWS = ("post_labels", "post_stances", "source_daily", "loaded_terms", "run_health", "label_versions")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


@pytest.fixture()
def con(labelled_db: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(labelled_db.read_bytes())
    connection = duckdb.connect(str(copy))
    yield connection
    connection.close()


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[dict[str, object]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_every_view_returns_rows(con: duckdb.DuckDBPyConnection) -> None:
    for view in VIEWS:
        count = con.execute(f"SELECT count(*) FROM {view}").fetchone()
        assert count and count[0] > 0, view


def test_post_labels_is_one_row_per_live_post_with_the_newest_loaded_model(con: duckdb.DuckDBPyConnection) -> None:
    rows = {r["post_id"]: r for r in _dicts(con, "SELECT * FROM post_labels")}
    live = {pid for (pid,) in con.execute("SELECT post_id FROM posts WHERE deleted_at IS NULL").fetchall()}
    assert set(rows) == live and len(live) == len(POSTS) - 1
    stored = {r["post_id"]: r for r in _dicts(con, "SELECT * FROM post_scores WHERE model_version = ?", [NEW_MODEL])}
    for pid, row in rows.items():
        assert row["loaded_model_version"] == NEW_MODEL
        for column in ("loaded_score", "loaded_share_author", "loaded_share_quoted", "n_sentences_author"):
            assert row[column] == stored[pid][column], column
    words = dict(con.execute("SELECT post_id, word_count FROM posts").fetchall())
    assert all(row["word_count"] == words[pid] for pid, row in rows.items())
    reform = rows[post_id(POSTS[0].url)]
    assert (reform["leaning"], reform["source_leaning"]) == ("left", "left")
    # The first model's scores are still there to query.
    older = con.execute("SELECT count(*) FROM post_scores WHERE model_version = ?", [first_model()]).fetchone()
    assert older and older[0] == len(POSTS)


def test_an_unregistered_version_ranks_by_when_it_first_scored(con: duckdb.DuckDBPyConnection) -> None:
    budget, reform = post_id(POSTS[1].url), post_id(POSTS[0].url)
    registered = con.execute("SELECT registered_at FROM models WHERE model_version = ?", [NEW_MODEL]).fetchone()
    assert registered
    # An experimental version, never registered, first scored one post a day after NEW_MODEL was registered.
    con.execute(
        "INSERT INTO post_scores (post_id, model_version, loaded_score, scored_at) VALUES (?, 'loaded-exp', 0.99, ?)",
        [budget, registered[0] + timedelta(days=1)],
    )
    # The first model, taken out of the registry, goes on scoring one post long after: its first use
    # is still older than NEW_MODEL, so it does not win that post back.
    first = first_model()
    con.execute("DELETE FROM models WHERE model_version = ?", [first])
    con.execute(
        "UPDATE post_scores SET scored_at = ? WHERE post_id = ? AND model_version = ?",
        [registered[0] + timedelta(days=30), reform, first],
    )
    picked = dict(con.execute("SELECT post_id, loaded_model_version FROM post_labels").fetchall())
    assert picked[budget] == "loaded-exp"
    assert picked[reform] == NEW_MODEL
    order = con.execute("SELECT model_version FROM label_versions WHERE task = 'loaded' ORDER BY recency").fetchall()
    assert [v for (v,) in order] == ["loaded-exp", NEW_MODEL, first]


def test_post_stances_takes_the_newest_stance_per_post_and_target(con: duckdb.DuckDBPyConnection) -> None:
    rows = {r["post_id"]: r for r in _dicts(con, "SELECT * FROM post_stances")}
    reform, budget, chaos = (post_id(POSTS[i].url) for i in (0, 1, 2))
    assert (rows[reform]["label"], rows[reform]["model_version"]) == ("against", NEW_STANCE)
    assert (rows[chaos]["label"], rows[chaos]["model_version"]) == ("against", NEW_STANCE)
    # Only the old model labelled the budget post: its label stands.
    assert (rows[budget]["label"], rows[budget]["model_version"]) == ("neither", OLD_STANCE)
    assert rows[reform]["target_name"] == "Labour Party" and rows[reform]["evidence"] == [1]
    total = con.execute("SELECT count(*) FROM stances").fetchone()
    assert total and total[0] == 5 and len(rows) == 3


def test_source_daily_adds_up_posts_words_voice_and_stances_per_utc_day(con: duckdb.DuckDBPyConnection) -> None:
    labels = _dicts(con, "SELECT * FROM post_labels")
    expected: dict[tuple[str, date], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in labels:
        e = expected[(str(row["source_id"]), row["day"])]  # type: ignore[index]
        e["posts"] += 1
        e["words"] += row["word_count"]  # type: ignore[operator]
        e["sentences_author"] += row["n_sentences_author"]  # type: ignore[operator]
        e["loaded_author"] += round(row["loaded_share_author"] * row["n_sentences_author"])  # type: ignore[operator]
    got = {(r["source_id"], r["day"]): r for r in _dicts(con, "SELECT * FROM source_daily")}
    assert set(got) == set(expected)
    for key, e in expected.items():
        row = got[key]
        assert (row["posts"], row["words"], row["sentences_author"]) == (e["posts"], e["words"], e["sentences_author"])
        assert row["loaded_sentences_author"] == e["loaded_author"]
        if e["sentences_author"]:
            assert row["loaded_share_author"] == pytest.approx(e["loaded_author"] / e["sentences_author"])
    reform_day = got[("left-pen", date(2026, 11, 2))]
    assert reform_day["stance_counts"] == [{"target": "labour", "favor": 0, "against": 1, "neither": 0}]
    assert reform_day["loaded_model_versions"] == [NEW_MODEL]
    # The post without a date is counted on the day of the run that first stored it.
    run_day = con.execute("SELECT (started_at AT TIME ZONE 'UTC')::DATE FROM runs WHERE run_id = ?", [RUN_1]).fetchone()
    assert run_day and ("right-angle", run_day[0]) in got


def test_days_are_utc_whatever_the_session_time_zone(con: duckdb.DuckDBPyConnection) -> None:
    chaos = POSTS[2]
    assert chaos.published == datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    con.execute("SET TimeZone = 'Pacific/Kiritimati'")  # UTC+14: already 4 November there
    day = con.execute("SELECT day FROM post_labels WHERE post_id = ?", [post_id(chaos.url)]).fetchone()
    assert day and day[0] == date(2026, 11, 3)


def test_loaded_terms_count_uses_voice_sources_and_first_and_last_seen(con: duckdb.DuckDBPyConnection) -> None:
    terms = {(r["term"], r["category"]): r for r in _dicts(con, "SELECT * FROM loaded_terms")}
    disastrous = terms[("disastrous", "exaggeration")]
    assert (disastrous["uses"], disastrous["uses_author"], disastrous["sources"]) == (2, 2, 2)
    assert disastrous["source_ids"] == ["left-pen", "right-angle"]
    assert (disastrous["first_seen"], disastrous["last_seen"]) == (date(2026, 11, 2), date(2026, 11, 3))
    extremists = terms[("extremists", "name_calling")]
    assert (extremists["uses_author"], extremists["uses_quoted"]) == (0, 1)
    assert all(r["model_versions"] == [NEW_MODEL] for r in terms.values())
    # Counted once per span of the newest model, not once per model version.
    spans = con.execute(
        "SELECT count(*) FROM loaded_spans WHERE model_version = ? AND post_id IN (SELECT post_id FROM post_labels)",
        [NEW_MODEL],
    ).fetchone()
    assert spans and sum(int(r["uses"]) for r in terms.values()) == spans[0]  # type: ignore[call-overload]


def test_run_health_reads_run_stats_and_falls_back_to_fetch_log_for_a_killed_run(
    con: duckdb.DuckDBPyConnection,
) -> None:
    runs = {r["run_id"]: r for r in _dicts(con, "SELECT * FROM run_health")}
    done = runs[RUN_1]
    assert done["duration_s"] == pytest.approx(61.5)
    assert (done["requests"], done["not_modified"], done["errors"]) == (42, 5, 3)
    assert (done["posts_new"], done["extraction_failures"], done["hosts_given_up"]) == (6, 1, 1)
    assert done["errors_by_kind"] == {"FetchTimeout": 2, "HTTPStatusError": 1}
    killed = runs[RUN_2]
    assert killed["status"] == "running" and killed["duration_s"] is None
    # 4 requests: a 304, a sitemap 404 (the feature is off: not an error), a timeout and a post 404.
    assert (killed["requests"], killed["not_modified"], killed["errors"]) == (4, 1, 2)


def _doc_examples() -> dict[str, str]:
    """The example query documented under each view's heading in docs/schema.md."""
    text = DOCS.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in re.finditer(r"^### (\w+) \(view\)\n(.*?)(?=^#{2,3} |\Z)", text, re.S | re.M):
        sql = re.search(r"```sql\n(.*?)```", match.group(2), re.S)
        if sql:
            found[match.group(1)] = sql.group(1)
    return found


def test_each_documented_view_has_an_example_query_that_returns_rows(con: duckdb.DuckDBPyConnection) -> None:
    examples = _doc_examples()
    assert set(VIEWS) <= set(examples)
    for view, sql in examples.items():
        assert view in sql, view
        rows = con.execute(sql).fetchall()
        assert rows, view


def test_the_most_loaded_source_in_its_own_voice_last_week(con: duckdb.DuckDBPyConnection) -> None:
    sql = _doc_examples()["source_daily"]
    rows = con.execute(sql).fetchall()
    # right-angle: 2 of its 3 own-voice sentences loaded; left-pen 2 of 5.
    assert rows[0][0] == "right-angle"
