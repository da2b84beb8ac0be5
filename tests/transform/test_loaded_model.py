"""Tests for the trained loaded-language model (``transform.loaded``).

One module-scoped model is trained on the project's own examples the way the default model is
(``DEFAULT_TOKEN_PRECISION``), then reused: round trip, output shapes, calibrated range, span
offsets, the seed-post ordering, and a floor on BABE dev (skipped without ../shared).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from tests.conftest import SHARED, need_shared
from transform.labelling import model_version
from transform.loaded import LoadedModel, SentenceResult
from transform.loaded import features as F
from transform.loaded.metrics import best_threshold, ece, precision_threshold, sentence_metrics
from transform.loaded.model import CARD_FILE, SPAN_RULES, TrainRow
from transform.loaded.train import DEFAULT_EXAMPLES, DEFAULT_TOKEN_PRECISION, read_babe, read_jsonl, train

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = str(REPO / DEFAULT_EXAMPLES)
BABE_DEV = SHARED / "datasets" / "babe" / "babe_sg2_dev.csv"
SEED_LOADED = "Labour loses votes by association with these fools."
NEUTRAL_NEWS = "The council's planning committee will meet on Thursday to discuss the new housing application."
FLOORS = Path(__file__).resolve().parents[2] / "transform" / "evaluation" / "floors.json"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedModel, Path]:
    out = tmp_path_factory.mktemp("loaded-model")
    # One BLAS thread: on 2 cores a multi-threaded L-BFGS oversubscribes and training takes ~5x longer.
    with threadpool_limits(limits=1):
        model = train(
            read_jsonl(EXAMPLES), out, data_path=EXAMPLES, dataset="jsonl", token_precision=DEFAULT_TOKEN_PRECISION
        )
    return model, out


def test_reader_matches_examples_format() -> None:
    rows = read_jsonl(EXAMPLES)
    assert len(rows) >= 2300
    assert all((r.label == 1) == bool(r.spans) for r in rows)
    assert all(0 <= s < e <= len(r.text) for r in rows for s, e, _ in r.spans)
    assert any(r.is_quote for r in rows) and len({r.group for r in rows}) > 100


def test_model_card_and_round_trip(trained: tuple[LoadedModel, Path]) -> None:
    model, out = trained
    card = json.loads((out / CARD_FILE).read_text())
    assert card["rows"]["total"] == len(read_jsonl(EXAMPLES)) and len(card["training_data"]["sha256"]) == 64
    assert card["lexicon_version"] == model.lexicon_version
    assert 0.0 < card["threshold"] < 1.0 and "scikit-learn" in card["library_versions"]
    assert card["cv_metrics"]["sentence"]["macro_f1"] > 0.75  # grouped CV on the examples
    assert card["span_rules"] == SPAN_RULES and f"-s{SPAN_RULES}-" in model_version(out)
    # The default recipe cuts tokens for 80% out-of-fold precision, and says so in the card and the name.
    assert card["token_precision"] == DEFAULT_TOKEN_PRECISION and "-p80-" in model_version(out)
    assert card["cv_metrics"]["token"]["precision"] >= DEFAULT_TOKEN_PRECISION
    assert card["cv_metrics"]["token"]["threshold_rule"] == "precision>=0.8"
    assert card["calibration"] == "centered-isotonic" and "-ci-" in model_version(out)
    loaded = LoadedModel.load(out)
    assert loaded.span_rules == SPAN_RULES and loaded.token_precision == DEFAULT_TOKEN_PRECISION
    texts = [SEED_LOADED, NEUTRAL_NEWS, 'Our "independent" panel met again.']
    assert loaded.predict(texts) == model.predict(texts)


def test_predict_shapes_range_and_spans(trained: tuple[LoadedModel, Path]) -> None:
    model, _ = trained
    texts = [
        SEED_LOADED,
        NEUTRAL_NEWS,
        "This shambolic, utterly cynical stitch-up by the council's cronies is a disgrace.",
        "",
        'The so-called "experts" have been wrong again.',
    ]
    results = model.predict(texts, is_quote=[False, False, True, False, False])
    assert len(results) == len(texts) and all(isinstance(r, SentenceResult) for r in results)
    for text, r in zip(texts, results, strict=True):
        assert 0.0 <= r.score <= 1.0
        assert r.loaded == (r.score >= model.threshold)
        for start, end, category, score in r.spans:
            assert 0 <= start < end <= len(text) and text[start:end].strip() == text[start:end]
            assert isinstance(category, str) and 0.0 <= score <= 1.0
    assert results[2].loaded and results[2].spans
    assert model.predict([]) == []
    with pytest.raises(ValueError):
        model.predict(["one"], is_quote=[True, False])


def test_seed_sentence_scores_above_neutral_news(trained: tuple[LoadedModel, Path]) -> None:
    model, _ = trained
    loaded, neutral = model.predict_proba([SEED_LOADED, NEUTRAL_NEWS])
    assert loaded > neutral
    assert loaded >= model.threshold > neutral


# Plain reports that name a party; the model must not learn that naming one is loaded (the examples
# had party names mostly in loaded sentences until batch 014). Not the sentences the batch was checked with.
PARTY_TEMPLATES = (
    "{} announced its candidate for the mayoral election on Friday.",
    "Councillors from {} voted for the amended budget.",
    "A poll for the newspaper put {} two points ahead in the marginal seats.",
    "{} said it would publish its transport plans in the new year.",
    "{} criticised the decision to close the library on Sundays.",
    "{} opposed the plan, saying it would raise council tax for most households.",
    "The committee heard evidence from members of {} and from local businesses.",
    "Membership of {} rose by 4 percent last year, according to its annual report.",
)
PARTIES = (
    "Labour", "the Conservatives", "the Tories", "the Liberal Democrats", "Reform UK", "the Green Party",
    "the SNP", "the Democrats", "the Republicans", "the GOP",
)  # fmt: skip


def test_naming_a_party_does_not_make_a_plain_report_loaded(trained: tuple[LoadedModel, Path]) -> None:
    model, _ = trained
    texts = [t.format(p) for t in PARTY_TEMPLATES for p in PARTIES]
    results = model.predict(texts)
    assert [t for t, r in zip(texts, results, strict=True) if r.loaded or r.spans] == []
    by_party = np.asarray([r.score for r in results]).reshape(len(PARTY_TEMPLATES), len(PARTIES)).mean(axis=0)
    print(dict(zip(PARTIES, by_party.round(3), strict=True)))
    assert by_party.max() - by_party.min() < 0.03  # no party reads as more loaded than another


def _decoded(model: LoadedModel, text: str, positive: set[str], category: str, hits: list) -> list[str]:  # type: ignore[type-arg]
    """The span texts ``_merge`` makes of ``text`` when exactly the words in ``positive`` pass the threshold."""
    tokens = F.tokenize(text)
    p = np.array([0.9 if t.text in positive else 0.1 for t in tokens])
    cats = np.array([category] * len(tokens), dtype=object)
    return [text[s:e] for s, e, _, _ in model._merge(text, tokens, p, cats, hits)]


def test_a_span_of_closed_class_words_only_is_dropped_unless_the_lexicon_matched_there() -> None:
    model = LoadedModel(with_tagger=False)
    model.token_threshold = 0.5
    assert model.span_rules == SPAN_RULES >= 1
    text = "The Democrats did not hear them, and these fools never cared."
    assert _decoded(model, text, {"did", "fools"}, "emotive", []) == ["fools"]
    # A closed-class word inside a span of content words stays; so does a lexicon term of them only.
    assert _decoded(model, text, {"these", "fools"}, "emotive", []) == ["these fools"]
    every = "They are wrong, each and every one of them."
    hit = [(every.index("each"), every.index(" one"), "exaggeration", 0.6)]
    assert _decoded(model, every, {"each", "and", "every"}, "exaggeration", hit) == ["each and every"]
    assert _decoded(model, every, {"each", "and", "every"}, "exaggeration", []) == []
    # Scare quotes carry their meaning in the marks.
    quoted = "The council calls it a “review” of the plan."
    assert _decoded(model, quoted, {"review"}, "scare_quotes", []) == ["“review”"]
    # A model saved before span rules existed decodes as it did then.
    model.span_rules = 0
    assert _decoded(model, text, {"did", "fools"}, "emotive", []) == ["did", "fools"]


def test_closed_class_only_knows_contractions_and_refuses_empty_text() -> None:
    assert F.closed_class_only("did not") and F.closed_class_only("they’re") and F.closed_class_only("Out")
    assert not F.closed_class_only("never") and not F.closed_class_only("do-nothing")
    assert not F.closed_class_only("") and not F.closed_class_only("the elite")


def test_metrics_helpers() -> None:
    y = np.array([0, 0, 1, 1])
    assert ece(y, np.array([0.0, 0.0, 1.0, 1.0])) == 0.0
    assert ece(np.array([1, 1]), np.array([0.05, 0.05])) == pytest.approx(0.95)
    m = sentence_metrics(y, np.array([0.1, 0.4, 0.6, 0.9]), 0.5)
    assert m["macro_f1"] == 1.0 and m["roc_auc"] == 1.0
    assert 0.4 < best_threshold(y, np.array([0.1, 0.4, 0.6, 0.9]), macro=True) <= 0.6


def test_precision_threshold_takes_the_most_recall_that_keeps_the_precision() -> None:
    y = np.array([0, 1, 0, 1, 1, 0, 1, 1, 1, 1])
    p = np.linspace(0.05, 0.95, 10)  # from 0.35 up 6 of 7 are positive (0.86), from 0.25 up 6 of 8 (0.75)
    t = precision_threshold(y, p, 0.8)
    assert t is not None and 0.25 < t <= 0.35  # the lowest cut with P >= 0.8
    assert precision_threshold(y, p, 0.99) is not None and precision_threshold(y, p, 0.99) > 0.55  # type: ignore[operator]
    assert precision_threshold(np.array([0, 0, 1]), np.array([0.9, 0.8, 0.1]), 0.5) is None  # never reached


def test_fit_without_spans_has_no_tagger() -> None:
    rows = [TrainRow(f"plain sentence number {i}", i % 2, (), f"g{i // 2}") for i in range(40)]
    model = LoadedModel(cv_folds=2).fit(rows)
    assert model.token_lr is None and all(r.spans == [] for r in model.predict(["plain sentence"]))


def test_an_auxiliary_opinion_label_trains_a_second_column_that_prediction_does_not_need(
    trained: tuple[LoadedModel, Path], tmp_path: Path
) -> None:
    _, default_out = trained
    assert json.loads((default_out / CARD_FILE).read_text())["auxiliary_opinion"] is False  # examples have none
    rows = read_jsonl(EXAMPLES)[:600]
    # A stand-in for BABE's label_opinion: known on two rows in three, correlated with the label but not equal.
    labelled = [replace(r, opinion=(r.label if i % 5 else 1 - r.label) if i % 3 else None) for i, r in enumerate(rows)]
    with threadpool_limits(limits=1):
        model = train(labelled, tmp_path / "m", data_path=EXAMPLES, dataset="jsonl")
        plain = LoadedModel().fit(rows)
    assert model.opinion_lr is not None and plain.opinion_lr is None
    assert model.gate is not None and len(model.gate[0]) == 2  # TF-IDF and opinion logits
    assert model.stacker is not None and plain.stacker is not None
    assert len(model.stacker[0]) == len(plain.stacker[0]) + 1  # the stacker sees the opinion column too
    card = json.loads((tmp_path / "m" / CARD_FILE).read_text())
    assert card["auxiliary_opinion"] is True and "-op-" in model_version(tmp_path / "m")
    texts = [SEED_LOADED, NEUTRAL_NEWS]
    assert LoadedModel.load(tmp_path / "m").predict(texts) == model.predict(texts)  # text alone, no label


def test_opinion_labels_come_from_babe_and_jsonl_and_bad_ones_are_refused(tmp_path: Path) -> None:
    babe = tmp_path / "babe.csv"
    babe.write_text(
        "text,news_link,outlet,topic,type,label_bias,label_opinion,biased_words\n"
        "One.,a,o,t,left,Biased,Entirely factual,[]\n"
        "Two.,b,o,t,left,Non-biased,Somewhat factual but also opinionated,[]\n"
        "Three.,c,o,t,left,Biased,Expresses writer’s opinion,[]\n"
        "Four.,d,o,t,left,Biased,No agreement,[]\n",
        encoding="utf-8",
    )
    assert [r.opinion for r in read_babe(babe)] == [0, 1, 1, None]
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "A.", "label": 0, "opinion": 1}\n{"text": "B.", "label": 0}\n', encoding="utf-8")
    assert [r.opinion for r in read_jsonl(good)] == [1, None]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "A.", "label": 0}\n{"text": "B.", "label": 0, "opinion": "yes"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: 'opinion' must be 0, 1 or absent"):
        read_jsonl(bad)


@pytest.fixture(scope="module")
def babe_evaluation(trained: tuple[LoadedModel, Path]) -> dict:  # type: ignore[type-arg]
    """Rows (a), (b), (c) of ``make eval-loaded`` on the BABE dev file.

    The outer folds of (a) and (c) are fitted in two worker processes (one BLAS thread each; the
    metrics are those of one process). Row (b) is the model ``trained`` already fitted on the
    examples (``train`` with the default recipe, also on one thread), loaded from its
    directory, rather than a second identical fit.
    """
    from transform.loaded.evaluate import evaluate

    babe = need_shared(BABE_DEV)
    with threadpool_limits(1):
        return evaluate(babe, DEFAULT_EXAMPLES, default_model=trained[1], n_jobs=2)


def test_trained_model_holds_its_floors_under_grouped_cross_validation(babe_evaluation: dict) -> None:  # type: ignore[type-arg]
    floor = json.loads(FLOORS.read_text(encoding="utf-8"))["loaded"]
    a = babe_evaluation["a"]
    assert a["sentence"]["macro_f1"] >= floor["a_macro_f1"], a["sentence"]
    assert a["sentence"]["ece"] <= floor["a_ece_max"], a["sentence"]
    assert a["token"]["f1"] >= floor["a_token_f1"], a["token"]
    assert a["sentence"]["macro_f1"] > babe_evaluation["c"]["sentence"]["macro_f1"]  # beats TF-IDF + LR


def test_shipped_default_model_holds_its_floor_on_babe(babe_evaluation: dict) -> None:  # type: ignore[type-arg]
    floor = json.loads(FLOORS.read_text(encoding="utf-8"))["loaded"]
    assert babe_evaluation["b"]["sentence"]["macro_f1"] >= floor["b_macro_f1"], babe_evaluation["b"]["sentence"]
