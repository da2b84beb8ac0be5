"""One writer at a time: a second process holds the DuckDB file, and readers and the nightly flow say so clearly.

The holder is a real process (``hold_db.py``) that opens the warehouse for writing or reading and
keeps it until told to let go; the readers are real ``slant`` processes and the nightly a real
Prefect flow run against the sample blogosphere.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from extract.errors import DatabaseLocked
from flows.blogosphere import Blogosphere, serve
from warehouse.db import open_warehouse

HOLDER = """
import sys
from contextlib import nullcontext
from pathlib import Path

import duckdb

from warehouse.runlock import run_lock

path, mode = sys.argv[1], sys.argv[2]
# A writer takes the run lock first, as the nightly flow does.
with run_lock(Path(path), "nightly") if mode == "write" else nullcontext():
    con = duckdb.connect(path, read_only=mode == "read")
    if mode == "write":
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO runs VALUES ('held-run', 'nightly', now(), NULL, 'running', 'test', NULL)")
        con.execute("COMMIT")
    print("holding", flush=True)
    sys.stdin.readline()
    con.close()
"""


@contextmanager
def holding(db: Path, mode: str, tmp: Path) -> Iterator[subprocess.Popen[str]]:
    """Run the holder process until the block ends (or until the caller lets it go)."""
    script = tmp / "hold_db.py"
    script.write_text(HOLDER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(db), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout and proc.stdout.readline() == "holding\n"
    try:
        yield proc
    finally:
        release(proc)


def release(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        assert proc.stdin
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(timeout=30)


def slant(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120, input=stdin
    )


def test_readers_are_told_who_writes_and_what_to_do_and_then_see_every_row(labelled_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    db.write_bytes(labelled_db.read_bytes())
    with holding(db, "write", tmp_path) as holder:
        query = slant("sql", "SELECT count(*) FROM runs", "--db", str(db), "--format", "csv", cwd=tmp_path)
        assert query.returncode == 2
        message = " ".join(query.stderr.split())
        assert f"is being written by a nightly run, pid {holder.pid} on " in message and "hold_db.py" in message
        assert "Try again when it finishes" in message and f"ps -p {holder.pid}" in message
        assert "Traceback" not in query.stderr
        shell = slant("sql", "--db", str(db), cwd=tmp_path, stdin="SELECT count(*) FROM runs;\n")
        assert shell.returncode == 1
        assert f"being written by a nightly run, pid {holder.pid}" in " ".join(shell.stderr.split())
        assert "Traceback" not in shell.stderr
    after = slant("sql", "SELECT count(*) AS runs FROM runs", "--db", str(db), "--format", "csv", cwd=tmp_path)
    assert after.stdout == "runs\n3\n"  # the two runs it had, and the one the writer committed


def _nightly(sphere: Blogosphere, tmp: Path, db: Path, wait_s: float) -> dict[str, object]:
    from flows.nightly import nightly

    sources = tmp / "sources.yaml"
    sources.write_text(sphere.sources_yaml(), encoding="utf-8")
    overrides = {"allow_private": [sphere.host], "host_delay_s": 0.0, "db_lock_wait_s": wait_s}
    return nightly(str(sources), str(db), None, overrides)  # type: ignore[no-any-return]


def _counts(db: Path) -> tuple[int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM posts)").fetchone()
        assert row
        return int(row[0]), int(row[1])
    finally:
        con.close()


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_the_nightly_waits_for_a_reader_then_fails_clearly_having_changed_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    open_warehouse(db).close()
    with serve("127.0.0.1") as sphere, holding(db, "read", tmp_path) as reader:
        started = time.monotonic()
        with pytest.raises(DatabaseLocked) as caught:
            _nightly(sphere, tmp_path, db, wait_s=1.0)
        waited = time.monotonic() - started
        fetched = len(sphere.request_log)
    message = str(caught.value)
    assert f"is open for reading in process {reader.pid}" in message and "hold_db.py" in message
    assert "Waited 1 s (setting db_lock_wait_s). Nothing was changed." in message
    assert "Close that session" in message
    assert waited >= 1.0
    assert fetched == 0  # it gave up before crawling anything
    assert _counts(db) == (0, 0)


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_the_nightly_waits_for_a_reader_to_finish_and_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    open_warehouse(db).close()
    with serve("127.0.0.1") as sphere, holding(db, "read", tmp_path) as reader:
        timer = threading.Timer(2.0, release, [reader])
        timer.start()
        started = time.monotonic()
        try:
            summary = _nightly(sphere, tmp_path, db, wait_s=60.0)
        finally:
            timer.cancel()
        waited = time.monotonic() - started
        truth = sphere.posts()
    assert summary["status"] == "completed"
    assert waited >= 2.0
    assert _counts(db) == (1, len(truth))
