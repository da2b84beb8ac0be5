"""``bench/results.md``: the pipeline benchmark's ratios, the figures behind them and the profile."""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping
from importlib.metadata import version
from typing import Any

RATIO_NAMES = {
    "process_over_extraction": "process throughput (clean + segment + classify + load) / bare trafilatura",
    "load_over_bare_arrow": "DuckDB load rate of `load_posts` / bare DuckDB Arrow insert of the same rows",
    "rss_largest_over_smallest": "peak RSS of the flow at the largest N / at the smallest N",
    "rerun_over_first": "wall time of a no-change second night / the first night",
    "prefect_over_plain": "wall time of the Prefect flow / the same stages as plain functions",
    "process_cpu_over_extraction": "(reference) the same in CPU time, process without load",
    "prefect_cpu_over_plain": "(reference) CPU of the flow process + Prefect's API server / of the plain run",
}
SOURCES = {"page": "fetched post pages", "feed": "bodies from the feed", "api": "bodies from the API"}


def _n(value: int) -> str:
    return f"{value:,}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _versions() -> str:
    names = ("prefect", "duckdb", "trafilatura", "scikit-learn", "pyarrow")
    return ", ".join([f"Python {platform.python_version()}", *(f"{n} {version(n)}" for n in names)])


def _size_rows(s: Mapping[str, Any]) -> dict[str, str]:
    """One column of the figures table: the figures of one corpus size, formatted."""
    stages, plain, flow = s["stages"]["all"], s["plain"], s["flow"]
    night1, night2 = flow["night1"], flow["night2"]
    platforms = ", ".join(f"{v} {k}" for k, v in s["platforms"].items())
    ours_rate = stages["posts"] / (stages["process_s"] + stages["load_s"])
    return {
        "blogs (one loopback port each)": f"{s['blogs']} ({platforms})",
        "words per post: mean (min-max)": f"{s['mean_words']:.0f} ({s['min_words']}-{s['max_words']})",
        "generate / render the corpus": f"{s['generate_s']:.1f} s / {s['render_s']:.1f} s",
        "load average (1 min) before / after": f"{s['load_average_before'][0]:.1f} / {s['load_average_after'][0]:.1f}",
        "**stages**: batches": f"{stages['batches']}",
        "bare trafilatura: pages in wall (CPU)": f"{stages['pages']:,} in {stages['extract_s']:.1f} s "
        f"({stages['extract_cpu_s']:.1f} s)",
        "process: posts in wall (CPU)": f"{stages['posts']:,} in {stages['process_s']:.1f} s "
        f"({stages['process_cpu_s']:.1f} s)",
        "load_posts: rows in wall": f"{stages['rows']:,} in {stages['load_s']:.2f} s",
        "bare Arrow insert of the same rows: wall": f"{stages['bare_load_s']:.2f} s",
        "posts/s: process + load / bare trafilatura": f"{ours_rate:.1f} / {stages['pages'] / stages['extract_s']:.1f}",
        "rows/s: load_posts / bare insert": f"{stages['rows'] / stages['load_s']:,.0f} / "
        f"{stages['rows'] / stages['bare_load_s']:,.0f}",
        "**plain**: wall (CPU of the process)": f"{plain['wall_s']:.1f} s ({plain['cpu_s']:.1f} s)",
        "**flow**: Prefect API start-up (in no ratio)": f"{flow['api_start_s']:.1f} s",
        "night 1: wall (CPU of the process), requests": f"{night1['wall_s']:.1f} s ({night1['cpu_s']:.1f} s), "
        f"{night1['requests']:,}",
        "night 2: wall (CPU of the process), requests (304s)": f"{night2['wall_s']:.1f} s ({night2['cpu_s']:.1f} s), "
        f"{night2['requests']:,} ({night2['not_modified']:,})",
        "Prefect API server CPU during night 1 / night 2": f"{night1['server_cpu_s']:.1f} s / "
        f"{night2['server_cpu_s']:.1f} s",
        "peak RSS: night 1 / night 2": f"{night1['peak_rss_mb']:.0f} / {night2['peak_rss_mb']:.0f} MB",
        "RSS of a phase process after imports": f"{s['process_start_rss_mb']:.0f} MB",
        "wall time of this size, all phases": f"{s['wall_s'] / 60:.1f} min",
    }


def _figures(sizes: Mapping[int, Mapping[str, Any]]) -> list[str]:
    ns = sorted(sizes)
    columns = [_size_rows(sizes[n]) for n in ns]
    return _table(["figure", *(f"N={_n(n)}" for n in ns)], [[k, *(c[k] for c in columns)] for k in columns[0]])


def _by_source(sizes: Mapping[int, Mapping[str, Any]]) -> list[str]:
    rows = []
    for n in sorted(sizes):
        for kind, t in sizes[n]["stages"]["by_source"].items():
            process_rate = t["posts"] / (t["process_s"] + t["load_s"])
            extract_rate = t["pages"] / t["extract_s"]
            rows.append(
                [
                    _n(n),
                    SOURCES.get(kind, kind),
                    f"{t['posts']:,}",
                    f"{1000 * t['extract_s'] / t['pages']:.1f} ms",
                    f"{1000 * t['process_s'] / t['posts']:.1f} ms",
                    f"{1000 * t['load_s'] / t['posts']:.1f} ms",
                    f"{process_rate / extract_rate:.3f}",
                ]
            )
    header = ["N", "posts from", "posts", "trafilatura / page", "process / post", "load / post", "ratio"]
    return ["", "Process over extraction by where the body came from (wall time):", "", *_table(header, rows)]


def _profile(sizes: Mapping[int, Mapping[str, Any]]) -> list[str]:
    n = min(sizes)
    profile = sizes[n].get("profile")
    if not profile:
        return []
    lines = [
        "",
        f"## Where one batch's time goes (cProfile, N={_n(n)})",
        "",
        "Cumulative seconds under the profiler (which inflates Python-heavy code), "
        "first batch of one blog per platform:",
        "",
    ]
    platforms = sorted(profile)
    rows = []
    for stage in next(iter(profile.values()))["stages_s"]:
        cells = []
        for p in platforms:
            seconds = profile[p]["stages_s"][stage]
            cells.append(f"{seconds:.2f} s ({seconds / profile[p]['total_s']:.0%})")
        rows.append([stage, *cells])
    rows.append(["total", *(f"{profile[p]['total_s']:.2f} s, {profile[p]['pages']} posts" for p in platforms)])
    lines += _table(["stage", *platforms], rows)
    for p in platforms:
        lines += ["", f"Costliest functions by own time ({p}):", ""]
        top = profile[p]["top_tottime"][:10]
        lines += _table(
            ["function", "calls", "own time"],
            [[f"`{t['function']}`", f"{t['calls']:,}", f"{t['tottime_s']:.2f} s"] for t in top],
        )
    return lines


Targets = Mapping[str, tuple[str, float]]
Meets = Callable[[str, float], bool]


def _ratio_rows(ratios: Mapping[str, Any], ns: list[int], targets: Targets, meets: Meets) -> list[list[str]]:
    rows = []
    for key, name in RATIO_NAMES.items():
        value = ratios[key]
        if isinstance(value, dict):
            cells = [f"{value[n]:.3f}" for n in ns]
            values = list(value.values())
        else:
            cells = [f"{value:.3f} ({_n(ns[-1])} / {_n(ns[0])})", *([""] * (len(ns) - 1))]
            values = [value]
        if key in targets:
            sign, target = targets[key]
            verdict = "met" if all(meets(key, v) for v in values) else "**missed**"
            rows.append([name, *cells, f"{sign} {target}", verdict])
        else:
            rows.append([name, *cells, "", ""])
    return rows


def render(result: Mapping[str, Any], targets: Targets, meets: Meets) -> str:
    """The whole results file."""
    sizes: Mapping[int, Mapping[str, Any]] = result["sizes"]
    ns = sorted(sizes)
    ratio_rows = _ratio_rows(result["ratios"], ns, targets, meets)
    lines = [
        "# Pipeline benchmark",
        "",
        f"Measured {result['date']} on a {result['cores']}-core machine by `make bench` (`bench/pipeline.py`), "
        f"{result['wall_s'] / 60:.1f} min in all. {_versions()}.",
        "Every figure is a ratio against a baseline measured in the same run on the same pages; "
        "the machine is shared, so absolute times are noisy (load averages below). "
        "How to read them: `docs/operations.md`, section *Benchmarks*.",
        "",
        "## Ratios",
        "",
        *_table(["ratio", *(f"N={_n(n)}" for n in ns), "target", ""], ratio_rows),
        "",
        "## Set-up",
        "",
        f"- Corpus: `bench/corpus.py`, seeded; {result['per_blog']} posts per blog, each blog on its own "
        "127.0.0.1 port (served by `flows.blogosphere` in the benchmark's parent process), three in four "
        "hand-rolled sites whose post pages are fetched (Atom feed of the newest five, sitemap of all), one in "
        "four WordPress blogs whose RSS carries full bodies (cleaned from the feed). Pages carry site chrome of "
        "real blog pages' weight (`bench/chrome.py`).",
        f"- Settings overrides of every run: `{result['overrides']}`: no politeness interval (`bench.crawl` "
        "measures politeness), only the loopback host allowed, and every stored post revalidated on night 2 "
        "whatever the date. Everything else default (`batch_size` 200, archive on, default loaded-language model).",
        "- `stages` runs batch by batch in one thread: bare `trafilatura.extract(include_comments=False)` and "
        "`process_batch` back to back (order swapped every batch), then `load_posts` into one warehouse file and "
        "the same rows as Arrow into another.",
        "- `plain` runs the flow's body (`nightly.fn`) with its tasks as plain functions on a thread pool of the "
        "flow's size (`bench/plain.py`), right before `flow` runs the `nightly` flow twice in a fresh process "
        "(peak RSS from `VmHWM`, reset between nights), after a trivial flow that starts Prefect's ephemeral API.",
        "",
        "## Figures",
        "",
        *_figures(sizes),
        *_by_source(sizes),
        *_profile(sizes),
        "",
    ]
    return "\n".join(lines)
