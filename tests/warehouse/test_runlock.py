"""The run lock: a live holder refuses others with its pid; a holder killed by SIGKILL blocks no one."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from extract.errors import RunLocked
from warehouse.runlock import lock_path, run_lock

HOLD = (
    "import sys, time; from pathlib import Path; from warehouse.runlock import run_lock\n"
    "with run_lock(Path(sys.argv[1]), 'nightly'):\n"
    "    print('held', flush=True); time.sleep(60)\n"
)


def _holder(db: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_live_holder_makes_another_run_refuse_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    proc = _holder(db)
    try:
        pattern = rf"nightly run, pid {proc.pid} on .*refuses to start.*kill {proc.pid}"
        with pytest.raises(RunLocked, match=pattern), run_lock(db, "reclassify"):
            pass
    finally:
        proc.kill()
        proc.wait()


def test_a_holder_killed_by_sigkill_leaves_a_lock_the_next_run_takes_and_reports(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    proc = _holder(db)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with run_lock(db, "nightly") as previous:
        assert previous is not None and previous.pid == proc.pid and previous.flow == "nightly"
    with run_lock(db, "nightly") as after_clean_exit:
        assert after_clean_exit is None  # a clean exit leaves no holder behind
    assert lock_path(db).exists()
