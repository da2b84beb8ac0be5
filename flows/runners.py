"""Where the nightly flow's transform batches run: the flow's own threads, or a Dask cluster.

``settings.task_runner`` picks it when the flow starts. With ``"dask"`` the batches go to a
prefect-dask ``DaskTaskRunner``: the scheduler at ``settings.dask_address``, or, without an
address, a ``LocalCluster`` of ``settings.dask_workers`` single-threaded worker processes that
listens on 127.0.0.1 only and has no dashboard. Harvesting stays on the flow's thread pool
(its WARC archive is one open file in the flow process, and it is I/O-bound), and the DuckDB
writes stay in the flow itself (DuckDB allows one writing process); see docs/operations.md,
"Scale-out on Dask".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import urlsplit

from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import TaskRunner

from extract.errors import ConfigError
from extract.harvest import Page
from flows.settings import Settings

LOOPBACK = "127.0.0.1"
# Dask warns about every task whose pickled arguments pass 10 MB. A batch carries its pages' HTML
# on purpose (real blog pages average ~250 KB: ~60 MB for 250 pages), so warn only far above that.
LARGE_BATCH = "1GiB"


def local_cluster_kwargs(settings: Settings) -> dict[str, Any]:
    """``distributed.LocalCluster`` arguments for a run without ``dask_address``."""
    return {
        "n_workers": settings.dask_workers,
        # The transform is CPU-bound Python: a second thread per process would only wait for the GIL.
        "threads_per_worker": 1,
        "processes": True,
        # Scheduler, workers and nannies listen on loopback only; nothing is reachable from outside.
        "host": LOOPBACK,
        # No dashboard (it needs bokeh). The scheduler still serves its small HTTP status API
        # (health, metrics); on a free loopback port, not the fixed 8787 another cluster may hold.
        "dashboard_address": None,
        "scheduler_kwargs": {"dashboard_address": f"{LOOPBACK}:0"},
        "worker_dashboard_address": None,
    }


def dask_task_runner(settings: Settings) -> TaskRunner[Any]:
    """The ``DaskTaskRunner`` the settings name (not started: entering it connects, or starts the cluster)."""
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=local_cluster_kwargs(settings))


def _is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or "localhost"; any other host name is taken to be another machine."""
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _workers_on_this_machine(settings: Settings) -> bool:
    """True for the flow's own LocalCluster and for a scheduler on a loopback address."""
    address = settings.dask_address
    return address is None or _is_loopback(urlsplit(address if "://" in address else f"tcp://{address}").hostname)


def _api_url_for_workers(settings: Settings) -> str | None:
    """The Prefect API URL to hand the Dask workers, when the flow's settings do not name one.

    Workers receive the flow's Prefect settings with each task. A flow run without
    ``PREFECT_API_URL`` talks to a temporary API that this process started on 127.0.0.1; without
    its URL in the settings, every worker process would start a temporary API of its own. Workers
    on other machines cannot reach this machine's loopback at all: they need a real server.
    """
    local = _workers_on_this_machine(settings)
    configured = PREFECT_API_URL.value()
    if configured:
        if not local and _is_loopback(urlsplit(configured).hostname):
            raise ConfigError(
                f"dask_address: PREFECT_API_URL {configured} is a loopback address, which Dask workers "
                "on other machines cannot reach; use the server's network address"
            )
        return None
    if not local:
        raise ConfigError(
            "dask_address: Dask workers on other machines need a Prefect server they can reach; "
            "set PREFECT_API_URL (this run uses a temporary API on 127.0.0.1)"
        )
    context = FlowRunContext.get()
    if context is None:
        raise RuntimeError("the transform runner is chosen inside a flow run")
    return str(context.client.api_url)


def _page_token(page: Page) -> tuple[str, ...]:
    """What Dask hashes for a page when it names a task: the page's identity, not its HTML.

    Dask names every submitted task by hashing its arguments; over a batch's full HTML that took
    1.9 s per 150 real pages here, for a name that each task run's own id makes unique anyway.
    """
    return ("slant.Page", page.source_id, page.url, page.fetched_at.isoformat(), page.body_sha256)


@contextmanager
def transform_runner(settings: Settings) -> Iterator[TaskRunner[Any] | None]:
    """The task runner for transform batches, started; ``None`` means the flow's own runner.

    The Dask cluster (or the connection to it) lives as long as the ``with`` block; a
    LocalCluster starts on the first batch, so a night with nothing new never starts one.
    """
    if settings.task_runner == "threads":
        yield None
        return
    import dask
    from dask.tokenize import normalize_token

    normalize_token.register(Page, _page_token)
    with ExitStack() as stack:
        url = _api_url_for_workers(settings)
        if url is not None:
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: url}))
        stack.enter_context(dask.config.set({"distributed.admin.large-graph-warning-threshold": LARGE_BATCH}))
        yield stack.enter_context(dask_task_runner(settings))
