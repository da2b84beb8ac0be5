"""What ``/proc`` says about this process: its peak memory, and the CPU its child processes used.

``VmHWM`` (the high-water mark of resident memory) rather than ``ru_maxrss``: ``ru_maxrss``
survives ``exec`` and would count the parent's pages a forked child started with (see
``tests/extract/test_crawl_memory.py``). Writing ``5`` to ``/proc/self/clear_refs`` sets
``VmHWM`` back to the current RSS (Linux 4.0+), so each phase reports its own peak. Children's
CPU is how the Prefect API server's work is counted: the ephemeral server is a child process.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")


def _status_kb(name: str) -> int:
    for line in (_PROC / "self" / "status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {name} line")


def peak_mb() -> float:
    """The highest resident set size since start-up or the last ``reset_peak()``, in MiB."""
    return _status_kb("VmHWM") / 1024


def current_mb() -> float:
    """The resident set size now, in MiB."""
    return _status_kb("VmRSS") / 1024


def reset_peak() -> None:
    """Make ``peak_mb()`` start again from the current RSS."""
    (_PROC / "self" / "clear_refs").write_text("5")


def _stat(pid: str) -> list[str] | None:
    try:
        text = (_PROC / pid / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # the fields after the parenthesised command name


def children() -> list[int]:
    """Process ids of this process's living children."""
    me = str(os.getpid())
    found = []
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields is not None and fields[1] == me:  # fields[1] is the parent's pid
                found.append(int(entry.name))
    return found


def children_cpu_s() -> float:
    """User plus system CPU seconds used so far by this process's living children."""
    total = 0
    for pid in children():
        fields = _stat(str(pid))
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / _TICKS
