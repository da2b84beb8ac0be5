"""The ``reprocess`` flow: rebuild posts from the raw archive, without touching the network.

Every post's newest archived response is read back from the WARC files, cleaned, segmented and
scored with the current code, and loaded exactly as the nightly flow would: posts whose text
comes out the same are left alone, others are updated (their old text kept in post_versions).
Use it after upgrading the extractor or the lexicon.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.prefect_env import configure

configure()

from prefect import flow  # noqa: E402

from extract.archive import read_response  # noqa: E402
from extract.decode import decode_body  # noqa: E402
from extract.errors import ArchiveCorrupt  # noqa: E402
from extract.harvest import Page  # noqa: E402
from flows.nightly import transform_task  # noqa: E402
from flows.settings import Settings, load_settings  # noqa: E402
from flows.version import code_version  # noqa: E402
from transform.lexicon import load_lexicon  # noqa: E402
from warehouse.db import open_warehouse  # noqa: E402
from warehouse.load import ArchivedPage, archived_pages, finish_run, load_posts, start_run  # noqa: E402


def _pages(settings: Settings, archived: list[ArchivedPage], errors: list[str]) -> Iterator[Page]:
    for item in archived:
        try:
            response = read_response(settings.archive_path, item.ref)
        except (ArchiveCorrupt, OSError) as exc:
            errors.append(f"{item.url}: archive record unreadable: {exc}")
            continue
        yield Page(
            source_id=item.source_id,
            url=item.url,
            final_url=response.url,
            html=decode_body(response.body, response.headers.get("content-type", "")),
            body_sha256=hashlib.sha256(response.body).hexdigest(),
            fetched_at=response.fetched_at,
            entry=None,
        )


@flow(name="reprocess", log_prints=True)
def reprocess(
    db_path: str | None = None,
    config_file: str | None = None,
    sources: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Re-extract and re-label every archived post (of ``sources``, or all) with the current code."""
    from prefect.runtime import flow_run

    settings = load_settings(Path(config_file) if config_file else None, **{**(overrides or {}), "db_path": db_path})
    run_id = str(flow_run.id or uuid.uuid4())
    started = time.monotonic()
    lexicon_version = load_lexicon().version
    con = open_warehouse(settings.db_path, wait_s=settings.db_lock_wait_s)
    counts = {"archived": 0, "new": 0, "updated": 0, "unchanged": 0, "failures": 0}
    errors: list[str] = []
    status = "failed"
    try:
        start_run(con, run_id, "reprocess", code_version(), datetime.now(UTC))
        archived = archived_pages(con, sources)
        counts["archived"] = len(archived)
        for n, start in enumerate(range(0, len(archived), settings.batch_size)):
            # One batch in memory at a time: the archive may hold far more than RAM.
            pages = list(_pages(settings, archived[start : start + settings.batch_size], errors))
            posts, failures = transform_task(f"reprocess-{n}", pages, lexicon_version)
            loaded = load_posts(con, run_id, posts)

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
        finish_run(con, run_id, status, summary)
        con.close()
    return summary
