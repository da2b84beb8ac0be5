"""One writing run per database: a lock file beside it, held with ``flock`` for the run's life.

``nightly``, ``reprocess`` and ``reclassify`` each take the lock before opening the database, so
a second run started by mistake refuses at once (``RunLocked``, naming the holder's pid, host,
flow and start time) instead of waiting on DuckDB's own file lock or interleaving batches.

Stale locks cannot block anyone: the kernel releases an ``flock`` when its process dies, even
by SIGKILL. The holder's details stay in the file, so the next run can tell that the previous
one ended without releasing it (``previous``) and mark that run abandoned. ``flock`` is local
to one machine; keep the database on a local disk, not NFS (see docs/operations.md).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from extract.errors import RunLocked


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the lock."""

    pid: int
    host: str
    flow: str
    started_at: str

    def describe(self) -> str:
        return f"{self.flow} run, pid {self.pid} on {self.host}, started {self.started_at}"


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def _read(fd: int) -> Holder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
        return Holder(int(data["pid"]), str(data["host"]), str(data["flow"]), str(data["started_at"])) if data else None
    except (ValueError, KeyError, TypeError):
        return None


@contextmanager
def run_lock(db_path: Path, flow: str) -> Iterator[Holder | None]:
    """Hold the run lock of ``db_path`` for the ``with`` block; yields the previous holder if it died holding it.

    Raises ``RunLocked`` at once when a live process holds it.
    """
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            who = holder.describe() if holder else "another process"
            raise RunLocked(
                f"{db_path} is being written by a {who}. This {flow} run refuses to start so the two "
                f"cannot interleave. Wait for that run to finish"
                + (f", or stop it (kill {holder.pid}) if it is stuck" if holder else "")
                + f"; the lock ({path}) is released by the kernel when its process exits."
            ) from None
        previous = _read(fd)
        me = Holder(os.getpid(), socket.gethostname(), flow, datetime.now(UTC).isoformat(timespec="seconds"))
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(me.__dict__).encode("utf-8"))
        os.fsync(fd)
        try:
            yield previous
        finally:
            os.ftruncate(fd, 0)  # a clean exit leaves no holder behind
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_holder(db_path: Path) -> Holder | None:
    """The run that holds (or last held without releasing) the lock, as the lock file says; for messages only."""
    try:
        fd = os.open(lock_path(db_path), os.O_RDONLY)
    except OSError:
        return None
    try:
        return _read(fd)
    finally:
        os.close(fd)


def ensure_free(db_path: Path, flow: str) -> None:
    """Raise ``RunLocked`` now if a live run holds the lock (a quick check before a slow start-up)."""
    with run_lock(db_path, flow):
        pass
