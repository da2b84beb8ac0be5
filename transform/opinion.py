"""Stance toward the configured targets and leaning, for one segmented post: the flows' single entry point.

The nightly flow (per batch, in its transform task), ``slant reclassify`` and ``slant classify``
all call ``label_opinions`` with a post's text, sentences, voices and quotations, so every path
labels a post the same way. The loaded spans passed to the stance features are the lexicon's
(computed inside the features), the same kind the stance models were trained with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transform.defaults import LeaningLabeller, StanceLabeller
from transform.leaning import Leaning, label_leaning
from transform.segment import Sentence
from transform.stance import StanceLabels, label_stances
from transform.targets import Target
from transform.voice import QuoteSpan, SentenceVoice


@dataclass(frozen=True)
class OpinionLabels:
    """A post's stances (toward the configured targets it mentions) and its leaning."""

    stances: StanceLabels | None
    leaning: Leaning | None
    stance_version: str | None
    leaning_version: str | None


def label_opinions(
    text: str,
    sentences: Sequence[Sentence],
    voices: Sequence[SentenceVoice],
    quotes: Sequence[QuoteSpan],
    targets: Sequence[Target],
    stance: StanceLabeller | None,
    leaning: LeaningLabeller | None,
    title: str | None = None,
) -> OpinionLabels:
    """Stances and leaning of one post (each ``None`` when its model is not given)."""
    stances = label_stances(text, sentences, voices, quotes, None, targets, stance.model) if stance else None
    lean = label_leaning(text, leaning.model, title) if leaning and text.strip() else None
    return OpinionLabels(stances, lean, stance.version if stance else None, leaning.version if leaning else None)
