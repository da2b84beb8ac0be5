"""Tests for ``StanceModel(embeddings=True)`` and the (a+e) / (b+e) evaluation rows.

The first group runs on the lean install: a deterministic fake encoder stands in for MiniLM, so the
whole train / save / load / predict path, the card and the load checks are tested without torch.
Tests that need MiniLM skip with the install command when the extra is missing. The (b+e) floor runs
only when the extra is installed and ``make eval-stance`` has already cached IBM's claims and targets
in ``data/embeddings``; (a+e) (NewsMTSC, minutes of CPU) is checked by ``make eval-stance --check`` only.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from extract.errors import ConfigError, MissingExtra
from tests.conftest import need_shared
from transform import embeddings as E
from transform.evaluation import stance as EV
from transform.stance.features import MentionContext, embedding_window
from transform.stance.model import CARD_FILE, StanceModel, embedding_block
from transform.stance.train import DEFAULT_EXAMPLES, ibm_context, read_ibm, read_jsonl

REPO = Path(__file__).resolve().parents[2]
FLOORS = REPO / "transform" / "evaluation" / "floors.json"
EVAL_CACHE = REPO / "data" / "embeddings"  # where `make eval-stance` keeps the embeddings
FAKE_DIM = 8

needs_extra = pytest.mark.skipif(
    not E.is_available(),
    reason=f"embeddings extra not installed (missing {', '.join(E.missing_modules())}): make venv-embeddings",
)


class FakeEncoder:
    """Deterministic stand-in for MiniLM: unit vectors from a hash of the text's words (no torch)."""

    def __init__(self, sha: str = "f" * 64) -> None:
        self.info = E.EncoderInfo("fake/encoder", "fake 0", sha, FAKE_DIM)
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), FAKE_DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, hashlib.sha256(word.encode()).digest()[0] % FAKE_DIM] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        return out


def _pretend_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(E, "REQUIRED_MODULES", (*E.REQUIRED_MODULES, "slant_no_such_module"))


@pytest.fixture(scope="module")
def small_examples() -> list:  # type: ignore[type-arg]
    return read_jsonl(DEFAULT_EXAMPLES)[:200]


# ----- lean install ---------------------------------------------------------------------------
def test_stance_and_its_evaluation_import_without_torch() -> None:
    code = (
        "import sys, transform.stance.model, transform.evaluation.stance;"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_embedding_window_brackets_the_mention_within_fifteen_words() -> None:
    words = [f"w{i}" for i in range(40)]
    sentence = " ".join(words[:20]) + " Keir Starmer " + " ".join(words[20:])
    start = sentence.index("Keir")
    ctx = MentionContext(sentence, start, start + len("Keir Starmer"))
    text = embedding_window(ctx)
    assert text.split()[:2] == ["w5", "w6"] and text.split()[-1] == "w34"
    assert "[Keir Starmer]" in text and len(text.split()) == 15 + 2 + 15
    claim = MentionContext("Boxing is a brutal sport.", target_words=("boxing",), target="boxing")
    assert embedding_window(claim) == claim.sentence  # no mention: the whole claim


def test_embedding_block_pairs_claims_with_their_target_only() -> None:
    enc = FakeEncoder()
    named = MentionContext("Labour deserve credit for a brave plan.", 0, 6, target="Labour")
    claim = ibm_context("Violent games cause harm", "the sale of violent video games to minors")
    block = embedding_block([named, claim], enc)
    assert block.shape == (2, 3 * FAKE_DIM)
    assert np.count_nonzero(block[0, FAKE_DIM:]) == 0  # a named mention: window only, no name embedding
    c, t = block[1, :FAKE_DIM], block[1, FAKE_DIM : 2 * FAKE_DIM]
    assert np.allclose(t, enc.encode([claim.target])[0]) and np.allclose(block[1, 2 * FAKE_DIM :], c * t)
    assert embedding_block([], enc).shape == (0, 3 * FAKE_DIM)


def test_readers_keep_the_target_text() -> None:
    assert ibm_context("A claim", "boxing").target == "boxing"
    assert all(e.context.target for e in read_jsonl(DEFAULT_EXAMPLES)[:20])


def test_fake_encoder_model_trains_saves_loads_and_predicts(small_examples: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    enc = FakeEncoder()
    model = StanceModel(embeddings=True, encoder=enc).fit(small_examples)
    lean = StanceModel().fit(small_examples)
    assert model.lr is not None and lean.lr is not None
    assert model.lr.coef_.shape[1] == lean.lr.coef_.shape[1] + 3 * FAKE_DIM  # one more block, same LR
    model.save(tmp_path)
    card = json.loads((tmp_path / CARD_FILE).read_text())
    assert card["embeddings"]["name"] == "fake/encoder" and card["embeddings"]["weights_sha256"] == "f" * 64
    assert card["embeddings"]["weight"] == model.emb_weight
    contexts = [e.context for e in small_examples[:12]]
    loaded = StanceModel.load(tmp_path, encoder=enc)
    assert loaded.embeddings and np.allclose(loaded.predict_proba(contexts), model.predict_proba(contexts))
    assert loaded.predict(contexts) == model.predict(contexts)
    with pytest.raises(ConfigError, match="sha256"):
        StanceModel.load(tmp_path, encoder=FakeEncoder(sha="0" * 64))


def test_lean_model_card_says_no_embeddings(small_examples: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    StanceModel().fit(small_examples).save(tmp_path)
    assert json.loads((tmp_path / CARD_FILE).read_text())["embeddings"] is False
    assert not StanceModel.load(tmp_path).embeddings


def test_missing_extra_is_reported_on_build_and_load(
    small_examples: list,  # type: ignore[type-arg]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    StanceModel(embeddings=True, encoder=FakeEncoder()).fit(small_examples).save(tmp_path)
    _pretend_missing(monkeypatch)
    with pytest.raises(MissingExtra, match="make venv-embeddings"):
        StanceModel(embeddings=True)
    with pytest.raises(MissingExtra, match="trained with sentence embeddings"):
        StanceModel.load(tmp_path)


def test_evaluation_rows_skip_with_a_reason_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_missing(monkeypatch)
    settings = E.EncoderSettings()
    results = {"a+e": EV._stance_cv_embeddings([], settings), "b+e": EV._ibm_embeddings(EV.IBM, settings)}
    assert "slant_no_such_module" in results["a+e"]["skipped"]
    table = EV.format_table(results)
    assert "(a+e)" in table and "(b+e)" in table and "skipped: embeddings extra not installed" in table
    assert EV.below_floors(results, {"ae_macro_f1": 0.9, "be_macro_f1": 0.9}) == []


def test_floors_check_the_embedding_rows() -> None:
    row = {"model": {"macro_f1": 0.5, "per_class": {"favor": 0.5}}}
    problems = EV.below_floors({"a+e": row, "b+e": row}, {"ae_macro_f1": 0.6, "be_macro_f1": 0.4})
    assert len(problems) == 1 and problems[0].startswith("(a+e)")
    floors = json.loads(FLOORS.read_text())["stance"]
    assert floors["ae_macro_f1"] > floors["a_macro_f1"] and floors["be_macro_f1"] > floors["b_macro_f1"]


def test_defaults_model_version_marks_an_embeddings_model(tmp_path: Path) -> None:
    from transform.defaults import model_version

    card = {"task": "stance", "dataset": "jsonl", "feature_version": 2, "training_data": {"sha256": "ab" * 32}}
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    assert model_version(tmp_path) == "stance-jsonl-f2-" + "ab" * 6
    (tmp_path / CARD_FILE).write_text(json.dumps({**card, "embeddings": {"name": "x"}}))
    assert model_version(tmp_path) == "stance-jsonl-f2-emb-" + "ab" * 6


def test_cli_refuses_embeddings_for_leaning_and_reports_a_missing_extra_for_stance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.cli import main

    base = ["--dataset", "jsonl", "--path", str(REPO / DEFAULT_EXAMPLES), "--embeddings"]
    assert main(["train", "leaning", *base, "--out", str(tmp_path / "l")]) == 2
    assert "only for the loaded-language and stance models" in capsys.readouterr().err
    _pretend_missing(monkeypatch)
    assert main(["train", "stance", *base, "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "make venv-embeddings" in err and not (tmp_path / "s").exists()


# ----- with the extra -------------------------------------------------------------------------
@needs_extra
def test_cli_trains_stance_with_embeddings_and_classifies_with_it(tmp_path: Path) -> None:
    from flows.cli import main

    data = tmp_path / "rows.jsonl"
    files = sorted((REPO / "transform" / "training" / "stance").glob("examples-*.jsonl"))[:3]
    data.write_text("".join(f.read_text() for f in files))
    out, cache = tmp_path / "model", str(tmp_path / "cache")
    with threadpool_limits(limits=1):
        assert main(["train", "stance", "--dataset", "jsonl", "--path", str(data), "--out", str(out),
                     "--embeddings", "--embedding-cache", cache]) == 0  # fmt: skip
    assert json.loads((out / CARD_FILE).read_text())["embeddings"]["dim"] == E.DIM
    pages = tmp_path / "in.jsonl"
    text = "Labour deserve real credit for a brave and decent housing plan. Labour keep their promises."
    pages.write_text(json.dumps({"id": "p1", "text": text}) + "\n")
    result = tmp_path / "out.jsonl"
    args = ["classify", "--stance-model", str(out), "--input", str(pages), "--output", str(result)]
    with threadpool_limits(limits=1):
        assert main([*args, "--embedding-cache", cache]) == 0
    record = json.loads(result.read_text())
    assert "-emb-" in record["stance_model_version"]
    assert any(s["target"].startswith("Labour") for s in record["stances"]), record["stances"]


@needs_extra
def test_minilm_model_round_trip(small_examples: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    enc = E.SentenceEncoder(E.EncoderSettings(threads=1, cache_dir=tmp_path / "cache"))
    examples = small_examples[:120]
    with threadpool_limits(limits=1):
        model = StanceModel(embeddings=True, encoder=enc).fit(examples)
    model.save(tmp_path / "model")
    card = json.loads((tmp_path / "model" / CARD_FILE).read_text())
    assert card["embeddings"]["name"] == E.MODEL_ID and "torch" in card["library_versions"]
    contexts = [e.context for e in examples[:10]]
    loaded = StanceModel.load(tmp_path / "model", encoder=enc)
    assert loaded.predict(contexts) == model.predict(contexts)


@needs_extra
def test_claim_stance_with_embeddings_holds_its_floor_on_unseen_topics() -> None:
    need_shared(EV.IBM)
    encoder = E.SentenceEncoder(E.EncoderSettings(threads=1, cache_dir=EVAL_CACHE))
    contexts = [e.context for e in read_ibm(EV.IBM)]
    texts = [c.sentence for c in contexts] + [c.target for c in contexts]
    if encoder.cached_fraction(texts) < 1.0:
        pytest.skip(f"IBM dev embeddings not cached in {EVAL_CACHE}: run `make eval-stance` once")
    floors = json.loads(FLOORS.read_text())["stance"]
    with threadpool_limits(limits=1):
        results = EV.evaluate(("b+e",), encoder_settings=E.EncoderSettings(threads=1, cache_dir=EVAL_CACHE))
    row = results["b+e"]["model"]
    assert row["macro_f1"] >= floors["be_macro_f1"], row
    assert row["per_class"]["favor"] > 0.5, row
