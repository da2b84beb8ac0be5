"""``slant demo``: the nightly flow against the project's own sample blogosphere, offline.

The sample blogs are served on 127.0.0.1 for the length of the run, and the settings allow
exactly that host, nothing broader. Their pages are byte-identical from run to run, so a second
demo is answered with 304s and reports nothing new.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rich.console import Console

from flows.blogosphere import serve
from warehouse.examples import EXAMPLE_QUERIES

# Our own loopback server needs no courtesy delay; 50 ms keeps the politeness code path exercised.
DEMO_HOST_DELAY_S = 0.05


def run_demo(db_path: Path, console: Console) -> int:
    """Serve the sample blogs, run nightly into ``db_path``, print the summary and example queries."""
    from flows.cli import print_result, print_summary, run_flow
    from warehouse.query import run_query

    with serve("127.0.0.1") as sphere, tempfile.TemporaryDirectory(prefix="slant-demo-") as tmp:
        sources_file = Path(tmp) / "sample-sources.yaml"
        sources_file.write_text(sphere.sources_yaml(), encoding="utf-8")
        console.print(f"Sample blogosphere: {len(sphere.sites)} blogs, {sphere.post_count()} posts on {sphere.host}")
        summary = run_flow(
            {"db_path": db_path, "allow_private": [sphere.host], "host_delay_s": DEMO_HOST_DELAY_S},
            None,
            sources_file,
        )
    print_summary(summary)
    console.print(f"\nWarehouse: {db_path}\n")
    for title, sql in EXAMPLE_QUERIES:
        result = run_query(db_path, sql)
        console.print(f"[bold]{title}[/bold]\n[dim]{sql}[/dim]")
        print_result(result.columns, result.rows)
    return 0 if summary["status"] == "completed" else 1


def serve_sample(sources_out: Path, day: int, console: Console) -> int:
    """Serve the sample blogs until interrupted, with their sources file at ``sources_out``."""
    with serve("127.0.0.1", day=day) as sphere:
        sources_out.parent.mkdir(parents=True, exist_ok=True)
        sources_out.write_text(sphere.sources_yaml(), encoding="utf-8")
        console.print(f"Serving {len(sphere.sites)} sample blogs; sources file: {sources_out}. Ctrl-C stops.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0
