"""The nightly flow's own body with Prefect taken out: the baseline of the Prefect-overhead ratio.

``plain_stages()`` swaps, for the duration of a ``with`` block, every Prefect task in
``flows.nightly`` for a plain function submitted to a ``concurrent.futures`` thread pool of the
flow's own size (what ``ThreadPoolTaskRunner`` does, minus task runs, states and the API),
Prefect's ``as_completed`` for the standard library's, and the two artifact calls for nothing.
``nightly.fn`` (the undecorated flow function) then runs ``run_nightly`` line for line as the
flow does: the same harvests, batches, cleaning, labelling and DuckDB writes, in the same order.

Tasks are found by type, not by name, so a task the flow gains later is swapped too; any other
Prefect name the module uses that is not known to be inert fails the benchmark (``PREFECT_INERT``)
rather than quietly timing Prefect on both sides.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prefect import Task

from flows import nightly

# Prefect names whose calls only talk to the API (artifacts): nothing to run without it.
_API_ONLY = ("create_table_artifact", "create_markdown_artifact")
# Prefect names flows.nightly may hold that do nothing when its tasks are not Prefect's: the
# decorators (already applied), the flow itself (its .fn is what runs), options and type hints.
# ``Failed`` only builds the state of a run refused for a held database; ``TaskRunner``,
# ``TransformFuture`` and ``HarvestFuture`` are type hints.
PREFECT_INERT = frozenset(
    {
        "flow",
        "task",
        "NO_CACHE",
        "ThreadPoolTaskRunner",
        "exponential_backoff",
        "PrefectFuture",
        "Failed",
        "TaskRunner",
        "TransformFuture",
        "HarvestFuture",
    }
)


class _Done:
    """The one part of a Prefect state the flow reads from a future: whether it is final."""

    def __init__(self, inner: concurrent.futures.Future[Any]) -> None:
        self.inner = inner

    def is_final(self) -> bool:
        return self.inner.done()


class PlainFuture:
    """A ``concurrent.futures`` future with the ``result()`` and ``state`` the flow uses."""

    def __init__(self, inner: concurrent.futures.Future[Any]) -> None:
        self.inner = inner

    @property
    def state(self) -> _Done:
        return _Done(self.inner)

    def result(self, timeout: float | None = None) -> Any:
        return self.inner.result(timeout)

    def wait(self, timeout: float | None = None) -> None:
        concurrent.futures.wait([self.inner], timeout)


def _as_completed(futures: list[PlainFuture]) -> Iterator[PlainFuture]:
    by_inner = {f.inner: f for f in futures}
    for done in concurrent.futures.as_completed(by_inner):
        yield by_inner[done]


class PlainTask:
    """A task's function with the ``submit`` / call interface the flow uses, on a thread pool."""

    def __init__(self, fn: Callable[..., Any], pool: concurrent.futures.ThreadPoolExecutor) -> None:
        self.fn = fn
        self.pool = pool

    def submit(self, *args: Any, **kwargs: Any) -> PlainFuture:
        return PlainFuture(self.pool.submit(self.fn, *args, **kwargs))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


def flow_workers() -> int:
    """How many threads the nightly flow's task runner uses (so the baseline uses as many)."""
    workers = getattr(nightly.nightly.task_runner, "_max_workers", None)
    if not isinstance(workers, int):
        raise RuntimeError("cannot read the nightly flow's ThreadPoolTaskRunner size; update bench/plain.py")
    return workers


def _no_artifact(*args: Any, **kwargs: Any) -> None:
    return None


def _refuse_unknown_prefect(swaps: dict[str, Any]) -> None:
    """Fail if ``flows.nightly`` uses a Prefect name this module neither swaps nor knows to be inert."""
    unknown = sorted(
        name
        for name, value in vars(nightly).items()
        if str(getattr(value, "__module__", "") or "").startswith("prefect")
        and name not in swaps
        and name not in PREFECT_INERT
    )
    if unknown:
        raise RuntimeError(f"flows.nightly uses Prefect's {unknown}: teach bench/plain.py to run them without Prefect")


@contextmanager
def plain_stages() -> Iterator[None]:
    """Inside the block, ``nightly.nightly.fn(...)`` runs the flow's stages without Prefect."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=flow_workers(), thread_name_prefix="plain") as pool:
        swaps: dict[str, Any] = {
            name: PlainTask(value.fn, pool) for name, value in vars(nightly).items() if isinstance(value, Task)
        }
        swaps["as_completed"] = _as_completed
        swaps.update({name: _no_artifact for name in _API_ONLY if hasattr(nightly, name)})
        _refuse_unknown_prefect(swaps)
        saved = {name: getattr(nightly, name) for name in swaps}
        try:
            for name, value in swaps.items():
                setattr(nightly, name, value)
            yield
        finally:
            for name, value in saved.items():
                setattr(nightly, name, value)
