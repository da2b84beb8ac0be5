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


def test_batches_fill_up_across_sources_and_keep_the_rest_for_the_next_host() -> None:
    from datetime import UTC, datetime

    from extract.harvest import Page
    from flows.nightly import _full_batches

    def pages(source: str, n: int) -> list[Page]:
        now = datetime.now(UTC)
        return [
            Page(source, f"https://{source}/{i}", f"https://{source}/{i}", "<p>x</p>", "0", now, None) for i in range(n)
        ]

    full, rest = _full_batches(pages("a", 3), 4)
    assert full == [] and [p.url for p in rest] == [f"https://a/{i}" for i in range(3)]
    full, rest = _full_batches(rest + pages("b", 6), 4)
    assert [[p.source_id for p in batch] for batch in full] == [["a", "a", "a", "b"], ["b"] * 4]
    assert [p.url for p in rest] == ["https://b/5"]
