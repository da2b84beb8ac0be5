"""How long the report of a 10,000-post warehouse takes to draw in headless Chromium, and how big it is.

Builds the synthetic warehouse (bench/synthetic.py) in a temporary folder, renders it with
``slant report``'s own code, then opens it ``--runs`` times, each in a fresh Chromium (new
user-data directory, no network), and measures from ``Page.navigate`` to the page's own mark
that every chart is drawn. Reported per run: that wall time, the page's clock (navigation start
to drawn), when Plotly's script had finished evaluating, and the renderer processes' CPU time
(which, unlike wall time, is barely moved by other work on the machine). The load average is
printed too: on a shared 2-core machine wall times grow with it.

Fails (exit 1) when the HTML is 10 MB or more, when the median time to drawn is 5 s or more,
or when any run logs a console error, makes a request off the file, or leaves a chart undrawn.

Run: ``make bench-report`` (or ``python -m bench.report [--posts N] [--runs N] [--keep DIR]``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.synthetic import build
from flows.report.build import write_report
from tests.chromium import find_chromium, visit

MAX_BYTES = 10 * 1024 * 1024  # the limit: under 10 MB
MAX_READY_MS = 5000.0  # the limit: drawn in under 5 s


@dataclass(frozen=True)
class Load:
    """One page load in a fresh Chromium."""

    wall_ms: float  # Page.navigate sent -> every chart drawn
    page_ms: float  # the page's clock: navigation start -> every chart drawn
    plotly_evaluated_ms: float | None  # the page's clock when Plotly's script had run
    renderer_cpu_ms: float | None
    charts: int
    drawn: int
    console_errors: int
    remote_requests: int
    ready: str | None
    load_average: float

    @property
    def clean(self) -> bool:
        return (
            not self.console_errors and not self.remote_requests and self.drawn == self.charts == int(self.ready or -1)
        )


@dataclass(frozen=True)
class Bench:
    posts: int
    build_s: float
    render_s: float
    html_bytes: int
    charts: int
    loads: tuple[Load, ...]

    @property
    def median_wall_ms(self) -> float:
        return statistics.median(v.wall_ms for v in self.loads)

    def problems(self) -> list[str]:
        found = []
        if self.html_bytes >= MAX_BYTES:
            found.append(f"HTML is {self.html_bytes} bytes, limit {MAX_BYTES}")
        if self.median_wall_ms >= MAX_READY_MS:
            found.append(f"median time to drawn {self.median_wall_ms:.0f} ms, limit {MAX_READY_MS:.0f} ms")
        found += [f"a page load was not clean: {v}" for v in self.loads if not v.clean]
        return found


def measure(folder: Path, posts: int, runs: int) -> Bench:
    """Build, render and load the report of a ``posts``-post warehouse in ``folder``."""
    db = folder / "bench.duckdb"
    started = time.monotonic()
    build(db, posts=posts)
    built_s = time.monotonic() - started
    info = write_report(db, folder / "bench.report.html")
    loads = []
    for n in range(runs):
        page = visit(Path(info.path), folder / f"bench-{n}.png", timeout_s=120)
        loads.append(
            Load(
                wall_ms=round(page.wall_ms),
                page_ms=round(page.ready_ms),
                plotly_evaluated_ms=page.timing.get("scriptStart"),
                renderer_cpu_ms=page.timing.get("rendererCpu"),
                charts=len(page.charts),
                drawn=page.drawn,
                console_errors=len(page.console_errors),
                remote_requests=len(page.remote_requests),
                ready=page.ready,
                load_average=round(os.getloadavg()[0], 1),
            )
        )
    return Bench(posts, round(built_s, 2), info.seconds, info.bytes, info.charts, tuple(loads))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="page loads, each in a fresh Chromium (default 3)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the database, report and screenshots here")
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print("bench.report: chromium is not installed (make bench-report installs it)", file=sys.stderr)
        return 2
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = measure(args.keep, args.posts, args.runs)
    else:
        with tempfile.TemporaryDirectory(prefix="slant-bench-report-") as tmp:
            result = measure(Path(tmp), args.posts, args.runs)
    print(
        f"{result.posts:,} posts: warehouse built in {result.build_s} s, report rendered in {result.render_s} s, "
        f"{result.html_bytes / 1_000_000:.2f} MB, {result.charts} charts ({os.cpu_count()} cores)"
    )
    for n, v in enumerate(result.loads, start=1):
        print(
            f"  load {n}: drawn in {v.wall_ms:.0f} ms (page clock {v.page_ms:.0f} ms; Plotly evaluated at "
            f"{v.plotly_evaluated_ms} ms; renderer CPU {v.renderer_cpu_ms} ms), {v.drawn}/{v.charts} charts drawn, "
            f"{v.console_errors} console errors, {v.remote_requests} remote requests, load average {v.load_average}"
        )
    print(f"median time to drawn: {result.median_wall_ms:.0f} ms (limit {MAX_READY_MS:.0f})")
    print(json.dumps({**asdict(result), "median_wall_ms": result.median_wall_ms}))
    for problem in result.problems():
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if result.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
