"""Open the DuckDB warehouse and keep its schema current.

DuckDB allows one writing process per file and refuses at once when another holds it, so
``connect`` waits (with tenacity) for a bounded time and then raises ``DatabaseLocked`` with the
holder's PID and what to do. Migrations are the ``NNNN_name.sql`` files in
``warehouse/migrations/``, applied in order, each in its own transaction, and recorded in
``schema_migrations``; opening an older database upgrades it in place, keeping its rows.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from extract.errors import DatabaseLocked, DiskFull, WarehouseError

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


def connect(path: Path, *, read_only: bool = False, wait_s: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Open ``path``; wait up to ``wait_s`` seconds for another process's lock to go."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise WarehouseError(f"{path}: no such database; run `slant nightly` first to create it")
    try:
        for attempt in Retrying(
            retry=retry_if_exception(_is_lock_error),
            stop=stop_after_delay(wait_s),
            wait=wait_exponential_jitter(multiplier=0.2, max=5.0),
            reraise=True,
        ):
            with attempt:
                return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if not _is_lock_error(exc):
            raise WarehouseError(f"{path}: cannot open database: {exc}") from exc
        pid = _PID.search(str(exc))
        holder = f"process {pid.group(1)}" if pid else "another process"
        raise DatabaseLocked(
            f"{path} is held by {holder} (DuckDB allows one writer, and no readers while it writes). "
            f"Waited {wait_s:.0f} s. If a nightly run is in progress, try again when it finishes; "
            "otherwise stop that process."
        ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


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


def migrate(con: duckdb.DuckDBPyConnection, *, target: int | None = None) -> list[int]:
    """Apply pending migrations up to ``target`` (default: all); the versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    current = schema_version(con)
    applied: list[int] = []
    for migration in migrations():
        if migration.version <= current or (target is not None and migration.version > target):
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


def open_warehouse(path: Path, *, wait_s: float = 0.0) -> duckdb.DuckDBPyConnection:
    """A read-write connection to an up-to-date warehouse at ``path``."""
    con = connect(path, wait_s=wait_s)
    migrate(con)
    return con
