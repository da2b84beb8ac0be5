"""Open the DuckDB warehouse and keep its schema current.

DuckDB allows one writing process per file, and no other process at all while one writes (a
reader's shared lock also keeps writers out). It refuses at once, so ``connect`` and ``attach``
wait (with tenacity) for a bounded time and then raise ``DatabaseLocked`` saying who holds the
file (PID and command line, from DuckDB's message and ``/proc``), whether it reads or writes, and
what to do. Migrations are the ``NNNN_name.sql`` files in ``warehouse/migrations/``, each applied
once, in version order, in its own transaction, and recorded in ``schema_migrations``; opening an
older database upgrades it in place, keeping its rows. A migration that landed after a higher
one had been applied (parallel branches) is still applied.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from extract.errors import DatabaseLocked, DiskFull, WarehouseError
from warehouse.runlock import read_holder

_LOCK_MESSAGE = re.compile(r"Could not set lock|Conflicting lock", re.I)
_PID = re.compile(r"PID (\d+)")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every shipped migration, in version order."""
    found: list[Migration] = []
    for item in resources.files("warehouse.migrations").iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", item.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), item.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def _is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and bool(_LOCK_MESSAGE.search(str(exc)))


def _command_of(pid: int) -> str | None:
    """The command line of process ``pid`` when this machine can see it (Linux ``/proc``)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    words = [w for w in raw.decode("utf-8", "replace").split("\0") if w]
    text = " ".join(words)
    return text[:200] + ("…" if len(text) > 200 else "") if text else None


def _locked(path: Path, exc: duckdb.IOException, *, read_only: bool, wait_s: float) -> DatabaseLocked:
    """``DatabaseLocked`` for a lock refusal: who holds ``path``, whether it writes, what to do."""
    message = str(exc)
    found = _PID.search(message)
    pid = int(found.group(1)) if found else None
    command = _command_of(pid) if pid is not None else None
    # DuckDB adds "you would be able to open this database in read-only mode" when the holder only reads.
    holder_writes = read_only or "read-only mode" not in message
    run = read_holder(path)
    if run is not None and run.pid == pid:  # a slant run: say which, since when
        who = f"a {run.describe()}"
    else:
        who = f"process {pid}" if pid is not None else "another process"
    if command:
        who += f" ({command})"
    waited = f" Waited {wait_s:g} s (setting db_lock_wait_s)." if wait_s > 0 else ""
    if read_only:
        text = (
            f"{path} is being written by {who}; DuckDB lets no other process open the file until it is done."
            f"{waited} Try again when it finishes"
            + (f" (`ps -p {pid}` shows whether it is still running)" if pid is not None else "")
            + "; if it is stuck, stop it: a nightly run that dies is redone in full by the next one."
        )
    else:
        doing = "being written by" if holder_writes else "open for reading in"
        text = f"{path} is {doing} {who}, so it cannot be opened for writing.{waited} Nothing was changed. " + (
            "Wait for that run to finish, or stop it if it is stuck, then run this again."
            if holder_writes
            else "Close that session (a `slant sql` shell, a notebook, another DuckDB client) "
            "or let its query finish, then run this again."
        )
    return DatabaseLocked(text, pid=pid, command=command, holder_writes=holder_writes)


def _retrying(wait_s: float) -> Retrying:
    return Retrying(
        retry=retry_if_exception(_is_lock_error),
        stop=stop_after_delay(wait_s),
        wait=wait_exponential_jitter(multiplier=0.2, max=5.0),
        reraise=True,
    )


def connect(path: Path, *, read_only: bool = False, wait_s: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Open ``path``; wait up to ``wait_s`` seconds for another process's lock to go."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise WarehouseError(f"{path}: no such database; run `slant nightly` first to create it")
    try:
        for attempt in _retrying(wait_s):
            with attempt:
                return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if not _is_lock_error(exc):
            raise WarehouseError(f"{path}: cannot open database: {exc}") from exc
        raise _locked(path, exc, read_only=read_only, wait_s=wait_s) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def attach(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, *, read_only: bool = True, wait_s: float = 0.0
) -> None:
    """``ATTACH`` the warehouse at ``path`` to ``con`` as ``alias``, with ``connect``'s waiting and messages."""
    if not path.exists():
        raise WarehouseError(f"{path}: no such database; run `slant nightly` first to create it")
    if not alias.isidentifier():
        raise ValueError(f"attach alias must be an identifier, got {alias!r}")
    mode = " (READ_ONLY)" if read_only else ""
    try:
        for attempt in _retrying(wait_s):
            with attempt:
                con.execute(f"ATTACH '{_quote(str(path))}' AS {alias}{mode}")
                return
    except duckdb.IOException as exc:
        if not _is_lock_error(exc):
            raise WarehouseError(f"{path}: cannot open database: {exc}") from exc
        raise _locked(path, exc, read_only=read_only, wait_s=wait_s) from exc


def _quote(text: str) -> str:
    return text.replace("'", "''")


def check_disk(db_path: Path, min_free_mb: int) -> None:
    """Raise ``DiskFull`` when the database's filesystem has less than ``min_free_mb`` free."""
    free_mb = shutil.disk_usage(db_path.parent if db_path.parent.exists() else Path(".")).free // (1024 * 1024)
    if free_mb < min_free_mb:
        raise DiskFull(
            f"{db_path}: only {free_mb} MB free on its disk, under min_free_disk_mb = {min_free_mb}; stopped before "
            "writing. Batches already written are kept; free some space and run again to finish."
        )


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Highest applied migration, 0 for an empty database."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(
    con: duckdb.DuckDBPyConnection, *, target: int | None = None, available: Sequence[Migration] | None = None
) -> list[int]:
    """Apply every migration not yet applied, up to ``target`` (default: all); the versions applied.

    ``available`` replaces the shipped migrations (for tests of databases made by other branches).
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied: list[int] = []
    for migration in sorted(available, key=lambda m: m.version) if available is not None else migrations():
        if migration.version in done or (target is not None and migration.version > target):
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [migration.version, migration.name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {migration.version:04d}_{migration.name} failed: {exc}") from exc
        applied.append(migration.version)
    return applied


def open_warehouse(path: Path, *, wait_s: float = 0.0, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-write connection to an up-to-date warehouse at ``path``.

    ``memory_limit`` (DuckDB's own setting, e.g. ``"1GB"``) caps DuckDB's buffer pool: without it
    DuckDB keeps up to 80 % of the machine's RAM of table blocks cached, so a long night's memory
    grows with the warehouse instead of with the batch.
    """
    con = connect(path, wait_s=wait_s)
    if memory_limit:
        try:
            con.execute("SET memory_limit = ?", [memory_limit])
        except duckdb.Error as exc:
            con.close()
            raise WarehouseError(f"db_memory_limit: DuckDB refused {memory_limit!r}: {exc}") from exc
    migrate(con)
    return con
