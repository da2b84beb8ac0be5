"""A nightly run killed with SIGKILL mid-fetch, mid-classify and mid-write, then run again, ends
with exactly the database an uninterrupted run makes; and two runs at once cannot both write.

Each run is a real subprocess (``tests.flows.nightly_driver``) against the sample blogosphere
on loopback, talking to the session's Prefect API. The kill points are observed, not guessed:
the sample servers' request log (mid-fetch), the flow's first ``source`` progress event (a
site harvested, its batch handed to classification) and its first ``batch`` event (one batch
committed, the next being written; batches of two posts so there are many).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.blogosphere import Blogosphere, serve

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 120  # a whole sample night takes a few seconds; this only stops a hung test

# Everything a run stores about posts and their labels, without run ids and timestamps.
SNAPSHOT = {
    "posts": "SELECT canonical_url, url, title, author, published_at, text_sha256, word_count, deleted_at "
    "FROM posts ORDER BY canonical_url",
    "sentences": "SELECT p.canonical_url, s.sentence_no, s.start_char, s.end_char, s.text, s.is_quote, s.speaker "
    "FROM sentences s JOIN posts p USING (post_id) ORDER BY ALL",
    "loaded_spans": "SELECT p.canonical_url, s.start_char, s.end_char, s.category, round(s.score, 6), s.is_quote, "
    "s.model_version FROM loaded_spans s JOIN posts p USING (post_id) ORDER BY ALL",
    "post_scores": "SELECT p.canonical_url, s.model_version, round(s.loaded_score, 6), s.n_sentences, s.n_spans, "
    "round(s.loaded_share_author, 6) FROM post_scores s JOIN posts p USING (post_id) ORDER BY ALL",
    "sentence_scores": "SELECT count(*), count(DISTINCT (post_id, sentence_no, model_version)) FROM sentence_scores",
    "duplicates": "SELECT count(*) - count(DISTINCT canonical_url) FROM posts",
}


def _snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in SNAPSHOT.items()}
    finally:
        con.close()


def _env() -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("SLANT_")}
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    env["PYTHONPATH"] = str(ROOT)
    return env


def _start(sphere: Blogosphere, tmp: Path, db: Path, **extra: Any) -> subprocess.Popen[str]:
    sources = tmp / "sources.yaml"
    sources.write_text(sphere.sources_yaml(), encoding="utf-8")
    overrides = {"allow_private": [sphere.host], "host_delay_s": 0.0, "batch_size": 2, "revalidate_days": 36500}
    overrides.update(extra)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.flows.nightly_driver", str(sources), str(db), json.dumps(overrides)],
        cwd=tmp,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=DEADLINE_S)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert proc.returncode == 0 and lines and lines[-1]["event"] == "done", err[-3000:]
    return lines[-1]


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[str | None], bool]) -> list[str]:
    """Read progress lines until ``ready`` says so (it also sees ``None`` while polling), then SIGKILL."""
    assert proc.stdout is not None
    seen: list[str] = []
    stop = threading.Event()

    def poll() -> None:  # conditions that do not come from stdout (the server's request log)
        while not stop.is_set() and proc.poll() is None:
            if ready(None):
                proc.send_signal(signal.SIGKILL)
                return
            time.sleep(0.002)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    for line in proc.stdout:
        seen.append(line)
        if ready(line):
            proc.send_signal(signal.SIGKILL)
            break
    stop.set()
    proc.wait(timeout=DEADLINE_S)
    watcher.join(timeout=5)
    return seen


def _crash_and_rerun(
    sphere: Blogosphere, tmp: Path, name: str, ready: Callable[[str | None], bool]
) -> tuple[list[str], subprocess.Popen[str]]:
    """Start a run, SIGKILL it when ``ready``; return its events before the kill and the started rerun."""
    db = tmp / f"killed-{name}.duckdb"
    seen = _kill_when(_start(sphere, tmp, db), ready)
    return [json.loads(s)["event"] for s in seen if s.startswith("{")], _start(sphere, tmp, db)


def _outcome(tmp: Path, name: str, killed_lines: list[str], rerun: subprocess.Popen[str]) -> dict[str, Any]:
    db = tmp / f"killed-{name}.duckdb"
    out: dict[str, Any] = {"events_before_kill": killed_lines, "rerun": _finish(rerun), "snapshot": _snapshot(db)}
    con = duckdb.connect(str(db), read_only=True)
    try:
        out["runs"] = con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
    finally:
        con.close()
    return out


@pytest.fixture(scope="module")
def crashes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The reference run, then each kill point's killed run and rerun, each on its own database.

    The reference run goes first (the mid-fetch point needs its request count), then the mid-fetch
    run, alone, so the servers' request log counts only its requests. The three reruns and the
    other two kill points' runs do not read the request log (their kill points are progress
    events), so they then run side by side: one thread each, one subprocess per thread at a time.
    """
    tmp = tmp_path_factory.mktemp("crash")
    out: dict[str, Any] = {}
    with serve("127.0.0.1") as sphere:
        reference = tmp / "reference.duckdb"
        _finish(_start(sphere, tmp, reference))
        out["reference"] = _snapshot(reference)
        total = len(sphere.request_log)

        def mid_fetch(line: str | None, before: int = len(sphere.request_log)) -> bool:
            return line is None and len(sphere.request_log) - before >= total // 2

        fetch_killed, fetch_rerun = _crash_and_rerun(sphere, tmp, "fetch", mid_fetch)
        points: dict[str, Callable[[str | None], bool]] = {
            "classify": lambda line: line is not None and '"event": "source"' in line,
            "write": lambda line: line is not None and '"event": "batch"' in line,
        }
        results: dict[str, dict[str, Any]] = {}
        failures: list[BaseException] = []

        def crash(name: str) -> None:
            try:
                results[name] = _outcome(tmp, name, *_crash_and_rerun(sphere, tmp, name, points[name]))
            except BaseException as exc:  # re-raised below, in the fixture's own thread
                failures.append(exc)

        threads = [threading.Thread(target=crash, args=(name,)) for name in points]
        for thread in threads:
            thread.start()
        try:
            results["fetch"] = _outcome(tmp, "fetch", fetch_killed, fetch_rerun)
        finally:
            for thread in threads:
                thread.join()
        if failures:
            raise failures[0]
        out.update(results)
    return out


@pytest.mark.parametrize("point", ["fetch", "classify", "write"])
def test_a_run_killed_mid_way_then_rerun_equals_an_uninterrupted_run(crashes: dict[str, Any], point: str) -> None:
    got = crashes[point]
    assert "done" not in got["events_before_kill"]  # it really died before finishing
    assert got["rerun"]["status"] == "completed"
    reference = crashes["reference"]
    for table in SNAPSHOT:
        assert got["snapshot"][table] == reference[table], (point, table)
    assert got["snapshot"]["duplicates"] == [(0,)]
    assert got["snapshot"]["sentence_scores"][0][0] == got["snapshot"]["sentence_scores"][0][1]
    # The killed run is recorded as abandoned, not left "running" for ever.
    assert [s for (s,) in got["runs"]] == ["abandoned", "completed"]


def test_the_write_kill_happened_after_some_batches_were_committed(crashes: dict[str, Any]) -> None:
    assert "batch" in crashes["write"]["events_before_kill"]
    assert "batch" not in crashes["classify"]["events_before_kill"]


def test_a_second_nightly_on_the_same_database_refuses_at_once(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with serve("127.0.0.1", latency_s=0.05) as sphere:
        first = _start(sphere, tmp_path, db, host_delay_s=1.0)  # ~15 s: longer than the second start-up
        assert first.stdout is not None
        first.stdout.readline()  # "start": the first run holds the lock
        sources = tmp_path / "sources.yaml"
        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "flows.cli", "nightly", "--sources", str(sources), "--db", str(db)],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=DEADLINE_S,
        )
        refused_in = time.monotonic() - started
        assert first.poll() is None, "the first run ended before the second one was tried"
        summary = _finish(first)
        expected_posts = sphere.post_count()
    assert second.returncode == 2
    assert "refuses to start" in second.stderr and f"pid {first.pid}" in second.stderr, second.stderr
    assert "Traceback" not in second.stderr
    assert refused_in < DEADLINE_S
    assert summary["status"] == "completed"
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT canonical_url) FROM posts").fetchone() == (
            expected_posts,
            expected_posts,
        )
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    finally:
        con.close()
