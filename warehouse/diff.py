"""``slant diff-release OLD NEW``: per table, the rows added, removed and changed between two releases.

Rows are matched on each table's key (``warehouse.release_tables``). A row in both releases counts
as changed when any of the table's compared columns differ; for the label tables (loaded spans,
post scores, stances) that is a relabel: another label, score or model version. Only columns
present in both releases are compared, so a release with new columns still diffs against an
older one. The files read are those each release's ``manifest.json`` lists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from extract.errors import PublishError
from warehouse.publish import MANIFEST
from warehouse.release_tables import LABEL_TABLES, RELEASE_TABLES, ReleaseTable


@dataclass(frozen=True)
class TableDiff:
    table: str
    key: tuple[str, ...]
    old_rows: int
    new_rows: int
    added: int
    removed: int
    changed: int  # relabelled, for the label tables
    compared: tuple[str, ...]  # the columns compared for ``changed``

    @property
    def change_kind(self) -> str:
        return "relabelled" if self.table in LABEL_TABLES else "changed"


@dataclass(frozen=True)
class ReleaseDiff:
    old_release: str
    new_release: str
    old_models: dict[str, list[str]]
    new_models: dict[str, list[str]]
    tables: tuple[TableDiff, ...]


def read_manifest(root: Path) -> dict[str, Any]:
    """The ``manifest.json`` of the release at ``root``."""
    path = root / MANIFEST
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise PublishError(f"{root}: not a release (no {MANIFEST})") from exc
    except (OSError, ValueError) as exc:
        raise PublishError(f"{path}: unreadable manifest: {exc}") from exc


def _files(root: Path, manifest: dict[str, Any], table: str) -> list[str]:
    entry = manifest.get("tables", {}).get(table)
    if entry is None:
        return []
    files = [str(root / f["path"]) for f in entry.get("files", [])]
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise PublishError(f"{root}: {table}: listed files are missing: {', '.join(missing[:3])}")
    return files


def _relation(con: duckdb.DuckDBPyConnection, name: str, files: list[str], spec: ReleaseTable) -> set[str]:
    """Register ``files`` as view ``name`` (empty with the key columns when none); its columns."""
    if files:
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet([{listed}])")
    else:
        cols = ", ".join(f"NULL::VARCHAR AS {k}" for k in spec.key)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {cols} WHERE false")
    return {row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()}


def _diff_table(con: duckdb.DuckDBPyConnection, spec: ReleaseTable, old: list[str], new: list[str]) -> TableDiff:
    old_cols = _relation(con, "_old", old, spec)
    new_cols = _relation(con, "_new", new, spec)
    on = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in spec.key)
    compared = tuple(c for c in spec.compare if c in old_cols and c in new_cols)
    differs = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in compared) or "false"
    row = con.execute(
        f"""
        SELECT (SELECT count(*) FROM _old), (SELECT count(*) FROM _new),
               (SELECT count(*) FROM _new n WHERE NOT EXISTS (SELECT 1 FROM _old o WHERE {on})),
               (SELECT count(*) FROM _old o WHERE NOT EXISTS (SELECT 1 FROM _new n WHERE {on})),
               (SELECT count(*) FROM _old o JOIN _new n ON {on} WHERE {differs})
        """
    ).fetchone()
    assert row is not None
    old_rows, new_rows, added, removed, changed = (int(v) for v in row)
    return TableDiff(spec.name, spec.key, old_rows, new_rows, added, removed, changed, compared)


def diff_releases(old: Path, new: Path) -> ReleaseDiff:
    """Compare the release at ``old`` with the one at ``new``."""
    old_manifest, new_manifest = read_manifest(old), read_manifest(new)
    con = duckdb.connect()
    try:
        tables = tuple(
            _diff_table(con, spec, _files(old, old_manifest, spec.name), _files(new, new_manifest, spec.name))
            for spec in RELEASE_TABLES
        )
    finally:
        con.close()
    return ReleaseDiff(
        old_release=str(old_manifest.get("release")),
        new_release=str(new_manifest.get("release")),
        old_models=dict(old_manifest.get("model_versions", {})),
        new_models=dict(new_manifest.get("model_versions", {})),
        tables=tables,
    )
