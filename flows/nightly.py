"""The ``nightly`` Prefect flow: sources → harvest per host → transform per batch → one writer.

Tasks are coarse on purpose (Prefect costs 20-35 ms per task run with threads, 0.5-1 s on Dask):
one ``harvest`` task per host, one ``transform`` task per batch of posts, and the DuckDB writes
done by the flow itself, sequentially, because DuckDB allows one writer. Each task is a thin
wrapper over a plain function that is tested without Prefect.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flows.prefect_env import configure

configure()

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import PrefectFuture, as_completed  # noqa: E402
from prefect.states import Failed  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from extract.archive import RunArchive  # noqa: E402
from extract.errors import ConfigError, DatabaseLocked, HealthGateFailed  # noqa: E402
from extract.fetch import FetchPolicy  # noqa: E402
from extract.harvest import QUIET_404_ROLES, CacheHint, FetchRecord, Harvest, Page, harvest_host  # noqa: E402
from extract.sources import Source, load_sources  # noqa: E402
from extract.urls import host_key  # noqa: E402
from flows.notify import notify  # noqa: E402
from flows.progress import emit  # noqa: E402
from flows.report.build import report_after_run  # noqa: E402
from flows.settings import Settings, load_settings  # noqa: E402
from flows.version import code_version  # noqa: E402
from transform.labelling import Labeller, load_labeller  # noqa: E402
from transform.process import Failure, ProcessedPost, process_batch  # noqa: E402
from warehouse.db import check_disk, open_warehouse  # noqa: E402
from warehouse.health import SourceHealth, SourceTonight, check_sources, count_post, report_markdown, run_fails  # noqa: E402
from warehouse.load import (  # noqa: E402
    abandon_stale_runs,
    finish_run,
    known_state,
    live_posts,
    load_posts,
    log_fetches,
    mark_deleted,
    mark_seen,
    quarantine,
    save_url_state,
    start_run,
    upsert_sources,
)
from warehouse.loaded import register_model  # noqa: E402
from warehouse.runlock import Holder, run_lock  # noqa: E402
from warehouse.validate import validate_batch  # noqa: E402

# Index pages (feeds, sitemaps, API listings, robots.txt): validators stored only after the posts.
_INDEX_ROLES = frozenset({"feed", "sitemap", "api", "robots"})


@task(
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=10),
    retry_jitter_factor=0.5,
    cache_policy=NO_CACHE,
    task_run_name="harvest-{host}",
)
def harvest_task(
    host: str,
    sources: list[Source],
    known: dict[str, dict[str, CacheHint]],
    policy: FetchPolicy,
    settings: Settings,
    revalidate_after: datetime,
    archive: RunArchive | None,
    since: datetime | None = None,
    backfill: bool = False,
) -> list[Harvest]:
    """Fetch everything new on one host (see ``extract.harvest.harvest_host``)."""
    return harvest_host(
        sources,
        known,
        policy,
        settings.host_delay_s,
        revalidate_after=revalidate_after,
        failure_limit=settings.host_failure_limit,
        archive=archive,
        since=since,
        backfill=backfill,
    )


def labeller_for(settings: Settings) -> Labeller:
    """The loaded-language model named in the settings (loaded once per process)."""
    return load_labeller(settings.loaded_model, settings.models_dir)


@task(cache_policy=NO_CACHE, task_run_name="transform-{label}")
def transform_task(label: str, pages: list[Page], model_dir: Path) -> tuple[list[ProcessedPost], list[Failure]]:
    """Clean, segment and label one batch of pages (see ``transform.process.process_batch``).

    The model travels as its directory, not as an object, so a batch runs the same on a
    remote worker; each process loads it once.
    """
    return process_batch(pages, load_labeller(model_dir, model_dir.parent))


@dataclass
class NightStats:
    """Counters of one run, stored as ``runs.stats`` and shown in the summary."""

    sources: int = 0
    requests: int = 0
    not_modified: int = 0
    bytes: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0
    posts_deleted: int = 0
    extraction_failures: int = 0
    errors_by_kind: Counter[str] = field(default_factory=Counter)
    per_source: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)
    hosts_given_up: dict[str, str] = field(default_factory=dict)
    abandoned_runs: list[str] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors_by_kind.values()) + self.extraction_failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "requests": self.requests,
            "not_modified": self.not_modified,
            "bytes": self.bytes,
            "posts": {
                "new": self.posts_new,
                "updated": self.posts_updated,
                "unchanged": self.posts_unchanged,
                "deleted": self.posts_deleted,
                "extraction_failures": self.extraction_failures,
            },
            "errors_by_kind": dict(self.errors_by_kind),
            "hosts_given_up": self.hosts_given_up,
            "abandoned_runs": self.abandoned_runs,
            "health_flags": {h["source_id"]: list(h["flags"]) for h in self.health},
            "per_source": {k: dict(v) for k, v in sorted(self.per_source.items())},
            "errors": self.errors[:200],  # the full list is in fetch_log; keep runs.stats readable
            "seconds": round(self.seconds, 2),
        }


def _by_host(sources: Sequence[Source]) -> dict[str, list[Source]]:
    groups: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        groups[host_key(source.url)].append(source)
    return dict(groups)


def _chunks(pages: list[Page], size: int) -> Iterator[list[Page]]:
    for start in range(0, len(pages), size):
        yield pages[start : start + size]


def _counts_as_error(record: FetchRecord) -> bool:
    """A failed request, except a 404 from an API or sitemap probe (the feature is off there)."""
    return bool(record.error_kind) and not (record.status_code == 404 and record.role in QUIET_404_ROLES)


def _listed(harvest: Harvest) -> int | None:
    """Candidates the source's indexes listed; ``None`` when every index answered 304 (unchanged)."""
    index = [r for r in harvest.records if r.role in ("api", "feed", "sitemap", "homepage")]
    if harvest.listed or any(r.error is None and not r.not_modified for r in index):
        return harvest.listed
    return None if any(r.not_modified for r in index) else 0


def _count_harvest(stats: NightStats, harvest: Harvest) -> None:

    counts = stats.per_source[harvest.source_id]
    for record in harvest.records:
        stats.requests += 1
        stats.bytes += record.bytes
        stats.not_modified += record.not_modified
        counts["requests"] += 1
        if record.error_kind and _counts_as_error(record):
            stats.errors_by_kind[record.error_kind] += 1

            counts["errors"] += 1

    stats.errors.extend(harvest.errors)
    if harvest.gave_up:
        stats.hosts_given_up[harvest.source_id] = harvest.gave_up
        counts["skipped_requests"] += harvest.skipped
    counts["pages"] += len(harvest.pages)
    counts["unchanged"] += len(harvest.unchanged)


@flow(name="nightly", task_runner=ThreadPoolTaskRunner(max_workers=8), log_prints=True)  # type: ignore[arg-type]
def nightly(
    sources_file: str,
    db_path: str | None = None,
    config_file: str | None = None,
    overrides: dict[str, Any] | None = None,
    backfill: bool = False,
    since: str | None = None,
) -> dict[str, Any]:
    """Crawl every source, extract and label new or changed posts, and load them into DuckDB.

    ``overrides`` are settings that win over the file and the environment (e.g. ``host_delay_s``).
    ``backfill`` walks each blog's archives (API pages, paged feeds, sitemaps) back to ``since``
    (an ISO date; posts published before it are skipped either way).
    """
    settings = load_settings(Path(config_file) if config_file else None, **{**(overrides or {}), "db_path": db_path})
    when = _parse_since(since)
    try:
        return run_nightly(settings, load_sources(Path(sources_file)), since=when, backfill=backfill)
    except DatabaseLocked as exc:  # nothing was fetched or written: fail with the message, not a traceback
        return Failed(message=str(exc), data=exc)  # type: ignore[return-value]  # the caller gets exc raised


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"since: expected an ISO date such as 2026-01-31, got {value!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _flow_run_id() -> str:
    from prefect.runtime import flow_run

    return str(flow_run.id or uuid.uuid4())


def run_nightly(
    settings: Settings, sources: list[Source], *, since: datetime | None = None, backfill: bool = False
) -> dict[str, Any]:
    """The body of the nightly flow, given validated settings and sources.

    Holds the database's run lock throughout (a second run refuses at once); raises
    ``HealthGateFailed`` after everything is stored when the health gates fail the run.
    """
    with run_lock(settings.db_path, "nightly") as previous:
        summary = _night(settings, sources, since, backfill, previous)
    if summary["status"] == "failed":
        flagged = [r["source_id"] for r in summary["health"]["flagged"]]
        raise HealthGateFailed(
            f"nightly run {summary['run_id']}: {len(flagged)} of {summary['sources']} sources failed their "
            f"health gates ({', '.join(flagged)}); everything fetched is stored — see run_health / source_health"
        )
    return summary


def _night(
    settings: Settings,
    sources: list[Source],
    since: datetime | None,
    backfill: bool,
    previous: Holder | None,
) -> dict[str, Any]:
    started = time.monotonic()
    run_id = _flow_run_id()
    stats = NightStats(sources=len(sources))
    labeller = labeller_for(settings)
    con = open_warehouse(settings.db_path, wait_s=settings.db_lock_wait_s)
    status = "failed"
    now = datetime.now(UTC)
    archive = (
        RunArchive(settings.archive_path, run_id, software=f"slant {code_version()}", started_at=now)
        if settings.archive
        else None
    )
    tonight: dict[str, SourceTonight] = defaultdict(SourceTonight)
    health: list[SourceHealth] = []
    try:
        stats.abandoned_runs = abandon_stale_runs(con, now)
        if previous is not None and stats.abandoned_runs:
            stats.errors.append(f"the previous run ({previous.describe()}) ended without finishing; resumed")
        upsert_sources(con, sources, now)
        start_run(con, run_id, "nightly", code_version(), now)
        register_model(con, labeller.version, "loaded", labeller.path, labeller.card(), now)
        known = known_state(con, [s.id for s in sources])
        policy = settings.fetch_policy()
        revalidate_after = now - timedelta(days=settings.revalidate_days)
        emit("start", sources=len(sources))
        harvests = [
            harvest_task.submit(
                host,
                group,
                {s.id: known[s.id] for s in group},
                policy,
                settings,
                revalidate_after,
                archive,
                since,
                backfill,
            )
            for host, group in _by_host(sources).items()
        ]
        index_records: list[FetchRecord] = []
        transforms: list[PrefectFuture[tuple[list[ProcessedPost], list[Failure]]]] = []
        records_by_url: dict[str, list[FetchRecord]] = {}

        def load(done: PrefectFuture[tuple[list[ProcessedPost], list[Failure]]]) -> None:
            """Validate and write one transformed batch, then let go of it (memory stays at a few batches)."""
            posts, failures = done.result()
            stats.extraction_failures += len(failures)
            for failure in failures:
                stats.per_source[failure.source_id]["extraction_failures"] += 1
                tonight[failure.source_id].failures += 1
                stats.errors.append(failure.reason)
            posts, rejected = validate_batch(posts)
            check_disk(settings.db_path, settings.min_free_disk_mb)
            quarantine(con, run_id, rejected, datetime.now(UTC))
            for bad in rejected:
                stats.per_source[bad.post.source_id]["quarantined"] += 1
                stats.errors.append(f"{bad.post.url}: quarantined ({bad.table}): {bad.reason}")
            records = [r for p in posts for r in records_by_url.pop(p.url, []) if r.role == "post"]
            counts = load_posts(con, run_id, posts, records)
            emit("batch", posts=len(posts), failures=len(failures))
            stats.posts_new += counts.new
            stats.posts_updated += counts.updated
            for post in posts:
                stats.per_source[post.source_id]["posts"] += 1
                count_post(tonight[post.source_id], post, settings.health_short_words)

        for future in as_completed(harvests):
            for harvest in future.result():
                _count_harvest(stats, harvest)
                tonight[harvest.source_id].gave_up = bool(harvest.gave_up)
                tonight[harvest.source_id].listed = _listed(harvest)
                emit(
                    "source",
                    source_id=harvest.source_id,
                    bytes=sum(r.bytes for r in harvest.records),
                    errors=sum(1 for r in harvest.records if _counts_as_error(r)),
                )
                log_fetches(con, run_id, harvest.records)
                index_records.extend(r for r in harvest.records if r.role in _INDEX_ROLES)
                for record in harvest.records:
                    records_by_url.setdefault(record.url, []).append(record)
                mark_seen(con, run_id, harvest.unchanged)
                stats.posts_deleted += mark_deleted(con, harvest.gone, datetime.now(UTC))
                for number, chunk in enumerate(_chunks(harvest.pages, settings.batch_size)):
                    transforms.append(transform_task.submit(f"{harvest.source_id}-{number}", chunk, labeller.path))
                harvest.pages = []  # the batches hold them now
                # Write batches that are ready while other hosts are still being fetched, so a
                # night's posts never pile up in memory waiting for the slowest host.
                finished = [t.state.is_final() for t in transforms]  # one look each: states move on
                ready = [t for t, final in zip(transforms, finished, strict=True) if final]
                transforms = [t for t, final in zip(transforms, finished, strict=True) if not final]
                for done in ready:
                    load(done)
        for done in as_completed(transforms):
            load(done)
        # Feed and sitemap validators last: only once every post they listed is stored.
        save_url_state(con, index_records, _INDEX_ROLES)
        live = live_posts(con, [s.id for s in sources])
        stats.posts_unchanged = live - stats.posts_new - stats.posts_updated
        limits = settings.health_thresholds()
        fetches = {sid: (c["requests"], c["errors"]) for sid, c in stats.per_source.items()}
        health = check_sources(con, run_id, tonight, fetches, [s.id for s in sources], limits, datetime.now(UTC))
        status = "failed" if run_fails(health, limits) else "completed"
    finally:
        stats.seconds = time.monotonic() - started
        stats.health = [dataclasses.asdict(h) for h in health if h.flags]
        finish_run(con, run_id, status, stats.as_dict())
        con.close()
        if archive is not None:
            archive.close()
    summary = {"run_id": run_id, "status": status, "db_path": str(settings.db_path), **stats.as_dict()}
    summary["health"] = {
        "verdict": "failed" if status == "failed" else ("warnings" if stats.health else "healthy"),
        "flagged": stats.health,
    }
    _artifacts(summary)
    create_markdown_artifact(
        key="nightly-health",
        markdown=report_markdown(run_id, health, status == "failed"),
        description="Nightly run health gates per source",
    )
    summary["notification"] = notify(settings.webhook_url, _notification(summary))
    report_after_run(settings, summary)  # the HTML report and its artifact; never fails the run
    return summary


def _notification(summary: dict[str, Any]) -> dict[str, Any]:
    """The webhook payload: headline numbers and the flagged sources, not the full error list."""
    return {
        "run_id": summary["run_id"],
        "status": summary["status"],
        "verdict": summary["health"]["verdict"],
        "db_path": summary["db_path"],
        "sources": summary["sources"],
        "requests": summary["requests"],
        "posts": summary["posts"],
        "flagged": summary["health"]["flagged"],
        "hosts_given_up": summary["hosts_given_up"],
        "seconds": summary["seconds"],
    }


def _artifacts(summary: dict[str, Any]) -> None:
    posts = summary["posts"]
    create_table_artifact(
        key="nightly-summary",
        table=[{"source": k, **v} for k, v in summary["per_source"].items()],
        description=f"Nightly run {summary['run_id']}: per-source counts",
    )
    create_markdown_artifact(
        key="nightly-report",
        markdown=(
            f"# Nightly run {summary['run_id']}\n\n"
            f"- status: **{summary['status']}**, {summary['seconds']} s\n"
            f"- sources: {summary['sources']}, requests: {summary['requests']} "
            f"({summary['not_modified']} not modified)\n"
            f"- posts: {posts['new']} new, {posts['updated']} updated, {posts['unchanged']} unchanged, "
            f"{posts['deleted']} deleted, {posts['extraction_failures']} extraction failures\n"
            f"- errors by kind: {summary['errors_by_kind'] or 'none'}\n"
        ),
        description="Nightly run headline numbers",
    )
