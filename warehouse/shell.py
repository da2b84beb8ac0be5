"""``slant sql`` with no query: an interactive SQL shell on the warehouse (or a script on stdin).

The pip ``duckdb`` package has no shell of its own, and the separate DuckDB CLI lags the library's
storage format, so this is a small one. Its session is an in-memory DuckDB database to which the
warehouse is attached (read-only unless ``--write``) for each statement and detached after it:
an open shell never holds the file while the user thinks, so it never keeps a nightly run from
writing, and while a nightly run writes, each statement gets the clear "who holds it" message
instead of a stack trace. Temporary tables, macros and settings live in the session and survive
between statements.

Statements end with ``;``. Dot commands: ``.tables``, ``.schema [NAME]``, ``.mode table|csv|json``,
``.help``, ``.quit``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import duckdb

from extract.errors import WarehouseError
from warehouse.db import attach
from warehouse.query import QueryResult, to_csv, to_json

ALIAS = "slant"
MODES = ("table", "csv", "json")
HELP = """Statements end with ';' and may span lines.
  .tables            list tables and views
  .schema [NAME]     columns of NAME, or of every table and view
  .mode table|csv|json   how results are printed
  .help              this text
  .quit              leave (Ctrl-D too)
Temporary tables (CREATE TEMP TABLE ...) last for the session."""

Renderer = Callable[[QueryResult, TextIO], None]


def _execute(con: duckdb.DuckDBPyConnection, db_path: Path, sql: str, *, write: bool) -> QueryResult:
    attach(con, db_path, ALIAS, read_only=not write)
    try:
        con.execute(f"USE {ALIAS}")
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return QueryResult(columns, cursor.fetchall() if columns else [])
    finally:
        con.execute("USE memory")
        con.execute(f"DETACH {ALIAS}")


def _dot(command: str) -> tuple[str, str]:
    name, _, rest = command.strip().partition(" ")
    return name.lower(), rest.strip()


def run_shell(
    db_path: Path,
    *,
    read: Callable[[str], str],
    out: TextIO,
    err: TextIO,
    render_table: Renderer,
    write: bool = False,
    interactive: bool = True,
    mode: str = "table",
) -> int:
    """Read statements with ``read(prompt)`` (``EOFError`` ends) and print their results; 1 if any failed."""
    if not db_path.exists():
        raise WarehouseError(f"{db_path}: no such database; run `slant nightly` first to create it")
    con = duckdb.connect()
    failed = False
    if interactive:
        access = "read-write" if write else "read-only"
        out.write(
            f"slant SQL shell on {db_path} ({access}). Statements end with ';'. .help for help, .quit to leave.\n"
        )
    buffer: list[str] = []
    try:
        while True:
            try:
                line = read(("slant> " if not buffer else "   ...> ") if interactive else "")
            except EOFError:
                break
            if not buffer and line.strip().startswith("."):
                name, arg = _dot(line)
                if name in (".quit", ".exit"):
                    break
                if name == ".help":
                    out.write(HELP + "\n")
                    continue
                if name == ".mode":
                    if arg in MODES:
                        mode = arg
                    else:
                        err.write(f"mode must be one of {', '.join(MODES)}\n")
                    continue
                if name == ".tables":
                    line = "SELECT table_name AS name, table_type AS type FROM information_schema.tables "
                    line += f"WHERE table_catalog = '{ALIAS}' ORDER BY 1;"
                elif name == ".schema":
                    line = "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    line += f"WHERE table_catalog = '{ALIAS}'"
                    line += f" AND table_name = '{arg.replace(chr(39), '')}'" if arg else ""
                    line += " ORDER BY table_name, ordinal_position;"
                else:
                    err.write(f"unknown command {name}; .help lists them\n")
                    continue
            buffer.append(line)
            if not line.rstrip().endswith(";"):
                continue
            sql = "\n".join(buffer)
            buffer = []
            try:
                result = _execute(con, db_path, sql, write=write)
            except WarehouseError as exc:
                err.write(f"{exc}\n")
                failed = True
                continue
            except duckdb.Error as exc:
                hint = " (read-only: use CREATE TEMP TABLE, or start with --write)" if "read-only" in str(exc) else ""
                err.write(f"Error: {exc}{hint}\n")
                failed = True
                continue
            if result.columns:
                if mode == "csv":
                    out.write(to_csv(result))
                elif mode == "json":
                    out.write(to_json(result))
                else:
                    render_table(result, out)
        if buffer and "".join(buffer).strip():
            err.write("ignored an unfinished statement (no closing ';')\n")
    finally:
        con.close()
    return 1 if failed else 0
