"""The nightly flow with its transform batches on a two-worker Dask LocalCluster stores the same rows.

Two real nights over the sample blogosphere on loopback: one on the default thread runner into
database A, one with ``task_runner = "dask"`` into database B, on a LocalCluster built from the
flow's own cluster settings (two single-threaded worker processes on 127.0.0.1), reached through
``dask_address`` as a production scheduler would be. Then every content row is compared.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.blogosphere import Blogosphere, serve
from flows.runners import LOOPBACK, local_cluster_kwargs
from flows.settings import load_settings

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

# Small batches, so the 34 sample posts make four tasks and both workers get some.
BATCH = 10

# Content tables, each without the columns that name the run or the time it ran.
COMPARED: dict[str, frozenset[str]] = {
    "posts": frozenset({"first_seen_run", "last_seen_run", "deleted_at"}),
    "sentences": frozenset(),
    "loaded_spans": frozenset(),
    "post_scores": frozenset({"scored_at"}),
    "quotes": frozenset(),
}


def _night(sphere: Blogosphere, tmp: Path, **overrides: Any) -> dict[str, Any]:
    from flows.nightly import nightly

    tmp.mkdir()
    sources = tmp / "sources.yaml"
    sources.write_text(sphere.sources_yaml(), encoding="utf-8")
    settings = {"allow_private": [sphere.host], "host_delay_s": 0.0, "batch_size": BATCH, **overrides}
    return nightly(str(sources), str(tmp / "w.duckdb"), None, settings)  # type: ignore[no-any-return]


def _rows(db: Path, table: str, excluded: frozenset[str]) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = [
            name
            for (name,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
            if name not in excluded
        ]
        return con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def _model_loads() -> tuple[int, int]:
    """On a worker: (models loaded, labeller look-ups), i.e. misses and calls of the per-process cache."""
    from transform.labelling import _load

    info = _load.cache_info()
    return info.misses, info.hits + info.misses


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(**local_cluster_kwargs(load_settings(dask_workers=2))) as local, Client(local) as client:
        client.wait_for_workers(2)
        yield local, client


@pytest.fixture(scope="module")
def two_runners(tmp_path_factory: pytest.TempPathFactory, cluster: Any) -> dict[str, Any]:
    local, client = cluster
    tmp = tmp_path_factory.mktemp("runners")
    with serve("127.0.0.1") as sphere:
        threads = _night(sphere, tmp / "a")
        dask = _night(sphere, tmp / "b", task_runner="dask", dask_address=local.scheduler_address)
    return {"tmp": tmp, "threads": threads, "dask": dask, "loads": client.run(_model_loads), "cluster": local}


def test_both_nights_complete_with_every_post(two_runners: dict[str, Any]) -> None:
    threads, dask = two_runners["threads"], two_runners["dask"]
    assert threads["status"] == dask["status"] == "completed"
    assert threads["posts"] == dask["posts"]
    assert dask["posts"]["new"] >= 30 and dask["posts"]["extraction_failures"] == 0


def test_dask_night_stores_the_same_rows_as_the_thread_night(two_runners: dict[str, Any]) -> None:
    a, b = two_runners["tmp"] / "a" / "w.duckdb", two_runners["tmp"] / "b" / "w.duckdb"
    for table, excluded in COMPARED.items():
        rows = _rows(a, table, excluded)
        assert rows, table
        assert _rows(b, table, excluded) == rows, table


def test_every_batch_ran_on_a_worker_that_loaded_the_model_once(two_runners: dict[str, Any]) -> None:
    loads = two_runners["loads"]
    assert len(loads) == 2
    # Every batch (each calls load_labeller once) ran on a worker, none in the flow process.
    assert sum(calls for _, calls in loads.values()) == math.ceil(two_runners["dask"]["posts"]["new"] / BATCH)
    assert all(loaded == (1 if calls else 0) for loaded, calls in loads.values())


def test_the_cluster_listens_on_loopback_only(two_runners: dict[str, Any]) -> None:
    local = two_runners["cluster"]
    addresses = [local.scheduler_address, *local.scheduler_info["workers"]]
    assert all(address.startswith(f"tcp://{LOOPBACK}:") for address in addresses), addresses
