"""Pipeline benchmark: ratios against baselines measured in the same run, at N = 1,000 and 10,000 posts.

For each N a generated blogosphere (``bench.corpus``) is served on 127.0.0.1, one port per blog,
and measured by ``bench.phases`` in two fresh processes: first the stage timings and the flow body
without Prefect, then the ``nightly`` Prefect flow twice (so the flow's peak RSS is its own).

| ratio | subject / baseline | target |
|---|---|---|
| ``process_over_extraction`` | posts/s through process + load / pages/s of bare trafilatura | >= 0.5 |
| ``load_over_bare_arrow`` | rows/s of ``load_posts`` / rows/s of a bare DuckDB Arrow insert | >= 0.5 |
| ``rss_largest_over_smallest`` | the flow's peak RSS at the largest N / at the smallest | <= 1.5 |
| ``rerun_over_first`` | wall time of a no-change second night / the first night | <= 0.2 |
| ``prefect_over_plain`` | wall time of the flow / its stages called as plain functions | <= 1.2 |

Run: ``make bench`` (or ``python -m bench.pipeline``); ``--sizes`` picks other N. Results go to
``bench/results.md`` with the date and the machine's core count.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import phases
from bench.chrome import dressed_routes
from bench.corpus import POSTS_PER_BLOG, generate
from bench.results import render
from flows.blogosphere import serve

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results.md"
SIZES = (1000, 10000)  # the two corpus sizes
# Phases per process, in order: the flow body without Prefect runs right before the flow, so the
# two runs of the Prefect-overhead ratio meet the most similar machine; the flow gets a fresh heap.
GROUPS: tuple[tuple[str, ...], ...] = (("profile", "stages", "plain"), ("flow",))

TARGETS: dict[str, tuple[str, float]] = {
    "process_over_extraction": (">=", 0.5),
    "load_over_bare_arrow": (">=", 0.5),
    "rss_largest_over_smallest": ("<=", 1.5),
    "rerun_over_first": ("<=", 0.2),
    "prefect_over_plain": ("<=", 1.2),
}

# Ratios reported for reference, without a target.
REFERENCE = ("process_cpu_over_extraction", "prefect_cpu_over_plain")


def _child_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLANT_")}  # a developer's settings stay out
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # no per-task log lines on the terminal
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.update(extra)
    return env


def run_group(
    group: Sequence[str], sources: Path, workdir: Path, host: str, *, isolate: bool, env: Mapping[str, str]
) -> dict[str, Any]:
    """Run ``group``'s phases in a fresh interpreter (``isolate``) or in this one; their figures."""
    out = workdir / f"{'-'.join(group)}.json"
    argv = [*group, "--sources", str(sources), "--workdir", str(workdir), "--host", host, "--out", str(out)]
    if isolate:
        # cwd is the work directory so that no slant.toml of the checkout applies.
        done = subprocess.run([sys.executable, "-m", "bench.phases", *argv], cwd=workdir, env=_child_env(env))
        if done.returncode != 0:
            raise RuntimeError(f"bench.phases {' '.join(group)} failed with exit code {done.returncode}")
    else:
        phases.main(argv)
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def measure_size(
    n: int, workdir: Path, *, per_blog: int, isolate: bool, env: Mapping[str, str], profile: bool
) -> dict[str, Any]:
    """Every phase at one corpus size; the figures and the machine's load around them."""
    started = time.perf_counter()
    load_before = _load_average()
    corpus = generate(n, per_blog=per_blog)
    generated_s = time.perf_counter() - started
    here = workdir / str(n)
    here.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {}
    with serve("127.0.0.1", blogs=corpus.blogs, build=dressed_routes) as sphere:
        rendered_s = time.perf_counter() - started - generated_s
        sources = here / "sources.yaml"
        sources.write_text(sphere.sources_yaml(), encoding="utf-8")
        for group in GROUPS:
            wanted = tuple(p for p in group if profile or p != "profile")
            figures.update(run_group(wanted, sources, here, sphere.host, isolate=isolate, env=env))
        requests = len(sphere.request_log)
    words = [p.word_count for b in corpus.blogs for p in b.posts]
    return {
        "n": n,
        "blogs": len(corpus.blogs),
        "platforms": {
            p: sum(1 for b in corpus.blogs if b.platform == p) for p in sorted({b.platform for b in corpus.blogs})
        },
        "mean_words": sum(words) / len(words),
        "min_words": min(words),
        "max_words": max(words),
        "generate_s": generated_s,
        "render_s": rendered_s,
        "requests_served": requests,
        "load_average_before": load_before,
        "load_average_after": _load_average(),
        "wall_s": time.perf_counter() - started,
        **figures,
    }


def check(size: Mapping[str, Any]) -> None:
    """Refuse figures from runs that did not do the whole job (a benchmark of a broken run means nothing)."""
    n = size["n"]
    night1, night2, plain, stages = size["flow"]["night1"], size["flow"]["night2"], size["plain"], size["stages"]["all"]
    problems = []
    for name, run in (("flow night 1", night1), ("plain run", plain)):
        if run["status"] != "completed" or run["posts"]["new"] != n or run["posts"]["extraction_failures"]:
            problems.append(f"{name}: {run['status']}, {run['posts']}")
    if night2["posts"]["new"] or night2["posts"]["updated"]:
        problems.append(f"flow night 2 found changes in an unchanged blogosphere: {night2['posts']}")
    if stages["posts"] != n or stages["failures"]:
        problems.append(f"stages: {stages['posts']} posts, {stages['failures']} failures")
    if problems:
        raise RuntimeError(f"N={n}: " + "; ".join(problems))


def ratios(sizes: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """Every ratio, per N where it has one; the RSS ratio across the largest and smallest N."""
    per_size = [key for key in TARGETS if key != "rss_largest_over_smallest"]
    out: dict[str, Any] = {key: {} for key in [*per_size, *REFERENCE]}
    for n, size in sizes.items():
        stages, flow = size["stages"]["all"], size["flow"]
        ours_rate = stages["posts"] / (stages["process_s"] + stages["load_s"])
        extract_rate = stages["pages"] / stages["extract_s"]
        out["process_over_extraction"][n] = ours_rate / extract_rate
        out["load_over_bare_arrow"][n] = stages["bare_load_s"] / stages["load_s"]
        out["rerun_over_first"][n] = flow["night2"]["wall_s"] / flow["night1"]["wall_s"]
        out["prefect_over_plain"][n] = flow["night1"]["wall_s"] / size["plain"]["wall_s"]
        # For reference (no target): CPU, which the other jobs on a shared machine disturb less than
        # wall time. The flow's side counts the Prefect API server's CPU too.
        night1 = flow["night1"]
        out["prefect_cpu_over_plain"][n] = (night1["cpu_s"] + night1["server_cpu_s"]) / size["plain"]["cpu_s"]
        out["process_cpu_over_extraction"][n] = stages["extract_cpu_s"] / stages["process_cpu_s"]
    smallest, largest = min(sizes), max(sizes)
    out["rss_largest_over_smallest"] = (
        sizes[largest]["flow"]["night1"]["peak_rss_mb"] / sizes[smallest]["flow"]["night1"]["peak_rss_mb"]
    )
    return out


def meets(key: str, value: float) -> bool:
    sign, target = TARGETS[key]
    return value >= target if sign == ">=" else value <= target


def run_bench(
    sizes: Sequence[int] = SIZES,
    workdir: Path | None = None,
    *,
    per_blog: int = POSTS_PER_BLOG,
    isolate: bool = True,
    env: Mapping[str, str] | None = None,
    profile: bool = True,
) -> dict[str, Any]:
    """Measure every size (smallest first) and compute the ratios; ``isolate=False`` runs in-process."""
    if len(sizes) < 2:
        raise ValueError("the RSS ratio needs at least two sizes")
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="slant-bench-")) if workdir is None else workdir
    try:
        measured: dict[int, dict[str, Any]] = {}
        for n in sorted(sizes):
            measured[n] = measure_size(
                n, scratch, per_blog=per_blog, isolate=isolate, env=env or {}, profile=profile and n == min(sizes)
            )
            check(measured[n])
    finally:
        if workdir is None:
            shutil.rmtree(scratch, ignore_errors=True)
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "cores": os.cpu_count(),
        "per_blog": per_blog,
        "overrides": phases.bench_overrides("127.0.0.1"),
        "isolated": isolate,
        "sizes": measured,
        "ratios": ratios(measured),
        "wall_s": time.perf_counter() - started,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (markdown); a .json beside it")
    parser.add_argument("--workdir", type=Path, help="keep the warehouses and archives here (default: a temp dir)")
    args = parser.parse_args(argv)
    result = run_bench(args.sizes, args.workdir)
    text = render(result, TARGETS, meets)
    args.out.write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
