"""The ``reprocess`` flow: rebuild posts from the raw archive, without touching the network.

Each archived run is replayed in order, oldest first: ``harvest_source`` runs unchanged over the
run's WARC records (``extract.replay.ArchiveClient``), so the same feeds, API pages and post
pages yield the same candidates as that night, and they are cleaned, segmented and scored with
the *current* code and loaded as the nightly flow would. Posts whose text comes out the same are
left alone; others are updated (their old text kept in post_versions). Use it after upgrading
the extractor or the lexicon, or to rebuild a lost database from its archive.
"""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.prefect_env import configure

configure()

from prefect import flow  # noqa: E402

from extract.harvest import CacheHint, harvest_source  # noqa: E402
from extract.replay import ArchiveClient, archived_homepages  # noqa: E402
from flows.nightly import labeller_for, opinion_models_for, transform_task, write_opinions  # noqa: E402
from flows.settings import load_settings  # noqa: E402
from flows.version import code_version  # noqa: E402
from warehouse.db import open_warehouse  # noqa: E402
from warehouse.load import (  # noqa: E402
    archived_runs,
    clear_orphans,
    finish_run,
    load_posts,
    run_archive_refs,
    start_run,
    stored_sources,
)
from warehouse.loaded import register_model  # noqa: E402
from warehouse.runlock import run_lock  # noqa: E402

_EVERYTHING = datetime.min.replace(tzinfo=UTC)  # re-check every archived post URL of a replayed run


@flow(name="reprocess", log_prints=True)
def reprocess(
    db_path: str | None = None,
    config_file: str | None = None,
    sources: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Replay every archived run (of ``sources``, or all) through the current transform code."""
    from prefect.runtime import flow_run

    settings = load_settings(Path(config_file) if config_file else None, **{**(overrides or {}), "db_path": db_path})
    run_id = str(flow_run.id or uuid.uuid4())
    started = time.monotonic()
    labeller = labeller_for(settings)
    opinions = opinion_models_for(settings)
    lock = ExitStack()
    lock.enter_context(run_lock(settings.db_path, "reprocess"))  # released in the finally below
    try:
        con = open_warehouse(settings.db_path, wait_s=settings.db_lock_wait_s, memory_limit=settings.db_memory_limit)
    except BaseException:
        lock.close()
        raise
    counts = {"runs": 0, "pages": 0, "new": 0, "updated": 0, "unchanged": 0, "failures": 0, "orphan_rows_removed": 0}
    errors: list[str] = []
    status = "failed"
    try:
        runs = archived_runs(con)
        counts["orphan_rows_removed"] = sum(clear_orphans(con).values())  # before the first batch: see load_posts
        start_run(con, run_id, "reprocess", code_version(), datetime.now(UTC))
        register_model(con, labeller.version, "loaded", labeller.path, labeller.card(), datetime.now(UTC))
        wanted = [s for s in stored_sources(con) if sources is None or s.id in sources]
        # Per source, the homepage as the latest replayed run archived it: a later night whose
        # homepage answered 304 (or was not asked for) found its feeds through that copy.
        homepages: dict[str, dict[str, CacheHint]] = {}
        for replayed in runs:
            counts["runs"] += 1
            refs = run_archive_refs(con, replayed)
            for source in wanted:
                by_url = refs.get(source.id, {})
                if not by_url:
                    continue
                client = ArchiveClient(settings.archive_path, {url: ref for url, (_, ref) in by_url.items()})
                known = {url: CacheHint(role="post") for url, (role, _) in by_url.items() if role == "post"}
                known.update(homepages.get(source.id, {}))
                harvest = harvest_source(client, source, known, revalidate_after=_EVERYTHING)
                homepages.setdefault(source.id, {}).update(archived_homepages(client, harvest, by_url))
                errors.extend(harvest.errors)
                for start in range(0, len(harvest.pages), settings.batch_size):
                    batch = harvest.pages[start : start + settings.batch_size]
                    posts, failures = transform_task(f"reprocess-{source.id}", batch, labeller.path, opinions)
                    loaded = load_posts(con, run_id, posts)
                    write_opinions(con, posts, opinions, datetime.now(UTC))
                    counts["pages"] += len(batch)
                    counts["new"] += loaded.new
                    counts["updated"] += loaded.updated
                    counts["unchanged"] += loaded.unchanged
                    counts["failures"] += len(failures)
                    errors.extend(f.reason for f in failures)
        status = "completed"
    finally:
        summary = {
            "run_id": run_id,
            "status": status,
            **counts,
            "errors": errors[:200],
            "seconds": round(time.monotonic() - started, 2),
        }
        try:
            finish_run(con, run_id, status, summary)
            con.close()
        finally:
            lock.close()
    return summary
