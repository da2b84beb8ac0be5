"""Pinned floor for claim stance on unseen topics (``make eval-stance`` row (b), ~10 s on 2 cores).

Rows (a) NewsMTSC, (c) AllSides and (d) hyperpartisan take from half a minute to many minutes; their
floors (``transform/evaluation/floors.json``) are enforced by ``make eval-stance`` (``--check``), so
the suite stays fast. Skipped without ../shared.
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
    with threadpool_limits(1):
        return E.evaluate(("b",))


def test_claim_stance_on_unseen_topics_holds_its_floor_and_beats_tfidf(results: dict) -> None:  # type: ignore[type-arg]
    b = results["b"]
    assert b["model"]["macro_f1"] >= FLOORS["stance"]["b_macro_f1"], b
    assert b["model"]["macro_f1"] > b["baseline"]["macro_f1"]
    assert b["model"]["per_class"]["favor"] > 0.5  # favor is reported on its own, and not sacrificed
    assert not E.below_floors(results, FLOORS["stance"])
