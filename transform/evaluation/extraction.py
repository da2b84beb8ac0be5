"""Main-text extraction quality on the Zyte/Scrapinghub article-extraction-benchmark.

Run as ``python -m transform.evaluation.extraction [--corpus DIR] [--json FILE] [--check]``.

Two extractors are scored in the same process, on the same decoded HTML, in alternating order:

- ``slant``: ``transform.clean.clean_page(...).text``, the code path of the nightly flow;
- ``trafilatura``: bare ``trafilatura.extract(html, include_comments=False)``, the call the
  benchmark's own trafilatura row makes (optionally ``trafilatura-defaults``: ``extract(html)``
  with every default, which keeps reader comments in the text).

The metric is the benchmark's (re-implemented here from its description, no code copied):

- prediction and gold ``articleBody`` are split into ``\\w+`` tokens, the tokens into 4-gram
  shingles; shingles are matched as multisets, giving TP/FP/FN per document;
- each document's TP/FP/FN is divided by their sum, so every document weighs the same;
- a text of 1-3 tokens is one shingle (the whole token tuple), as upstream does; an empty text has
  no shingles, so an empty prediction scores TP=0, FP=0, FN=1; if both sides are empty the
  document scores TP=1 (upstream would leave it out of both means; no gold text here is empty);
- precision is averaged over the documents that have predicted shingles (an empty prediction
  has no precision and, as upstream, is left out of that mean; it costs recall), recall over the
  documents that have gold shingles; F1 is the harmonic mean of the two averages;
- spread: the standard deviation over 1000 bootstrap resamples of the documents, with a fixed
  seed, the same resamples for every extractor (upstream's README prints 1.96 times this as "±").
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura
from rich.console import Console
from rich.table import Table

from extract.decode import decode_body
from extract.errors import ParseError
from transform.clean import clean_page
from transform.evaluation import FLOORS_PATH, load_floor

DEFAULT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "article-extraction-benchmark"
FLOOR_NAME = "extraction"
NGRAM = 4
N_BOOTSTRAP = 1000
SEED = 20261201
FETCHED_AT = datetime(2026, 12, 1, tzinfo=UTC)  # a fixed "now": only the dates depend on it, never the text
_TOKEN = re.compile(r"\w+")

Shingles = Counter[tuple[str, ...]]


@dataclass(frozen=True)
class BenchDoc:
    """One benchmark page: its id (the HTML file's name), URL, decoded HTML and gold article body."""

    item_id: str
    url: str
    html: str
    truth: str


@dataclass(frozen=True)
class Counts:
    """A document's shingle TP/FP/FN, normalised to sum to 1."""

    tp: float
    fp: float
    fn: float


@dataclass(frozen=True)
class Scores:
    """Precision and recall averaged over documents, and F1, their harmonic mean."""

    precision: float
    recall: float
    f1: float


@dataclass
class ToolResult:
    """Everything measured for one extractor over the corpus."""

    name: str
    description: str
    precision: float
    recall: float
    f1: float
    precision_std: float
    recall_std: float
    f1_std: float
    documents: int
    empty: int
    errors: int
    wall_s: float
    cpu_s: float
    median_ms_wall: float
    docs_per_s_wall: float
    docs_per_s_cpu: float
    per_document: dict[str, list[float]] = field(default_factory=dict)
    error_messages: dict[str, str] = field(default_factory=dict)


Extractor = Callable[[BenchDoc], str]


def tokens(text: str) -> list[str]:
    """The benchmark's tokens: every ``\\w+`` run."""
    return _TOKEN.findall(text or "")


def shingles(text: str, n: int = NGRAM) -> Shingles:
    """Multiset of ``n``-token shingles; a text of 1 to n-1 tokens is one (shorter) shingle."""
    toks = tokens(text)
    if len(toks) < n:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


def match(truth: str, prediction: str, n: int = NGRAM) -> Counts:
    """Shingle TP/FP/FN of ``prediction`` against ``truth``, normalised to sum to 1."""
    gold, pred = shingles(truth, n), shingles(prediction, n)
    if not gold and not pred:
        return Counts(1.0, 0.0, 0.0)
    tp = sum((gold & pred).values())
    fp = sum((pred - gold).values())
    fn = sum((gold - pred).values())
    total = tp + fp + fn
    return Counts(tp / total, fp / total, fn / total)


def scores(counts: Sequence[Counts]) -> Scores:
    """Document-averaged precision and recall (as upstream, see the module docstring) and their F1."""
    precisions = [c.tp / (c.tp + c.fp) for c in counts if c.tp + c.fp > 0]
    recalls = [c.tp / (c.tp + c.fn) for c in counts if c.tp + c.fn > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return Scores(precision, recall, f1)


def bootstrap_samples(n_docs: int, n_resamples: int = N_BOOTSTRAP, seed: int = SEED) -> list[list[int]]:
    """``n_resamples`` lists of ``n_docs`` document indices drawn with replacement, reproducibly."""
    rng = random.Random(seed)
    return [[rng.randrange(n_docs) for _ in range(n_docs)] for _ in range(n_resamples)]


def bootstrap_std(counts: Sequence[Counts], samples: Sequence[Sequence[int]]) -> Scores:
    """Standard deviation of precision, recall and F1 over the bootstrap resamples."""
    resampled = [scores([counts[i] for i in idx]) for idx in samples]
    if len(resampled) < 2:
        return Scores(0.0, 0.0, 0.0)
    return Scores(
        statistics.stdev(s.precision for s in resampled),
        statistics.stdev(s.recall for s in resampled),
        statistics.stdev(s.f1 for s in resampled),
    )


def load_corpus(corpus: Path = DEFAULT_CORPUS, ids: Sequence[str] | None = None) -> list[BenchDoc]:
    """The benchmark's pages (all, or those in ``ids``), in id order, decoded as the nightly flow decodes."""
    truth: dict[str, dict[str, str]] = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    wanted = sorted(truth) if ids is None else list(ids)
    docs = []
    for item_id in wanted:
        raw = gzip.decompress((corpus / "html" / f"{item_id}.html.gz").read_bytes())
        html = decode_body(raw, "text/html")  # the pages are UTF-8; same result as upstream's utf8 read
        docs.append(BenchDoc(item_id, truth[item_id].get("url", ""), html, truth[item_id].get("articleBody", "")))
    return docs


def slant_text(doc: BenchDoc) -> str:
    """Our cleaner's text; a page it rejects (``ParseError``) is an empty prediction."""
    try:
        return clean_page(doc.html, doc.url, fetched_at=FETCHED_AT).text
    except ParseError:
        return ""


def trafilatura_benchmark_text(doc: BenchDoc) -> str:
    """The benchmark's trafilatura row: ``extract(html, include_comments=False)``."""
    return trafilatura.extract(doc.html, include_comments=False) or ""


def trafilatura_defaults_text(doc: BenchDoc) -> str:
    """``trafilatura.extract(html)`` with every default (reader comments are kept)."""
    return trafilatura.extract(doc.html) or ""


EXTRACTORS: dict[str, tuple[Extractor, str]] = {
    "slant": (slant_text, "transform.clean.clean_page(...).text"),
    "trafilatura": (
        trafilatura_benchmark_text,
        f"trafilatura {trafilatura.__version__} extract(include_comments=False)",
    ),
    "trafilatura-defaults": (trafilatura_defaults_text, f"trafilatura {trafilatura.__version__} extract() defaults"),
}
DEFAULT_TOOLS = ("slant", "trafilatura")


def evaluate(
    docs: Sequence[BenchDoc],
    tools: Sequence[str] = DEFAULT_TOOLS,
    n_bootstrap: int = N_BOOTSTRAP,
    seed: int = SEED,
    warm_up: bool = True,
) -> dict[str, ToolResult]:
    """Score every extractor in ``tools`` on ``docs``, timing each call.

    Extractors take turns going first (document i starts with tool ``i mod len(tools)``) so that
    cache and load effects fall evenly. With ``warm_up``, each extractor first runs once, untimed,
    on the first document, so one-off costs (lazy imports, the language model's load) are not counted.
    """
    if not docs:
        raise ValueError("no documents to evaluate")
    chosen = [(name, *EXTRACTORS[name]) for name in tools]
    if warm_up:
        for _, extractor, _ in chosen:
            with contextlib.suppress(Exception):  # the timed run records the failure
                extractor(docs[0])
    counts: dict[str, list[Counts]] = {name: [] for name in tools}
    wall: dict[str, list[float]] = {name: [] for name in tools}
    cpu: dict[str, list[float]] = {name: [] for name in tools}
    empty = dict.fromkeys(tools, 0)
    errors: dict[str, dict[str, str]] = {name: {} for name in tools}
    for i, doc in enumerate(docs):
        turn = i % len(chosen)
        for name, extractor, _ in chosen[turn:] + chosen[:turn]:
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                text = extractor(doc)
            except Exception as exc:  # noqa: BLE001 - an extractor crash is an empty prediction, and reported
                text = ""
                errors[name][doc.item_id] = f"{type(exc).__name__}: {exc}"
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
            empty[name] += not tokens(text)
            counts[name].append(match(doc.truth, text))
    samples = bootstrap_samples(len(docs), n_bootstrap, seed)
    results = {}
    for name, _, description in chosen:
        mean, std = scores(counts[name]), bootstrap_std(counts[name], samples)
        wall_s, cpu_s = sum(wall[name]), sum(cpu[name])
        results[name] = ToolResult(
            name=name,
            description=description,
            precision=mean.precision,
            recall=mean.recall,
            f1=mean.f1,
            precision_std=std.precision,
            recall_std=std.recall,
            f1_std=std.f1,
            documents=len(docs),
            empty=empty[name],
            errors=len(errors[name]),
            wall_s=wall_s,
            cpu_s=cpu_s,
            median_ms_wall=1000 * statistics.median(wall[name]),
            docs_per_s_wall=len(docs) / wall_s if wall_s else float("inf"),
            docs_per_s_cpu=len(docs) / cpu_s if cpu_s else float("inf"),
            per_document={d.item_id: [c.tp, c.fp, c.fn] for d, c in zip(docs, counts[name], strict=True)},
            error_messages=errors[name],
        )
    return results


def f1_difference_std(a: ToolResult, b: ToolResult, n_bootstrap: int = N_BOOTSTRAP, seed: int = SEED) -> float:
    """Bootstrap standard deviation of ``a.f1 - b.f1`` (paired: the same resamples for both)."""
    ids = list(a.per_document)
    ca = [Counts(*a.per_document[i]) for i in ids]
    cb = [Counts(*b.per_document[i]) for i in ids]
    diffs = [
        scores([ca[i] for i in idx]).f1 - scores([cb[i] for i in idx]).f1
        for idx in bootstrap_samples(len(ids), n_bootstrap, seed)
    ]
    return statistics.stdev(diffs) if len(diffs) > 1 else 0.0


def render(results: dict[str, ToolResult], console: Console) -> None:
    """Print the results as one table, with what each row ran as the caption."""
    any_result = next(iter(results.values()))
    table = Table(
        title=f"article-extraction-benchmark: {any_result.documents} documents, 4-gram shingle metric",
        caption="; ".join(f"{r.name} = {r.description}" for r in results.values()),
    )
    for column in ("tool", "P", "R", "F1 ± std", "docs/s wall", "docs/s CPU", "median ms/doc", "empty", "errors"):
        table.add_column(column, justify="left" if column == "tool" else "right")
    for r in results.values():
        table.add_row(
            r.name,
            f"{r.precision:.3f}",
            f"{r.recall:.3f}",
            f"{r.f1:.3f} ± {r.f1_std:.3f}",
            f"{r.docs_per_s_wall:.1f}",
            f"{r.docs_per_s_cpu:.1f}",
            f"{r.median_ms_wall:.1f}",
            str(r.empty),
            str(r.errors),
        )
    console.print(table)


def _report(results: dict[str, ToolResult], corpus: Path) -> dict[str, Any]:
    report: dict[str, Any] = {
        "evaluation": FLOOR_NAME,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus": str(corpus),
        "trafilatura": trafilatura.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "ngram": NGRAM,
        "n_bootstrap": N_BOOTSTRAP,
        "seed": SEED,
        "results": {name: asdict(r) for name, r in results.items()},
    }
    if "slant" in results and "trafilatura" in results:
        report["slant_minus_trafilatura_f1"] = results["slant"].f1 - results["trafilatura"].f1
        report["slant_minus_trafilatura_f1_std"] = f1_difference_std(results["slant"], results["trafilatura"])
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: evaluate, print the table, optionally write JSON and check the pinned floor."""
    parser = argparse.ArgumentParser(
        prog="python -m transform.evaluation.extraction", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="article-extraction-benchmark folder")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results (and per-document counts) here")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 if slant's F1 is below the floor in {FLOORS_PATH.name}"
    )
    parser.add_argument(
        "--tools",
        default=",".join(DEFAULT_TOOLS),
        help=f"comma-separated, from: {', '.join(EXTRACTORS)} (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in EXTRACTORS]
    if unknown or not tools:
        parser.error(f"unknown tools {unknown}; choose from {', '.join(EXTRACTORS)}")
    if args.check and "slant" not in tools:
        parser.error("--check needs the slant extractor in --tools")
    if not (args.corpus / "ground-truth.json").exists():
        print(f"{args.corpus}: no ground-truth.json; pass --corpus", file=sys.stderr)
        return 2
    console = Console(width=None if sys.stdout.isatty() else 120)  # piped output: do not wrap at 80
    results = evaluate(load_corpus(args.corpus), tools)
    render(results, console)
    report = _report(results, args.corpus)
    if "slant_minus_trafilatura_f1" in report:
        console.print(
            f"slant − trafilatura F1: {report['slant_minus_trafilatura_f1']:+.4f}"
            f" ± {report['slant_minus_trafilatura_f1_std']:.4f} (paired bootstrap std)"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.check:
        floor = float(load_floor(FLOOR_NAME)["f1"])
        ours = results["slant"].f1
        if ours < floor:
            console.print(f"[red]FAIL[/red]: slant F1 {ours:.4f} is below the pinned floor {floor:.4f} ({FLOORS_PATH})")
            return 1
        console.print(f"OK: slant F1 {ours:.4f} ≥ pinned floor {floor:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
