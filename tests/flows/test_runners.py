"""Choosing where transform batches run, from the settings (no cluster started here)."""

from __future__ import annotations

import pytest

from extract.errors import ConfigError
from flows.runners import LOOPBACK, _api_url_for_workers, dask_task_runner, local_cluster_kwargs
from flows.settings import load_settings


def test_the_default_runner_is_the_flows_own_threads() -> None:
    settings = load_settings()
    assert settings.task_runner == "threads" and settings.dask_address is None


def test_an_unknown_runner_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="task_runner"):
        load_settings(task_runner="ray")


def test_the_local_cluster_has_single_threaded_workers_on_loopback_and_no_dashboard() -> None:
    kwargs = local_cluster_kwargs(load_settings(dask_workers=3))
    assert kwargs["n_workers"] == 3 and kwargs["threads_per_worker"] == 1 and kwargs["processes"]
    assert kwargs["host"] == LOOPBACK
    assert kwargs["dashboard_address"] is None and kwargs["worker_dashboard_address"] is None
    assert kwargs["scheduler_kwargs"]["dashboard_address"] == f"{LOOPBACK}:0"


def test_an_address_connects_to_that_scheduler_and_none_starts_a_local_cluster() -> None:
    remote = dask_task_runner(load_settings(task_runner="dask", dask_address="tcp://10.0.0.5:8786"))
    assert remote.address == "tcp://10.0.0.5:8786"  # type: ignore[attr-defined]
    local = dask_task_runner(load_settings(task_runner="dask", dask_workers=2))
    assert local.address is None  # type: ignore[attr-defined]
    assert local.cluster_kwargs == local_cluster_kwargs(load_settings(dask_workers=2))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("address", "api_url", "error"),
    [
        ("tcp://10.0.0.5:8786", None, "need a Prefect server"),
        ("10.0.0.5:8786", "http://127.0.0.1:4200/api", "loopback address"),
        ("tcp://dask-scheduler:8786", "http://localhost:4200/api", "loopback address"),
        ("tcp://10.0.0.5:8786", "http://10.0.0.5:4200/api", None),
        ("tcp://127.0.0.1:8786", "http://127.0.0.1:4200/api", None),
    ],
)
def test_remote_workers_need_a_prefect_server_they_can_reach(
    address: str, api_url: str | None, error: str | None
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    settings = load_settings(task_runner="dask", dask_address=address)
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        if error:
            with pytest.raises(ConfigError, match=error):
                _api_url_for_workers(settings)
        else:
            assert _api_url_for_workers(settings) is None  # the configured URL travels with the tasks
