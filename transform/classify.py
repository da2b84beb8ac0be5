"""``slant classify``: loaded language per sentence and per post, in whose voice, as JSON lines.

Input lines are ``{"id", "text"}`` or the lines ``slant extract`` writes (whose paragraphs carry
the voice found in the markup), so ``slant extract | slant classify`` works as a pipe. Sentences
and voice come from the same code as the nightly flow; scores from a ``LoadedModel``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from nupunkt import sent_spans

from transform.clean import Paragraph
from transform.labelling import Labeller, default_model, label_loaded, load_labeller, model_version
from transform.segment import Sentence, segment
from transform.voice import attribute_voice

__all__ = ["classify_lines", "classify_record", "default_model", "load_labeller", "model_version"]


def _sentences(record: dict[str, Any]) -> tuple[str, list[Paragraph], list[Sentence]]:
    paragraphs = record.get("paragraphs")
    if isinstance(paragraphs, list) and paragraphs:
        paras = [Paragraph(str(p.get("text", "")), bool(p.get("is_quote"))) for p in paragraphs]
        text = "\n\n".join(p.text for p in paras)
        return text, paras, segment(paras)
    text = str(record.get("text", ""))
    sentences: list[Sentence] = []
    for start, end in sent_spans(text):
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        stripped = piece.strip()
        if stripped:
            sentences.append(Sentence(len(sentences), 0, start + lead, start + lead + len(stripped), stripped, False))
    return text, [Paragraph(text)], sentences


def classify_record(record: dict[str, Any], labeller: Labeller) -> dict[str, Any]:
    """The output line for one input record (see the module docstring for the shape)."""
    text, paragraphs, sentences = _sentences(record)
    voices, quotes = attribute_voice(text, paragraphs, sentences) if sentences else ([], [])
    labels = label_loaded(text, sentences, voices, quotes, labeller)
    return {
        "id": record.get("id"),
        "model_version": labeller.version,
        "loaded": labels.post_loaded,
        "loaded_score": round(labels.post_score, 4),
        "sentences": [
            {
                "start": sentence.start,
                "end": sentence.end,
                "loaded": flag,
                "loaded_score": round(score, 4),
                "is_quote": voice.is_quote,
                "speaker": voice.speaker,
            }
            for sentence, voice, score, flag in zip(sentences, voices, labels.scores, labels.loaded, strict=True)
        ],
        "spans": [
            {
                "start": span.start,
                "end": span.end,
                "text": span.text,
                "category": span.category,
                "score": round(span.score, 4),
                "is_quote": span.is_quote,
            }
            for span in labels.spans
        ],
        "voice": {"author": round(labels.share_author, 4), "quoted": round(labels.share_quoted, 4)},
    }


def classify_lines(lines: Iterable[str], labeller: Labeller, *, source: str = "<stdin>") -> Iterator[dict[str, Any]]:
    """One output object per non-blank line; bad lines yield ``{"id", "error"}`` naming the line."""
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": None, "error": f"{source}: line {line_no}: not JSON: {exc.msg}"}
            continue
        if not isinstance(record, dict) or "error" in record or not (record.get("text") or record.get("paragraphs")):
            reason = record.get("error") if isinstance(record, dict) and "error" in record else "no 'text'"
            ident = record.get("id") if isinstance(record, dict) else None
            yield {"id": ident, "error": f"{source}: line {line_no}: {reason}"}
            continue
        yield classify_record(record, labeller)
