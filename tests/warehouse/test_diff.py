"""diff-release between two real releases of a warehouse that changed in between."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from extract.errors import PublishError
from tests.warehouse.labelled import NEW_STANCE, POSTS, labeller, post_id
from transform.clean import CleanPost, Paragraph
from transform.process import label_post
from warehouse.diff import diff_releases
from warehouse.load import load_posts, mark_deleted
from warehouse.publish import ReleaseOptions
from warehouse.release import publish_release


def _next_night(db: Path) -> None:
    """One new post, one post deleted by its author, and a newer stance model that changes one label."""
    con = duckdb.connect(str(db))
    try:
        new = CleanPost(
            "https://leftpen.example/2026/11/09/winter-fuel/",
            "Winter fuel",
            ("A. Writer",),
            POSTS[0].published + timedelta(days=7),  # type: ignore[operator]
            None,
            (),
            "en",
            (Paragraph("The winter fuel cut is a cruel and shameful choice."),),
        )
        load_posts(con, "run-3", [label_post("left-pen", new.canonical_url, new.canonical_url, "b", new, labeller())])
        mark_deleted(con, [POSTS[4].url], POSTS[0].published + timedelta(days=8))  # type: ignore[operator]
        budget = post_id(POSTS[1].url)
        con.execute("INSERT INTO models VALUES ('stance-nli-0.3', 'stance', NULL, NULL, now())")
        con.execute(
            "INSERT INTO stances (post_id, target, label, confidence, model_version, evidence, n_mentions, p_favor, "
            "p_against, p_neither, scored_at) VALUES (?, 'labour', 'favor', 0.6, 'stance-nli-0.3', [1], 1, 0.6, 0.2, "
            "0.2, now())",
            [budget],
        )
    finally:
        con.close()


def test_diff_counts_rows_added_removed_and_relabelled_per_table(labelled_db: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "2026.1.0", tmp_path / "2026.2.0"
    publish_release(labelled_db, old, ReleaseOptions(version="2026.1.0"), validate=False)
    db = tmp_path / "w.duckdb"
    db.write_bytes(labelled_db.read_bytes())
    _next_night(db)
    publish_release(db, new, ReleaseOptions(version="2026.2.0"), validate=False)
    diff = diff_releases(old, new)
    assert (diff.old_release, diff.new_release) == ("2026.1.0", "2026.2.0")
    by = {t.table: t for t in diff.tables}
    assert (by["posts"].added, by["posts"].removed, by["posts"].changed) == (1, 1, 0)
    assert (by["post_scores"].added, by["post_scores"].removed) == (1, 1)
    assert (by["stances"].added, by["stances"].removed, by["stances"].changed) == (0, 0, 1)
    assert by["stances"].change_kind == "relabelled" and by["posts"].change_kind == "changed"
    assert (by["sources"].added, by["sources"].removed, by["sources"].changed) == (0, 0, 0)
    assert by["posts"].new_rows == json.loads((new / "manifest.json").read_text())["tables"]["posts"]["rows"]
    assert "stance-nli-0.3" in diff.new_models["stance"] and NEW_STANCE in diff.old_models["stance"]


def test_a_release_against_itself_has_no_differences(labelled_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    publish_release(labelled_db, out, ReleaseOptions(version="2026.1.0"), validate=False)
    diff = diff_releases(out, out)
    assert all((t.added, t.removed, t.changed) == (0, 0, 0) and t.old_rows == t.new_rows for t in diff.tables)
    assert sum(t.old_rows for t in diff.tables) > 0


def test_a_directory_that_is_not_a_release_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="not a release"):
        diff_releases(tmp_path, tmp_path)
