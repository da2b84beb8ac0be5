"""Pinned floors for stance and leaning (``make eval-stance`` rows (b) and (d), ~35 s on 2 cores).

Rows (a) NewsMTSC and (c) AllSides take minutes; their floors are enforced by
``make eval-stance`` (``--check``). Skipped without ../shared.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from tests.conftest import need_shared
from transform.evaluation import stance as E

FLOORS = json.loads((Path(__file__).resolve().parents[2] / "transform" / "evaluation" / "floors.json").read_text())


@pytest.fixture(scope="module")
def results() -> dict:  # type: ignore[type-arg]
    need_shared(E.IBM)
    need_shared(E.HYPERPARTISAN)
    with threadpool_limits(1):
        return E.evaluate(("b", "d"))


def test_claim_stance_on_unseen_topics_holds_its_floor_and_beats_tfidf(results: dict) -> None:  # type: ignore[type-arg]
    b = results["b"]
    assert b["model"]["macro_f1"] >= FLOORS["stance"]["b_macro_f1"], b
    assert b["model"]["macro_f1"] > b["baseline"]["macro_f1"]
    assert b["model"]["per_class"]["favor"] > 0.5  # favor is reported on its own, and not sacrificed


def test_hyperpartisan_on_unseen_publishers_holds_its_floor_and_beats_tfidf(results: dict) -> None:  # type: ignore[type-arg]
    d = results["d"]
    assert d["model"]["macro_f1"] >= FLOORS["stance"]["d_macro_f1"], d
    assert d["model"]["macro_f1"] > d["baseline"]["macro_f1"]
    assert not E.below_floors(results, FLOORS["stance"])
