"""``slant sql`` as a real process: the views in every format, Parquet out, and the SQL shell."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.labelled import POSTS


def slant(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )


@pytest.fixture()
def db(labelled_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(labelled_db.read_bytes())
    return copy


QUESTION = (
    "SELECT source_id, round(sum(loaded_sentences_author) / sum(sentences_author), 3) AS author_share "
    "FROM source_daily WHERE day > (SELECT max(day) FROM source_daily) - INTERVAL 7 DAY "
    "GROUP BY source_id HAVING sum(sentences_author) > 0 ORDER BY author_share DESC"
)


def test_sql_answers_a_question_over_the_views_as_table_csv_and_json(db: Path) -> None:
    table = slant("sql", QUESTION, "--db", str(db), cwd=db.parent)
    assert table.returncode == 0, table.stderr
    assert "author_share" in table.stdout and "right-angle" in table.stdout
    rows = list(
        csv.reader(io.StringIO(slant("sql", QUESTION, "--db", str(db), "--format", "csv", cwd=db.parent).stdout))
    )
    assert rows[0] == ["source_id", "author_share"] and rows[1] == ["right-angle", "0.667"]
    lines = slant("sql", QUESTION, "--db", str(db), "--format", "json", cwd=db.parent).stdout.splitlines()
    assert json.loads(lines[0]) == {"source_id": "right-angle", "author_share": 0.667}
    assert len(lines) == len(rows) - 1


def test_sql_writes_parquet_with_duckdb_and_other_formats_to_a_file(db: Path) -> None:
    out = db.parent / "exports" / "labels.parquet"
    result = slant(
        "sql", "SELECT * FROM post_labels;", "--db", str(db), "--format", "parquet", "--out", str(out), cwd=db.parent
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(POSTS) - 1} rows written" in result.stderr
    count = duckdb.connect().execute(f"SELECT count(*), count(DISTINCT post_id) FROM '{out}'").fetchone()
    assert count == (len(POSTS) - 1, len(POSTS) - 1)
    csv_file = db.parent / "terms.csv"
    assert (
        slant(
            "sql",
            "SELECT term FROM loaded_terms",
            "--db",
            str(db),
            "--format",
            "csv",
            "--out",
            str(csv_file),
            cwd=db.parent,
        ).stdout
        == ""
    )
    assert csv_file.read_text().startswith("term\n")
    missing = slant("sql", "SELECT 1", "--db", str(db), "--format", "parquet", cwd=db.parent)
    assert missing.returncode == 2 and "--out FILE" in missing.stderr


def test_the_shell_runs_piped_statements_keeps_temp_tables_and_stays_read_only(db: Path) -> None:
    script = (
        ".mode csv\n"
        "CREATE TEMP TABLE mine AS\n  SELECT source_id, count(*) AS n FROM post_labels GROUP BY 1;\n"
        "SELECT * FROM mine ORDER BY source_id;\n"
        "DELETE FROM posts;\n"
        "SELECT count(*) AS posts FROM posts;\n"
    )
    result = slant("sql", "--db", str(db), cwd=db.parent, stdin=script)
    assert result.returncode == 1  # one statement failed
    assert "source_id,n\nleft-pen,2\nquiet-corner,1\nright-angle,2\n" in result.stdout
    assert "read-only" in result.stderr and "Traceback" not in result.stderr
    assert f"posts\n{len(POSTS)}\n" in result.stdout  # nothing was deleted


def test_an_open_shell_does_not_hold_the_database_between_statements(db: Path) -> None:
    shell = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "sql", "--db", str(db), "--format", "csv"],
        cwd=db.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert shell.stdin and shell.stdout
    try:
        shell.stdin.write("SELECT count(*) AS runs FROM runs;\n")
        shell.stdin.flush()
        assert shell.stdout.readline() == "runs\n" and shell.stdout.readline() == "2\n"
        # The shell waits for its next statement: a writer can open the file meanwhile.
        writer = duckdb.connect(str(db))
        writer.execute("INSERT INTO runs VALUES ('r3', 'nightly', now(), now(), 'completed', 'x', NULL)")
        writer.close()
        shell.stdin.write("SELECT count(*) AS runs FROM runs;\n.quit\n")
        shell.stdin.flush()
        assert shell.stdout.readline() == "runs\n" and shell.stdout.readline() == "3\n"
        assert shell.wait(timeout=60) == 0
    finally:
        if shell.poll() is None:
            shell.kill()
