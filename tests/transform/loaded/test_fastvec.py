"""The cached feature builders give the same matrices as the reference path they replace.

Why: the shipped and user-trained models were fitted on features from ``features.token_features``
+ ``FeatureHasher`` and sklearn's ``char_wb`` vectorizer; a prediction must not depend on which
code built its features. The texts are the project's own annotated examples (quotes, scare quotes,
lexicon hits, capitals, digits) plus the seed post and edge cases.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from flows.settings import _user_model_cache
from transform.labelling import load_labeller
from transform.loaded import features as F
from transform.loaded.fastvec import CharWbCounter, TokenEncoder, WordNgramCounter
from transform.loaded.model import LoadedModel, _sigmoid, _token_aggregates

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "transform" / "training" / "loaded").glob("*.jsonl"))
EDGE_CASES = [
    "",
    "   ",
    "NATO's \"so-called\" reforms — 2024's   biggest   scandal!",
    "Ünïcode Straße naïve café, İstanbul ΣΊΣΥΦΟΣ.",
    "A",
    '"Quoted from start to end," she said.',
    "tab\tseparated\nand new-line text, don't stop",
]


@pytest.fixture(scope="module")
def model() -> LoadedModel:
    return load_labeller(None, _user_model_cache()).model


@pytest.fixture(scope="module")
def texts() -> list[tuple[str, bool]]:
    rows = [json.loads(line) for path in EXAMPLES for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) >= 1500
    return [(r["text"], r.get("voice") == "quoted") for r in rows] + [(t, False) for t in EDGE_CASES]


def _same(a: sparse.spmatrix, b: sparse.spmatrix) -> None:
    assert a.shape == b.shape
    diff = (sparse.csr_matrix(a) - sparse.csr_matrix(b)).tocoo()
    assert diff.nnz == 0 or float(np.abs(diff.data).max()) < 1e-12


def test_cached_char_ngrams_equal_the_fitted_vectorizer(model: LoadedModel, texts: list[tuple[str, bool]]) -> None:
    assert model.char_vec is not None
    counter = CharWbCounter(model.char_vec)
    sentences = [t for t, _ in texts]
    half = len(sentences) // 2
    for chunk in (sentences[:half], sentences[half:], sentences[:50]):  # warm cache and cold words alike
        _same(counter.transform(chunk), model.char_vec.transform(chunk))


def test_cached_word_ngrams_equal_the_fitted_vectorizer(model: LoadedModel, texts: list[tuple[str, bool]]) -> None:
    assert model.word_vec is not None
    counter = WordNgramCounter(model.word_vec)
    sentences = [t for t, _ in texts] + ["The the THE the", "a", "A b"]
    half = len(sentences) // 2
    for chunk in (sentences[:half], sentences[half:], sentences[:50], sentences[-3:], [""]):
        _same(counter.transform(chunk), model.word_vec.transform(chunk))


def test_cached_token_features_equal_the_hashed_reference(model: LoadedModel, texts: list[tuple[str, bool]]) -> None:
    encoder = TokenEncoder(model.hasher)
    rng = np.random.default_rng(0)
    for chunk in (texts[:700], texts[700:], texts[:60]):
        sentences = [t for t, _ in chunk]
        quotes = [q for _, q in chunk]
        tokens = [F.tokenize(t) for t in sentences]
        hits = [F.lexicon_hits(t, model.lexicon, q) for t, q in chunk]
        gates = rng.uniform(0, 1, len(chunk)).tolist()
        strs: list[list[str]] = []
        nums: list[list[float]] = []
        per_token_gates: list[float] = []
        for text, toks, h, q, g in zip(sentences, tokens, hits, quotes, gates, strict=True):
            s, n = F.token_features(text, toks, h, q)
            strs += s
            nums += n
            per_token_gates += [g] * len(toks)
        assert any(hits) and any('"' in t for t in sentences)
        reference = F.token_matrix(model.hasher, strs, nums, per_token_gates)
        words = [[t.text for t in toks] for toks in tokens]
        _same(encoder.matrix(sentences, words, hits, quotes, gates, tokens), reference)
        # without offsets (prediction's path: only sentences with hits or quotes are tokenized again)
        parts = encoder.parts(sentences, [F.TOKEN_RE.findall(t) for t in sentences], hits, quotes, gates)
        _same(parts.matrix(), reference)
        keep = np.flatnonzero(rng.uniform(0, 1, reference.shape[0]) < 0.1)
        _same(parts.select(keep), reference[keep])
        coef = rng.normal(0, 1, reference.shape[1])
        assert np.allclose(parts.logits(coef, 0.25), reference @ coef + 0.25, rtol=0, atol=1e-9)


def test_no_tokens_give_an_empty_matrix_of_the_right_width(model: LoadedModel) -> None:
    parts = TokenEncoder(model.hasher).parts(["", "..."], [[], []], [[], []], [False, False], [0.5, 0.5])
    assert parts.matrix().shape == (0, model.hasher.n_features + F.N_TOKEN_DENSE)
    assert parts.logits(np.ones(model.hasher.n_features + F.N_TOKEN_DENSE), 0.0).shape == (0,)


def test_threads_sharing_one_encoder_get_the_reference_matrices(
    model: LoadedModel, texts: list[tuple[str, bool]]
) -> None:
    """The nightly flow labels batches on several threads with one model: the caches must not race."""
    encoder = TokenEncoder(model.hasher)  # cold: every thread adds words at once
    chunks = [texts[i::6] for i in range(6)]

    def build(chunk: list[tuple[str, bool]], use: TokenEncoder) -> sparse.csr_matrix:
        sentences = [t for t, _ in chunk]
        words = [F.TOKEN_RE.findall(t) for t in sentences]
        hits = [F.lexicon_hits(t, model.lexicon, q) for t, q in chunk]
        return use.matrix(sentences, words, hits, [q for _, q in chunk], [0.5] * len(chunk))

    with ThreadPoolExecutor(max_workers=6) as pool:
        shared = list(pool.map(lambda c: build(c, encoder), chunks * 3))
    for chunk, got in zip(chunks * 3, shared, strict=True):
        _same(got, build(chunk, TokenEncoder(model.hasher)))


def test_prediction_from_matrix_parts_equals_the_assembled_matrix_path(
    model: LoadedModel, texts: list[tuple[str, bool]]
) -> None:
    """``predict`` scores tokens from ``TokenParts`` and tokenizes lazily; the result is the one the
    assembled token matrix, ``predict_proba`` and a ``Token`` list per sentence give."""
    assert model.token_lr is not None and model.stacker is not None and model.cat_lr is not None
    assert model.isotonic is not None
    sentences = [t for t, _ in texts]
    quotes = [q for _, q in texts]
    got = model.predict(sentences, quotes)

    word, char, lr = model._require()
    hits = [F.lexicon_hits(t, model.lexicon, q) for t, q in texts]
    dense = np.asarray([F.sentence_dense(t, h, q) for t, h, q in zip(sentences, hits, quotes, strict=True)])
    x_sentences = model._stack(word.transform(sentences), char.transform(sentences), dense)
    logits = np.column_stack([lr.decision_function(x_sentences)])
    gates = model._combine(logits)
    toks = [F.tokenize(t) for t in sentences]
    x, owner = model._token_rows(sentences, toks, hits, quotes, gates.tolist())
    p = model.token_lr.predict_proba(x)[:, 1]
    cats = np.full(len(p), model.single_category, dtype=object)
    keep = np.flatnonzero(p >= model.token_threshold)
    cats[keep] = model.cat_lr.predict(x[keep][:, model.cat_cols])
    z = np.column_stack([logits, _token_aggregates(p, owner, len(sentences))])
    scores = model.isotonic.predict(_sigmoid(z @ np.asarray(model.stacker[0]) + model.stacker[1]))
    assert np.allclose([r.score for r in got], np.round(scores, 6), rtol=0, atol=2e-6)
    assert [r.loaded for r in got] == [bool(s >= model.threshold) for s in scores]
    offset = 0
    n_spans = 0
    for i, tokens in enumerate(toks):
        n = len(tokens)
        want = model._merge(sentences[i], tokens, p[offset : offset + n], cats[offset : offset + n], hits[i])
        assert [sp[:3] for sp in got[i].spans] == [sp[:3] for sp in want]
        assert np.allclose([sp[3] for sp in got[i].spans], [sp[3] for sp in want], rtol=0, atol=2e-6)
        n_spans += len(want)
        offset += n
    assert n_spans > 500 and len(set(cats[keep])) > 1  # spans of several categories were compared
