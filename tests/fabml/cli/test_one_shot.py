"""`fabml plan` defers garbage collection while the program runs, and only then."""

from __future__ import annotations

import gc

import pytest

from fabml.cli._one_shot import collection_deferred


def test_the_collector_waits_inside_and_is_back_after() -> None:
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with collection_deferred():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen  # what the plan left is not walked again


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with collection_deferred():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_back_after_a_failure() -> None:
    with pytest.raises(ValueError, match="the program failed"), collection_deferred():
        raise ValueError("the program failed")
    assert gc.isenabled()
