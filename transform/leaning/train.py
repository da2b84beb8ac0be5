"""Readers for labelled texts and the ``train`` entry point for leaning models.

``slant train leaning --dataset allsides|hyperpartisan|jsonl --path FILE --out DIR``

- AllSides (Baly et al. 2020; ``{"text", "title", "label", "source", "source_domain", "authors"}``):
  left / center / right. The outlet is the domain; its name, domain, domain stem and the article's
  authors are stripped from the text before training.
- Hyperpartisan (SemEval-2019 by-article; ``{"text", "title", "label", "source_domain"}``):
  hyperpartisan / not_hyperpartisan, outlet = publisher domain.
- JSONL, the project's own format (``transform/training/leaning/examples-*.jsonl``)::

      {"text": "...", "label": "left|center|right", "outlet": "...", "title": "..."}

  ``outlet`` is optional; without it every line counts as its own outlet.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from transform.leaning.model import LeaningExample, LeaningModel
from transform.loaded.train import resolve_paths, sha256_files

DATASETS = ("allsides", "hyperpartisan", "jsonl")
DEFAULT_EXAMPLES = str(Path(__file__).resolve().parents[1] / "training" / "leaning" / "examples-*.jsonl")


def _records(path: str | Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for file in resolve_paths(path):
        out.extend(json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip())
    return out


def outlet_names(rec: dict[str, Any]) -> tuple[str, ...]:
    """Strings that name a row's outlet: source name, domain, domain stem, authors."""
    domain = str(rec.get("source_domain") or "")
    names = [str(rec.get("source") or ""), domain, domain.split(".")[0]]
    names.extend(a.strip() for a in str(rec.get("authors") or "").split(","))
    return tuple(n for n in names if len(n.strip()) > 2)


def read_allsides(path: str | Path) -> list[LeaningExample]:
    return [
        LeaningExample(r["text"], r["label"], r["source_domain"], r.get("title"), outlet_names(r))
        for r in _records(path)
    ]


def read_hyperpartisan(path: str | Path) -> list[LeaningExample]:
    return [
        LeaningExample(r["text"], r["label"], r["source_domain"], r.get("title"), outlet_names(r))
        for r in _records(path)
    ]


def read_jsonl(path: str | Path) -> list[LeaningExample]:
    out: list[LeaningExample] = []
    for rec in _records(path):
        outlet = str(rec.get("outlet") or "")
        out.append(LeaningExample(rec["text"], rec["label"], outlet, rec.get("title"), (outlet,) if outlet else ()))
    return out


def read_dataset(dataset: str, path: str | Path) -> list[LeaningExample]:
    """Dispatch on ``allsides`` / ``hyperpartisan`` / ``jsonl``."""
    if dataset == "allsides":
        return read_allsides(path)
    if dataset == "hyperpartisan":
        return read_hyperpartisan(path)
    if dataset == "jsonl":
        return read_jsonl(path)
    raise ValueError(f"unknown leaning dataset {dataset!r}; expected one of {DATASETS}")


def train(
    examples: Sequence[LeaningExample],
    out_dir: str | Path | None = None,
    *,
    data_path: str | Path | None = None,
    dataset: str = "jsonl",
    **model_kwargs: Any,
) -> LeaningModel:
    """Fit a ``LeaningModel``; when ``out_dir`` is given, save it with its model card."""
    started = time.perf_counter()
    model = LeaningModel(**model_kwargs).fit(examples)
    seconds = time.perf_counter() - started
    if out_dir is not None:
        paths = resolve_paths(data_path) if data_path is not None else []
        model.save(
            out_dir,
            {
                "model": "slant leaning: outlet-filtered TF-IDF + style cues -> LR",
                "dataset": dataset,
                "training_data": {
                    "path": str(data_path) if data_path is not None else None,
                    "files": [str(p) for p in paths],
                    "sha256": sha256_files(paths) if paths else None,
                },
                "rows": {
                    "total": len(examples),
                    **dict(Counter(e.label for e in examples)),
                    "outlets": len({e.outlet for e in examples if e.outlet}),
                },
                "train_seconds": round(seconds, 2),
            },
        )
    return model


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dataset", choices=DATASETS, default="jsonl")
    parser.add_argument("--path", default=DEFAULT_EXAMPLES, help="file, directory or glob")
    parser.add_argument("--out", required=True, help="model directory to write")
    args = parser.parse_args(argv)
    examples = read_dataset(args.dataset, args.path)
    model = train(examples, args.out, data_path=args.path, dataset=args.dataset)
    json.dump({"rows": len(examples), "labels": list(model.classes)}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
