"""``slant classify``: loaded language per sentence and per post, in whose voice, as JSON lines.

Input lines are ``{"id", "text"}`` or the lines ``slant extract`` writes (whose paragraphs carry
the voice found in the markup), so ``slant extract | slant classify`` works as a pipe. Sentences
and voice come from the same code as the nightly flow; scores from a ``LoadedModel``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from nupunkt import sent_spans

from transform.clean import Paragraph
from transform.loaded import LoadedModel
from transform.loaded.train import DEFAULT_EXAMPLES, read_jsonl, resolve_paths, train
from transform.segment import Sentence, segment
from transform.voice import attribute_voice


def model_version(model_dir: Path) -> str:
    """A stable name for a model directory: ``loaded-``, the lexicon, ``emb-`` for a model trained with
    embeddings, and the first 12 hex digits of its card's data hash."""
    card = json.loads((model_dir / "model_card.json").read_text(encoding="utf-8"))
    digest = str(card.get("training_data", {}).get("sha256") or hashlib.sha256(json.dumps(card).encode()).hexdigest())
    emb = "emb-" if card.get("embeddings") else ""
    return f"loaded-{card.get('lexicon_version', 'lexicon')}-{emb}{digest[:12]}"


def default_model(cache_dir: Path) -> Path:
    """The shipped default model (trained only on the project's own examples), built once into ``cache_dir``.

    Training takes a few seconds and is deterministic, so the model is built from the examples
    that ship with the package rather than shipped as a pickle tied to library versions.
    """
    files = resolve_paths(DEFAULT_EXAMPLES)
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]
    target = cache_dir / f"loaded-default-{digest}"
    if not (target / "model_card.json").exists():
        train(read_jsonl(DEFAULT_EXAMPLES), target, data_path=DEFAULT_EXAMPLES, dataset="jsonl")
    return target


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


def classify_record(record: dict[str, Any], model: LoadedModel, version: str) -> dict[str, Any]:
    """The output line for one input record (see the module docstring for the shape)."""
    text, paragraphs, sentences = _sentences(record)
    voices, _ = attribute_voice(text, paragraphs, sentences) if sentences else ([], [])
    results = model.predict([s.text for s in sentences], [v.is_quote for v in voices]) if sentences else []
    out_sentences: list[dict[str, Any]] = []
    out_spans: list[dict[str, Any]] = []

    for sentence, voice, result in zip(sentences, voices, results, strict=True):
        out_sentences.append(
            {
                "start": sentence.start,
                "end": sentence.end,
                "loaded": bool(result.loaded),
                "loaded_score": round(float(result.score), 4),
                "is_quote": voice.is_quote,
                "speaker": voice.speaker,
            }
        )
        for start, end, category, score in result.spans:
            out_spans.append(
                {
                    "start": sentence.start + start,
                    "end": sentence.start + end,
                    "text": text[sentence.start + start : sentence.start + end],
                    "category": category,
                    "score": round(float(score), 4),
                    "is_quote": voice.is_quote,
                }
            )
    scores = [s["loaded_score"] for s in out_sentences]
    post_score = round(sum(scores) / len(scores), 4) if scores else 0.0

    def share(quoted: bool) -> float:
        voiced = [s for s in out_sentences if s["is_quote"] is quoted]
        return round(sum(s["loaded"] for s in voiced) / len(voiced), 4) if voiced else 0.0

    return {
        "id": record.get("id"),
        "model_version": version,
        "loaded": post_score >= model.threshold if len(scores) != 1 else out_sentences[0]["loaded"],
        "loaded_score": post_score,
        "sentences": out_sentences,
        "spans": out_spans,
        "voice": {"author": share(False), "quoted": share(True)},
    }


def classify_lines(
    lines: Iterable[str], model: LoadedModel, version: str, *, source: str = "<stdin>"
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
        yield classify_record(record, model, version)
