"""``slant classify``: loaded language, stance and leaning per post, in whose voice, as JSON lines.

Input lines are ``{"id", "text"}`` or the lines ``slant extract`` writes (whose paragraphs carry
the voice found in the markup), so ``slant extract | slant classify`` works as a pipe. Sentences
and voice come from the same code as the nightly flow; scores from a ``LoadedModel``.

A line may carry ``"targets"``: each a target id or name from the targets file, a plain name
(taken as the target's name, its surname counting once the full name has appeared), or an object
``{"name", "aliases": [...], "mentions": [[start, end], ...]}`` for a target the caller located
(those mentions are used as given). A line without them uses every target of the targets file
(``--targets FILE``, else the settings' ``targets_path``). The output then carries ``"stances"``
and ``"leaning"`` (see ``stance_output``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from nupunkt import sent_spans

from extract.errors import TargetsError
from transform.clean import Paragraph
from transform.defaults import LeaningLabeller, StanceLabeller
from transform.labelling import Labeller, default_model, label_loaded, load_labeller, model_version
from transform.leaning import label_leaning
from transform.segment import Sentence, segment
from transform.stance import label_stances
from transform.targets import Target, TargetSet, plain_target
from transform.voice import QuoteSpan, SentenceVoice, attribute_voice

__all__ = [
    "StanceSetup",
    "classify_lines",
    "classify_record",
    "default_model",
    "line_targets",
    "load_labeller",
    "model_version",
]


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


@dataclass(frozen=True)
class StanceSetup:
    """What stance and leaning labelling needs beside the loaded-language model."""

    stance: StanceLabeller | None = None
    leaning: LeaningLabeller | None = None
    known: TargetSet | None = None  # the targets file that names and ids resolve against
    default_targets: tuple[Target, ...] = ()  # targets for lines that bring none


def line_targets(
    raw: object, known: TargetSet | None, default: Sequence[Target]
) -> tuple[list[Target], dict[str, list[tuple[int, int]]]]:
    """Targets of one line's ``"targets"`` value, and the mentions the caller gave for some of them."""
    if raw is None:
        return list(default), {}
    if not isinstance(raw, list):
        raise TargetsError("field 'targets': expected a list of names, ids or objects")
    out: dict[str, Target] = {}
    given: dict[str, list[tuple[int, int]]] = {}
    for item in raw:
        if isinstance(item, str):
            target = (known.get(item) if known else None) or plain_target(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            aliases = [str(a) for a in item.get("aliases") or []]
            found = known.get(item["name"]) if known and not aliases and "mentions" not in item else None
            target = found or plain_target(item["name"], aliases)
            if "mentions" in item:
                try:
                    given[target.id] = [(int(a), int(b)) for a, b in item["mentions"]]
                except (TypeError, ValueError) as exc:
                    raise TargetsError(
                        f"target {item['name']!r}: field 'mentions': expected [[start, end], ...] character offsets"
                    ) from exc
        else:
            raise TargetsError(f"field 'targets': expected a name or an object with a 'name', got {item!r}")
        out[target.id] = target
    return list(out.values()), given


def stance_output(
    text: str,
    sentences: Sequence[Sentence],
    voices: Sequence[SentenceVoice],
    quotes: Sequence[QuoteSpan],
    record: dict[str, Any],
    setup: StanceSetup,
) -> dict[str, Any]:
    """``{"stances": [...], "leaning": {...}}`` for one record (each only when its model is set up).

    ``evidence`` holds sentence indexes (into ``"sentences"``); a stance with ``abstained`` true
    had too little evidence in the author's own voice and is reported as ``neither``.
    """
    out: dict[str, Any] = {}
    if setup.stance is not None:
        targets, given = line_targets(record.get("targets"), setup.known, setup.default_targets)
        labels = label_stances(text, sentences, voices, quotes, None, targets, setup.stance.model, given)
        names = {t.id: t.name for t in targets}
        out["stance_model_version"] = setup.stance.version
        out["stances"] = [
            {
                "target": names.get(s.target, s.target),
                "target_id": s.target,
                "label": s.label,
                "confidence": s.confidence,
                "abstained": s.abstained,
                "scores": {"favor": s.p_favor, "against": s.p_against, "neither": s.p_neither},
                "evidence": list(s.evidence),
                "mentions": [
                    {
                        "start": m.mention.start,
                        "end": m.mention.end,
                        "sentence": m.mention.sentence_no,
                        "how": m.mention.how,
                        "voice": m.voice,
                    }
                    for m in labels.mentions
                    if m.mention.target == s.target
                ],
            }
            for s in labels.stances
        ]
    if setup.leaning is not None:
        leaning = label_leaning(text, setup.leaning.model, record.get("title"))
        out["leaning_model_version"] = setup.leaning.version
        out["leaning"] = {"label": leaning.label, "scores": leaning.scores}
    return out


def classify_record(record: dict[str, Any], labeller: Labeller, setup: StanceSetup | None = None) -> dict[str, Any]:
    """The output line for one input record (see the module docstring for the shape)."""
    text, paragraphs, sentences = _sentences(record)
    voices, quotes = attribute_voice(text, paragraphs, sentences) if sentences else ([], [])
    labels = label_loaded(text, sentences, voices, quotes, labeller)
    extra = stance_output(text, sentences, voices, quotes, record, setup) if setup is not None else {}
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
        **extra,
    }


def classify_lines(
    lines: Iterable[str], labeller: Labeller, *, source: str = "<stdin>", setup: StanceSetup | None = None
) -> Iterator[dict[str, Any]]:
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
        try:
            yield classify_record(record, labeller, setup)
        except TargetsError as exc:
            yield {"id": record.get("id"), "error": f"{source}: line {line_no}: {exc}"}
