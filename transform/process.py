"""One page in, one labelled post out: clean → segment → score.

This is the code path shared by the nightly flow and the command line. A page that cannot be
cleaned becomes a ``Failure`` with its reason; it never raises, so one bad page costs one post,
not a batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from extract.errors import ParseError
from extract.harvest import Page
from transform.clean import CleanPost, clean_entry, clean_page
from transform.dedup import Fingerprint, fingerprint
from transform.lexicon import LOADED_THRESHOLD, Lexicon, Span, find_spans, post_score, sentence_scores
from transform.segment import Sentence, segment
from transform.voice import HOW_BLOCKQUOTE, HOW_QUOTATION_MARKS, QuoteSpan, SentenceVoice, attribute_voice

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ProcessedPost:
    """A cleaned, segmented and scored post, ready for the warehouse."""

    source_id: str
    url: str
    final_url: str
    body_sha256: str
    post: CleanPost
    text: str
    text_sha256: str
    word_count: int
    sentences: tuple[Sentence, ...]
    voices: tuple[SentenceVoice, ...]
    quotes: tuple[QuoteSpan, ...]
    spans: tuple[Span, ...]
    sentence_scores: tuple[float, ...]
    loaded_score: float
    model_version: str
    fingerprint: Fingerprint

    @property
    def loaded_sentence_share(self) -> float:
        if not self.sentence_scores:
            return 0.0
        return sum(s > LOADED_THRESHOLD for s in self.sentence_scores) / len(self.sentence_scores)


@dataclass(frozen=True)
class Failure:
    """A page that yielded no post, and why."""

    source_id: str
    url: str
    reason: str


def _in_voice(spans: list[Span], voices: list[SentenceVoice], quotes: list[QuoteSpan]) -> list[Span]:
    """Mark each loaded span quoted when it lies in someone else's words.

    A span is quoted when its whole sentence is quoted, or when it falls inside a quotation
    (blockquote or quotation marks) of a mixed sentence. Scare quotes and reported speech are
    the author's wording, so spans there stay in the author's voice.
    """
    verbatim = [(q.start, q.end) for q in quotes if q.how in (HOW_BLOCKQUOTE, HOW_QUOTATION_MARKS)]
    out = []
    for span in spans:
        quoted = voices[span.sentence_no].is_quote or any(s <= span.start and span.end <= e for s, e in verbatim)
        out.append(dataclasses.replace(span, is_quote=quoted))
    return out


def label_post(
    source_id: str, url: str, final_url: str, body_sha256: str, post: CleanPost, lexicon: Lexicon
) -> ProcessedPost:
    """Segment and score an already cleaned post."""
    text = post.text
    sentences = segment(post.paragraphs)
    voices, quotes = attribute_voice(text, post.paragraphs, sentences)
    spans = _in_voice(find_spans(text, sentences, lexicon), voices, quotes)
    scores = sentence_scores(sentences, spans)
    return ProcessedPost(
        source_id=source_id,
        url=url,
        final_url=final_url,
        body_sha256=body_sha256,
        post=post,
        text=text,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        word_count=len(_WORD.findall(text)),
        sentences=tuple(sentences),
        voices=tuple(voices),
        quotes=tuple(quotes),
        spans=tuple(spans),
        sentence_scores=tuple(scores),
        loaded_score=post_score(scores),
        model_version=lexicon.version,
        fingerprint=fingerprint(text),
    )


def process_page(page: Page, lexicon: Lexicon) -> ProcessedPost | Failure:
    """Clean, segment and score one fetched page."""
    try:
        if page.text_source != "page" and page.entry is not None:
            post = clean_entry(page.entry, fetched_at=page.fetched_at)
        else:
            post = clean_page(page.html, page.final_url, fetched_at=page.fetched_at, entry=page.entry)

    except ParseError as exc:
        return Failure(page.source_id, page.url, str(exc))
    except Exception as exc:  # noqa: BLE001 - the extractor's bugs must cost one page only
        return Failure(page.source_id, page.url, f"{page.url}: extractor crashed: {type(exc).__name__}: {exc}")
    return label_post(page.source_id, page.url, page.final_url, page.body_sha256, post, lexicon)


def process_batch(pages: Iterable[Page], lexicon: Lexicon) -> tuple[list[ProcessedPost], list[Failure]]:
    """Process every page; the posts and the failures, in input order."""
    done: list[ProcessedPost] = []
    failed: list[Failure] = []
    for page in pages:
        result = process_page(page, lexicon)
        (failed if isinstance(result, Failure) else done).append(result)  # type: ignore[arg-type]
    return done, failed
