"""Post-level stance on the project's own annotated blog posts, and the fit of the aggregation rule.

The mention classifier is trained and evaluated on sentences (``make eval-stance``); what users
query is the *post's* stance toward a target, which ``transform.stance.label.aggregate`` derives
from the mentions with an abstention rule (``AggregationRule``: the net-stance threshold, the
evidence mass and the author's share below which it abstains). This module measures that rule on
``transform/training/stance-posts`` (posts the project wrote, each target labelled with the
author's stance; fictional people) and fits its three numbers by grid search:

- ``evaluate`` scores one rule (macro-F1 over favor / against / neither, per-class F1);
- ``fit`` picks the rule with the best macro-F1 on the given posts;
- ``cross_validate`` refits on all files but one and scores the one left out, file by file, so
  the figure reported for the fitted rule is not measured on the posts that chose it.

Run: ``python -m transform.evaluation.stance_posts`` (part of ``make eval-stance``).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, f1_score

from transform.clean import CleanPost, Paragraph
from transform.process import prepare_post
from transform.stance.label import DEFAULT_RULE, AggregationRule, MentionStance, aggregate, label_stances
from transform.stance.model import StanceModel
from transform.targets import Target, plain_target

POSTS_DIR = Path(__file__).resolve().parents[1] / "training" / "stance-posts"
LABELS = ("favor", "against", "neither")
# The grid the rule is fitted on: wide enough to hold every setting that made sense by hand
# (tau 0.15, e_min 0.5, share 0.3), fine enough that neighbouring values differ by a few posts.
TAUS = tuple(round(0.02 * i, 2) for i in range(16))  # 0.00 .. 0.30
E_MINS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8)
SHARES = (0.1, 0.2, 0.3, 0.4, 0.5)


@dataclass(frozen=True)
class ScoredTarget:
    """One annotated (post, target) pair with its scored mentions, ready to aggregate under any rule."""

    post_id: str
    file: str
    target: str
    gold: str
    mentions: tuple[MentionStance, ...]


def read_posts(directory: Path = POSTS_DIR) -> list[tuple[str, dict[str, Any]]]:
    """``(file name, post)`` for every line of ``posts-*.jsonl`` in ``directory``."""
    out = []
    for path in sorted(directory.glob("posts-*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    out.append((path.name, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not JSON: {exc}") from exc
    return out


def target_of(entry: dict[str, Any]) -> Target:
    """The ``Target`` an annotated entry describes: ``plain_target`` with the entry's own short names."""
    target = plain_target(str(entry["name"]), entry.get("aliases", []))
    return dataclasses.replace(target, short_names=tuple(entry.get("short_names", [])))


def score_posts(posts: Iterable[tuple[str, dict[str, Any]]], model: StanceModel) -> list[ScoredTarget]:
    """Every annotated target of every post, with its mentions scored by ``model`` (the slow part)."""
    out = []
    for file, post in posts:
        paragraphs = tuple(
            Paragraph(p["text"], bool(p.get("quote")), "quote" if p.get("quote") else "p") for p in post["paragraphs"]
        )
        clean = CleanPost("about:blank", post.get("title"), (), None, None, (), "en", paragraphs)
        sentences, voices, quotes = prepare_post(clean)
        targets = [target_of(t) for t in post["targets"]]
        labels = label_stances(clean.text, sentences, voices, quotes, None, targets, model)
        for target, entry in zip(targets, post["targets"], strict=True):
            mine = tuple(m for m in labels.mentions if m.mention.target == target.id)
            out.append(ScoredTarget(str(post["id"]), file, target.id, str(entry["label"]), mine))
    return out


def _scores(predicted: Sequence[str], gold: Sequence[str]) -> dict[str, Any]:
    per_class = f1_score(gold, predicted, labels=list(LABELS), average=None, zero_division=0)
    return {
        "macro_f1": round(float(per_class.mean()), 3) if gold else 0.0,
        "accuracy": round(float(accuracy_score(gold, predicted)), 3) if gold else 0.0,
        "f1": {label: round(float(v), 3) for label, v in zip(LABELS, per_class, strict=True)},
        "n": len(gold),
    }


def evaluate(items: Sequence[ScoredTarget], rule: AggregationRule) -> dict[str, Any]:
    """Macro-F1, accuracy and per-class F1 of ``rule`` on ``items``."""
    return _scores([aggregate(i.target, i.mentions, rule).label for i in items], [i.gold for i in items])


def fit(items: Sequence[ScoredTarget]) -> AggregationRule:
    """The grid rule with the best macro-F1 on ``items`` (ties: the one nearest the shipped rule)."""

    def distance(rule: AggregationRule) -> float:
        return (
            abs(rule.tau - DEFAULT_RULE.tau)
            + abs(rule.e_min - DEFAULT_RULE.e_min)
            + abs(rule.min_author_share - DEFAULT_RULE.min_author_share)
        )

    rules = [AggregationRule(t, e, s) for t, e, s in itertools.product(TAUS, E_MINS, SHARES)]
    return max(rules, key=lambda r: (evaluate(items, r)["macro_f1"], -distance(r)))


def cross_validate(items: Sequence[ScoredTarget]) -> dict[str, Any]:
    """Leave one file out: fit on the others, label the held-out file's targets; scores pooled over files."""
    files = sorted({i.file for i in items})
    predicted: list[str] = []
    gold: list[str] = []
    chosen = []
    for file in files:
        rule = fit([i for i in items if i.file != file])
        chosen.append(rule)
        for item in (i for i in items if i.file == file):
            predicted.append(aggregate(item.target, item.mentions, rule).label)
            gold.append(item.gold)
    return {**_scores(predicted, gold), "folds": len(files), "rules": [rule.as_dict() for rule in chosen]}


def main(argv: Sequence[str] | None = None) -> int:
    from flows.settings import _user_model_cache
    from transform.defaults import default_stance_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=Path, default=POSTS_DIR)
    parser.add_argument("--stance-model", type=Path, help="a trained stance model (default: the shipped one)")
    args = parser.parse_args(argv)
    model = StanceModel.load(args.stance_model or default_stance_model(_user_model_cache()))
    items = score_posts(read_posts(args.posts), model)
    best = fit(items)
    report = {
        "targets": len(items),
        "shipped_rule": {**DEFAULT_RULE.as_dict(), **evaluate(items, DEFAULT_RULE)},
        "fitted_on_all": {**best.as_dict(), **evaluate(items, best)},
        "leave_one_file_out": cross_validate(items),
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
