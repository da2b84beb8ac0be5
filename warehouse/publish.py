"""Write a dataset release from the warehouse: Parquet tables, then the facts the metadata is made of.

A release is built in a staging directory beside its target and moved into place only when
complete, so a failed publish leaves the target as it was. It is deterministic: the same database
gives byte-identical files (single-threaded DuckDB ``COPY`` of totally ordered queries, JSON with
sorted keys, no wall-clock times anywhere; dates come from the data).

Which rows go out: live posts only (deleted ones and everything in the takedown list are left
out), each with the newest loaded-language and stance labels by the rule of the views in
``0008_views.sql``. The text policy (``full``, ``excerpt``, ``none``) decides how much post text
goes with them; a source whose sources-file entry says ``republish: false`` always gets ``none``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from extract.errors import PublishError
from warehouse.release_tables import RELEASE_TABLES, ReleaseTable
from warehouse.takedown import Takedown

TEXT_POLICIES = ("full", "excerpt", "none")
MANIFEST = "manifest.json"
CHECKSUMS = "CHECKSUMS.sha256"
DATA_DIR = "data"
# Semantic versioning 2.0 (core and pre-release): what Croissant's validator accepts as a version.
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")
_HASH_CHUNK = 1 << 20  # 1 MiB reads keep hashing a multi-GB file at disk speed in constant memory


@dataclass(frozen=True)
class ReleaseOptions:
    version: str
    text_policy: str = "excerpt"
    excerpt_chars: int = 300
    takedown: Takedown = field(default_factory=Takedown.empty)
    code_version: str = "unknown"
    name: str = "slant-political-blogs"
    license: str = "cc-by-4.0"
    homepage: str = ""

    def __post_init__(self) -> None:
        if self.text_policy not in TEXT_POLICIES:
            raise PublishError(f"text policy must be one of {', '.join(TEXT_POLICIES)}, got {self.text_policy!r}")
        if not _SEMVER.match(self.version):
            raise PublishError(
                f"release version must be MAJOR.MINOR.PATCH, as Croissant requires (e.g. 2026.1.0, or "
                f"2026.1.0-rc.1), got {self.version!r}"
            )


@dataclass(frozen=True)
class ReleaseFile:
    path: str  # relative to the release root, with forward slashes
    rows: int
    sha256: str
    bytes: int


@dataclass(frozen=True)
class TableExport:
    name: str
    rows: int
    files: tuple[ReleaseFile, ...]
    types: tuple[tuple[str, str], ...]  # (column, DuckDB type), in file order


@dataclass(frozen=True)
class ModelFacts:
    model_version: str
    task: str  # loaded | stance
    posts: int  # posts in the release labelled by this version
    registered_at: str | None
    card: dict[str, Any] | None  # models.card, None when the version is not in the registry


@dataclass(frozen=True)
class SourceFacts:
    source_id: str
    name: str
    url: str
    country: str | None
    language: str | None
    leaning: str | None
    platform: str | None
    text_policy: str
    posts: int


@dataclass(frozen=True)
class RunFacts:
    run_id: str
    flow: str
    status: str
    started_at: str
    finished_at: str | None
    code_version: str | None


@dataclass(frozen=True)
class Exclusions:
    takedown_entries: int
    takedown_posts: int
    takedown_sources: int
    deleted_posts: int


@dataclass(frozen=True)
class ReleaseFacts:
    """Everything the dataset card, Croissant, Data Package and manifest say about a release."""

    options: ReleaseOptions
    tables: tuple[TableExport, ...]
    models: tuple[ModelFacts, ...]
    sources: tuple[SourceFacts, ...]
    runs: tuple[RunFacts, ...]
    targets: tuple[tuple[str, str, str | None], ...]  # (target, name, kind)
    first_day: str | None
    last_day: str | None
    data_as_of: str | None  # when the last covered run finished (UTC, ISO)
    languages: tuple[str, ...]
    exclusions: Exclusions
    evaluation: dict[str, Any]  # transform/evaluation/floors.json

    def table(self, name: str) -> TableExport:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def model_versions(self, task: str) -> list[str]:
        return [m.model_version for m in self.models if m.task == task]


# ---------------------------------------------------------------------------------------------
# Target directory


def check_target(out: Path, *, force: bool) -> None:
    """Refuse a target that holds a release (unless ``force``) or anything that is not a release."""
    if not out.exists():
        return
    if not out.is_dir():
        raise PublishError(f"{out}: exists and is not a directory")
    if not any(out.iterdir()):
        return
    if not (out / MANIFEST).exists():
        raise PublishError(f"{out}: not empty and not a release (no {MANIFEST}); choose an empty or new directory")
    if not force:
        held = _manifest_version(out)
        raise PublishError(
            f"{out}: already holds release {held}; pass --force to replace it, or choose another directory"
        )


def _manifest_version(root: Path) -> str:
    try:
        return str(json.loads((root / MANIFEST).read_text(encoding="utf-8")).get("release", "?"))
    except (OSError, ValueError):
        return "?"


def staging_dir(out: Path) -> Path:
    """A fresh directory beside ``out`` to build the release in (same file system, so the move is a rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.staging-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    return stage


def install_release(stage: Path, out: Path, *, force: bool) -> None:
    """Move the finished ``stage`` to ``out``, replacing a release there only when ``force``."""
    check_target(out, force=force)
    old: Path | None = None
    if out.exists():
        old = out.parent / f".{out.name}.replaced-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
    stage.rename(out)
    if old is not None:
        shutil.rmtree(old)


# ---------------------------------------------------------------------------------------------
# Tables


def _stage_rows(con: duckdb.DuckDBPyConnection, options: ReleaseOptions) -> None:
    """The staging tables every release query reads (see ``warehouse.release_tables``)."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET threads = 1")  # one writer thread: row groups and files come out the same every time
    con.execute("SET preserve_insertion_order = true")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rel_settings AS SELECT ?::VARCHAR AS text_policy, ?::INTEGER AS excerpt_chars",
        [options.text_policy, options.excerpt_chars],
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _takedown_urls (url VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE _takedown_sources (source_id VARCHAR)")
    if options.takedown.urls:
        con.executemany("INSERT INTO _takedown_urls VALUES (?)", [[u] for u in sorted(options.takedown.urls)])
    if options.takedown.source_ids:
        con.executemany("INSERT INTO _takedown_sources VALUES (?)", [[s] for s in sorted(options.takedown.source_ids)])
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _rel_posts AS
        SELECT p.*, pl.day,
               CASE WHEN s.republish IS FALSE THEN 'none' ELSE (SELECT text_policy FROM _rel_settings) END
                   AS text_policy
        FROM posts p
        JOIN post_labels pl ON pl.post_id = p.post_id
        JOIN sources s ON s.source_id = p.source_id
        WHERE p.source_id NOT IN (SELECT source_id FROM _takedown_sources)
          AND p.url NOT IN (SELECT url FROM _takedown_urls)
          AND p.canonical_url NOT IN (SELECT url FROM _takedown_urls)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _rel_loaded AS
        SELECT post_id, loaded_model_version AS model_version FROM post_labels
        WHERE loaded_model_version IS NOT NULL AND post_id IN (SELECT post_id FROM _rel_posts)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _rel_labelled AS
        SELECT DISTINCT post_id, sentence_no FROM (
            SELECT ls.post_id, ls.sentence_no FROM loaded_spans ls
            JOIN _rel_loaded v ON v.post_id = ls.post_id AND v.model_version = ls.model_version
            UNION ALL
            SELECT post_id, sentence_no FROM target_mentions WHERE post_id IN (SELECT post_id FROM _rel_posts)
            UNION ALL
            SELECT post_id, unnest(evidence) FROM post_stances WHERE post_id IN (SELECT post_id FROM _rel_posts)
        )
        """
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _export_table(con: duckdb.DuckDBPyConnection, stage: Path, table: ReleaseTable) -> TableExport:
    described = con.execute(f"DESCRIBE {table.select}").fetchall()
    names = tuple(row[0] for row in described)
    if names != table.column_names:
        raise PublishError(f"{table.name}: the query's columns {names} differ from the declared {table.column_names}")
    data = stage / DATA_DIR
    data.mkdir(exist_ok=True)
    if table.partition_by:
        target = data / table.name
        options = (
            f"FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({', '.join(table.partition_by)}), "
            "WRITE_PARTITION_COLUMNS true"
        )
    else:
        target = data / f"{table.name}.parquet"
        options = "FORMAT parquet, COMPRESSION zstd"
    con.execute(f"COPY ({table.select}) TO '{_sql_path(target)}' ({options})")
    paths = sorted(target.rglob("*.parquet")) if table.partition_by else [target]
    files: list[ReleaseFile] = []
    for path in paths:
        row = con.execute(f"SELECT count(*) FROM read_parquet('{_sql_path(path)}')").fetchone()
        files.append(
            ReleaseFile(
                path.relative_to(stage).as_posix(), int(row[0]) if row else 0, _sha256(path), path.stat().st_size
            )
        )
    expected = con.execute(f"SELECT count(*) FROM ({table.select})").fetchone()
    rows = sum(f.rows for f in files)
    if not expected or rows != expected[0]:
        raise PublishError(f"{table.name}: wrote {rows} rows but the warehouse has {expected[0] if expected else '?'}")
    return TableExport(table.name, rows, tuple(files), tuple((str(r[0]), str(r[1])) for r in described))


def export_tables(con: duckdb.DuckDBPyConnection, stage: Path, options: ReleaseOptions) -> ReleaseFacts:
    """Write every release table under ``stage/data`` and gather the facts about them."""
    _stage_rows(con, options)
    posts = con.execute("SELECT count(*) FROM _rel_posts").fetchone()
    if not posts or not posts[0]:
        raise PublishError("nothing to publish: the warehouse has no live posts outside the takedown list")
    tables = tuple(_export_table(con, stage, table) for table in RELEASE_TABLES)
    return _facts(con, options, tables)


# ---------------------------------------------------------------------------------------------
# Facts


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _evaluation() -> dict[str, Any]:
    text = resources.files("transform.evaluation").joinpath("floors.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def _facts(con: duckdb.DuckDBPyConnection, options: ReleaseOptions, tables: tuple[TableExport, ...]) -> ReleaseFacts:
    models = [
        ModelFacts(version, task, int(posts), _iso(registered), json.loads(card) if card else None)
        for task, version, posts, registered, card in con.execute(
            """
            WITH used AS (
                SELECT 'loaded' AS task, model_version, count(*) AS posts FROM _rel_loaded GROUP BY ALL
                UNION ALL
                SELECT 'stance', model_version, count(DISTINCT post_id) FROM post_stances
                WHERE post_id IN (SELECT post_id FROM _rel_posts) GROUP BY ALL
            )
            SELECT u.task, u.model_version, u.posts, m.registered_at, m.card
            FROM used u LEFT JOIN models m ON m.model_version = u.model_version
            ORDER BY u.task, u.model_version
            """
        ).fetchall()
    ]
    sources = [
        SourceFacts(*row)
        for row in con.execute(
            """
            SELECT s.source_id, s.name, s.url, s.country, s.language, s.leaning, s.platform,
                   CASE WHEN s.republish IS FALSE THEN 'none' ELSE (SELECT text_policy FROM _rel_settings) END,
                   (SELECT count(*) FROM _rel_posts p WHERE p.source_id = s.source_id)
            FROM sources s WHERE s.source_id NOT IN (SELECT source_id FROM _takedown_sources)
            ORDER BY s.source_id
            """
        ).fetchall()
    ]
    runs = [
        RunFacts(run_id, flow, status, str(_iso(started)), _iso(finished), code)
        for run_id, flow, status, started, finished, code in con.execute(
            "SELECT run_id, flow, status, started_at, finished_at, code_version FROM runs ORDER BY started_at, run_id"
        ).fetchall()
    ]
    targets = [
        (str(t), str(n), k)
        for t, n, k in con.execute(
            "SELECT target, name, kind FROM targets WHERE target IN (SELECT DISTINCT target FROM post_stances "
            "WHERE post_id IN (SELECT post_id FROM _rel_posts)) ORDER BY target"
        ).fetchall()
    ]
    span = con.execute("SELECT min(day), max(day) FROM _rel_posts").fetchone()
    as_of = con.execute("SELECT max(finished_at) FROM runs").fetchone()
    languages = [
        str(r[0])
        for r in con.execute(
            "SELECT DISTINCT coalesce(p.language, s.language) FROM _rel_posts p JOIN sources s USING (source_id) "
            "WHERE coalesce(p.language, s.language) IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    excluded = con.execute(
        """
        SELECT count(*) FILTER (WHERE p.deleted_at IS NOT NULL),
               count(*) FILTER (WHERE p.deleted_at IS NULL AND p.post_id NOT IN (SELECT post_id FROM _rel_posts)),
               (SELECT count(*) FROM sources WHERE source_id IN (SELECT source_id FROM _takedown_sources))
        FROM posts p
        """
    ).fetchone()
    deleted, taken_down, sources_out = excluded if excluded else (0, 0, 0)
    return ReleaseFacts(
        options=options,
        tables=tables,
        models=tuple(models),
        sources=tuple(sources),
        runs=tuple(runs),
        targets=tuple(targets),
        first_day=_iso(span[0]) if span else None,
        last_day=_iso(span[1]) if span else None,
        data_as_of=_iso(as_of[0]) if as_of else None,
        languages=tuple(languages),
        exclusions=Exclusions(options.takedown.entries, int(taken_down), int(sources_out), int(deleted)),
        evaluation=_evaluation(),
    )


# ---------------------------------------------------------------------------------------------
# Manifest and checksums


def write_json(path: Path, value: Any) -> None:
    """JSON the same way every time: sorted keys, two-space indent, UTF-8, a final newline."""
    path.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def manifest(facts: ReleaseFacts) -> dict[str, Any]:
    """``manifest.json``: what the release is, what made it, what it holds."""
    options = facts.options
    return {
        "release": options.version,
        "name": options.name,
        "code_version": options.code_version,
        "text_policy": options.text_policy,
        "excerpt_chars": options.excerpt_chars if options.text_policy == "excerpt" else None,
        "sources_without_text": [s.source_id for s in facts.sources if s.text_policy == "none"],
        "model_versions": {task: facts.model_versions(task) for task in ("loaded", "stance")},
        "tables": {
            t.name: {"rows": t.rows, "files": [{"path": f.path, "rows": f.rows, "sha256": f.sha256} for f in t.files]}
            for t in facts.tables
        },
        "runs": [r.run_id for r in facts.runs],
        "date_range": {"first_day": facts.first_day, "last_day": facts.last_day},
        "data_as_of": facts.data_as_of,
        "excluded": {
            "takedown_entries": facts.exclusions.takedown_entries,
            "takedown_posts": facts.exclusions.takedown_posts,
            "takedown_sources": facts.exclusions.takedown_sources,
            "deleted_posts": facts.exclusions.deleted_posts,
        },
    }


def write_checksums(root: Path) -> Path:
    """``CHECKSUMS.sha256`` for every other file, in ``sha256sum -c`` format, sorted by path."""
    lines = [
        f"{_sha256(path)}  {path.relative_to(root).as_posix()}\n"
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != CHECKSUMS)
    ]
    target = root / CHECKSUMS
    target.write_text("".join(lines), encoding="utf-8")
    return target


def verify_checksums(root: Path) -> list[str]:
    """Problems found checking ``root`` against its ``CHECKSUMS.sha256``: mismatches, missing and unlisted files."""
    listed: dict[str, str] = {}
    for line in (root / CHECKSUMS).read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    problems = [
        f"{name}: missing" if not (root / name).is_file() else f"{name}: checksum mismatch"
        for name, digest in sorted(listed.items())
        if not (root / name).is_file() or _sha256(root / name) != digest
    ]
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != CHECKSUMS}
    problems += [f"{name}: not listed in {CHECKSUMS}" for name in sorted(present - set(listed))]
    return problems
