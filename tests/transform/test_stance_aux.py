"""The auxiliary claim-sentiment model of ``StanceModel`` (Bar-Haim et al. 2017's pipeline, IBM rows only).

Trained when the training rows carry ``claim_sentiment`` annotations, absent otherwise (NewsMTSC, the
project's JSONL), recorded in the model card, and kept by a save / load round trip. Lean install only:
synthetic claims, no embeddings.
"""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pytest

from tests.conftest import need_shared
from transform.evaluation import stance as EV
from transform.stance.model import CARD_FILE, MODEL_FILE, StanceExample, StanceModel
from transform.stance.train import DEFAULT_EXAMPLES, ibm_context, read_ibm, read_jsonl

GOOD = ["helps families", "protects children", "saves lives", "creates jobs", "improves health", "is fair"]
BAD = ["harms families", "endangers children", "costs lives", "destroys jobs", "damages health", "is unjust"]
TOPICS = ["boxing", "nuclear power", "school uniforms", "tariffs", "rent control"]


def _claims(n_per_topic: int = 12) -> list[StanceExample]:
    """Claims about five targets; every third one is contrastive (targets_relation -1, stance flipped)."""
    out = []
    for t, target in enumerate(TOPICS):
        for i in range(n_per_topic):
            sentiment = 1 if i % 2 == 0 else -1
            relation = -1 if i % 3 == 0 else 1
            phrase = (GOOD if sentiment > 0 else BAD)[(i + t) % len(GOOD)]
            subject = "the alternative" if relation < 0 else "the policy"
            stance = "favor" if sentiment * relation > 0 else "against"
            ctx = ibm_context(f"Claim {t}-{i}: {subject} {phrase} in the long run", target)
            out.append(StanceExample(ctx, stance, f"topic:{t}", claim_sentiment=sentiment, targets_relation=relation))
    return out


@pytest.fixture(scope="module")
def claims() -> list[StanceExample]:
    return _claims()


@pytest.fixture(scope="module")
def generic() -> list[StanceExample]:
    return read_jsonl(DEFAULT_EXAMPLES)[:200]


def test_annotated_rows_train_the_claim_sentiment_model(claims: list[StanceExample]) -> None:
    model = StanceModel().fit(claims)
    assert model.has_aux and model.aux_mode == "blend"
    assert model.aux_relation_model is None  # off by default: at chance from the claim alone
    assert model.aux_rows == {"sentiment": len(claims), "relation": 0}
    p = model.predict_proba([e.context for e in claims])
    assert np.allclose(p.sum(axis=1), 1.0) and np.all(p[:, 2] == 0)  # no "neither" for claims
    assert StanceModel(aux_relation=True).fit(claims).aux_relation_model is not None


def test_blend_mixes_the_lr_with_the_auxiliary_model(claims: list[StanceExample]) -> None:
    contexts = [e.context for e in claims]
    plain = StanceModel(aux_mode="off").fit(claims).predict_proba(contexts)
    mixed_model = StanceModel(aux_blend=0.5).fit(claims)
    favor = (1.0 + mixed_model._aux_score(mixed_model._inputs(contexts))) / 2.0
    expected = 0.5 * plain[:, 0] + 0.5 * favor
    assert np.allclose(mixed_model.predict_proba(contexts)[:, 0], expected)
    assert np.allclose(StanceModel(aux_blend=1.0).fit(claims).predict_proba(contexts), plain)


@pytest.mark.parametrize("mode", ["feature", "stack"])
def test_cross_fitted_modes_train_and_predict(claims: list[StanceExample], mode: str) -> None:
    model = StanceModel(aux_mode=mode, aux_relation=True).fit(claims)
    assert model.has_aux and (model.stack_lr is not None) == (mode == "stack")
    assert len(model.predict([e.context for e in claims[:5]])) == 5


def test_generic_rows_train_no_auxiliary_model_and_predict_as_before(
    generic: list[StanceExample], tmp_path: Path
) -> None:
    model = StanceModel().fit(generic)
    assert not model.has_aux and model.stack_lr is None
    contexts = [e.context for e in generic[:50]]
    assert np.allclose(model.predict_proba(contexts), StanceModel(aux_mode="off").fit(generic).predict_proba(contexts))
    card = json.loads((model.save(tmp_path / "m") / CARD_FILE).read_text())
    assert card["auxiliary"] is False


def test_too_few_annotations_or_one_group_train_none(claims: list[StanceExample]) -> None:
    few = [e if i < 10 else StanceExample(e.context, e.label, e.group) for i, e in enumerate(claims)]
    assert not StanceModel().fit(few).has_aux
    one_group = [StanceExample(e.context, e.label, "g", e.claim_sentiment, e.targets_relation) for e in claims]
    assert not StanceModel(aux_mode="feature").fit(one_group).has_aux  # nothing to cross-fit over


def test_save_load_round_trip_keeps_the_auxiliary_model(claims: list[StanceExample], tmp_path: Path) -> None:
    model = StanceModel().fit(claims)
    out = model.save(tmp_path / "m")
    card = json.loads((out / CARD_FILE).read_text())
    assert card["auxiliary"]["models"] == ["claim_sentiment"]
    assert card["auxiliary"]["mode"] == "blend" and card["auxiliary"]["training_rows"]["sentiment"] == len(claims)
    loaded = StanceModel.load(out)
    assert loaded.has_aux
    contexts = [e.context for e in claims]
    assert np.allclose(loaded.predict_proba(contexts), model.predict_proba(contexts))


def test_a_model_saved_without_auxiliary_state_still_loads(generic: list[StanceExample], tmp_path: Path) -> None:
    model = StanceModel().fit(generic)
    out = model.save(tmp_path / "old")
    state = joblib.load(out / MODEL_FILE)
    for key in [k for k in state if k.startswith("aux_") or k == "stack_lr"]:
        del state[key]
    joblib.dump(state, out / MODEL_FILE)
    loaded = StanceModel.load(out)
    contexts = [e.context for e in generic[:20]]
    assert not loaded.has_aux
    assert np.allclose(loaded.predict_proba(contexts), model.predict_proba(contexts))


def test_read_ibm_carries_the_annotations_and_prediction_reads_only_text() -> None:
    need_shared(EV.IBM)
    rows = read_ibm(EV.IBM, splits=("train",))
    assert {e.claim_sentiment for e in rows} == {-1, 0, 1}  # 0: IBM leaves ~6% blank
    assert {e.targets_relation for e in rows} == {-1, 0, 1}
    annotated = [e for e in rows if e.claim_sentiment and e.targets_relation]
    agree = sum((e.label == "favor") == (e.claim_sentiment * e.targets_relation > 0) for e in annotated)
    assert agree >= 0.98 * len(annotated)  # stance toward the target = sentiment x relation (5 rows disagree)
    # predict_proba takes MentionContext only: the claim and the target's text, never the annotations
    model = StanceModel().fit(rows)
    assert model.has_aux
    assert model.predict_proba([ibm_context("Boxing builds discipline", "boxing")]).shape == (1, 3)
