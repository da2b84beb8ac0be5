"""Per-batch stage timings against their baselines, interleaved batch by batch in one process.

The pages are harvested once (untimed; exactly what the nightly harvest hands its transform
tasks), cut into the flow's batches, and for every batch, back to back:

- **extraction baseline**: bare ``trafilatura.extract(html, url=..., include_comments=False)`` of
  each page, the call ``make eval-extract`` names "bare trafilatura";
- **process**: ``transform.process.process_batch`` (clean, segment, voice, loaded-language labels,
  fingerprint), the order of the two swapped on every other batch so drift in the machine's load
  falls on both alike;
- **load**: ``warehouse.load.load_posts`` of the batch into a real DuckDB warehouse file;
- **load baseline**: the very rows ``load_posts`` wrote (read back, untimed, from its file) as
  Arrow tables, inserted with one ``INSERT … SELECT`` per table in one transaction into a second
  warehouse file with the same schema: the cheapest way DuckDB takes those rows.
"""

from __future__ import annotations

import cProfile
import pstats
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import trafilatura

from extract.harvest import FetchRecord, Harvest, Page, harvest_host
from extract.sources import Source
from extract.urls import host_key
from flows.settings import Settings
from flows.version import code_version
from transform.labelling import Labeller
from transform.process import ProcessedPost, process_batch
from warehouse.db import open_warehouse
from warehouse.load import load_posts, post_id_for, start_run, upsert_sources
from warehouse.loaded import register_model

# Every table load_posts writes, by the column that ties a row to the batch.
POST_TABLES = (
    "posts",
    "post_versions",
    "sentences",
    "quotes",
    "sentence_scores",
    "loaded_spans",
    "post_scores",
    "comments",
    "post_fingerprints",
    "post_bands",
    "post_duplicates",
)
URL_TABLES = ("url_state",)


@dataclass
class StageTimes:
    """Seconds spent per stage over all batches, and what went through."""

    batches: int = 0
    pages: int = 0
    posts: int = 0
    failures: int = 0
    extract_s: float = 0.0
    extract_cpu_s: float = 0.0
    process_s: float = 0.0
    process_cpu_s: float = 0.0
    load_s: float = 0.0
    bare_load_s: float = 0.0
    rows: int = 0
    rows_by_table: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "rows_by_table": dict(self.rows_by_table)}


@dataclass(frozen=True)
class Batch:
    """One transform batch as the flow builds it: pages of one source, and their post fetches."""

    label: str
    pages: list[Page]
    records: list[FetchRecord]


def harvest_batches(sources: Sequence[Source], settings: Settings) -> list[Batch]:
    """Harvest every host in parallel (as the flow does, without an archive) and cut the flow's batches."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(host_key(source.url), []).append(source)

    def one(group: list[Source]) -> list[Harvest]:
        return harvest_host(group, {}, settings.fetch_policy(), settings.host_delay_s)

    with ThreadPoolExecutor(max_workers=settings.max_hosts_in_parallel) as pool:
        harvests = [h for hs in pool.map(one, groups.values()) for h in hs]
    batches = []
    for harvest in harvests:
        posts_fetched = {r.url: r for r in harvest.records if r.role == "post"}
        for number, start in enumerate(range(0, len(harvest.pages), settings.batch_size)):
            chunk = harvest.pages[start : start + settings.batch_size]
            records = [posts_fetched[p.url] for p in chunk if p.url in posts_fetched]
            batches.append(Batch(f"{harvest.source_id}-{number}", chunk, records))
    return batches


def bare_extract(pages: Sequence[Page]) -> int:
    """The extraction baseline over ``pages``; how many gave text."""
    return sum(1 for p in pages if trafilatura.extract(p.html, url=p.final_url, include_comments=False))


def _timed(call: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def batch_rows(con: duckdb.DuckDBPyConnection, posts: Sequence[ProcessedPost]) -> dict[str, pa.Table]:
    """Every row ``load_posts`` wrote for ``posts``, per table, as Arrow."""
    ids = sorted({post_id_for(p.post.canonical_url) for p in posts})
    urls = sorted({p.url for p in posts})
    by_post = {t: con.sql(f"SELECT * FROM {t} WHERE post_id IN (SELECT unnest(?))", params=[ids]) for t in POST_TABLES}
    by_url = {t: con.sql(f"SELECT * FROM {t} WHERE url IN (SELECT unnest(?))", params=[urls]) for t in URL_TABLES}
    return {t: relation.to_arrow_table() for t, relation in {**by_post, **by_url}.items()}


def bare_insert(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """The load baseline: each table's rows in one ``INSERT … SELECT``, all in one transaction."""
    con.execute("BEGIN TRANSACTION")
    for name, data in tables.items():
        if data.num_rows:
            con.register("_bare", data)
            con.execute(f"INSERT INTO {name} SELECT * FROM _bare")
            con.unregister("_bare")
    con.execute("COMMIT")


def _warehouse(path: Path, sources: Sequence[Source], labeller: Labeller, run_id: str) -> duckdb.DuckDBPyConnection:
    con = open_warehouse(path)
    now = datetime.now(UTC)
    upsert_sources(con, sources, now)
    start_run(con, run_id, "bench", code_version(), now)
    register_model(con, labeller.version, "loaded", labeller.path, labeller.card(), now)
    return con


def _add(times: StageTimes, other: StageTimes) -> None:
    for name, value in vars(other).items():
        if name == "rows_by_table":
            for table, rows in value.items():
                times.rows_by_table[table] = times.rows_by_table.get(table, 0) + rows
        else:
            setattr(times, name, getattr(times, name) + value)


def measure_stages(
    batches: Sequence[Batch], sources: Sequence[Source], labeller: Labeller, workdir: Path
) -> dict[str, Any]:
    """Time every stage and its baseline on every batch, interleaved (see the module docstring).

    Returns the totals (``all``) and the same split by where the posts' bodies came from
    (``page``: fetched post pages; ``feed``/``api``: bodies carried by the feed or API).
    """
    run_id = str(uuid.uuid4())
    ours = _warehouse(workdir / "ours.duckdb", sources, labeller, run_id)
    bare = _warehouse(workdir / "bare.duckdb", sources, labeller, run_id)
    totals = StageTimes()
    by_source: dict[str, StageTimes] = {}
    try:
        for number, batch in enumerate(batches):
            extract, process = partial(bare_extract, batch.pages), partial(process_batch, batch.pages, labeller)
            if number % 2 == 0:
                _, extract_s, extract_cpu = _timed(extract)
                (posts, failures), process_s, process_cpu = _timed(process)
            else:
                (posts, failures), process_s, process_cpu = _timed(process)
                _, extract_s, extract_cpu = _timed(extract)
            _, load_s, _ = _timed(partial(load_posts, ours, run_id, posts, batch.records))
            rows = batch_rows(ours, posts)
            _, bare_s, _ = _timed(partial(bare_insert, bare, rows))
            one = StageTimes(
                batches=1,
                pages=len(batch.pages),
                posts=len(posts),
                failures=len(failures),
                extract_s=extract_s,
                extract_cpu_s=extract_cpu,
                process_s=process_s,
                process_cpu_s=process_cpu,
                load_s=load_s,
                bare_load_s=bare_s,
                rows=sum(data.num_rows for data in rows.values()),
                rows_by_table={name: data.num_rows for name, data in rows.items()},
            )
            _add(totals, one)
            _add(by_source.setdefault(batch.pages[0].text_source, StageTimes()), one)
    finally:
        ours.close()
        bare.close()
    return {"all": totals.as_dict(), "by_source": {k: v.as_dict() for k, v in sorted(by_source.items())}}


# Where the time of one batch goes, by the functions that make up each stage (cumulative seconds).
PROFILE_STAGES = (
    ("clean (trafilatura, metadata, comments, language)", "transform/clean.py", ("clean_page", "clean_entry")),
    ("  of which trafilatura.bare_extraction", "trafilatura/core.py", ("bare_extraction",)),
    ("segment (sentences)", "transform/segment.py", ("segment",)),
    ("voice (quotes, speakers)", "transform/voice.py", ("attribute_voice",)),
    ("classify (loaded-language model)", "transform/labelling.py", ("predict_posts", "label_loaded")),
    ("fingerprint (MinHash)", "transform/dedup.py", ("fingerprint",)),
    ("load (load_posts)", "warehouse/load.py", ("load_posts",)),
)


def profile_batch(batch: Batch, sources: Sequence[Source], labeller: Labeller, workdir: Path) -> dict[str, Any]:
    """cProfile of process + load of one batch: seconds per stage and the costliest functions."""
    run_id = str(uuid.uuid4())
    con = _warehouse(workdir / "profile.duckdb", sources, labeller, run_id)
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        posts, _ = process_batch(batch.pages, labeller)
        load_posts(con, run_id, posts, batch.records)
        profiler.disable()
    finally:
        con.close()
    stats = pstats.Stats(profiler)
    entries: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in entries.values())
    stages = {
        name: round(sum(v[3] for k, v in entries.items() if k[0].endswith(path) and k[2] in funcs), 3)
        for name, path, funcs in PROFILE_STAGES
    }
    top = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:15]
    return {
        "batch": batch.label,
        "pages": len(batch.pages),
        "total_s": round(total, 3),
        "stages_s": stages,
        "top_tottime": [
            {"function": f"{Path(k[0]).name}:{k[1]}({k[2]})", "calls": v[1], "tottime_s": round(v[2], 3)}
            for k, v in top
        ],
    }
