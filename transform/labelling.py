"""Apply a loaded-language model to a segmented post: scores per sentence, spans, shares per voice.

One code path for the nightly flow, ``slant reclassify`` and ``slant classify``: each builds the
sentences and voices of a post, then calls ``label_loaded``. The model is a ``LoadedModel``
directory; its name on every label row is ``model_version`` (see ``model_version``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extract.errors import ConfigError
from transform.collector import cyclic_gc_paused
from transform.embeddings import EncoderSettings
from transform.lexicon import Span
from transform.loaded import LoadedModel, SentenceResult
from transform.loaded.features import FEATURES_VERSION
from transform.loaded.model import CENTERED_ISOTONIC, SPAN_RULES
from transform.loaded.train import DEFAULT_EXAMPLES, DEFAULT_TOKEN_PRECISION, read_jsonl, resolve_paths, train
from transform.segment import Sentence
from transform.voice import HOW_BLOCKQUOTE, HOW_QUOTATION_MARKS, QuoteSpan, SentenceVoice

# Categories counted per post (post_scores.spans_<category>); the taxonomy in docs/loaded-language.md.
CATEGORIES = ("name_calling", "emotive", "exaggeration", "dysphemism", "scare_quotes", "doubt")


@dataclass(frozen=True)
class Labeller:
    """A loaded-language model ready to label posts, with the name its rows carry."""

    model: LoadedModel
    version: str
    path: Path

    @property
    def threshold(self) -> float:
        return float(self.model.threshold)

    def card(self) -> dict[str, object]:
        """The model card, as stored in the ``models`` registry."""
        return json.loads((self.path / "model_card.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class LoadedLabels:
    """The loaded-language labels of one post."""

    scores: tuple[float, ...]  # per sentence, calibrated probability
    loaded: tuple[bool, ...]  # per sentence, score >= the model's threshold
    spans: tuple[Span, ...]  # offsets into the post text; is_quote = in someone else's words
    post_score: float  # mean sentence score
    post_loaded: bool
    share_author: float  # loaded share of the author's own sentences
    share_quoted: float  # loaded share of quoted sentences
    n_author: int
    n_quoted: int

    @property
    def loaded_share(self) -> float:
        return sum(self.loaded) / len(self.loaded) if self.loaded else 0.0

    def span_counts(self) -> dict[str, int]:
        """Spans per taxonomy category (every category present, zero when unused)."""
        counts = Counter(s.category for s in self.spans)
        return {c: counts.get(c, 0) for c in CATEGORIES}


@dataclass(frozen=True)
class StoredPost:
    """A post as the warehouse keeps it: text, sentences, voices and quotations (for relabelling)."""

    post_id: str
    text: str
    sentences: tuple[Sentence, ...]
    voices: tuple[SentenceVoice, ...]
    quotes: tuple[QuoteSpan, ...]


def model_version(model_dir: Path) -> str:
    """A stable name for a model directory: ``loaded-<lexicon>-``, ``s<n>-`` for a model that decodes
    spans under rules ``n`` (``loaded.model.SPAN_RULES``), ``p<NN>-`` for a token threshold chosen
    for NN% precision (``LoadedModel(token_precision=...)``), ``ci-`` for centered isotonic
    calibration (``loaded.calibration``), ``emb-`` for a model trained with embeddings (``embt-``
    when its tagger also reads token vectors), and 12 hex
    digits of its training data hash.

    Two models trained on the same data but decoding spans differently, cutting tokens at another
    threshold or calibrating otherwise label differently, so their rows must not share a version:
    each rule is part of the name (models saved before a rule existed keep their old name, and
    their old behaviour)."""
    card = json.loads((model_dir / "model_card.json").read_text(encoding="utf-8"))
    digest = str(card.get("training_data", {}).get("sha256") or hashlib.sha256(json.dumps(card).encode()).hexdigest())
    embeddings = card.get("embeddings")
    emb = (
        ""
        if not embeddings
        else "embt-"
        if isinstance(embeddings, dict) and embeddings.get("token_embeddings")
        else "emb-"
    )
    rules = f"s{card['span_rules']}-" if card.get("span_rules") else ""
    precision = f"p{round(100 * card['token_precision'])}-" if card.get("token_precision") else ""
    centered = "ci-" if card.get("calibration") == "centered-isotonic" else ""
    opinion = "op-" if card.get("auxiliary_opinion") else ""
    return f"loaded-{card.get('lexicon_version', 'lexicon')}-{rules}{precision}{centered}{opinion}{emb}{digest[:12]}"


def default_model(cache_dir: Path) -> Path:
    """The shipped default model (trained only on the project's own examples), built once into ``cache_dir``.

    Training is deterministic and takes well under a minute, so the model is built from the
    examples that ship with the package rather than shipped as a pickle tied to library
    versions. It is built in a scratch folder and renamed into place, so two processes
    building it at once never see half a model.
    """
    files = resolve_paths(DEFAULT_EXAMPLES)
    # Keyed by the examples, the feature and span-decoding code's versions and the token-threshold rule: a
    # model built by older code is rebuilt.
    code = f"{FEATURES_VERSION}/{SPAN_RULES}/p{DEFAULT_TOKEN_PRECISION}/ci{int(CENTERED_ISOTONIC)}".encode()
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files) + code).hexdigest()[:12]
    target = cache_dir / f"loaded-default-{digest}"
    if (target / "model_card.json").exists():
        return target
    scratch = cache_dir / f".building-{digest}-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    train(
        read_jsonl(DEFAULT_EXAMPLES),
        scratch,
        data_path=DEFAULT_EXAMPLES,
        dataset="jsonl",
        token_precision=DEFAULT_TOKEN_PRECISION,
    )
    try:
        scratch.rename(target)
    except OSError:  # another process got there first; its model is the same
        shutil.rmtree(scratch, ignore_errors=True)
    return target


@lru_cache(maxsize=4)
def _load(model_dir: Path, stamp: float, encoder_settings: EncoderSettings | None) -> Labeller:
    model = LoadedModel.load(model_dir, encoder_settings=encoder_settings)
    return Labeller(model, model_version(model_dir), model_dir)


def load_labeller(model_dir: Path | None, cache_dir: Path, encoder_settings: EncoderSettings | None = None) -> Labeller:
    """The model in ``model_dir``, or the shipped default built into ``cache_dir``; loaded once per process.

    ``encoder_settings`` (threads, cache) serve a model trained with embeddings; others ignore them.
    """
    directory = (model_dir or default_model(cache_dir)).resolve()
    card = directory / "model_card.json"
    if not card.exists():
        raise ConfigError(f"loaded_model: {directory} is not a model directory (no model_card.json)")
    built_with = json.loads(card.read_text(encoding="utf-8")).get("features_version", "1")
    if built_with != FEATURES_VERSION:
        raise ConfigError(
            f"loaded_model: {directory} was trained with features version {built_with}, this slant computes "
            f"version {FEATURES_VERSION}; retrain it with `slant train loaded` (its model card names the data)"
        )
    return _load(directory, card.stat().st_mtime, encoder_settings)


def _quoted_spans(spans: list[Span], voices: Sequence[SentenceVoice], quotes: Sequence[QuoteSpan]) -> list[Span]:
    """Mark each span quoted when it lies in someone else's words.

    A span is quoted when its whole sentence is quoted, or when it falls inside a verbatim
    quotation (blockquote or quotation marks) of a mixed sentence. Scare quotes and reported
    speech are the author's wording, so spans there stay in the author's voice.
    """
    verbatim = [(q.start, q.end) for q in quotes if q.how in (HOW_BLOCKQUOTE, HOW_QUOTATION_MARKS)]
    return [
        dataclasses.replace(
            span,
            is_quote=voices[span.sentence_no].is_quote or any(s <= span.start and span.end <= e for s, e in verbatim),
        )
        for span in spans
    ]


# Sentences per model call when a batch of posts is labelled together. Measured on the bench
# corpus (2026-12-02): 250 / 500 / 2,000 sentences per call label at 6.3 / 5.7 / 5.7 ms a post,
# but a 2,000-sentence call builds ~50 MB of transient matrices (a ~40,000-row token matrix and
# its COO parts) per transform thread, which raised the 10,000-post night's peak RSS by ~200 MB.
# 500 (~10,000 token rows, ~12 MB) is as fast and keeps that small.
PREDICT_CHUNK = 500


def predict_posts(
    posts: Sequence[tuple[Sequence[Sentence], Sequence[SentenceVoice]]], labeller: Labeller
) -> list[list[SentenceResult]]:
    """The model's result for every sentence of each post, with the sentences of many posts per call."""
    texts = [s.text for sentences, _ in posts for s in sentences]
    quoted = [v.is_quote for _, voices in posts for v in voices]
    if len(texts) != len(quoted):
        raise ValueError("each post needs one voice per sentence")
    results: list[SentenceResult] = []
    for start in range(0, len(texts), PREDICT_CHUNK):
        stop = start + PREDICT_CHUNK
        results += labeller.model.predict(texts[start:stop], quoted[start:stop])
    out: list[list[SentenceResult]] = []
    at = 0
    for sentences, _ in posts:
        out.append(results[at : at + len(sentences)])
        at += len(sentences)
    return out


def label_loaded(
    text: str,
    sentences: Sequence[Sentence],
    voices: Sequence[SentenceVoice],
    quotes: Sequence[QuoteSpan],
    labeller: Labeller,
    results: Sequence[SentenceResult] | None = None,
) -> LoadedLabels:
    """Score every sentence of a post and find its loaded spans, each in its voice.

    ``results``: the model's output for these sentences when the caller already has it
    (``predict_posts`` labels many posts in one call); otherwise the model is called here.
    """
    if results is None:
        results = predict_posts([(sentences, voices)], labeller)[0]
    spans: list[Span] = []
    for sentence, result in zip(sentences, results, strict=True):
        for start, end, category, score in result.spans:
            a, b = sentence.start + start, sentence.start + end
            spans.append(Span(sentence.sentence_no, a, b, text[a:b], category, round(float(score), 6), False))
    scores = tuple(round(float(r.score), 6) for r in results)
    loaded = tuple(bool(r.loaded) for r in results)
    post = round(math.fsum(scores) / len(scores), 6) if scores else 0.0

    def share(quoted: bool) -> tuple[float, int]:
        picked = [flag for flag, v in zip(loaded, voices, strict=True) if v.is_quote is quoted]
        return (round(sum(picked) / len(picked), 6) if picked else 0.0), len(picked)

    share_author, n_author = share(False)
    share_quoted, n_quoted = share(True)
    return LoadedLabels(
        scores=scores,
        loaded=loaded,
        spans=tuple(_quoted_spans(spans, voices, quotes)),
        post_score=post,
        # One sentence: the post is that sentence. Longer posts: mean probability against the threshold.
        post_loaded=loaded[0] if len(loaded) == 1 else post >= labeller.threshold,
        share_author=share_author,
        share_quoted=share_quoted,
        n_author=n_author,
        n_quoted=n_quoted,
    )


def relabel(posts: Sequence[StoredPost], labeller: Labeller) -> list[tuple[str, LoadedLabels]]:
    """Label stored posts again with ``labeller``: ``(post_id, labels)`` each, nothing fetched."""
    with cyclic_gc_paused():
        results = predict_posts([(p.sentences, p.voices) for p in posts], labeller)
    return [
        (p.post_id, label_loaded(p.text, p.sentences, p.voices, p.quotes, labeller, r))
        for p, r in zip(posts, results, strict=True)
    ]
