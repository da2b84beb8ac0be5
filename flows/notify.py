"""Tell someone how the night went: a JSON POST to the webhook in the settings.

The payload is the run's headline numbers plus every flagged source (see
``warehouse.health``). A webhook that is down or slow never fails the run: the outcome is
returned and logged, and the same summary is in ``runs.stats`` and the Prefect artifacts.
For Prefect-native alerting, an automation on the flow run's ``Failed`` state does the same
(docs/operations.md).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import requests

WEBHOOK_TIMEOUT_S = 10.0  # a notification must not hold up the end of the run for long

log = logging.getLogger("slant.notify")


def notify(url: str | None, summary: dict[str, Any]) -> str:
    """POST ``summary`` to ``url``; ``"sent"``, ``"skipped"`` (no URL) or what went wrong."""
    if not url:
        return "skipped"
    try:
        response = requests.post(
            url,
            data=json.dumps(summary, default=str, sort_keys=True),
            headers={"Content-Type": "application/json", "User-Agent": "slant-notify"},
            timeout=WEBHOOK_TIMEOUT_S,
        )
    except requests.RequestException as exc:
        log.warning("webhook %s failed: %s", url, exc)
        return f"failed: {type(exc).__name__}: {exc}"
    if response.status_code >= 300:
        log.warning("webhook %s answered %s", url, response.status_code)
        return f"failed: HTTP {response.status_code}"
    return "sent"
