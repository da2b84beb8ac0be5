"""Live progress of a nightly run in the terminal, fed by log records.

The flow emits ``slant.progress`` log records carrying a ``slant_event`` dict; the command line
attaches ``RichProgress`` to that logger. Logging keeps the flow free of any terminal code: under
a Prefect worker nobody listens and the records cost nothing.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

LOGGER = logging.getLogger("slant.progress")


def emit(event: str, **fields: Any) -> None:
    """Publish one progress event (``start``, ``source`` or ``batch``)."""
    LOGGER.info(event, extra={"slant_event": {"event": event, **fields}})


class RichProgress(logging.Handler):
    """A rich progress bar of sources done, with running totals of posts, bytes and errors."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.progress = Progress(
            TextColumn("[bold]nightly[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "sources · {task.fields[posts]} posts · {task.fields[mb]:.1f} MB · {task.fields[errors]} errors"
            ),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task("sources", total=None, posts=0, mb=0.0, errors=0)
        self.totals = {"posts": 0, "bytes": 0, "errors": 0}

    def emit(self, record: logging.LogRecord) -> None:
        event: dict[str, Any] | None = getattr(record, "slant_event", None)
        if not event:
            return
        kind = event["event"]
        if kind == "start":
            self.progress.update(self.task, total=event["sources"])
        elif kind == "source":
            self.totals["bytes"] += event.get("bytes", 0)
            self.totals["errors"] += event.get("errors", 0)
            self.progress.advance(self.task)
        elif kind == "batch":
            self.totals["posts"] += event.get("posts", 0)
            self.totals["errors"] += event.get("failures", 0)
        self.progress.update(
            self.task, posts=self.totals["posts"], mb=self.totals["bytes"] / 1e6, errors=self.totals["errors"]
        )

    def __enter__(self) -> RichProgress:
        LOGGER.setLevel(logging.INFO)
        LOGGER.addHandler(self)
        self.progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()
        LOGGER.removeHandler(self)
