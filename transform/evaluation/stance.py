"""``make eval-stance``: one table for the stance and leaning models on the ../shared development files.

``python -m transform.evaluation.stance [--only a,a+e,b,b+e,c,d,defaults] [--json FILE] [--check]
[--embedding-cache DIR] [--threads N]``

``--check`` exits 1 when a row falls under its floor in ``transform/evaluation/floors.json`` ("stance").

Rows (each beside its baseline (e), plain TF-IDF + logistic regression on the same folds, the notes'
setting: word 1-2-grams, min_df 2, max_df 0.9, sublinear tf, C 4, balanced):

- (a) stance, ``slant train stance --dataset newsmtsc``'s model, NewsMTSC dev, 5-fold CV grouped by sentence;
  baseline: TF-IDF of the sentence + the position-prefixed 6-word window.
- (b) claim stance, trained on IBM dev rows of the official *train* topics, scored on IBM dev rows of the
  official *test* topics (unseen targets); baseline: TF-IDF of the claim + TF-IDF of the topic.
- (a+e) and (b+e): the same as (a) and (b), same folds and topics, with ``StanceModel(embeddings=True)``
  (MiniLM, the ``slant[embeddings]`` extra); skipped with the reason when the extra is not installed.
  Embeddings are cached in ``--embedding-cache`` (default ``data/embeddings``): the first run encodes
  NewsMTSC's 7,512 windows and IBM's claims and targets (~2-3 min on one thread), later runs read them.
  Their throughput includes encoding every item (no cache) on ``--threads`` torch threads.
- (c) leaning, AllSides dev, 5-fold CV grouped by outlet domain and stratified by label; baseline: TF-IDF
  of title + 1,500 words.
- (d) hyperpartisan, SemEval-2019 by-article dev, 5-fold CV grouped by publisher (stratified); same baseline.
- the shipped default models (trained on the project's own examples only) on each whole development file:
  stance on NewsMTSC and IBM (favor vs against), leaning on AllSides and on hyperpartisan (left or right
  counts as hyperpartisan, center as not).

Throughput is items per second of prediction (features included) on one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core: the machine is shared, and throughput is stated per core

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold  # noqa: E402

from transform import embeddings as E  # noqa: E402
from transform.defaults import default_leaning_model, default_stance_model  # noqa: E402
from transform.leaning.model import LeaningExample, LeaningModel, prepare  # noqa: E402
from transform.leaning.train import read_allsides, read_hyperpartisan  # noqa: E402
from transform.stance.features import embedding_window as window_text_for_embedding  # noqa: E402
from transform.stance.features import window_text  # noqa: E402
from transform.stance.model import LABELS, StanceExample, StanceModel  # noqa: E402
from transform.stance.train import flip, motion_polarity, read_ibm, read_newsmtsc  # noqa: E402

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"
FLOORS = Path(__file__).resolve().parent / "floors.json"
NEWSMTSC = SHARED / "newsmtsc" / "dev.jsonl"
IBM = SHARED / "ibm_claim_stance" / "dev.jsonl"
ALLSIDES = SHARED / "allsides_baly2020" / "dev.jsonl"
HYPERPARTISAN = SHARED / "hyperpartisan_semeval2019_byarticle" / "dev.jsonl"
FOLDS = 5
FOLD_SEED = 13  # the notes' experiment seed: the stratified outlet folds of (c) and (d) are fixed run to run
BASELINE_C = 4.0  # the notes' TF-IDF + LR setting
THROUGHPUT_ITEMS = 1000  # items timed per model
# With embeddings every timed item is encoded (~90 windows/s on one thread): 200 keeps the timing short.
EMB_THROUGHPUT_ITEMS = 200
DEFAULT_EMBEDDING_CACHE = Path("data/embeddings")
# The targets (macro-F1): lean rows, and with the embeddings extra ("a+e", "b+e").
TARGETS = {"a": 0.64, "a+e": 0.70, "b": 0.52, "b+e": 0.60, "c": 0.50, "d": 0.78}
ROWS = ("a", "a+e", "b", "b+e", "c", "d")


def scores(y: Sequence[Any] | np.ndarray, pred: Sequence[Any] | np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Macro-F1, accuracy and per-class F1 over ``labels``."""
    per = f1_score(list(y), list(pred), labels=list(labels), average=None, zero_division=0)
    return {
        "macro_f1": round(
            float(f1_score(list(y), list(pred), labels=list(labels), average="macro", zero_division=0)), 4
        ),
        "accuracy": round(float(accuracy_score(list(y), list(pred))), 4),
        "per_class": {lab: round(float(v), 4) for lab, v in zip(labels, per, strict=True)},
        "n": len(y),
    }


def rate(fn: Callable[[], object], n: int) -> float:
    """Items per second of ``fn`` (which handles ``n`` items), best of two runs."""
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return round(n / best, 1)


def _tfidf() -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True, strip_accents="unicode")


def _lr() -> LogisticRegression:
    return LogisticRegression(C=BASELINE_C, class_weight="balanced", max_iter=3000)


class TextBaseline:
    """(e): one TF-IDF block per text field, side by side, into logistic regression."""

    def __init__(self, fields: int, token_patterns: Sequence[str | None] = ()) -> None:
        patterns = list(token_patterns) + [None] * (fields - len(token_patterns))
        self.vecs = [
            _tfidf()
            if p is None
            else TfidfVectorizer(**{**_tfidf().get_params(), "token_pattern": p, "lowercase": False})
            for p in patterns
        ]
        self.lr = _lr()

    def fit(self, columns: Sequence[Sequence[str]], y: Sequence[str]) -> TextBaseline:
        x = sparse.hstack([v.fit_transform(c) for v, c in zip(self.vecs, columns, strict=True)]).tocsr()
        self.lr.fit(x, list(y))
        return self

    def predict(self, columns: Sequence[Sequence[str]]) -> list[str]:
        x = sparse.hstack([v.transform(c) for v, c in zip(self.vecs, columns, strict=True)]).tocsr()
        return [str(p) for p in self.lr.predict(x)]


def _newsmtsc_folds(examples: Sequence[StanceExample]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The 5 folds grouped by sentence that (a) and (a+e) share."""
    y = np.asarray([e.label for e in examples])
    groups = np.asarray([e.group for e in examples])
    return list(GroupKFold(n_splits=FOLDS).split(groups, y, groups))


def _stance_cv(examples: list[StanceExample]) -> dict[str, Any]:
    """(a) and its baseline on NewsMTSC dev, 5-fold grouped by sentence."""
    y = np.asarray([e.label for e in examples])
    sentences = [e.context.sentence for e in examples]
    windows = [window_text(e.context) for e in examples]
    pred = np.empty(len(examples), dtype=object)
    base = np.empty(len(examples), dtype=object)
    model: StanceModel | None = None
    started = time.perf_counter()
    for train_idx, test_idx in _newsmtsc_folds(examples):
        model = StanceModel().fit([examples[i] for i in train_idx])
        pred[test_idx] = model.predict([examples[i].context for i in test_idx])
        b = TextBaseline(2, [None, r"\S+"]).fit(
            [[sentences[i] for i in train_idx], [windows[i] for i in train_idx]], y[train_idx]
        )
        base[test_idx] = b.predict([[sentences[i] for i in test_idx], [windows[i] for i in test_idx]])
    assert model is not None
    sample = [e.context for e in examples[:THROUGHPUT_ITEMS]]
    m = model
    return {
        "model": {**scores(y, pred, LABELS), "per_s": rate(lambda: m.predict(sample), len(sample))},
        "baseline": scores(y, base, LABELS),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _skip_reason() -> str | None:
    """Why the embedding rows cannot run here, or None when the extra is installed."""
    if E.is_available():
        return None
    return f"embeddings extra not installed (missing {', '.join(E.missing_modules())}): make venv-embeddings"


def _uncached_rate(model: StanceModel, settings: E.EncoderSettings, contexts: Sequence[Any]) -> float:
    """Items per second of ``model.predict`` with encoding included: a fresh encoder without the cache."""
    model.encoder = E.SentenceEncoder(E.EncoderSettings(threads=settings.threads, batch_size=settings.batch_size))
    model.predict(list(contexts[:8]))  # loads the network before timing
    sample = list(contexts[:EMB_THROUGHPUT_ITEMS])
    started = time.perf_counter()
    model.predict(sample)
    return round(len(sample) / (time.perf_counter() - started), 1)


def _stance_cv_embeddings(examples: list[StanceExample], settings: E.EncoderSettings) -> dict[str, Any]:
    """(a+e): (a) with ``StanceModel(embeddings=True)`` on the same folds, or why it was skipped."""
    reason = _skip_reason()
    if reason is not None:
        return {"skipped": reason}
    started = time.perf_counter()
    encoder = E.SentenceEncoder(settings)
    contexts = [e.context for e in examples]
    cached = encoder.cached_fraction([window_text_for_embedding(c) for c in contexts])
    y = np.asarray([e.label for e in examples])
    pred = np.empty(len(examples), dtype=object)
    model: StanceModel | None = None
    for train_idx, test_idx in _newsmtsc_folds(examples):
        model = StanceModel(embeddings=True, encoder=encoder).fit([examples[i] for i in train_idx])
        pred[test_idx] = model.predict([contexts[i] for i in test_idx])
    assert model is not None
    return {
        "model": {**scores(y, pred, LABELS), "per_s": _uncached_rate(model, settings, contexts)},
        "encoder": {**encoder.info.as_dict(), "threads": settings.threads, "cache": str(encoder.cache_file)},
        "cached_before_run": round(cached, 3),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _ibm_motion_labels(path: Path, splits: tuple[str, ...]) -> tuple[list[str], list[int], list[str], list[str]]:
    """Gold motion-level labels, motion polarities, claims and topics of IBM rows in ``splits``."""
    gold, polarity, claims, topics = [], [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        if rec.get("orig_split") in splits:
            gold.append(rec["label"])
            polarity.append(motion_polarity(rec["topic"], rec["target"]))
            claims.append(rec["claim"])
            topics.append(rec["topic"])
    return gold, polarity, claims, topics


def _two_way(p: np.ndarray) -> list[str]:
    """favor vs against (IBM has no neutral class): the larger of the two."""
    return ["favor" if row[0] >= row[1] else "against" for row in p]


def _ibm(path: Path) -> dict[str, Any]:
    """(b) and its baseline: train on the official train topics, score the official test topics."""
    started = time.perf_counter()
    train = read_ibm(path, splits=("train",))
    test = read_ibm(path, splits=("test",))
    gold, polarity, claims_te, topics_te = _ibm_motion_labels(path, ("test",))
    gold_tr, _, claims_tr, topics_tr = _ibm_motion_labels(path, ("train",))
    model = StanceModel().fit(train)
    toward_target = _two_way(model.predict_proba([e.context for e in test]))
    pred = [t if pol > 0 else flip(t) for t, pol in zip(toward_target, polarity, strict=True)]
    base = TextBaseline(2).fit([claims_tr, topics_tr], gold_tr).predict([claims_te, topics_te])
    contexts = [e.context for e in test]
    return {
        "model": {
            **scores(gold, pred, ("favor", "against")),
            "per_s": rate(lambda: model.predict(contexts), len(test)),
        },
        "baseline": scores(gold, base, ("favor", "against")),
        "train_rows": len(train),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _ibm_embeddings(path: Path, settings: E.EncoderSettings) -> dict[str, Any]:
    """(b+e): (b) with ``StanceModel(embeddings=True)``, same train and test topics, or why it was skipped."""
    reason = _skip_reason()
    if reason is not None:
        return {"skipped": reason}
    started = time.perf_counter()
    encoder = E.SentenceEncoder(settings)
    train = read_ibm(path, splits=("train",))
    test = read_ibm(path, splits=("test",))
    gold, polarity, _, _ = _ibm_motion_labels(path, ("test",))
    contexts = [e.context for e in test]
    model = StanceModel(embeddings=True, encoder=encoder).fit(train)
    toward_target = _two_way(model.predict_proba(contexts))
    pred = [t if pol > 0 else flip(t) for t, pol in zip(toward_target, polarity, strict=True)]
    return {
        "model": {**scores(gold, pred, ("favor", "against")), "per_s": _uncached_rate(model, settings, contexts)},
        "encoder": {**encoder.info.as_dict(), "threads": settings.threads, "cache": str(encoder.cache_file)},
        "train_rows": len(train),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _hashed(texts: Sequence[str]) -> sparse.csr_matrix:
    return (
        HashingVectorizer(
            ngram_range=(1, 2), n_features=2**20, alternate_sign=False, norm=None, strip_accents="unicode"
        )
        .transform(texts)
        .tocsr()
    )


def _baseline_fold(counts: sparse.csr_matrix, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray) -> list[str]:
    """The notes' TF-IDF + LR on hashed 1-2-gram counts (min_df 2, max_df 0.9, sublinear tf)."""
    tr = counts[train_idx]
    df = np.asarray((tr > 0).sum(axis=0)).ravel()
    keep = np.flatnonzero((df >= 2) & (df <= 0.9 * len(train_idx)))
    tfidf = TfidfTransformer(sublinear_tf=True)
    lr = _lr().fit(tfidf.fit_transform(tr[:, keep]), y[train_idx])
    return [str(p) for p in lr.predict(tfidf.transform(counts[test_idx][:, keep]))]


def _leaning_cv(examples: list[LeaningExample], labels: Sequence[str]) -> dict[str, Any]:
    """(c) or (d) and the baseline, 5-fold grouped by outlet and stratified by label.

    Plain ``GroupKFold`` on AllSides puts a few large single-label outlets in each test fold, so every
    fold tests almost only one label that training is short of (fold 2 was 1,583 right, 15 center);
    stratifying keeps the folds outlet-disjoint with a label mix near the holdout's.
    """
    started = time.perf_counter()
    y = np.asarray([e.label for e in examples])
    groups = np.asarray([e.outlet for e in examples])
    texts = prepare(examples)
    raw = [" ".join(f"{e.title or ''}\n{e.text}".split()[:1500]) for e in examples]
    probe = LeaningModel()
    styles = probe.styles(texts)
    counts = _hashed(texts)
    raw_counts = _hashed(raw)
    pred = np.empty(len(examples), dtype=object)
    base = np.empty(len(examples), dtype=object)
    model: LeaningModel | None = None
    splitter = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=FOLD_SEED)
    for train_idx, test_idx in splitter.split(texts, y, groups):
        model = LeaningModel().fit(
            [examples[i] for i in train_idx], [texts[i] for i in train_idx], styles[train_idx], counts[train_idx]
        )
        p = model.predict_proba_texts([texts[i] for i in test_idx], styles[test_idx], counts[test_idx])
        pred[test_idx] = [model.classes[j] for j in np.argmax(p, axis=1)]
        base[test_idx] = _baseline_fold(raw_counts, y, train_idx, test_idx)
    assert model is not None
    m = model
    sample = examples[: min(THROUGHPUT_ITEMS // 4, len(examples))]
    return {
        "model": {**scores(y, pred, labels), "per_s": rate(lambda: m.predict(sample), len(sample))},
        "baseline": scores(y, base, labels),
        "outlets": len(set(groups)),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _defaults(cache: Path) -> dict[str, Any]:
    """The shipped default models on each whole development file."""
    started = time.perf_counter()
    stance = StanceModel.load(default_stance_model(cache))
    leaning = LeaningModel.load(default_leaning_model(cache))
    out: dict[str, Any] = {}
    news = read_newsmtsc(NEWSMTSC)
    contexts = [e.context for e in news]
    out["newsmtsc"] = {
        **scores([e.label for e in news], stance.predict(contexts), LABELS),
        "per_s": rate(lambda: stance.predict(contexts[:THROUGHPUT_ITEMS]), min(THROUGHPUT_ITEMS, len(contexts))),
    }
    ibm = read_ibm(IBM)
    gold, polarity, _, _ = _ibm_motion_labels(IBM, ("train", "test"))
    toward = _two_way(stance.predict_proba([e.context for e in ibm]))
    out["ibm"] = scores(
        gold, [t if p > 0 else flip(t) for t, p in zip(toward, polarity, strict=True)], ("favor", "against")
    )
    allsides = read_allsides(ALLSIDES)
    out["allsides"] = scores([e.label for e in allsides], leaning.predict(allsides), ("left", "center", "right"))
    hyper = read_hyperpartisan(HYPERPARTISAN)
    mapped = ["not_hyperpartisan" if p == "center" else "hyperpartisan" for p in leaning.predict(hyper)]
    out["hyperpartisan"] = scores([e.label for e in hyper], mapped, ("hyperpartisan", "not_hyperpartisan"))
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def evaluate(
    only: Sequence[str] = ("a", "a+e", "b", "b+e", "c", "d", "defaults"),
    cache: Path | None = None,
    encoder_settings: E.EncoderSettings | None = None,
) -> dict[str, Any]:
    """Run the requested rows; see the module docstring. ``encoder_settings`` serve (a+e) and (b+e)."""
    results: dict[str, Any] = {"targets": TARGETS}
    settings = encoder_settings or E.EncoderSettings(cache_dir=DEFAULT_EMBEDDING_CACHE)
    if "a" in only:
        results["a"] = _stance_cv(read_newsmtsc(NEWSMTSC))
    if "a+e" in only:
        results["a+e"] = _stance_cv_embeddings(read_newsmtsc(NEWSMTSC), settings)
    if "b" in only:
        results["b"] = _ibm(IBM)
    if "b+e" in only:
        results["b+e"] = _ibm_embeddings(IBM, settings)
    if "c" in only:
        results["c"] = _leaning_cv(read_allsides(ALLSIDES), ("left", "center", "right"))
    if "d" in only:
        results["d"] = _leaning_cv(read_hyperpartisan(HYPERPARTISAN), ("hyperpartisan", "not_hyperpartisan"))
    if "defaults" in only:
        with tempfile.TemporaryDirectory(prefix="slant-eval-") as tmp:
            results["defaults"] = _defaults(cache or Path(tmp))
    return results


NAMES = {
    "a": "(a) stance, NewsMTSC dev, 5-fold by sentence",
    "a+e": "(a+e) (a) + MiniLM embeddings, same folds",
    "b": "(b) claim stance, IBM train topics -> unseen test topics",
    "b+e": "(b+e) (b) + MiniLM embeddings, same topics",
    "c": "(c) leaning, AllSides dev, 5-fold by outlet, stratified",
    "d": "(d) hyperpartisan dev, 5-fold by publisher, stratified",
}
DEFAULT_NAMES = {
    "newsmtsc": "default stance model, all NewsMTSC dev",
    "ibm": "default stance model, all IBM dev (favor/against)",
    "allsides": "default leaning model, all AllSides dev",
    "hyperpartisan": "default leaning model, hyperpartisan dev (L/R=yes)",
}


def _line(name: str, s: dict[str, Any], per_s: float | None = None) -> str:
    per = " ".join(f"{k}={v:.3f}" for k, v in s["per_class"].items())
    rate_text = f"{per_s:8.1f}" if per_s is not None else "       -"
    return f"{name:<58} {s['macro_f1']:6.3f} {s['accuracy']:6.3f} {rate_text}  {per}"


def format_table(results: dict[str, Any]) -> str:
    """The results as one fixed-width table (favor and every other class on the row's own line)."""
    head = f"{'row':<58} {'mF1':>6} {'acc':>6} {'items/s':>8}  per-class F1"
    lines = [head, "-" * 120]
    for key, name in NAMES.items():
        if key not in results:
            continue
        r = results[key]
        if "skipped" in r:
            lines.append(f"{name:<58} skipped: {r['skipped']}")
            continue
        lines.append(_line(name + f" (target {TARGETS[key]:.2f})", r["model"], r["model"].get("per_s")))
        if "baseline" in r:
            lines.append(_line("    (e) TF-IDF + LR, same folds", r["baseline"]))
    if "defaults" in results:
        for key, name in DEFAULT_NAMES.items():
            r = results["defaults"][key]
            lines.append(_line(name, r, r.get("per_s")))
    favor = [
        f"{NAMES[k].split()[0]} {results[k]['model']['per_class']['favor']:.3f}"
        for k in ("a", "a+e", "b", "b+e")
        if k in results and "model" in results[k]
    ]
    if favor:
        lines.append("favor F1 (the weakest class): " + ", ".join(favor))
    return "\n".join(lines)


def below_floors(results: dict[str, Any], floors: dict[str, Any]) -> list[str]:
    """Rows whose macro-F1 is under its pinned floor (``floors.json`` key ``stance``), described."""
    problems = []
    for key in ROWS:
        floor = floors.get(f"{key.replace('+', '')}_macro_f1")  # "a+e" -> ae_macro_f1
        if key not in results or "model" not in results[key]:  # not run, or skipped without the extra
            continue
        if floor is not None and results[key]["model"]["macro_f1"] < floor:
            problems.append(f"{NAMES[key]}: macro-F1 {results[key]['model']['macro_f1']:.3f} < floor {floor:.3f}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stance and leaning evaluation on the ../shared dev files.")
    parser.add_argument(
        "--only", default="a,a+e,b,b+e,c,d,defaults", help="comma-separated rows: a,a+e,b,b+e,c,d,defaults"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--check", action="store_true", help="exit 1 when a row is under its floor")
    parser.add_argument("--embedding-cache", type=Path, default=DEFAULT_EMBEDDING_CACHE, help="embedding cache dir")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for (a+e) and (b+e) (default 1)")
    args = parser.parse_args(argv)
    settings = E.EncoderSettings(threads=args.threads, cache_dir=args.embedding_cache)
    results = evaluate([x.strip() for x in args.only.split(",") if x.strip()], encoder_settings=settings)
    print(format_table(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.check:
        problems = below_floors(results, json.loads(FLOORS.read_text(encoding="utf-8"))["stance"])
        for line in problems:
            print("FLOOR:", line)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
