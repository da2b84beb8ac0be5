"""Loaded-language labels in the warehouse: the nightly flow's rows, and ``reclassify`` with a second model.

A real nightly run over the sample blogosphere labels every post with the default model; a
second model, trained by ``slant train``'s code on part of the project's examples, relabels
them offline. Both versions stay queryable; a re-run resumes instead of duplicating.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.blogosphere import serve
from transform.loaded.train import DEFAULT_EXAMPLES, read_jsonl, resolve_paths, train

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def _rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def relabelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from flows.nightly import nightly
    from flows.reclassify import reclassify

    tmp = tmp_path_factory.mktemp("reclassify")
    db = tmp / "w.duckdb"
    with serve("127.0.0.1") as sphere:
        sources = tmp / "sources.yaml"
        sources.write_text(sphere.sources_yaml(), encoding="utf-8")
        night = nightly(str(sources), str(db), None, {"allow_private": [sphere.host], "host_delay_s": 0.0})
    first_version = _rows(db, "SELECT DISTINCT model_version FROM post_scores")
    before = _rows(db, "SELECT * FROM post_scores ORDER BY post_id")
    # A genuinely different model: trained on the first three example files only.
    part = resolve_paths(DEFAULT_EXAMPLES)[:3]
    second = tmp / "second-model"
    train([row for f in part for row in read_jsonl(str(f))], second, data_path=str(part[0]), dataset="jsonl")
    runs = [reclassify(str(second), str(db)), reclassify(str(second), str(db))]
    return {"db": db, "night": night, "first": first_version, "before": before, "runs": runs}


def test_nightly_labels_every_post_with_voice_shares_and_registers_its_model(relabelled: dict[str, Any]) -> None:
    db = relabelled["db"]
    (version,) = relabelled["first"]
    posts = _rows(db, "SELECT count(*) FROM posts")[0][0]
    scored = _rows(
        db,
        "SELECT count(*), count(loaded_share_author), count(spans_name_calling), sum(n_sentences_author + "
        "n_sentences_quoted) = sum(n_sentences) FROM post_scores WHERE model_version = ?",
        [version[0]],
    )[0]
    assert scored == (posts, posts, posts, True)
    sentences = _rows(db, "SELECT count(*) FROM sentences")[0][0]
    assert _rows(db, "SELECT count(*) FROM sentence_scores WHERE model_version = ?", [version[0]])[0][0] == sentences
    (card,) = _rows(db, "SELECT task, card->>'$.dataset' FROM models WHERE model_version = ?", [version[0]])
    assert card == ("loaded", "jsonl")
    # Spans agree with their sentence and lie inside the post text.
    bad = _rows(
        db,
        "SELECT count(*) FROM loaded_spans s JOIN posts p USING (post_id) JOIN sentences t "
        "ON t.post_id = s.post_id AND t.sentence_no = s.sentence_no "
        "WHERE s.start_char < t.start_char OR s.end_char > t.end_char OR substr(p.text, s.start_char + 1, "
        "s.end_char - s.start_char) <> s.text",
    )
    assert bad == [(0,)]


def test_reclassify_adds_the_new_version_beside_the_old_one(relabelled: dict[str, Any]) -> None:
    db = relabelled["db"]
    first, again = relabelled["runs"]
    posts = _rows(db, "SELECT count(*) FROM posts WHERE deleted_at IS NULL")[0][0]
    assert first["status"] == "completed" and first["posts"] == posts
    versions = _rows(db, "SELECT model_version, count(*) FROM post_scores GROUP BY ALL ORDER BY 1")
    assert len(versions) == 2 and all(n == posts for _, n in versions)
    assert first["model_version"] in {v for v, _ in versions}
    loaded = _rows(db, "SELECT model_version FROM models WHERE task = 'loaded'")
    assert {r[0] for r in loaded} == {v for v, _ in versions}
    # The stance and leaning models label the same posts beside it (one version each: the settings' defaults).
    assert {r[0] for r in _rows(db, "SELECT task FROM models WHERE task <> 'loaded'")} == {"stance", "leaning"}
    assert _rows(db, "SELECT count(DISTINCT post_id) FROM post_leaning")[0][0] == posts
    # The first model's rows are untouched.
    old = relabelled["first"][0][0]
    assert (
        _rows(db, "SELECT * FROM post_scores WHERE model_version = ? ORDER BY post_id", [old]) == relabelled["before"]
    )


def test_a_second_reclassify_with_the_same_model_relabels_nothing(relabelled: dict[str, Any]) -> None:
    _, again = relabelled["runs"]
    assert again["status"] == "completed" and again["posts"] == 0
    dupes = _rows(
        relabelled["db"],
        "SELECT count(*) FROM (SELECT post_id, sentence_no, model_version FROM sentence_scores GROUP BY ALL "
        "HAVING count(*) > 1)",
    )
    assert dupes == [(0,)]


# The loaded-language model version the views treat as newest.
NEWEST_LOADED = "(SELECT model_version FROM label_versions WHERE task = 'loaded' AND recency = 1)"


def test_the_demo_example_queries_count_each_post_once_under_the_newest_model(relabelled: dict[str, Any]) -> None:
    from warehouse.examples import EXAMPLE_QUERIES

    db = relabelled["db"]
    assert len(_rows(db, "SELECT DISTINCT model_version FROM post_scores")) == 2  # both versions are stored
    queries = dict(EXAMPLE_QUERIES)
    top = _rows(db, queries["Most loaded posts, author voice vs quoted voice"])
    assert len({title for title, *_ in top}) == len(top) == 5
    newest = _rows(
        db,
        "SELECT p.title, round(ps.loaded_score, 3) FROM posts p JOIN post_scores ps USING (post_id) "
        f"WHERE ps.model_version = {NEWEST_LOADED} ORDER BY ps.loaded_score DESC, p.title LIMIT 5",
    )
    assert [(t, s) for t, s, *_ in top] == newest
    terms = _rows(db, queries["Most frequent loaded terms by category"])
    assert terms
    category, term, uses, *_ = terms[0]
    newest_spans = _rows(
        db,
        f"SELECT count(*) FROM loaded_spans WHERE model_version = {NEWEST_LOADED} AND lower(text) = ? AND category = ?",
        [term, category],
    )[0][0]
    assert uses == newest_spans  # uses counted under one model version, not summed over both
