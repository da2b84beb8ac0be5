"""The garbage-collector setting of the CPU-bound transform stages (see ``cyclic_gc_paused``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for the duration of one batch.

    A batch allocates ~10^5 small containers (tokens, sentences, spans, parse trees) that reference
    counting frees; the cyclic collector still walks the growing heap again and again while they are
    made: ~30% of labelling time on the bench corpus. Nothing a batch keeps needs it, and any
    cycles it leaves (lxml, trafilatura) are collected as soon as it resumes. Threads: the first
    batch to pause it resumes it, so an overlapping batch at worst runs with the collector on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
