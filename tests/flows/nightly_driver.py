"""Run one nightly flow in this process and print its progress events as JSON lines.

Used by the crash-safety and concurrency tests, which start it as a subprocess, watch the
events (``source``: a site harvested; ``batch``: a batch committed) and the sample servers'
request logs, and SIGKILL it at a chosen point. Usage::

    python -m tests.flows.nightly_driver SOURCES DB OVERRIDES_JSON
"""

from __future__ import annotations

import json
import logging
import sys


class _Lines(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "slant_event", None)
        if event is not None:
            sys.stdout.write(json.dumps(event, default=str) + "\n")
            sys.stdout.flush()


def main() -> int:
    sources, db, overrides = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    logger = logging.getLogger("slant.progress")
    logger.setLevel(logging.INFO)
    logger.addHandler(_Lines())
    from flows.nightly import nightly

    summary = nightly(sources, db, None, overrides)
    sys.stdout.write(json.dumps({"event": "done", "status": summary["status"]}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
