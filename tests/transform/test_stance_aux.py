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
# The joblib state's keys before the auxiliary model (commit addae9b).
PRE_AUX_SETTINGS = {"task", "feature_version", "c", "use_char", "lexicon_version", "dense_weight", "emb_weight"}
PRE_AUX_STATE = PRE_AUX_SETTINGS | {"embeddings", "encoder_info", "word_vec", "window_vec", "char_vec", "scaler", "lr"}


def _claims(n_per_topic: int = 12) -> list[StanceExample]:
    """Claims about five targets; every third one is contrastive (its subject is not the target: stance flipped)."""
    out = []
    for t, target in enumerate(TOPICS):
        for i in range(n_per_topic):
            sentiment = 1 if i % 2 == 0 else -1
            relation = -1 if i % 3 == 0 else 1
            phrase = (GOOD if sentiment > 0 else BAD)[(i + t) % len(GOOD)]
            subject = "the alternative" if relation < 0 else "the policy"
            stance = "favor" if sentiment * relation > 0 else "against"
            ctx = ibm_context(f"Claim {t}-{i}: {subject} {phrase} in the long run", target)
            out.append(StanceExample(ctx, stance, f"topic:{t}", claim_sentiment=sentiment))
    return out


@pytest.fixture(scope="module")
def claims() -> list[StanceExample]:
    return _claims()


@pytest.fixture(scope="module")
def generic() -> list[StanceExample]:
    return read_jsonl(DEFAULT_EXAMPLES)[:200]


def test_annotated_rows_train_the_claim_sentiment_model(claims: list[StanceExample]) -> None:
    model = StanceModel().fit(claims)
    assert model.has_aux and model.aux_sentiment is not None and model.aux_sentiment.rows == len(claims)
    p = model.predict_proba([e.context for e in claims])
    assert np.allclose(p.sum(axis=1), 1.0) and np.all(p[:, 2] == 0)  # no "neither" for claims
    assert not StanceModel(aux=False).fit(claims).has_aux


def test_blend_mixes_the_lr_with_the_auxiliary_model(claims: list[StanceExample]) -> None:
    contexts = [e.context for e in claims]
    plain = StanceModel(aux=False).fit(claims).predict_proba(contexts)
    mixed_model = StanceModel(aux_blend=0.5).fit(claims)
    favor = mixed_model._aux_favor(mixed_model._inputs(contexts))
    expected = 0.5 * plain[:, 0] + 0.5 * favor
    assert np.allclose(mixed_model.predict_proba(contexts)[:, 0], expected)
    assert np.allclose(StanceModel(aux_blend=1.0).fit(claims).predict_proba(contexts), plain)


def test_generic_rows_train_no_auxiliary_model_and_predict_as_before(
    generic: list[StanceExample], tmp_path: Path
) -> None:
    model = StanceModel().fit(generic)
    assert not model.has_aux
    contexts = [e.context for e in generic[:50]]
    assert np.allclose(model.predict_proba(contexts), StanceModel(aux=False).fit(generic).predict_proba(contexts))
    card = json.loads((model.save(tmp_path / "m") / CARD_FILE).read_text())
    assert card["auxiliary"] is False


def test_too_few_annotations_train_none(claims: list[StanceExample]) -> None:
    few = [e if i < 10 else StanceExample(e.context, e.label, e.group) for i, e in enumerate(claims)]
    assert not StanceModel().fit(few).has_aux


def test_save_load_round_trip_keeps_the_auxiliary_model(claims: list[StanceExample], tmp_path: Path) -> None:
    model = StanceModel().fit(claims)
    out = model.save(tmp_path / "m")
    card = json.loads((out / CARD_FILE).read_text())
    assert card["auxiliary"]["model"] == "claim_sentiment" and card["auxiliary"]["training_rows"] == len(claims)
    loaded = StanceModel.load(out)
    assert loaded.has_aux
    contexts = [e.context for e in claims]
    assert np.allclose(loaded.predict_proba(contexts), model.predict_proba(contexts))


def test_a_model_saved_without_auxiliary_state_still_loads(generic: list[StanceExample], tmp_path: Path) -> None:
    model = StanceModel().fit(generic)
    out = model.save(tmp_path / "old")
    state = joblib.load(out / MODEL_FILE)
    assert set(state) >= PRE_AUX_STATE
    for key in [k for k in state if k not in PRE_AUX_STATE]:  # as saved before the auxiliary model
        del state[key]
    joblib.dump(state, out / MODEL_FILE)
    loaded = StanceModel.load(out)
    contexts = [e.context for e in generic[:20]]
    assert not loaded.has_aux
    assert np.allclose(loaded.predict_proba(contexts), model.predict_proba(contexts))


def test_read_ibm_carries_claim_sentiment_and_prediction_reads_only_text() -> None:
    need_shared(EV.IBM)
    rows = read_ibm(EV.IBM, splits=("train",))
    assert {e.claim_sentiment for e in rows} == {-1, 0, 1}  # 0: IBM leaves ~6% blank
    # predict_proba takes MentionContext only: the claim and the target's text, never the annotations
    model = StanceModel().fit(rows)
    assert model.has_aux
    assert model.predict_proba([ibm_context("Boxing builds discipline", "boxing")]).shape == (1, 3)
