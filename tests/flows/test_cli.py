"""The ``slant`` command line, run as a real process from a directory that is not the checkout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from transform.clean import CleanPost, Paragraph
from transform.labelling import Labeller
from transform.process import label_post
from warehouse.db import open_warehouse
from warehouse.load import load_posts


def slant(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture()
def db(tmp_path: Path, labeller: Labeller) -> Path:
    path = tmp_path / "data" / "w.duckdb"
    con = open_warehouse(path)
    post = CleanPost(
        "https://a.example/1",
        "A title",
        ("Writer",),
        None,
        None,
        (),
        "en",
        (Paragraph("These fools again."), Paragraph("Calm line.")),
    )
    load_posts(con, "run1", [label_post("src", "https://a.example/1", "https://a.example/1", "x", post, labeller)])
    con.close()
    return path


def test_sql_prints_table_csv_and_json_with_a_relative_db_path(db: Path) -> None:
    cwd = db.parent.parent
    table = slant("sql", "select title, word_count from posts", "--db", "data/w.duckdb", cwd=cwd)
    assert table.returncode == 0, table.stderr
    assert "A title" in table.stdout and "word_count" in table.stdout
    csv_out = slant("sql", "select title, word_count from posts", "--db", "data/w.duckdb", "--format", "csv", cwd=cwd)
    assert csv_out.stdout == "title,word_count\nA title,5\n"
    json_out = slant("sql", "select title, word_count from posts", "--db", "data/w.duckdb", "--format", "json", cwd=cwd)
    assert json.loads(json_out.stdout) == {"title": "A title", "word_count": 5}


def test_sql_is_read_only_by_default(db: Path) -> None:
    result = slant("sql", "delete from posts", "--db", str(db), cwd=db.parent)
    assert result.returncode == 2
    assert "read-only" in result.stderr.lower()


def test_bad_query_and_missing_database_get_clear_errors(db: Path, tmp_path: Path) -> None:
    bad = slant("sql", "select nope from posts", "--db", str(db), cwd=tmp_path)
    assert bad.returncode == 2 and "query failed" in bad.stderr and "Traceback" not in bad.stderr
    missing = slant("sql", "select 1", "--db", "nowhere.duckdb", cwd=tmp_path)
    assert missing.returncode == 2 and "no such database" in missing.stderr


def test_check_sources_reports_every_problem_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("sources:\n  - {id: a, name: A}\n", encoding="utf-8")
    result = slant("check-sources", "s.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "s.yaml: entry 1 (id 'a'): field 'url': Field required" in result.stderr.replace("\n", " ")


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = slant("--help", cwd=tmp_path)
    for command in (
        "nightly",
        "demo",
        "sql",
        "migrate",
        "check-sources",
        "check-targets",
        "serve-sample",
        "reprocess",
        "extract",
        "classify",
        "train",
        "publish",
        "diff-release",
    ):
        assert command in result.stdout
    assert "--sources" in slant("nightly", "--help", cwd=tmp_path).stdout


def test_check_targets_accepts_the_shipped_file_and_names_problems_in_a_bad_one(tmp_path: Path) -> None:
    from flows.settings import DEFAULT_TARGETS

    good = slant("check-targets", str(DEFAULT_TARGETS), cwd=tmp_path)
    assert good.returncode == 0 and "targets, all valid" in good.stdout
    bad = tmp_path / "t.yaml"
    bad.write_text("targets:\n  - {id: x, name: X, kind: wizard}\n", encoding="utf-8")
    result = slant("check-targets", str(bad), cwd=tmp_path)
    assert result.returncode == 2 and "entry 1 (id 'x'): field 'kind'" in result.stderr


def test_train_refuses_a_dataset_of_another_task(tmp_path: Path) -> None:
    result = slant(
        "train", "stance", "--dataset", "allsides", "--path", "x", "--out", str(tmp_path / "m"), cwd=tmp_path
    )
    assert result.returncode == 2 and "expected one of newsmtsc, ibm, jsonl" in result.stderr
