"""Readers for labelled mentions and the ``train`` entry point for stance models.

``slant train stance --dataset newsmtsc|ibm|jsonl --path FILE --out DIR [--embeddings]``

- NewsMTSC (``{"sentence_id", "sentence", "target", "from", "to", "label"}``): one row per mention;
  the other targets of the same sentence are masked as ``OTHER``. Groups are sentences, so the rows
  of one sentence never straddle a CV fold.
- IBM claim stance (``{"claim", "topic", "target", "label", "orig_split", "topic_id"}``): the label
  is the claim's stance toward the *motion* ("This house would ban boxing"). A model learns stance
  toward the motion's target ("boxing"), so the label is flipped when the motion opposes its target
  (``motion_polarity``), and flipped back when scoring. Claims seldom name the target: the target's
  words are masked where they occur and the context has no mention offsets. Groups are topics.
  ``splits`` keeps only rows of those official splits (``("train",)`` for the unseen-topic setup).
- JSONL, the project's own format (``transform/training/stance/examples-*.jsonl``)::

      {"text": "...", "target": "Labour", "mention": [start, end], "label": "favor|against|neither",
       "voice": "author|quoted", "others": [[s, e], ...], "group": "..."}

  ``mention`` may be omitted (then ``target`` is looked for in the text, and masked wherever it
  occurs); ``group`` defaults to blocks of ``JSONL_GROUP_BLOCK`` lines, since neighbouring lines
  were written as one story.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from transform.loaded.train import resolve_paths, sha256_files
from transform.stance.features import MentionContext
from transform.stance.model import LABELS, StanceExample, StanceModel

JSONL_GROUP_BLOCK = 10  # lines per CV group in JSONL files: consecutive lines share a story
DEFAULT_EXAMPLES = str(Path(__file__).resolve().parents[1] / "training" / "stance" / "examples-*.jsonl")
DATASETS = ("newsmtsc", "ibm", "jsonl")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "for",
        "on",
        "and",
        "or",
        "is",
        "are",
        "be",
        "by",
        "with",
        "that",
        "this",
        "its",
        "it",
        "their",
        "as",
        "at",
        "from",
        "all",
    ]
)
# A motion that bans, abolishes, limits or rejects its target ("should not be absolute") opposes it.
_AGAINST_TARGET = re.compile(
    r"\b(?:ban|banned|banning|bans|abolish\w*|not|never|forbid\w*|prohibit\w*|restrict\w*|limit|limiting|weaken\w*|"
    r"lift|disband\w*|criminali[sz]\w*|criminal offence|harmful|scrap\w*|end|oppose\w*|reject\w*|outlaw\w*)\b",
    re.I,
)
_FLIP = {"favor": "against", "against": "favor", "neither": "neither"}


def motion_polarity(topic: str, target: str) -> int:
    """+1 when the motion ``topic`` supports its ``target``, -1 when it opposes it.

    The words outside the target's own span decide: "This house would ban boxing" opposes
    "boxing". (It agrees with IBM's own ``topic_sentiment`` on all 55 topics.)
    """
    i = topic.casefold().find(target.casefold())
    outside = topic if i < 0 else topic[:i] + " " + topic[i + len(target) :]
    return -1 if _AGAINST_TARGET.search(outside) else 1


def flip(label: str) -> str:
    """favor <-> against; neither stays."""
    return _FLIP[label]


def target_words(target: str) -> tuple[str, ...]:
    """Content words of a target's name, longest first (masked wherever they occur)."""
    words = {w for w in re.findall(r"\w+", target.casefold()) if w not in _STOP and len(w) > 2}
    return tuple(sorted(words, key=len, reverse=True))


def read_newsmtsc(path: str | Path) -> list[StanceExample]:
    """Rows of a NewsMTSC JSON-lines file (see the module docstring)."""
    records = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    spans: dict[str, set[tuple[int, int]]] = {}
    for rec in records:
        spans.setdefault(rec["sentence_id"], set()).add((int(rec["from"]), int(rec["to"])))
    out: list[StanceExample] = []
    for rec in records:
        own = (int(rec["from"]), int(rec["to"]))
        others = tuple(sorted(s for s in spans[rec["sentence_id"]] if s != own))
        ctx = MentionContext(rec["sentence"], own[0], own[1], others, target=rec["target"])
        out.append(StanceExample(ctx, rec["label"], rec["sentence_id"]))
    return out


def ibm_context(claim: str, target: str) -> MentionContext:
    """A claim as a context: no mention offsets, the target's words masked."""
    return MentionContext(claim, target_words=target_words(target), target=target)


def _sign(value: object) -> int:
    """+1 / -1 from IBM's "1" / "-1" annotation strings; 0 for a blank or missing one."""
    try:
        v = float(str(value))
    except ValueError:
        return 0
    return 1 if v > 0 else -1 if v < 0 else 0


def read_ibm(path: str | Path, splits: Sequence[str] | None = None) -> list[StanceExample]:
    """IBM claims as stance toward the motion's target (labels flipped for opposing motions)."""
    out: list[StanceExample] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        if splits is not None and rec.get("orig_split") not in splits:
            continue
        label = rec["label"] if motion_polarity(rec["topic"], rec["target"]) > 0 else flip(rec["label"])
        out.append(
            StanceExample(
                ibm_context(rec["claim"], rec["target"]),
                label,
                f"topic:{rec['topic_id']}",
                claim_sentiment=_sign(rec.get("claim_sentiment")),
            )
        )
    return out


def _find(text: str, target: str) -> tuple[int, int]:
    m = re.search(r"(?<!\w)" + re.escape(target) + r"(?!\w)", text)
    return (m.start(), m.end()) if m else (-1, -1)


def read_jsonl(path: str | Path) -> list[StanceExample]:
    """Rows of one or more JSONL files in the project's format (see the module docstring)."""
    out: list[StanceExample] = []
    for file in resolve_paths(path):
        for idx, line in enumerate(file.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            rec = json.loads(line)
            label = rec["label"]
            if label not in LABELS:
                raise ValueError(f"{file}: line {idx + 1}: field 'label': expected one of {LABELS}, got {label!r}")
            text = rec["text"]
            start, end = rec["mention"] if rec.get("mention") else _find(text, rec["target"])
            ctx = MentionContext(
                text,
                int(start),
                int(end),
                tuple((int(s), int(e)) for s, e in rec.get("others", [])),
                target_words=() if start >= 0 else target_words(rec["target"]),
                is_quote=rec.get("voice") == "quoted",
                target=rec["target"],
            )
            out.append(StanceExample(ctx, label, rec.get("group") or f"{file.stem}:{idx // JSONL_GROUP_BLOCK}"))
    return out


def read_dataset(dataset: str, path: str | Path) -> list[StanceExample]:
    """Dispatch on ``newsmtsc`` / ``ibm`` / ``jsonl``. IBM keeps its official train topics only."""
    if dataset == "newsmtsc":
        return read_newsmtsc(path)
    if dataset == "ibm":
        return read_ibm(path, splits=("train",))
    if dataset == "jsonl":
        return read_jsonl(path)
    raise ValueError(f"unknown stance dataset {dataset!r}; expected one of {DATASETS}")


def train(
    examples: Sequence[StanceExample],
    out_dir: str | Path | None = None,
    *,
    data_path: str | Path | None = None,
    dataset: str = "jsonl",
    **model_kwargs: Any,
) -> StanceModel:
    """Fit a ``StanceModel``; when ``out_dir`` is given, save it with its model card."""
    started = time.perf_counter()
    model = StanceModel(**model_kwargs).fit(examples)
    seconds = time.perf_counter() - started
    if out_dir is not None:
        paths = resolve_paths(data_path) if data_path is not None else []
        counts = {label: sum(e.label == label for e in examples) for label in LABELS}
        model.save(
            out_dir,
            {
                "model": "slant stance: mention-level TF-IDF + cues"
                + (" + MiniLM window / claim-target embeddings" if model.embeddings else "")
                + (" + auxiliary claim-sentiment model" if model.has_aux else "")
                + " -> LR",
                "dataset": dataset,
                "training_data": {
                    "path": str(data_path) if data_path is not None else None,
                    "files": [str(p) for p in paths],
                    "sha256": sha256_files(paths) if paths else None,
                },
                "rows": {"total": len(examples), **counts, "groups": len({e.group for e in examples})},
                "train_seconds": round(seconds, 2),
            },
        )
    return model


def examples_digest(pattern: str = DEFAULT_EXAMPLES) -> str:
    """First 12 hex digits of sha256 over the default examples (names the default model's build)."""
    return hashlib.sha256(b"".join(p.read_bytes() for p in resolve_paths(pattern))).hexdigest()[:12]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dataset", choices=DATASETS, default="jsonl")
    parser.add_argument("--path", default=DEFAULT_EXAMPLES, help="file, directory or glob")
    parser.add_argument("--out", required=True, help="model directory to write")
    parser.add_argument("--embeddings", action="store_true", help="add MiniLM sentence embeddings (needs the extra)")
    parser.add_argument("--embedding-cache", type=Path, default=None, help="embedding cache directory")
    args = parser.parse_args(argv)
    encoder = None
    if args.embeddings:  # built first, so a missing extra is reported before any training
        from transform.embeddings import EncoderSettings, SentenceEncoder

        encoder = SentenceEncoder(EncoderSettings(cache_dir=args.embedding_cache))
    examples = read_dataset(args.dataset, args.path)
    model = train(
        examples, args.out, data_path=args.path, dataset=args.dataset, embeddings=args.embeddings, encoder=encoder
    )
    json.dump({"rows": len(examples), "labels": list(model.classes)}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
