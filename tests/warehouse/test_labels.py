"""Tests for the stance and leaning writers (``warehouse.labels``) on a real DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from extract.sources import Source
from transform.leaning import Leaning
from transform.mentions import Mention
from transform.stance.label import MentionStance, StanceLabels, aggregate
from transform.targets import Target
from warehouse.db import open_warehouse
from warehouse.labels import (
    PostOpinions,
    RegisteredModel,
    refresh_model_ratings,
    write_labels,
    write_source_ratings,
)

NOW = datetime(2026, 11, 15, tzinfo=UTC)
LABOUR = Target("labour", "Labour Party", "party", ("Labour Party", "Labour"), links=(("led_by", "keir-starmer"),))


def _labels(p_favor: float) -> StanceLabels:
    mentions = tuple(
        MentionStance(
            Mention("labour", n, 10 * n, 10 * n + 6, "alias"), "author", None, False, 1.0, p_favor, 0.9 - p_favor, 0.1
        )
        for n in range(3)
    )
    return StanceLabels(mentions, (aggregate("labour", mentions),))


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = open_warehouse(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def _write(con: duckdb.DuckDBPyConnection, p_favor: float, version: str) -> None:
    write_labels(
        con,
        [PostOpinions("p1", _labels(p_favor), Leaning("left", {"left": 0.7, "center": 0.2, "right": 0.1}, 0.7))],
        targets=[LABOUR],
        stance_model=RegisteredModel(version, "stance", "/models/s", {"rows": 1}),
        leaning_model=RegisteredModel("leaning-x", "leaning", "/models/l", {}),
        now=NOW,
    )


def test_a_batch_writes_every_label_table_and_a_rewrite_replaces_only_its_own_version(con) -> None:  # type: ignore[no-untyped-def]
    _write(con, 0.8, "stance-a")
    _write(con, 0.1, "stance-b")
    _write(con, 0.85, "stance-a")  # the same version again: replaced, not duplicated
    rows = con.execute(
        "SELECT model_version, label, n_mentions, evidence FROM stances ORDER BY model_version"
    ).fetchall()
    assert rows == [("stance-a", "favor", 3, [0, 1, 2]), ("stance-b", "against", 3, [0, 1, 2])]
    assert con.execute("SELECT count(*) FROM target_mentions").fetchone()[0] == 3  # type: ignore[index]
    assert con.execute("SELECT count(*) FROM mention_stances").fetchone()[0] == 6  # type: ignore[index]
    assert con.execute("SELECT label, p_left FROM post_leaning").fetchall() == [("left", 0.7)]
    target = con.execute("SELECT name, kind, aliases, links FROM targets").fetchone()
    assert target[:3] == ("Labour Party", "party", ["Labour Party", "Labour"]) and "keir-starmer" in target[3]  # type: ignore[index]
    assert {r[0] for r in con.execute("SELECT model_version FROM models").fetchall()} == {
        "stance-a",
        "stance-b",
        "leaning-x",
    }


def test_a_failed_batch_leaves_nothing_behind(con) -> None:  # type: ignore[no-untyped-def]
    bad = PostOpinions("p2", _labels(0.8), Leaning("left", {"left": 1.0}, 1.0))
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll the whole batch back
        write_labels(
            con,
            [bad, PostOpinions("p3", None, None)],
            stance_model=RegisteredModel("s", "stance"),
            leaning_model=RegisteredModel("l", "leaning"),
            now=None,
        )  # type: ignore[arg-type]
        con.execute("SELECT * FROM no_such_table")
    con.execute("ROLLBACK") if con.execute("SELECT 1").fetchone() is None else None
    assert con.execute("SELECT count(*) FROM stances WHERE post_id = 'p3'").fetchone()[0] == 0  # type: ignore[index]


def test_sources_file_ratings_are_a_slowly_changing_dimension(con) -> None:  # type: ignore[no-untyped-def]
    blog = Source("blog", "Blog", "https://blog.example/", leaning="left", rater="AllSides")
    assert write_source_ratings(con, [blog], NOW) == 1
    assert write_source_ratings(con, [blog], NOW + timedelta(days=1)) == 0  # unchanged: the open row stays
    moved = Source("blog", "Blog", "https://blog.example/", leaning="center", rater="AllSides")
    assert write_source_ratings(con, [moved], NOW + timedelta(days=2)) == 1
    rows = con.execute(
        "SELECT rater, rating, method, valid_from, valid_to FROM source_ratings ORDER BY valid_from"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("AllSides", "left", "sources-file"),
        ("AllSides", "center", "sources-file"),
    ]
    assert rows[0][4] == rows[1][3] and rows[1][4] is None


def test_model_ratings_are_monthly_from_the_posts_leaning(con) -> None:  # type: ignore[no-untyped-def]
    con.execute("INSERT INTO runs VALUES ('r1', 'nightly', ?, NULL, 'completed', 'x', NULL)", [NOW])
    con.execute(
        "INSERT INTO sources (source_id, name, url, added_at) VALUES ('blog', 'Blog', 'https://blog.example/', ?)",
        [NOW],
    )
    for i in range(4):
        con.execute(
            "INSERT INTO posts (post_id, source_id, url, canonical_url, text, text_sha256, word_count, published_at, "
            "first_seen_run, last_seen_run) VALUES (?, 'blog', ?, ?, 'x', 'h', 1, ?, 'r1', 'r1')",
            [f"p{i}", f"u{i}", f"u{i}", datetime(2026, 10, 3 + i, tzinfo=UTC)],
        )
        con.execute("INSERT INTO post_leaning VALUES (?, 'lean-1', 'right', 0.1, 0.2, 0.7, 0.7, ?)", [f"p{i}", NOW])
    assert refresh_model_ratings(con, "lean-1", ["blog"], NOW) == 1
    assert refresh_model_ratings(con, "lean-1", ["blog"], NOW) == 1  # recomputed, not duplicated
    rows = con.execute("SELECT rater, rating, method, valid_from, valid_to FROM source_ratings").fetchall()
    assert rows == [
        ("slant", "right", "model:lean-1", datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    ]
