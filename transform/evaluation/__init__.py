"""Offline quality evaluations of the pipeline's steps against shared corpora.

Each evaluation is a module runnable with ``python -m transform.evaluation.<name>``; the floors
that CI holds them to are pinned in ``floors.json`` beside this file, keyed by evaluation name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FLOORS_PATH = Path(__file__).with_name("floors.json")


def load_floor(name: str, path: Path = FLOORS_PATH) -> dict[str, Any]:
    """The pinned floor entry ``name`` of ``floors.json`` (raises ``KeyError`` when it is absent)."""
    floors: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return floors[name]
