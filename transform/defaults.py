"""The shipped default stance and leaning models: trained only on the project's own examples.

Like the loaded-language default (``transform.classify.default_model``), they are built on first
use from the JSONL files that ship with the package, into a cache directory, and named by the
digest of those files; training takes seconds and is deterministic, so no pickle tied to library
versions is shipped.

Their hyper-parameters differ from ``slant train``'s (chosen on NewsMTSC and AllSides): a few
hundred short sentences need stronger regularisation and a lighter dense block.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from transform.leaning.train import DEFAULT_EXAMPLES as LEANING_EXAMPLES
from transform.leaning.train import read_jsonl as read_leaning
from transform.leaning.train import train as train_leaning
from transform.loaded.train import resolve_paths
from transform.stance.train import DEFAULT_EXAMPLES as STANCE_EXAMPLES
from transform.stance.train import read_jsonl as read_stance
from transform.stance.train import train as train_stance

# Grouped 5-fold CV on the project's 526 stance sentences: C 0.5 / dense 0.25 -> 0.724 macro-F1,
# C 1 / dense 1 (the NewsMTSC setting) -> 0.716, and the lighter dense block stops VADER's
# whole-sentence valence overruling blog sarcasm.
STANCE_PARAMS = {"c": 0.5, "dense_weight": 0.25}
# The project's examples have no outlets (each line counts as one), so the outlet filter becomes a
# document-frequency filter; 2 keeps the vocabulary of 120 short passages usable.
LEANING_PARAMS = {"min_outlets": 2}


def _digest(pattern: str) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in resolve_paths(pattern))).hexdigest()[:12]


def default_stance_model(cache_dir: Path) -> Path:
    """The default stance model directory, built into ``cache_dir`` when missing."""
    target = cache_dir / f"stance-default-{_digest(STANCE_EXAMPLES)}"
    if not (target / "model_card.json").exists():
        train_stance(read_stance(STANCE_EXAMPLES), target, data_path=STANCE_EXAMPLES, dataset="jsonl", **STANCE_PARAMS)
    return target


def default_leaning_model(cache_dir: Path) -> Path:
    """The default leaning model directory, built into ``cache_dir`` when missing."""
    target = cache_dir / f"leaning-default-{_digest(LEANING_EXAMPLES)}"
    if not (target / "model_card.json").exists():
        train_leaning(
            read_leaning(LEANING_EXAMPLES), target, data_path=LEANING_EXAMPLES, dataset="jsonl", **LEANING_PARAMS
        )
    return target


def model_version(model_dir: Path) -> str:
    """``<task>-<first 12 hex of the training data's sha256>`` from a model card (stance or leaning)."""
    card = json.loads((Path(model_dir) / "model_card.json").read_text(encoding="utf-8"))
    digest = str(card.get("training_data", {}).get("sha256") or hashlib.sha256(json.dumps(card).encode()).hexdigest())
    return f"{card.get('task', 'model')}-{card.get('dataset', 'data')}-{digest[:12]}"
