"""Paragraphs and sentences with character offsets into the post text.

nupunkt splits sentences (measured best offline for English abbreviations, quotes and
ellipses; see ``docs/extraction.md``). Sentences never cross paragraphs, so each sentence
inherits its paragraph's quote status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nupunkt import sent_spans

from transform.clean import Paragraph

PARAGRAPH_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Sentence:
    """One sentence; ``start``/``end`` are offsets into the post text."""

    sentence_no: int
    paragraph_no: int
    start: int
    end: int
    text: str
    is_quote: bool


def segment(paragraphs: Sequence[Paragraph]) -> list[Sentence]:
    """Sentences of ``paragraphs`` as laid out by ``CleanPost.text`` (joined by blank lines)."""
    sentences: list[Sentence] = []
    offset = 0
    for paragraph_no, paragraph in enumerate(paragraphs):
        for start, end in sent_spans(paragraph.text):
            piece = paragraph.text[start:end]
            stripped = piece.strip()
            if not stripped:
                continue
            lead = len(piece) - len(piece.lstrip())
            s = offset + start + lead
            sentences.append(Sentence(len(sentences), paragraph_no, s, s + len(stripped), stripped, paragraph.is_quote))
        offset += len(paragraph.text) + len(PARAGRAPH_SEPARATOR)
    return sentences
