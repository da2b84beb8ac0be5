"""The measured phases of the pipeline benchmark, run against blogs already served on loopback.

``python -m bench.phases PHASE… --sources FILE --workdir DIR --out FILE.json`` runs the named
phases in order in one process and writes their figures as JSON. ``bench.pipeline`` starts one
such process per group of phases, so each group has its own heap and its own peak RSS:

- ``flow``: the ``nightly`` Prefect flow, twice on one warehouse (the second night finds
  nothing new), after a trivial flow run that starts Prefect's API (timed apart);
- ``plain``: the same flow body with the tasks run as plain functions (``bench.plain``);
- ``stages``: per-batch timings of process and load against their baselines (``bench.stages``);
- ``profile``: where one batch's time goes (cProfile), for the report.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flows.prefect_env import configure

configure()

from bench import proc  # noqa: E402
from extract.sources import load_sources  # noqa: E402
from flows.settings import Settings, load_settings  # noqa: E402
from transform.labelling import load_labeller  # noqa: E402

PHASES = ("stages", "profile", "plain", "flow")


def bench_overrides(host: str) -> dict[str, Any]:
    """Settings of every benchmarked run: no politeness wait, the loopback host allowed, all else default.

    ``host_delay_s`` 0 so the crawl is not bounded by the 1 s courtesy interval (``bench.crawl``
    measures that); ``revalidate_days`` covers the corpus' fixed 2026 dates, so the second night
    re-requests every stored post conditionally, whatever day the benchmark runs (the worst case
    of a no-change night).
    """
    return {"allow_private": [host], "host_delay_s": 0.0, "revalidate_days": 36500}


def _settings(overrides: dict[str, Any], db: Path) -> Settings:
    return load_settings(None, **overrides, db_path=db)


def _night_summary(summary: dict[str, Any]) -> dict[str, Any]:
    keep = ("status", "requests", "not_modified", "bytes", "posts", "errors_by_kind", "seconds")
    return {k: summary[k] for k in keep}


def run_flow(sources_file: Path, workdir: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """Start Prefect's API with a trivial flow, then two nights of the real flow on one warehouse."""
    from prefect import flow

    from flows.nightly import nightly

    @flow(name="bench-warm-up")
    def warm_up() -> int:
        return 1

    started = time.perf_counter()
    warm_up()
    api_start_s = time.perf_counter() - started
    db = workdir / "flow" / "warehouse.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    nights = []
    for _ in range(2):
        proc.reset_peak()
        started, cpu, server_cpu = time.perf_counter(), time.process_time(), proc.children_cpu_s()
        summary = nightly(str(sources_file), str(db), None, overrides)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        nights.append(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "server_cpu_s": proc.children_cpu_s() - server_cpu,  # Prefect's API server, a child process
                "peak_rss_mb": proc.peak_mb(),
                **_night_summary(summary),
            }
        )
    return {"api_start_s": api_start_s, "night1": nights[0], "night2": nights[1]}


def run_plain(sources_file: Path, workdir: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """The flow's body without Prefect (``bench.plain``), first night only, on a fresh warehouse."""
    from bench.plain import plain_stages
    from flows.nightly import nightly

    db = workdir / "plain" / "warehouse.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    proc.reset_peak()
    with plain_stages():
        started, cpu = time.perf_counter(), time.process_time()
        summary = nightly.fn(str(sources_file), str(db), None, overrides)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": proc.peak_mb(), **_night_summary(summary)}


def run_stages(sources_file: Path, workdir: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """Process and load against their baselines, batch by batch (``bench.stages``)."""
    from bench.stages import harvest_batches, measure_stages

    out = workdir / "stages"
    out.mkdir(parents=True, exist_ok=True)
    settings = _settings(overrides, out / "unused.duckdb")
    sources = load_sources(sources_file)
    labeller = load_labeller(settings.loaded_model, settings.models_dir)
    batches = harvest_batches(sources, settings)
    return measure_stages(batches, sources, labeller, out)


def run_profile(sources_file: Path, workdir: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """cProfile of process + load of the first batch of a hand-rolled blog and of a WordPress one."""
    from bench.stages import harvest_batches, profile_batch

    out = workdir / "profile"
    out.mkdir(parents=True, exist_ok=True)
    settings = _settings(overrides, out / "unused.duckdb")
    sources = load_sources(sources_file)
    labeller = load_labeller(settings.loaded_model, settings.models_dir)
    by_platform: dict[str, Any] = {}
    for source in sources:
        if source.platform not in by_platform:
            (batch, *_) = harvest_batches([source], settings)
            by_platform[str(source.platform)] = profile_batch(batch, [source], labeller, out)
    return by_platform


RUNNERS: dict[str, Callable[[Path, Path, dict[str, Any]], dict[str, Any]]] = {
    "flow": run_flow,
    "plain": run_plain,
    "stages": run_stages,
    "profile": run_profile,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phases", nargs="+", choices=PHASES)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    overrides = bench_overrides(args.host)
    results: dict[str, Any] = {"process_start_rss_mb": proc.current_mb()}
    for phase in args.phases:
        results[phase] = RUNNERS[phase](args.sources, args.workdir, overrides)
    args.out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
