"""``slant extract``: our cleaner over anyone's pages, as JSON lines in and out.

The same code path as the nightly flow (``clean_page`` → ``segment`` → ``attribute_voice``),
so what a user gets from ``slant extract`` is exactly what the dataset holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from extract.errors import ParseError
from transform.clean import CleanPost, clean_page
from transform.segment import segment
from transform.voice import attribute_voice


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def post_record(record_id: Any, url: str, post: CleanPost) -> dict[str, Any]:
    """The output line for one cleaned post."""
    sentences = segment(post.paragraphs)
    voices, _ = attribute_voice(post.text, post.paragraphs, sentences)
    speakers: dict[int, str | None] = {}
    for sentence, voice in zip(sentences, voices, strict=True):
        if voice.is_quote and voice.speaker:
            speakers.setdefault(sentence.paragraph_no, voice.speaker)
    return {
        "id": record_id,
        "url": url,
        "canonical_url": post.canonical_url,
        "title": post.title,
        "authors": list(post.authors),
        "published_at": _iso(post.published_at),
        "updated_at": _iso(post.updated_at),
        "language": post.language,
        "tags": list(post.tags),
        "access": post.access,
        "text": post.text,
        "paragraphs": [
            {"text": p.text, "is_quote": p.is_quote, "speaker": speakers.get(i)} for i, p in enumerate(post.paragraphs)
        ],
        "sentences": [
            {"start": s.start, "end": s.end, "is_quote": v.is_quote, "voice": v.voice, "speaker": v.speaker}
            for s, v in zip(sentences, voices, strict=True)
        ],
    }


def extract_lines(lines: Iterable[str], *, source: str = "<stdin>") -> Iterator[dict[str, Any]]:
    """One output object per non-blank input line; bad lines yield ``{"id", "url", "error"}``."""
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": None, "url": None, "error": f"{source}: line {line_no}: not JSON: {exc.msg}"}
            continue
        if not isinstance(item, dict) or not isinstance(item.get("html"), str):
            yield {
                "id": item.get("id") if isinstance(item, dict) else None,
                "url": item.get("url") if isinstance(item, dict) else None,
                "error": f"{source}: line {line_no}: expected an object with a string 'html' (and 'id', 'url')",
            }
            continue
        url = str(item.get("url") or "about:blank")
        try:
            post = clean_page(item["html"], url, fetched_at=datetime.now(UTC))
        except ParseError as exc:
            yield {"id": item.get("id"), "url": url, "error": f"{source}: line {line_no}: {exc}"}
            continue
        yield post_record(item.get("id"), url, post)
