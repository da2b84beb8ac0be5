"""The transform pauses the cyclic collector for a batch and always gives it back as it was."""

from __future__ import annotations

import gc

import pytest

from transform.collector import cyclic_gc_paused


def test_the_collector_is_paused_inside_and_resumed_after_even_on_error() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("a batch failed")
    assert gc.isenabled()


def test_a_collector_already_off_is_left_off() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
