"""A night whose classification lags behind its fetching keeps at most ``max_batches_in_flight``
batches submitted and unwritten, and still stores every post.

The transform is slowed on purpose (each batch sleeps before doing the real work) so that the
sample blogosphere on loopback, fetched without a politeness delay, outruns it: without the bound
every batch of the night would be submitted, holding its pages, before the first was written.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extract.harvest import Page
from extract.sources import load_sources
from flows.blogosphere import serve
from flows.nightly import OpinionModels, TransformFuture, run_nightly, transform_task
from flows.settings import load_settings
from transform.process import Failure, ProcessedPost

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

LAG_S = 0.3  # per batch: far longer than loopback fetching takes per host
LIMIT = 2


@task(cache_policy=NO_CACHE, task_run_name="slow-transform-{label}")
def _slow_transform(
    label: str, pages: list[Page], model_dir: Path, opinions: OpinionModels | None
) -> tuple[list[ProcessedPost], list[Failure]]:
    time.sleep(LAG_S)
    return transform_task.fn(label, pages, model_dir, opinions)  # type: ignore[no-any-return]


def test_harvesting_waits_while_too_many_batches_are_unwritten(tmp_path: Path) -> None:
    submitted: list[TransformFuture] = []
    unfinished_at_submit: list[int] = []

    def submit(label: str, pages: list[Page], model_dir: Path, opinions: OpinionModels | None) -> TransformFuture:
        unfinished_at_submit.append(sum(1 for f in submitted if not f.state.is_final()))
        future: TransformFuture = _slow_transform.submit(label, pages, model_dir, opinions)
        submitted.append(future)
        return future

    with serve("127.0.0.1") as sphere:
        sources_file = tmp_path / "sources.yaml"
        sources_file.write_text(sphere.sources_yaml(), encoding="utf-8")
        settings = load_settings(
            None,
            db_path=tmp_path / "w.duckdb",
            allow_private=[sphere.host],
            host_delay_s=0.0,
            batch_size=2,
            max_batches_in_flight=LIMIT,
        )

        @flow(name="nightly-backpressure")
        def night() -> dict[str, Any]:
            return run_nightly(settings, load_sources(sources_file), transform=submit)

        summary = night()

    assert len(submitted) >= 3 * LIMIT, "too few batches for the bound to matter"
    # Before each submission at most LIMIT - 1 earlier batches are unwritten, so with it at most LIMIT.
    assert max(unfinished_at_submit) <= LIMIT - 1, unfinished_at_submit
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        stored = con.execute("SELECT count(*) FROM posts").fetchone()
    finally:
        con.close()
    assert stored is not None and stored[0] == summary["posts"]["new"] > 0
