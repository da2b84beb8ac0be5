"""Dask's cost per Prefect task against the transform's cost per post: the reasoning behind ``batch_size``.

Measures, on this machine, with the nightly flow's own code:

* the transform's cost per post: ``process_batch`` with the default loaded-language model over
  the real blog pages in ``../shared/corpora/blog-pages`` (in this process, after a warm-up);
* the overhead of one Prefect task on the Dask ``LocalCluster`` the flow starts for
  ``task_runner = "dask"`` (two single-threaded workers on 127.0.0.1): an empty task submitted
  and awaited one at a time (latency), and many at once (worker-seconds per task), beside the
  same empty task on the flow's thread pool;
* one real transform batch on Dask against the same batch in this process, which adds the cost
  of shipping the pages to a worker and the rows back;
* the cluster's start (up to the first finished task: worker imports and model load) and stop.

Every flow run uses Prefect's temporary local API, as ``slant nightly`` does. Numbers vary with
the machine's load; run it when the machine is quiet. Run: ``make bench-dask`` (or
``python -m bench.dask_overhead``).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import pickle
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from flows.prefect_env import configure

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # one line per task run otherwise
configure()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import wait  # noqa: E402

from extract.harvest import Page  # noqa: E402
from flows.nightly import labeller_for  # noqa: E402
from flows.runners import transform_runner  # noqa: E402
from flows.settings import load_settings  # noqa: E402
from transform.labelling import load_labeller  # noqa: E402
from transform.process import ProcessedPost, process_batch  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "blog-pages"


def corpus_pages(corpus: Path = CORPUS) -> list[Page]:
    """Every page of the shared blog-pages corpus, as the harvest would hand it to the transform."""
    pages = []
    now = datetime.now(UTC)
    for line in (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        html = gzip.decompress((corpus / entry["path"]).read_bytes()).decode("utf-8", errors="replace")
        sha = hashlib.sha256(html.encode("utf-8")).hexdigest()
        pages.append(Page("bench", entry["url"], entry["url"], html, sha, now, None))
    return pages


def per_post_cost(pages: list[Page], model_dir: Path, rounds: int) -> dict[str, float]:
    """Seconds per post of ``transform_task``'s work in this process (median over ``rounds``)."""
    labeller = labeller_for(load_settings(loaded_model=model_dir))
    process_batch(pages[:5], labeller)  # warm-up: lazy imports and caches
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        process_batch(pages, labeller)
        walls.append((time.perf_counter() - wall) / len(pages))
        cpus.append((time.process_time() - cpu) / len(pages))
    return {"wall_s_per_post": statistics.median(walls), "cpu_s_per_post": statistics.median(cpus)}


@task(cache_policy=NO_CACHE)
def empty_task() -> None:
    """A task with no work: what is left is Prefect's and the runner's cost."""


@task(cache_policy=NO_CACHE, task_run_name="transform-{label}")
def timed_transform(label: str, pages: list[Page], model_dir: Path) -> tuple[list[ProcessedPost], float]:
    """``transform_task``'s work and payloads, plus the seconds the work itself took where it ran."""
    started = time.perf_counter()
    posts, _failures = process_batch(pages, load_labeller(model_dir, model_dir.parent))
    return posts, time.perf_counter() - started


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds so far of this process, the Prefect API it started and every other child (Dask workers)."""
    me = psutil.Process()
    out = {"flow": sum(me.cpu_times()[:2]), "api": 0.0, "workers": 0.0}
    for child in me.children(recursive=True):
        try:
            kind = "api" if "uvicorn" in " ".join(child.cmdline()) else "workers"
            out[kind] += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return out


def _cpu_per_task(before: dict[str, float], tasks: int) -> dict[str, float]:
    after = _cpu_seconds()
    return {f"cpu_s_per_task_{k}": (after[k] - before[k]) / tasks for k in before}


@flow(name="bench-dask-overhead")
def overhead_flow(runner_name: str, tasks: int, corpus: str, model_dir: str, workers: int) -> dict[str, Any]:
    """Time empty tasks and one transform batch on the runner ``runner_name`` ("threads" or "dask").

    The pages are read here, not passed in: flow parameters are stored by the Prefect API.
    """
    pages = corpus_pages(Path(corpus))
    settings = load_settings(task_runner=runner_name, dask_workers=workers)
    out: dict[str, Any] = {"runner": runner_name}
    entered = time.perf_counter()
    with transform_runner(settings) as runner:

        def submit(t: Any, parameters: dict[str, Any]) -> Any:
            return t.submit(**parameters) if runner is None else runner.submit(t, parameters)

        # Start-up: the cluster, then one task per worker (imports, first API client).
        wait([submit(empty_task, {}) for _ in range(workers)])
        out["start_to_first_tasks_s"] = time.perf_counter() - entered
        one_by_one = []
        for _ in range(tasks):
            started = time.perf_counter()
            submit(empty_task, {}).result()
            one_by_one.append(time.perf_counter() - started)
        out["task_latency_s_median"] = statistics.median(one_by_one)
        out["task_latency_s_max"] = max(one_by_one)
        started, cpu = time.perf_counter(), _cpu_seconds()
        wait([submit(empty_task, {}) for _ in range(tasks)])
        # Wall time of a task when every worker is busy; the thread pool shares one GIL, so it counts once.
        slots = workers if runner is not None else 1
        out["wall_s_per_task_in_parallel"] = (time.perf_counter() - started) * slots / tasks
        out.update(_cpu_per_task(cpu, tasks))
        if pages:
            parameters = {"label": "bench", "pages": pages, "model_dir": Path(model_dir)}
            wait([submit(timed_transform, parameters) for _ in range(workers)])  # every worker loads the model
            overheads, works = [], []
            for _ in range(3):
                started = time.perf_counter()
                posts, work = submit(timed_transform, parameters).result()
                overheads.append(time.perf_counter() - started - work)
                works.append(work)
            out["batch_pages"] = len(pages)
            out["batch_work_s_median"] = statistics.median(works)
            out["batch_overhead_s_median"] = statistics.median(overheads)
            out["batch_pickled_mb"] = len(pickle.dumps(pages)) / 1e6
            out["result_pickled_mb"] = len(pickle.dumps(posts)) / 1e6
        closing = time.perf_counter()
    out["stop_s"] = time.perf_counter() - closing
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, default=20, help="empty tasks per measurement (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="in-process rounds over the corpus (default 3)")
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        parser.error(f"{CORPUS} not found: the ../shared corpora are needed")
    pages = corpus_pages()
    settings = load_settings()
    model_dir = labeller_for(settings).path
    cost = per_post_cost(pages, model_dir, args.rounds)
    print(json.dumps({"pages": len(pages), **cost}, indent=1), flush=True)
    results = {}
    for name in ("threads", "dask"):
        results[name] = overhead_flow(name, args.tasks, str(CORPUS), str(model_dir), args.workers)
        print(json.dumps(results[name], indent=1), flush=True)
    dask = results["dask"]
    per_post = dask["batch_work_s_median"] / dask["batch_pages"]
    per_task = max(dask["wall_s_per_task_in_parallel"], dask["batch_overhead_s_median"])
    # Overhead under 5 % of a batch: overhead / (n * per_post) < 0.05, so n > 20 * overhead / per_post.
    summary = {
        "dask_overhead_s_per_task": round(per_task, 3),
        "transform_s_per_post_on_worker": round(per_post, 4),
        "min_batch_for_5_percent": int(20 * per_task / per_post) + 1,
    }
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
