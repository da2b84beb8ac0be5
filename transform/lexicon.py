"""A transparent first loaded-language score from a hand-written lexicon.

Each entry of ``lexicons/loaded-<version>.tsv`` is ``term<TAB>category<TAB>weight``; a term may
be several words and may end in ``*`` to match any ending ("smear*" matches "smears",
"smeared"). A sentence's score is the chance that at least one of its matches is loaded,
treating the weights as independent probabilities; a post's score is the mean over sentences.
It is deliberately simple and explainable: every score can be traced to the spans stored
beside it. The trained classifier of a later release replaces it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources

from transform.segment import Sentence

LEXICON_VERSION = "lexicon-0.1"
LOADED_THRESHOLD = 0.5  # a sentence scoring above this counts as "loaded" in post shares


@dataclass(frozen=True)
class Span:
    """A matched loaded term; offsets into the post text."""

    sentence_no: int
    start: int
    end: int
    text: str
    category: str
    score: float
    is_quote: bool


@dataclass(frozen=True)
class Lexicon:
    """Compiled lexicon: one alternation regex plus each term's category and weight."""

    version: str
    pattern: re.Pattern[str]
    entries: dict[str, tuple[str, float]]
    stems: tuple[tuple[str, str, float], ...]

    def lookup(self, matched: str) -> tuple[str, float]:
        key = " ".join(matched.lower().split())
        if key in self.entries:
            return self.entries[key]
        for stem, category, weight in self.stems:
            if key.startswith(stem):
                return category, weight
        raise KeyError(matched)


def _term_regex(term: str) -> str:
    stem = term.endswith("*")
    words = term.rstrip("*").split()
    body = r"\s+".join(re.escape(w) for w in words)
    return rf"\b{body}\w*" if stem else rf"\b{body}\b"


def load_lexicon(version: str = LEXICON_VERSION) -> Lexicon:
    """Read the shipped lexicon ``version`` from the package data."""
    name = f"{version.removeprefix('lexicon-')}"
    text = resources.files("transform").joinpath(f"lexicons/loaded-{name}.tsv").read_text(encoding="utf-8")
    entries: dict[str, tuple[str, float]] = {}
    stems: list[tuple[str, str, float]] = []
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            term, category, weight = line.split("\t")
            value = float(weight)
        except ValueError as exc:
            raise ValueError(f"lexicon {version} line {line_no}: expected term<TAB>category<TAB>weight") from exc
        term = " ".join(term.lower().split())
        if term.endswith("*"):
            stems.append((term.rstrip("*"), category, value))
        else:
            entries[term] = (category, value)
    # Longest first, so "hangers on" wins over "hangers" and stems are tried most specific first.
    terms = sorted([*entries, *(s + "*" for s, _, _ in stems)], key=len, reverse=True)
    stems.sort(key=lambda s: len(s[0]), reverse=True)
    pattern = re.compile("|".join(_term_regex(t) for t in terms), re.IGNORECASE)
    return Lexicon(version, pattern, entries, tuple(stems))


def find_spans(text: str, sentences: list[Sentence], lexicon: Lexicon) -> list[Span]:
    """Every lexicon match inside each sentence of ``text``."""
    spans: list[Span] = []
    for sentence in sentences:
        for match in lexicon.pattern.finditer(text, sentence.start, sentence.end):
            category, weight = lexicon.lookup(match.group(0))
            spans.append(
                Span(
                    sentence.sentence_no,
                    match.start(),
                    match.end(),
                    match.group(0),
                    category,
                    weight,
                    sentence.is_quote,
                )
            )
    return spans


def sentence_scores(sentences: list[Sentence], spans: list[Span]) -> list[float]:
    """Per sentence: 1 - prod(1 - weight) over its spans (0 when it has none)."""
    keep = [1.0] * len(sentences)
    for span in spans:
        keep[span.sentence_no] *= 1.0 - span.score
    return [round(1.0 - k, 6) for k in keep]


def post_score(scores: list[float]) -> float:
    """Mean sentence score; 0 for a post without sentences."""
    return round(math.fsum(scores) / len(scores), 6) if scores else 0.0
