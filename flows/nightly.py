"""The ``nightly`` Prefect flow: sources → harvest per host → transform per batch → one writer.

Tasks are coarse on purpose (Prefect costs 20-35 ms per task run with threads, 0.5-1 s on Dask):
one ``harvest`` task per host, one ``transform`` task per batch of posts, and the DuckDB writes
done by the flow itself, sequentially, because DuckDB allows one writer. Each task is a thin
wrapper over a plain function that is tested without Prefect.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
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
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from extract.archive import RunArchive  # noqa: E402
from extract.errors import ConfigError  # noqa: E402
from extract.fetch import FetchPolicy  # noqa: E402
from extract.harvest import QUIET_404_ROLES, CacheHint, FetchRecord, Harvest, Page, harvest_host  # noqa: E402
from extract.sources import Source, load_sources  # noqa: E402
from extract.urls import host_key  # noqa: E402
from flows.progress import emit  # noqa: E402
from flows.runners import submit_shipping, transform_runner  # noqa: E402
from flows.settings import Settings, load_settings  # noqa: E402
from flows.version import code_version  # noqa: E402
from transform.labelling import Labeller, load_labeller  # noqa: E402
from transform.process import Failure, ProcessedPost, process_batch  # noqa: E402
from warehouse.db import open_warehouse  # noqa: E402
from warehouse.load import (  # noqa: E402
    finish_run,
    known_state,
    live_posts,
    load_posts,
    log_fetches,
    mark_deleted,
    mark_seen,
    save_url_state,
    start_run,
    upsert_sources,
)
from warehouse.loaded import register_model  # noqa: E402

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


TransformFuture = PrefectFuture[tuple[list[ProcessedPost], list[Failure]]]
SubmitTransform = Callable[[str, list[Page], Path], TransformFuture]


def submit_transform_on(runner: TaskRunner[Any] | None) -> SubmitTransform:
    """Submit transform batches to ``runner`` (e.g. Dask), or to the flow's own runner when None."""
    if runner is None:
        return transform_task.submit  # type: ignore[return-value]
    return lambda label, pages, model_dir: submit_shipping(
        runner, transform_task, {"label": label, "pages": pages, "model_dir": model_dir}, "pages"
    )


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


def _full_batches(pages: list[Page], size: int) -> tuple[list[list[Page]], list[Page]]:
    """The full batches of ``size`` at the front of ``pages``, and the pages left over."""
    cut = len(pages) - len(pages) % size
    return list(_chunks(pages[:cut], size)), pages[cut:]


def _counts_as_error(record: FetchRecord) -> bool:
    """A failed request, except a 404 from an API or sitemap probe (the feature is off there)."""
    return bool(record.error_kind) and not (record.status_code == 404 and record.role in QUIET_404_ROLES)


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
    with transform_runner(settings) as runner:
        submit = submit_transform_on(runner)
        return run_nightly(settings, load_sources(Path(sources_file)), since=when, backfill=backfill, transform=submit)


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
    settings: Settings,
    sources: list[Source],
    *,
    since: datetime | None = None,
    backfill: bool = False,
    transform: SubmitTransform | None = None,
) -> dict[str, Any]:
    """The body of the nightly flow, given validated settings and sources.

    ``transform`` submits one batch of pages (default: to the flow's own task runner).
    """
    submit_transform = transform or submit_transform_on(None)
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
    try:
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
        transforms: list[TransformFuture] = []
        records_by_url: dict[str, list[FetchRecord]] = {}
        # Batches pack pages across sources: most blogs have a few new posts a night, and one
        # batch per source would make most tasks too small to pay for themselves on Dask.
        pending: list[Page] = []
        for future in as_completed(harvests):
            for harvest in future.result():
                _count_harvest(stats, harvest)
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
                full, pending = _full_batches(pending + harvest.pages, settings.batch_size)
                for chunk in full:
                    transforms.append(submit_transform(str(len(transforms)), chunk, labeller.path))
        if pending:
            transforms.append(submit_transform(str(len(transforms)), pending, labeller.path))
        for done in as_completed(transforms):
            posts, failures = done.result()
            stats.extraction_failures += len(failures)
            for failure in failures:
                stats.per_source[failure.source_id]["extraction_failures"] += 1
                stats.errors.append(failure.reason)
            records = [r for p in posts for r in records_by_url.get(p.url, []) if r.role == "post"]
            counts = load_posts(con, run_id, posts, records)
            emit("batch", posts=len(posts), failures=len(failures))
            stats.posts_new += counts.new
            stats.posts_updated += counts.updated
            for post in posts:
                stats.per_source[post.source_id]["posts"] += 1
        # Feed and sitemap validators last: only once every post they listed is stored.
        save_url_state(con, index_records, _INDEX_ROLES)
        live = live_posts(con, [s.id for s in sources])
        stats.posts_unchanged = live - stats.posts_new - stats.posts_updated
        status = "completed"
    finally:
        stats.seconds = time.monotonic() - started
        finish_run(con, run_id, status, stats.as_dict())
        con.close()
        if archive is not None:
            archive.close()
    summary = {"run_id": run_id, "status": status, "db_path": str(settings.db_path), **stats.as_dict()}
    _artifacts(summary)
    return summary


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
