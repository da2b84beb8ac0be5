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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from flows.prefect_env import configure

configure()

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import PrefectFuture, as_completed  # noqa: E402
from prefect.states import Failed  # noqa: E402
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner  # noqa: E402
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
from flows.runners import submit_shipping, transform_runner  # noqa: E402
from flows.settings import Settings, load_settings  # noqa: E402
from flows.version import code_version  # noqa: E402
from transform.defaults import load_leaning_labeller, load_stance_labeller  # noqa: E402
from transform.labelling import Labeller, load_labeller  # noqa: E402
from transform.process import (  # noqa: E402
    Failure,
    ProcessedPost,
    add_opinions,  # noqa: E402
    process_batch,
)
from transform.targets import TargetSet, load_targets  # noqa: E402
from warehouse.db import check_disk, open_warehouse  # noqa: E402
from warehouse.health import SourceHealth, SourceTonight, check_sources, count_post, report_markdown, run_fails  # noqa: E402
from warehouse.labels import (  # noqa: E402
    PostOpinions,
    RegisteredModel,
    refresh_model_ratings,
    write_labels,
    write_source_ratings,
)
from warehouse.load import (  # noqa: E402
    abandon_stale_runs,
    clear_orphans,
    finish_run,
    known_state,
    live_posts,
    load_posts,
    log_fetches,
    mark_deleted,
    mark_seen,
    post_id_for,
    quarantine,
    save_url_state,
    start_run,
    upsert_sources,
)
from warehouse.loaded import register_model  # noqa: E402
from warehouse.runlock import Holder, run_lock  # noqa: E402
from warehouse.validate import validate_batch  # noqa: E402

# Index pages (feeds, sitemaps, API listings, homepages, robots.txt): validators stored only after the posts.
_INDEX_ROLES = frozenset({"feed", "sitemap", "api", "homepage", "robots"})


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


@dataclass(frozen=True)
class OpinionModels:
    """Where the stance and leaning models and the targets file are (paths travel to workers)."""

    stance_dir: Path
    leaning_dir: Path
    targets_path: Path


def opinion_models_for(settings: Settings) -> OpinionModels:
    """The stance and leaning models and targets file named in the settings (defaults built once)."""
    stance = load_stance_labeller(settings.stance_model, settings.models_dir)
    leaning = load_leaning_labeller(settings.leaning_model, settings.models_dir)
    return OpinionModels(stance.path, leaning.path, settings.targets_path)


@lru_cache(maxsize=4)
def _targets(path: Path, stamp: float) -> TargetSet:
    return load_targets(path)


def targets_of(models: OpinionModels) -> TargetSet:
    """The targets file, read once per process (again when it changes)."""
    return _targets(models.targets_path, models.targets_path.stat().st_mtime)


@task(cache_policy=NO_CACHE, task_run_name="transform-{label}")
def transform_task(
    label: str, pages: list[Page], model_dir: Path, opinions: OpinionModels | None = None
) -> tuple[list[ProcessedPost], list[Failure]]:
    """Clean, segment and label one batch of pages (see ``transform.process.process_batch``),
    then, when ``opinions`` is given, add stances toward the targets and leaning (``add_opinions``).

    The models travel as their directories, not as objects, so a batch runs the same on a
    remote worker; each process loads them once.
    """
    posts, failures = process_batch(pages, load_labeller(model_dir, model_dir.parent))
    if opinions is not None:
        stance = load_stance_labeller(opinions.stance_dir, opinions.stance_dir.parent)
        leaning = load_leaning_labeller(opinions.leaning_dir, opinions.leaning_dir.parent)
        posts = add_opinions(posts, targets_of(opinions).targets, stance, leaning)
    return posts, failures


def write_opinions(
    con: duckdb.DuckDBPyConnection, posts: Sequence[ProcessedPost], opinions: OpinionModels, now: datetime
) -> None:
    """Store the stances and leaning of ``posts`` (one transaction), replacing this model version's rows."""
    stance = load_stance_labeller(opinions.stance_dir, opinions.stance_dir.parent)
    leaning = load_leaning_labeller(opinions.leaning_dir, opinions.leaning_dir.parent)
    batch = [
        PostOpinions(post_id_for(p.post.canonical_url), p.opinions.stances, p.opinions.leaning)
        for p in posts
        if p.opinions is not None
    ]
    write_labels(
        con,
        batch,
        targets=targets_of(opinions).targets,
        stance_model=RegisteredModel(stance.version, "stance", str(stance.path), stance.card()),
        leaning_model=RegisteredModel(leaning.version, "leaning", str(leaning.path), leaning.card()),
        now=now,
    )


TransformFuture = PrefectFuture[tuple[list[ProcessedPost], list[Failure]]]
HarvestFuture = PrefectFuture[list[Harvest]]
SubmitTransform = Callable[[str, list[Page], Path, OpinionModels | None], TransformFuture]


def submit_transform_on(runner: TaskRunner[Any] | None) -> SubmitTransform:
    """Submit transform batches to ``runner`` (e.g. Dask), or to the flow's own runner when None."""
    if runner is None:
        return transform_task.submit  # type: ignore[return-value]
    return lambda label, pages, model_dir, opinions: submit_shipping(
        runner, transform_task, {"label": label, "pages": pages, "model_dir": model_dir, "opinions": opinions}, "pages"
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
    abandoned_runs: list[str] = field(default_factory=list)
    orphan_rows_removed: dict[str, int] = field(default_factory=dict)
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
            "orphan_rows_removed": self.orphan_rows_removed,
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


def _full_batches(pages: list[Page], size: int) -> tuple[list[list[Page]], list[Page]]:
    """The full batches of ``size`` at the front of ``pages``, and the pages left over."""
    cut = len(pages) - len(pages) % size
    return list(_chunks(pages[:cut], size)), pages[cut:]


def _counts_as_error(record: FetchRecord) -> bool:
    """A failed request, except a 404 from an API or sitemap probe (the feature is off there) or
    for robots.txt (no robots.txt means everything is allowed)."""
    return bool(record.error_kind) and not (record.status_code == 404 and record.role in (*QUIET_404_ROLES, "robots"))


def _listed(harvest: Harvest) -> int | None:
    """Candidates the source's indexes listed; ``None`` when its indexes answered 304 (unchanged).

    The homepage is fetched without validators, so its 200 says nothing about the feeds.
    """
    index = [r for r in harvest.records if r.role in ("api", "feed", "sitemap")]
    if harvest.listed or any(r.error is None and not r.not_modified for r in index):
        return harvest.listed
    if any(r.not_modified for r in index):
        return None
    return 0


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
        with transform_runner(settings) as runner:
            submit = submit_transform_on(runner)
            return run_nightly(
                settings, load_sources(Path(sources_file)), since=when, backfill=backfill, transform=submit
            )
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
    settings: Settings,
    sources: list[Source],
    *,
    since: datetime | None = None,
    backfill: bool = False,
    transform: SubmitTransform | None = None,
) -> dict[str, Any]:
    """The body of the nightly flow, given validated settings and sources.

    Holds the database's run lock throughout (a second run refuses at once); raises
    ``HealthGateFailed`` after everything is stored when the health gates fail the run.
    ``transform`` submits one batch of pages (default: to the flow's own task runner).
    """
    with run_lock(settings.db_path, "nightly") as previous:
        summary = _night(settings, sources, since, backfill, previous, transform or submit_transform_on(None))
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
    submit_transform: SubmitTransform,
) -> dict[str, Any]:
    started = time.monotonic()
    run_id = _flow_run_id()
    stats = NightStats(sources=len(sources))
    labeller = labeller_for(settings)
    opinions = opinion_models_for(settings)
    con = open_warehouse(settings.db_path, wait_s=settings.db_lock_wait_s, memory_limit=settings.db_memory_limit)
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
        stats.orphan_rows_removed = clear_orphans(con)  # before the first batch: see load_posts
        if previous is not None and stats.abandoned_runs:
            stats.errors.append(f"the previous run ({previous.describe()}) ended without finishing; resumed")
        upsert_sources(con, sources, now)
        write_source_ratings(con, sources, now)
        start_run(con, run_id, "nightly", code_version(), now)
        register_model(con, labeller.version, "loaded", labeller.path, labeller.card(), now)
        known = known_state(con, [s.id for s in sources])
        policy = settings.fetch_policy()
        revalidate_after = now - timedelta(days=settings.revalidate_days)
        emit("start", sources=len(sources))
        # Hosts are harvested at most ``max_hosts_in_parallel`` at a time, the next one submitted
        # when a finished one has been taken in: a finished harvest holds its host's pages, so
        # submitting every host at once would let a fast crawl pile the night up in memory.
        waiting = list(_by_host(sources).items())
        waiting.reverse()  # popped from the end: hosts start in the sources file's order

        def next_harvest() -> HarvestFuture:
            host, group = waiting.pop()
            return harvest_task.submit(
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

        harvests = [next_harvest() for _ in range(min(settings.max_hosts_in_parallel, len(waiting)))]
        index_records: list[FetchRecord] = []
        transforms: list[TransformFuture] = []
        records_by_url: dict[str, list[FetchRecord]] = {}

        def load(done: TransformFuture) -> None:
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
            write_opinions(con, posts, opinions, datetime.now(UTC))
            emit("batch", posts=len(posts), failures=len(failures))
            stats.posts_new += counts.new
            stats.posts_updated += counts.updated
            for post in posts:
                stats.per_source[post.source_id]["posts"] += 1
                count_post(tonight[post.source_id], post, settings.health_short_words)

        # Batches pack pages across sources: most blogs have a few new posts a night, and one
        # batch per source would make most tasks too small to pay for themselves on Dask.
        pending: list[Page] = []
        submitted = 0

        def load_finished(keep: int) -> None:
            """Write every finished batch, waiting for the oldest while more than ``keep`` are unfinished.

            Written while other hosts are still being fetched, so a night's posts never pile up in
            memory waiting for the slowest host; and harvesting pauses while classification lags.
            """
            nonlocal transforms
            while True:
                finished = [t.state.is_final() for t in transforms]  # one look each: states move on
                ready = [t for t, final in zip(transforms, finished, strict=True) if final]
                transforms = [t for t, final in zip(transforms, finished, strict=True) if not final]
                for done in ready:
                    load(done)
                if len(transforms) <= keep:
                    return
                transforms[0].wait()

        while harvests:
            future: HarvestFuture = next(as_completed(harvests))
            harvests.remove(future)
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
                full, pending = _full_batches(pending + harvest.pages, settings.batch_size)
                for chunk in full:
                    load_finished(settings.max_batches_in_flight - 1)
                    transforms.append(submit_transform(str(submitted), chunk, labeller.path, opinions))
                    submitted += 1
                harvest.pages = []  # the batches (and ``pending``) hold them now
                load_finished(settings.max_batches_in_flight)
            if waiting:
                harvests.append(next_harvest())
        if pending:
            load_finished(settings.max_batches_in_flight - 1)
            transforms.append(submit_transform(str(submitted), pending, labeller.path, opinions))
        for done in as_completed(transforms):
            load(done)
        # Feed and sitemap validators last: only once every post they listed is stored.
        save_url_state(con, index_records, _INDEX_ROLES)
        leaning_version = load_leaning_labeller(opinions.leaning_dir, opinions.leaning_dir.parent).version
        refresh_model_ratings(con, leaning_version, [s.id for s in sources], datetime.now(UTC))
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
