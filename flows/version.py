"""The code version recorded on every run: package version plus git commit when known."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

from flows import __version__


@lru_cache(maxsize=1)
def code_version() -> str:
    """``0.1.0+g1a2b3c4`` inside a git checkout (``.dirty`` if modified), else ``0.1.0``."""
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}+g{sha}{'.dirty' if dirty else ''}" if sha else __version__
