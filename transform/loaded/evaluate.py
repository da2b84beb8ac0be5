"""One comparison table for the loaded-language model on the BABE development file.

``python -m transform.loaded.evaluate [--babe FILE] [--examples GLOB] [--json FILE]``

Rows:
- (a) ``LoadedModel`` trained on BABE dev, 5-fold ``GroupKFold`` by ``news_link`` (each fold's model
  runs its own inner grouped CV for calibration and thresholds, so no fold sees its test articles).
- (b) the default model, trained only on ``transform/training/loaded/examples-*.jsonl``, scored on the
  whole BABE dev file with its own threshold (an out-of-domain check: blog-style writing vs US news).
- (a+e) the same as (a) with MiniLM sentence embeddings (``LoadedModel(embeddings=True)``), same folds;
  only when the ``slant[embeddings]`` extra is installed (otherwise the table says why it is missing).
  Embeddings are cached in ``--embedding-cache`` (default ``data/embeddings``), so only the first run
  encodes BABE (~2 min); ``--check`` fails when (a+e) is under its floor in ``floors.json``.
- (c) plain TF-IDF (word 1-2 + char_wb 2-5) + logistic regression on the same folds as (a), threshold 0.5.

Token gold is BABE's ``biased_words`` matched to tokens; a token is predicted loaded when it lies in a
predicted span. Throughput is sentences per second of ``predict`` on one thread; for (a+e) it includes
encoding every sentence (no cache) on ``--threads`` torch threads.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the throughput target is stated

import numpy as np  # noqa: E402
from joblib import Parallel, delayed, parallel_config  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from transform import embeddings as E  # noqa: E402
from transform.loaded import features as F  # noqa: E402
from transform.loaded.metrics import binary_prf, sentence_metrics  # noqa: E402
from transform.loaded.model import LoadedModel, SentenceResult, TrainRow, token_labels  # noqa: E402
from transform.loaded.train import DEFAULT_EXAMPLES, DEFAULT_TOKEN_PRECISION, read_babe, read_jsonl  # noqa: E402

DEFAULT_BABE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "babe" / "babe_sg2_dev.csv"
DEFAULT_EMBEDDING_CACHE = Path("data/embeddings")
FLOORS = Path(__file__).resolve().parents[1] / "evaluation" / "floors.json"
OUTER_FOLDS = 5
BASELINE_C = 0.5  # the notes' TF-IDF+LR baseline setting
THROUGHPUT_SENTENCES = 1000  # sentences timed per method
# (a+e) encodes every timed sentence at ~30-45 sentences/s: 200 sentences once (after a warm-up) keeps
# the measurement under 10 s while still averaging over a few hundred sentence lengths.
EMB_THROUGHPUT_SENTENCES = 200
TARGETS = {
    "a": {"macro_f1": 0.76, "ece": 0.03, "token_f1": 0.45},
    "a+e": {"macro_f1": 0.79, "ece": 0.03},
    "b": {"macro_f1": 0.65},
}
ROW_ORDER = ("a", "a+e", "b", "c")


def token_gold_and_pred(
    rows: Sequence[TrainRow], spans: Sequence[Sequence[tuple[int, int, Any, Any]]]
) -> dict[str, Any]:
    """Token P/R/F1: gold from the rows' spans, predicted = token overlaps a predicted span."""
    gold: list[int] = []
    pred: list[int] = []
    for row, predicted in zip(rows, spans, strict=True):
        tokens = F.tokenize(row.text)
        gold.extend(int(lab != "O") for lab in token_labels(row.text, tokens, row.spans))
        marks = [(s, e, "x") for s, e, *_ in predicted]
        pred.extend(int(lab != "O") for lab in token_labels(row.text, tokens, marks))
    return binary_prf(np.asarray(gold), np.asarray(pred))


def throughput(fn: Callable[[list[str]], object], texts: Sequence[str]) -> float:
    """Sentences per second of ``fn`` over up to ``THROUGHPUT_SENTENCES`` texts (best of 2 runs)."""
    sample = list(texts[:THROUGHPUT_SENTENCES])
    best = float("inf")
    for _ in range(2):
        t = time.perf_counter()
        fn(sample)
        best = min(best, time.perf_counter() - t)
    return len(sample) / best


class TfidfBaseline:
    """Row (c): the notes' plain TF-IDF + LR, no lexicon, no calibration."""

    def __init__(self) -> None:
        self.word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        self.lr = LogisticRegression(C=BASELINE_C, max_iter=3000)

    def fit(self, texts: list[str], y: np.ndarray) -> TfidfBaseline:
        self.lr.fit(sparse.hstack([self.word.fit_transform(texts), self.char.fit_transform(texts)]).tocsr(), y)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        x = sparse.hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()
        return np.asarray(self.lr.predict_proba(x)[:, 1])


def _fit_baseline_fold(
    train_texts: list[str], y_train: np.ndarray, test_texts: list[str], keep_model: bool
) -> tuple[np.ndarray, TfidfBaseline | None]:
    """One outer fold of row (c): its test part's probabilities (and the fitted baseline when asked for)."""
    base = TfidfBaseline().fit(train_texts, y_train)
    return base.predict_proba(test_texts), base if keep_model else None


def outer_folds(rows: Sequence[TrainRow]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The outer grouped folds every cross-validated row shares (articles never straddle train and test)."""
    groups = np.asarray([r.group for r in rows])
    y = np.asarray([r.label for r in rows])
    return list(GroupKFold(n_splits=OUTER_FOLDS).split(groups, y, groups))


def _fit_fold(
    make_model: Callable[[], LoadedModel],
    train_rows: list[TrainRow],
    test_texts: list[str],
    keep_model: bool,
    model_dir: Path | None,
) -> tuple[list[SentenceResult], float, LoadedModel | Path | None]:
    """One outer fold: fit on its training part, predict its test part.

    With ``keep_model`` the fitted model comes back too: as itself, or (from a worker process, as
    its token caches do not pickle) saved into ``model_dir`` for the caller to load.
    """
    model = make_model().fit(train_rows)
    kept: LoadedModel | Path | None = None
    if keep_model:
        kept = model.save(model_dir) if model_dir is not None else model
    return model.predict(test_texts), model.threshold, kept


def _in_parallel(n_jobs: int, jobs: Iterable[Any]) -> list[Any]:
    """Run joblib ``jobs`` in ``n_jobs`` worker processes with one BLAS thread each (1: in this process)."""
    with parallel_config(backend="loky", inner_max_num_threads=1):
        return list(Parallel(n_jobs=n_jobs)(jobs))


def cross_validate(
    rows: Sequence[TrainRow],
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    make_model: Callable[[], LoadedModel],
    n_jobs: int = 1,
) -> tuple[dict[str, Any], LoadedModel]:
    """Fit ``make_model()`` on each outer training part, score its test part; metrics and the last model.

    Each fold's own threshold decides its sentences; the metrics use the pooled decisions. With
    ``n_jobs`` > 1 the folds are fitted in that many worker processes; every fold's fit is
    independent and deterministic, so the metrics are the same as fitted one after another.
    """
    texts = [r.text for r in rows]
    y = np.asarray([r.label for r in rows])
    p = np.zeros(len(rows))
    t = np.zeros(len(rows))
    spans: list[list[tuple[int, int, str, float]]] = [[] for _ in rows]
    model: LoadedModel | None = None
    started = time.perf_counter()
    last = len(folds) - 1
    with tempfile.TemporaryDirectory(prefix="slant-eval-fold-") as scratch:
        model_dir = Path(scratch) if n_jobs != 1 else None
        outcomes = _in_parallel(
            n_jobs,
            (
                delayed(_fit_fold)(
                    make_model, [rows[i] for i in train_idx], [texts[i] for i in test_idx], k == last, model_dir
                )
                for k, (train_idx, test_idx) in enumerate(folds)
            ),
        )
        for (_, test_idx), (preds, threshold, kept) in zip(folds, outcomes, strict=True):
            for j, i in enumerate(test_idx):
                p[i] = preds[j].score
                t[i] = threshold
                spans[i] = preds[j].spans
            if kept is not None:
                model = LoadedModel.load(kept) if isinstance(kept, Path) else kept
    assert model is not None
    sent = sentence_metrics(y, p, 0.5)
    sent.update(_decision_metrics(y, (p >= t).astype(int)))
    sent["threshold"] = float(np.mean(t))
    metrics = {
        "sentence": sent,
        "token": token_gold_and_pred(rows, spans),
        "seconds": round(time.perf_counter() - started, 1),
        "scores": p,
    }
    return metrics, model


def embeddings_row(
    rows: Sequence[TrainRow],
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    settings: E.EncoderSettings,
) -> dict[str, Any]:
    """Row (a+e): (a) with MiniLM embeddings on the same folds, or why it was skipped."""
    name = "(a+e) with embeddings (MiniLM), same folds"
    if not E.is_available():
        return {"name": name, "skipped": f"embeddings extra not installed ({', '.join(E.missing_modules())})"}
    texts = [r.text for r in rows]
    encoder = E.SentenceEncoder(settings)
    started = time.perf_counter()
    cached = encoder.cached_fraction(texts)
    encoder.encode(texts)  # fills the cache once; every fold's fit and predict then reads it
    encode_seconds = time.perf_counter() - started
    metrics, model = cross_validate(rows, folds, lambda: LoadedModel(embeddings=True, encoder=encoder))
    # Throughput without the cache: a fresh encoder in the same settings, model loaded before timing.
    model.encoder = E.SentenceEncoder(E.EncoderSettings(threads=settings.threads, batch_size=settings.batch_size))
    model.predict(texts[:8])
    sample = list(texts[:EMB_THROUGHPUT_SENTENCES])
    t = time.perf_counter()
    model.predict(sample)
    rate = len(sample) / (time.perf_counter() - t)
    info = encoder.info
    return {
        "name": name,
        **metrics,
        "sent_per_s": rate,
        "encoder": {**info.as_dict(), "threads": settings.threads, "cache": str(encoder.cache_file)},
        "cached_before_run": round(cached, 3),
        "encode_seconds": round(encode_seconds, 1),
    }


def evaluate(
    babe_path: Path,
    examples: str,
    default_model: Path | None = None,
    encoder_settings: E.EncoderSettings | None = None,
    n_jobs: int = 1,
) -> dict[str, Any]:
    """Run rows (a), (a+e) (when ``encoder_settings`` is given), (b), (c) and return their metrics.

    ``n_jobs`` worker processes fit the outer folds of (a) and (c) (same metrics as one process).
    """
    rows = read_babe(babe_path)
    texts = [r.text for r in rows]
    y = np.asarray([r.label for r in rows])
    folds = outer_folds(rows)
    results: dict[str, Any] = {}

    metrics_a, lm = cross_validate(rows, folds, LoadedModel, n_jobs)
    results["a"] = {
        "name": "(a) LoadedModel, BABE dev 5-fold GroupKFold(news_link)",
        **metrics_a,
        "sent_per_s": throughput(lambda ts: lm.predict(ts), texts),
    }
    if encoder_settings is not None:
        results["a+e"] = embeddings_row(rows, folds, encoder_settings)

    # (c) on the same outer folds
    p_c = np.zeros(len(rows))
    base: TfidfBaseline | None = None
    last = len(folds) - 1
    outcomes = _in_parallel(
        n_jobs,
        (
            delayed(_fit_baseline_fold)(
                [texts[i] for i in train_idx], y[train_idx], [texts[i] for i in test_idx], k == last
            )
            for k, (train_idx, test_idx) in enumerate(folds)
        ),
    )
    for (_, test_idx), (p_fold, fold_base) in zip(folds, outcomes, strict=True):
        p_c[test_idx] = p_fold
        base = fold_base if fold_base is not None else base
    assert base is not None
    bm = base
    results["c"] = {
        "name": "(c) TF-IDF word1-2+char_wb2-5 -> LR (C=0.5), same folds",
        "sentence": sentence_metrics(y, p_c, 0.5),
        "token": None,
        "sent_per_s": throughput(lambda ts: bm.predict_proba(ts), texts),
    }

    # (b) the default model, trained on the project's examples only
    started = time.perf_counter()
    model_b = (
        LoadedModel.load(default_model)
        if default_model
        else LoadedModel(token_precision=DEFAULT_TOKEN_PRECISION).fit(read_jsonl(examples))
    )
    preds_b = model_b.predict(texts)
    p_b = np.asarray([r.score for r in preds_b])
    results["b"] = {
        "name": "(b) default model (examples-*.jsonl only) on all BABE dev",
        "sentence": sentence_metrics(y, p_b, model_b.threshold),
        "token": token_gold_and_pred(rows, [r.spans for r in preds_b]),
        "sent_per_s": throughput(lambda ts: model_b.predict(ts), texts),
        "seconds": round(time.perf_counter() - started, 1),
    }
    results["targets"] = TARGETS
    results["data"] = {"babe": str(babe_path), "rows": len(rows), "positives": int(y.sum()), "examples": examples}
    return results


def _decision_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """P, R, F1, macro-F1 of hard decisions (the threshold-dependent part of ``sentence_metrics``)."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    return {
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
    }


def format_table(results: dict[str, Any]) -> str:
    """The results as one fixed-width table."""
    head = (
        f"{'method':<60} {'P':>6} {'R':>6} {'mF1':>6} {'AUC':>6} {'Brier':>6} {'ECE':>6}"
        f" {'tokP':>6} {'tokR':>6} {'tokF1':>6} {'sent/s':>7}"
    )
    lines = [head, "-" * len(head)]
    for key in ROW_ORDER:
        if key not in results:
            continue
        r = results[key]
        if "skipped" in r:
            lines.append(f"{r['name']:<60} skipped: {r['skipped']}")
            continue
        s = r["sentence"]
        tok = r["token"]
        tp = [f"{tok[k]:6.3f}" for k in ("precision", "recall", "f1")] if tok else ["     -"] * 3
        lines.append(
            f"{r['name']:<60} {s['precision']:6.3f} {s['recall']:6.3f} {s['macro_f1']:6.3f} {s['roc_auc']:6.3f}"
            f" {s['brier']:6.3f} {s['ece']:6.3f} {' '.join(tp)} {r['sent_per_s']:7.0f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the loaded-language model on BABE dev.")
    parser.add_argument("--babe", type=Path, default=DEFAULT_BABE)
    parser.add_argument("--examples", default=DEFAULT_EXAMPLES)
    parser.add_argument("--default-model", type=Path, default=None, help="saved model dir for row (b)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--no-embeddings", action="store_true", help="skip row (a+e) even if the extra is installed")
    parser.add_argument("--embedding-cache", type=Path, default=DEFAULT_EMBEDDING_CACHE, help="embedding cache dir")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for row (a+e) (default 1)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for the outer folds (default 1)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if a row is under its floor in {FLOORS.name}")
    args = parser.parse_args(argv)
    settings = None if args.no_embeddings else E.EncoderSettings(threads=args.threads, cache_dir=args.embedding_cache)
    results = evaluate(args.babe, args.examples, args.default_model, settings, args.jobs)
    print(format_table(results))
    if args.json is not None:
        slim = {k: {kk: vv for kk, vv in v.items() if kk != "scores"} for k, v in results.items()}
        args.json.write_text(json.dumps(slim, indent=2, default=float) + "\n", encoding="utf-8")
    if args.check:
        failures = check_floors(results, json.loads(FLOORS.read_text(encoding="utf-8"))["loaded"])
        for line in failures:
            print(f"FLOOR: {line}")
        return 1 if failures else 0
    return 0


def check_floors(results: dict[str, Any], floor: dict[str, Any]) -> list[str]:
    """The floors in ``floors.json["loaded"]`` that ``results`` misses (rows that were not run are not checked)."""
    checks = [
        ("a", "sentence", "macro_f1", "a_macro_f1", False),
        ("a", "sentence", "ece", "a_ece_max", True),
        ("a", "token", "f1", "a_token_f1", False),
        ("b", "sentence", "macro_f1", "b_macro_f1", False),
        ("a+e", "sentence", "macro_f1", "ae_macro_f1", False),
        ("a+e", "sentence", "ece", "ae_ece_max", True),
        ("a+e", "token", "f1", "ae_token_f1", False),
    ]
    failures = []
    for row, part, metric, key, is_max in checks:
        result = results.get(row)
        if key not in floor or not result or "skipped" in result:
            continue
        value = float(result[part][metric])
        if (value > floor[key]) if is_max else (value < floor[key]):
            failures.append(f"({row}) {part} {metric} {value:.3f} {'over' if is_max else 'under'} {floor[key]}")
    return failures


if __name__ == "__main__":
    raise SystemExit(main())
