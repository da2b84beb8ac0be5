"""One page in, one labelled post out: clean → segment → voice → loaded-language model.

This is the code path shared by the nightly flow and the command line. A page that cannot be
cleaned becomes a ``Failure`` with its reason; it never raises, so one bad page costs one post,
not a batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extract.errors import ParseError
from extract.harvest import Page
from transform.clean import CleanPost, clean_entry, clean_page
from transform.collector import cyclic_gc_paused
from transform.dedup import Fingerprint, fingerprint
from transform.defaults import LeaningLabeller, StanceLabeller
from transform.labelling import Labeller, LoadedLabels, label_loaded, predict_posts
from transform.lexicon import Span
from transform.loaded import SentenceResult
from transform.opinion import OpinionLabels, label_opinions
from transform.segment import Sentence, segment
from transform.targets import Target
from transform.voice import QuoteSpan, SentenceVoice, attribute_voice

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
    labels: LoadedLabels
    model_version: str
    fingerprint: Fingerprint
    opinions: OpinionLabels | None = None  # stance and leaning, when the flow asked for them

    @property
    def spans(self) -> tuple[Span, ...]:
        return self.labels.spans

    @property
    def sentence_scores(self) -> tuple[float, ...]:
        return self.labels.scores

    @property
    def loaded_score(self) -> float:
        return self.labels.post_score

    @property
    def loaded_sentence_share(self) -> float:
        return self.labels.loaded_share


@dataclass(frozen=True)
class Failure:
    """A page that yielded no post, and why."""

    source_id: str
    url: str
    reason: str


# A post's sentences, their voices and its quotations: what the model needs besides the text.
_Prepared = tuple[list[Sentence], list[SentenceVoice], list[QuoteSpan]]


def prepare_post(post: CleanPost) -> _Prepared:
    """A cleaned post's sentences, their voices and its quotations."""
    sentences = segment(post.paragraphs)
    voices, quotes = attribute_voice(post.text, post.paragraphs, sentences)
    return sentences, voices, quotes


def label_post(
    source_id: str,
    url: str,
    final_url: str,
    body_sha256: str,
    post: CleanPost,
    labeller: Labeller,
    prepared: _Prepared | None = None,
    results: Sequence[SentenceResult] | None = None,
) -> ProcessedPost:
    """Segment, attribute voice and label an already cleaned post.

    ``prepared`` and ``results``: its sentences, voices and model output when ``process_batch``
    computed them for the whole batch at once.
    """
    text = post.text
    sentences, voices, quotes = prepared or prepare_post(post)
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
        labels=label_loaded(text, sentences, voices, quotes, labeller, results),
        model_version=labeller.version,
        fingerprint=fingerprint(text),
    )


def process_page(page: Page, labeller: Labeller) -> ProcessedPost | Failure:
    """Clean, segment and score one fetched page."""
    cleaned = clean_one(page)
    if isinstance(cleaned, Failure):
        return cleaned
    return label_post(page.source_id, page.url, page.final_url, page.body_sha256, cleaned, labeller)


def clean_one(page: Page) -> CleanPost | Failure:
    """The cleaned post of one page, or why there is none (extractor crashes included)."""
    try:
        if page.text_source != "page" and page.entry is not None:
            post = clean_entry(page.entry, fetched_at=page.fetched_at)
        else:
            post = clean_page(page.html, page.final_url, fetched_at=page.fetched_at, entry=page.entry)

    except ParseError as exc:
        return Failure(page.source_id, page.url, str(exc))
    except Exception as exc:  # noqa: BLE001 - the extractor's bugs must cost one page only
        return Failure(page.source_id, page.url, f"{page.url}: extractor crashed: {type(exc).__name__}: {exc}")
    return post


def process_batch(pages: Iterable[Page], labeller: Labeller) -> tuple[list[ProcessedPost], list[Failure]]:
    """Process every page; the posts and the failures, in input order.

    The model sees the sentences of many posts per call (``labelling.predict_posts``), which is
    what makes labelling a batch cheaper than labelling its posts one by one; the labels are the same.
    """
    with cyclic_gc_paused():
        return _process_batch(pages, labeller)


def _process_batch(pages: Iterable[Page], labeller: Labeller) -> tuple[list[ProcessedPost], list[Failure]]:
    cleaned: list[tuple[Page, CleanPost]] = []
    failed: list[Failure] = []
    for page in pages:
        result = clean_one(page)
        if isinstance(result, Failure):
            failed.append(result)
        else:
            cleaned.append((page, result))
    prepared = [prepare_post(post) for _, post in cleaned]
    results = predict_posts([(sentences, voices) for sentences, voices, _ in prepared], labeller)
    done = [
        label_post(page.source_id, page.url, page.final_url, page.body_sha256, post, labeller, ready, scored)
        for (page, post), ready, scored in zip(cleaned, prepared, results, strict=True)
    ]
    return done, failed


def add_opinions(
    posts: Sequence[ProcessedPost],
    targets: Sequence[Target],
    stance: StanceLabeller | None,
    leaning: LeaningLabeller | None,
) -> list[ProcessedPost]:
    """``posts`` with their stances toward ``targets`` and their leaning (``transform.opinion``)."""
    return [
        dataclasses.replace(
            p,
            opinions=label_opinions(p.text, p.sentences, p.voices, p.quotes, targets, stance, leaning, p.post.title),
        )
        for p in posts
    ]
