"""``slant demo``: the nightly flow against the project's own sample blogosphere, offline.

The sample blogs are served on 127.0.0.1 for the length of the run, and the settings allow
exactly that host, nothing broader. Their pages are byte-identical from run to run, so a second
demo is answered with 304s and reports nothing new.
"""

from __future__ import annotations

import json
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console

from extract.errors import ConfigError
from flows.blogosphere import serve
from warehouse.examples import EXAMPLE_QUERIES

# Our own loopback server needs no courtesy delay; 50 ms keeps the politeness code path exercised.
DEMO_HOST_DELAY_S = 0.05


def _ports_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".sample-ports.json")


def _saved_ports(db_path: Path) -> dict[str, int] | None:
    """The ports an earlier demo served on: same ports, same URLs, so nothing is new."""
    path = _ports_file(db_path)
    if not path.exists() or not db_path.exists():
        return None
    try:
        return {str(k): int(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: unreadable sample-port file ({exc}); delete it to pick new ports") from exc


def run_demo(db_path: Path, console: Console) -> int:
    """Serve the sample blogs, run nightly into ``db_path``, print the summary and example queries."""
    from flows.cli import print_result, print_summary, run_flow
    from flows.progress import RichProgress
    from warehouse.query import run_query

    ports = _saved_ports(db_path)
    stack = ExitStack()
    try:
        sphere = stack.enter_context(serve("127.0.0.1", ports=ports))
    except OSError as exc:
        raise ConfigError(
            f"cannot serve the sample blogs on their earlier ports {ports} ({exc.strerror}); the demo reuses "
            f"them so a re-run sees the same URLs. Free them, or delete {_ports_file(db_path)} and {db_path}."
        ) from exc
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _ports_file(db_path).write_text(json.dumps(dict(sphere.ports), indent=1), encoding="utf-8")
    with stack, tempfile.TemporaryDirectory(prefix="slant-demo-") as tmp:
        sources_file = Path(tmp) / "sample-sources.yaml"
        sources_file.write_text(sphere.sources_yaml(), encoding="utf-8")
        console.print(f"Sample blogosphere: {len(sphere.sites)} blogs, {sphere.post_count()} posts on {sphere.host}")
        with RichProgress(console):
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
