"""Offline-safe Prefect defaults, applied before ``prefect`` is first imported.

Telemetry and the server's analytics heartbeat try to reach the internet; the ephemeral
server's 20 s start-up limit is too short on a loaded 2-core machine (see docs/operations.md).
Values already in the environment win.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def configure() -> None:
    """Set the offline defaults in ``os.environ`` unless already set."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
