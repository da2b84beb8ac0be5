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

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import TaskRunner

from extract.errors import ConfigError
from flows.settings import Settings

LOOPBACK = "127.0.0.1"


def local_cluster_kwargs(settings: Settings) -> dict[str, Any]:
    """``distributed.LocalCluster`` arguments for a run without ``dask_address``."""
    return {
        "n_workers": settings.dask_workers,
        # The transform is CPU-bound Python: a second thread per process would only wait for the GIL.
        "threads_per_worker": 1,
        "processes": True,
        # Scheduler, workers and nannies listen on loopback only; nothing is reachable from outside.
        "host": LOOPBACK,
        # No dashboard: it needs bokeh, and it would be one more listening port.
        "dashboard_address": None,
        "worker_dashboard_address": None,
    }


def dask_task_runner(settings: Settings) -> TaskRunner[Any]:
    """The ``DaskTaskRunner`` the settings name (not started: entering it connects, or starts the cluster)."""
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=local_cluster_kwargs(settings))


def _api_url_for_workers(remote: bool) -> str | None:
    """The Prefect API URL the Dask workers must use, when the flow's settings do not name one.

    A flow run without ``PREFECT_API_URL`` talks to a temporary API that this process started
    on 127.0.0.1. Dask workers receive the flow's Prefect settings with each task; without a URL
    in them, every worker process would start a temporary API of its own. So the URL is put in
    the settings the tasks carry. Workers on other machines cannot reach this machine's loopback:
    they need a real server.
    """
    if PREFECT_API_URL.value():
        return None
    context = FlowRunContext.get()
    if context is None:
        raise RuntimeError("the transform runner is chosen inside a flow run")
    if remote:
        raise ConfigError(
            "dask_address: Dask workers on other machines need a Prefect server they can reach; "
            "set PREFECT_API_URL (this run uses a temporary API on 127.0.0.1)"
        )
    return str(context.client.api_url)


@contextmanager
def transform_runner(settings: Settings) -> Iterator[TaskRunner[Any] | None]:
    """The task runner for transform batches, started; ``None`` means the flow's own runner.

    The Dask cluster (or the connection to it) lives as long as the ``with`` block; a
    LocalCluster starts on the first batch, so a night with nothing new never starts one.
    """
    if settings.task_runner == "threads":
        yield None
        return
    with ExitStack() as stack:
        url = _api_url_for_workers(remote=settings.dask_address is not None)
        if url is not None:
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: url}))
        yield stack.enter_context(dask_task_runner(settings))
