"""Run SQL against the warehouse for people: read-only by default, rendered as table, CSV or JSON, or
written straight to a Parquet file by DuckDB."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from extract.errors import WarehouseError
from warehouse.db import connect


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(db_path: Path, sql: str, *, write: bool = False, wait_s: float = 0.0) -> QueryResult:
    """Execute ``sql`` on ``db_path`` (read-only unless ``write``) and fetch every row."""
    con = connect(db_path, read_only=not write, wait_s=wait_s)
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return QueryResult(columns, cursor.fetchall() if columns else [])
    except duckdb.Error as exc:
        raise WarehouseError(f"query failed: {exc}") from exc
    finally:
        con.close()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([json.dumps(_plain(v)) if isinstance(v, list | dict) else _plain(v) for v in row])
    return out.getvalue()


def to_json(result: QueryResult) -> str:
    """JSON lines, one object per row."""
    return "".join(json.dumps(dict(zip(result.columns, map(_plain, row), strict=True))) + "\n" for row in result.rows)


def export_parquet(db_path: Path, sql: str, out: Path, *, write: bool = False, wait_s: float = 0.0) -> int:
    """Write the result of ``sql`` to the Parquet file ``out`` (zstd) with DuckDB's ``COPY``; the row count."""
    query = sql.strip().rstrip(";").strip()
    out.parent.mkdir(parents=True, exist_ok=True)
    con = connect(db_path, read_only=not write, wait_s=wait_s)
    try:
        row = con.execute(
            f"COPY ({query}) TO '{str(out).replace(chr(39), chr(39) * 2)}' (FORMAT parquet, COMPRESSION zstd)"
        ).fetchone()
        return int(row[0]) if row else 0
    except duckdb.Error as exc:
        raise WarehouseError(f"query failed: {exc}") from exc
    finally:
        con.close()
