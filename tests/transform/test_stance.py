"""Tests for stance (``transform.stance``): the model, the aggregation rule, and the seed post end to end.

One default stance model (the project's own examples only) is built once per module (~10 s).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flows.settings import DEFAULT_TARGETS
from tests.conftest import SEED_POST_HTML, need_shared
from transform.classify import StanceSetup, classify_lines
from transform.defaults import STANCE_PARAMS, default_stance_model, load_leaning_labeller, load_stance_labeller
from transform.mentions import Mention
from transform.records import extract_lines
from transform.stance import LABELS, StanceModel
from transform.stance.features import MentionContext, masked, window_text
from transform.stance.label import (
    ABSTAIN_CONFIDENCE,
    QUOTED_WEIGHT,
    VOICE_AUTHOR,
    VOICE_QUOTED,
    MentionStance,
    aggregate,
)
from transform.stance.train import motion_polarity, read_jsonl
from transform.targets import load_targets

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return default_stance_model(tmp_path_factory.mktemp("stance-models"))


def test_default_model_card_round_trip_and_probabilities(model_dir: Path) -> None:
    card = json.loads((model_dir / "model_card.json").read_text())
    assert card["task"] == "stance" and card["labels"] == sorted(LABELS)
    assert card["rows"]["total"] >= 500 and len(card["training_data"]["sha256"]) == 64
    assert card["hyperparameters"]["C"] == STANCE_PARAMS["c"]
    model = StanceModel.load(model_dir)
    contexts = [
        MentionContext("Labour deserve credit for a brave and decent housing plan.", 0, 6),
        MentionContext("The Tories have wrecked the economy and lied about it.", 4, 10),
        MentionContext("Labour will publish its candidate list on Monday.", 0, 6),
        MentionContext("Rent caps would hurt tenants.", target_words=("rent",)),
    ]
    p = model.predict_proba(contexts)
    assert p.shape == (4, 3) and np.allclose(p.sum(axis=1), 1.0)
    assert model.predict(contexts)[:3] == ["favor", "against", "neither"]
    assert model.predict_proba([]).shape == (0, 3)


def test_masking_hides_the_target_and_the_window_is_position_prefixed() -> None:
    ctx = MentionContext("Smith praised Jones, and Jones thanked Smith.", 0, 5, others=((14, 19),))
    assert masked(ctx).split()[:3] == ["TGT", "praised", "OTHER"]
    assert window_text(ctx, 2) == "r_praised r_jones"
    assert window_text(MentionContext("No mention here at all.")).startswith("n_no")


def test_project_examples_have_exact_offsets_and_all_three_labels() -> None:
    rows = read_jsonl(str(REPO / "transform" / "training" / "stance" / "examples-*.jsonl"))
    assert len(rows) >= 500 and {r.label for r in rows} == set(LABELS)
    assert all(r.context.has_mention for r in rows)
    assert any(r.context.is_quote for r in rows) and len({r.group for r in rows}) > 40


def test_motion_polarity_reads_whether_a_motion_opposes_its_target() -> None:
    assert motion_polarity("This house would ban boxing", "boxing") == -1
    assert (
        motion_polarity("This house believes that the right to asylum should not be absolute", "the right to asylum")
        == -1
    )
    assert motion_polarity("This house would introduce year round schooling", "year round schooling") == 1


def _ms(sentence: int, voice: str, weight: float, p: tuple[float, float, float]) -> MentionStance:
    return MentionStance(
        Mention("t", sentence, sentence * 10, sentence * 10 + 3, "alias"),
        voice,
        None,
        voice != VOICE_AUTHOR,
        weight,
        *p,
    )


def test_a_quoted_attack_does_not_make_the_author_against() -> None:
    """Author praise outweighs a quoted opponent's attack; the evidence is the author's sentence."""
    stance = aggregate(
        "t", [_ms(1, VOICE_AUTHOR, 1.0, (0.7, 0.2, 0.1)), _ms(2, VOICE_QUOTED, QUOTED_WEIGHT, (0.0, 1.0, 0.0))]
    )
    assert stance.label == "favor" and stance.evidence == (1,) and stance.n_mentions == 2


def test_only_quoted_evidence_abstains_with_low_confidence() -> None:
    stance = aggregate("t", [_ms(1, VOICE_QUOTED, QUOTED_WEIGHT, (0.0, 0.95, 0.05))] * 3)
    assert stance.label == "neither" and stance.abstained and stance.confidence <= ABSTAIN_CONFIDENCE


def test_thin_or_balanced_author_evidence_is_neither() -> None:
    thin = aggregate("t", [_ms(1, VOICE_AUTHOR, 0.5, (0.6, 0.1, 0.3))])
    assert thin.abstained and thin.label == "neither"
    mixed = aggregate("t", [_ms(1, VOICE_AUTHOR, 1.0, (0.8, 0.15, 0.05)), _ms(2, VOICE_AUTHOR, 1.0, (0.15, 0.8, 0.05))])
    assert mixed.label == "neither" and not mixed.abstained and mixed.confidence < 0.6


def test_two_mentions_in_one_sentence_are_one_statement() -> None:
    one = aggregate("t", [_ms(1, VOICE_AUTHOR, 1.0, (0.9, 0.05, 0.05)), _ms(2, VOICE_AUTHOR, 1.0, (0.05, 0.9, 0.05))])
    doubled = aggregate(
        "t",
        [
            _ms(1, VOICE_AUTHOR, 1.0, (0.9, 0.05, 0.05)),
            _ms(1, VOICE_AUTHOR, 1.0, (0.9, 0.05, 0.05)),
            _ms(2, VOICE_AUTHOR, 1.0, (0.05, 0.9, 0.05)),
        ],
    )
    assert one.net == doubled.net and doubled.n_mentions == 3


def test_seed_post_through_extract_and_classify(model_dir: Path, labeller, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``slant extract | slant classify`` with targets Lutfur Rahman, Ken Livingstone and Labour Party.

    Every stance's evidence is the author's own voice, never the Livingstone blockquote (which on
    its own reads as favouring Rahman's supporters); the author's rebuttal right after it is
    evidence about Livingstone.
    """
    html = need_shared(SEED_POST_HTML).read_text(encoding="utf-8")
    line = json.dumps({"id": "seed", "url": "https://example.org/seed", "html": html})
    record = next(extract_lines([line]))
    record["targets"] = ["Lutfur Rahman", "Ken Livingstone", "Labour Party"]
    known = load_targets(DEFAULT_TARGETS)
    setup = StanceSetup(
        stance=load_stance_labeller(model_dir, model_dir.parent),
        leaning=load_leaning_labeller(None, tmp_path),
        known=known,
        default_targets=known.targets,
    )
    result = next(classify_lines([json.dumps(record)], labeller, setup=setup))
    stances = {s["target"]: s for s in result["stances"]}
    assert set(stances) == {"Lutfur Rahman", "Ken Livingstone", "Labour Party"}
    quoted = {i for i, s in enumerate(result["sentences"]) if s["is_quote"]}
    for stance in stances.values():
        assert stance["evidence"] and not set(stance["evidence"]) & quoted, stance
    livingstone = stances["Ken Livingstone"]
    assert any(m["how"] == "coreference" and m["voice"] == "author" for m in livingstone["mentions"])  # the rebuttal
    # The expectation, reached by the aggregation rule fitted on the project's own posts
    # (transform/training/stance-posts), not on this one.
    assert [stances[t]["label"] for t in ("Lutfur Rahman", "Ken Livingstone", "Labour Party")] == [
        "against",
        "against",
        "favor",
    ]
    assert result["leaning"]["label"] in ("left", "center", "right")
