"""Stance per mention and per post: ``label_stances``, the entry point the flows and ``slant classify`` use.

For each mention (``transform.mentions``) the classifier gives favor / against / neither
probabilities over its context; the post-level stance toward a target aggregates them with weights
that keep the voices apart (research note ``shared/notes/stance_leaning.md`` §5.1 steps 3, 5, 7):

- **Voice.** The author's own words weigh ``AUTHOR_WEIGHT``; reported speech ``REPORTED_WEIGHT``;
  verbatim quotation ``QUOTED_WEIGHT``; a quotation whose speaker *is* the target, 0 (the target's own
  words say nothing about the author's view). An author sentence that carries a quotation is scored
  with the quotation replaced by ``QUOTE``, so the quoted words do not speak for the author.
- **Rebuttal.** When the author's first sentence after a quotation turns on it ("This is pure self
  interest, dressed up as ...": an opening anaphor, scored *against* what it points to), the
  quotation is rebutted: mentions inside it stop counting, and if its speaker is a target, that
  sentence is evidence *against* the speaker.
- **Pronouns** inherit their mention weight (``transform.mentions.PRONOUN_WEIGHT``).
- **One statement per sentence.** A sentence naming the target twice counts once: the weight of its
  strongest mention, the weighted mean of its mentions' probabilities.
- **Aggregation.** With weights w and probabilities (f, a, n) per sentence: net S = Σw(f−a)/Σw, evidence
  E = Σw(1−n), author share = author weight / Σw. ``favor`` when S ≥ ``TAU`` and ``against`` when
  S ≤ −``TAU``, provided E ≥ ``E_MIN`` and the author share ≥ ``MIN_AUTHOR_SHARE``; otherwise
  ``neither``. Too little evidence (E < ``E_MIN``, or no author voice) is an *abstention*: label
  ``neither``, ``abstained`` true, and a confidence capped at ``ABSTAIN_CONFIDENCE``.
- **Evidence** is the sentence numbers of the mentions that pushed toward the decided label, the
  author's own first, at most ``MAX_EVIDENCE``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from transform.mentions import HOW_COREFERENCE, HOW_GIVEN, Mention, find_mentions
from transform.segment import Sentence
from transform.stance.features import MentionContext
from transform.stance.model import LABELS, StanceModel
from transform.targets import Target
from transform.voice import HOW_BLOCKQUOTE, HOW_QUOTATION_MARKS, HOW_REPORTED_SPEECH, QuoteSpan, SentenceVoice

VOICE_AUTHOR = "author"
VOICE_REPORTED = "reported"
VOICE_QUOTED = "quoted"
VOICE_SELF = "target"  # quoted words of the target itself
AUTHOR_WEIGHT = 1.0
REPORTED_WEIGHT = 0.4  # research note §5.1 step 5: reported speech is the author's paraphrase of another voice
QUOTED_WEIGHT = 0.2  # a verbatim quotation of someone else is indirect evidence at best
SELF_WEIGHT = 0.0  # the target's own words are not the author's stance toward it
# |S| at or above this decides favor / against, and evidence mass below E_MIN abstains. Both fitted
# (grid in transform/evaluation/stance_posts.py) on the project's 333 post-level labels of
# transform/training/stance-posts with the shipped mention model: macro-F1 0.482 on all of them,
# 0.452 leave-one-file-out, against 0.376 for the hand-set 0.15 / 0.5 (2026-12-02). The mention
# model's favor/against margins are small on whole posts, so the sign of S decides and abstention
# is left to the evidence mass: about two author mentions that are 40% non-neutral.
TAU = 0.02
E_MIN = 0.8
MIN_AUTHOR_SHARE = 0.3  # research note §5.1 step 5: less than this from the author's own voice abstains
E_FULL = 2.0  # evidence mass at which confidence is no longer discounted (two clear author mentions)
ABSTAIN_CONFIDENCE = 0.3  # an abstention is reported with at most this confidence
MAX_EVIDENCE = 5  # sentence numbers kept as evidence per stance
REBUTTAL_MIN_AGAINST = 0.45  # an opening anaphor scored at least this 'against' rebuts the quotation before it
REBUTTAL_LOOKAHEAD = 2  # author sentences after a quotation that may rebut it
_ANAPHOR = re.compile(r"^\W*(This|That|These|Those|Such|It|Which|Nonsense|Rubbish|Wrong)\b")


@dataclass(frozen=True)
class AggregationRule:
    """The three numbers of the post-level decision (module docstring, *Aggregation*)."""

    tau: float = TAU
    e_min: float = E_MIN
    min_author_share: float = MIN_AUTHOR_SHARE

    def as_dict(self) -> dict[str, float]:
        return {"tau": self.tau, "e_min": self.e_min, "min_author_share": self.min_author_share}


DEFAULT_RULE = AggregationRule()


@dataclass(frozen=True)
class MentionStance:
    """One mention with its voice, weight and classifier probabilities."""

    mention: Mention
    voice: str  # author | reported | quoted | target
    speaker: str | None
    is_quote: bool
    weight: float
    p_favor: float
    p_against: float
    p_neither: float

    @property
    def label(self) -> str:
        p = (self.p_favor, self.p_against, self.p_neither)
        return LABELS[int(np.argmax(p))]


@dataclass(frozen=True)
class PostStance:
    """The post-level stance toward one target."""

    target: str
    label: str
    confidence: float
    p_favor: float
    p_against: float
    p_neither: float
    evidence: tuple[int, ...]  # sentence numbers
    n_mentions: int
    net: float
    evidence_mass: float
    author_share: float
    abstained: bool


@dataclass(frozen=True)
class StanceLabels:
    """Everything ``label_stances`` found in one post."""

    mentions: tuple[MentionStance, ...]
    stances: tuple[PostStance, ...]


def _verbatim(quotes: Sequence[QuoteSpan]) -> list[QuoteSpan]:
    return [q for q in quotes if q.how in (HOW_BLOCKQUOTE, HOW_QUOTATION_MARKS)]


def speaker_target(speaker: str | None, targets: Sequence[Target]) -> str | None:
    """The target a quotation's speaker names ("Ken Livingstone", "Mr Farage"), if exactly one."""
    if not speaker:
        return None
    found = set()
    for target in targets:
        for name in (*target.aliases, *target.short_names):
            flags = 0 if target.case_sensitive else re.I
            if re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", speaker, flags):
                found.add(target.id)
                break
    return found.pop() if len(found) == 1 else None


def _voice_of(
    mention: Mention, voice: SentenceVoice, quotes: Sequence[QuoteSpan], targets: Sequence[Target]
) -> tuple[str, str | None, bool]:
    """(voice, speaker, is_quote) of one mention: the innermost quotation around it decides."""
    around = [q for q in quotes if q.start <= mention.start and mention.end <= q.end and q.how != "scare_quotes"]
    if not around and not voice.is_quote:
        return VOICE_AUTHOR, None, False
    inner = min(around, key=lambda q: q.end - q.start) if around else None
    speaker = (inner.speaker if inner else None) or voice.speaker
    if inner is not None and inner.how == HOW_REPORTED_SPEECH and not voice.is_quote:
        kind = VOICE_REPORTED
    else:
        kind = VOICE_QUOTED
    if speaker_target(speaker, targets) == mention.target:
        kind = VOICE_SELF
    return kind, speaker, kind in (VOICE_QUOTED, VOICE_SELF)


def _weight(voice: str) -> float:
    return {VOICE_AUTHOR: AUTHOR_WEIGHT, VOICE_REPORTED: REPORTED_WEIGHT, VOICE_QUOTED: QUOTED_WEIGHT}.get(
        voice, SELF_WEIGHT
    )


def _context(
    sentence: Sentence,
    start: int,
    end: int,
    others: Sequence[tuple[int, int]],
    loaded: Sequence[tuple[int, int, str, float]] | None,
    hide: Sequence[tuple[int, int]],
    is_quote: bool,
) -> MentionContext:
    """A classifier context in sentence offsets, with the ``hide`` ranges (post offsets) replaced by QUOTE."""
    base = sentence.start
    cuts = sorted((max(s, base), min(e, sentence.end)) for s, e in hide if s < sentence.end and e > base)
    cuts = [(s, e) for s, e in cuts if not (s <= start and end <= e)]
    pieces: list[str] = []
    shift: list[tuple[int, int, int]] = []  # (post offset where a cut ends, cut start, total removed)
    pos = base
    removed = 0
    for s, e in cuts:
        if s < pos:
            continue
        pieces.append(sentence.text[pos - base : s - base])
        pieces.append(" QUOTE ")
        removed += (e - s) - len(" QUOTE ")
        shift.append((e, s, removed))
        pos = e
    pieces.append(sentence.text[pos - base :])
    text = "".join(pieces)

    def move(x: int) -> int | None:
        delta = 0
        for cut_end, cut_start, total in shift:
            if cut_start <= x < cut_end:
                return None
            if x >= cut_end:
                delta = total
        return x - base - delta

    s0, e0 = move(start), move(end - 1)
    assert s0 is not None and e0 is not None
    moved_others = []
    for s, e in others:
        a, b = move(s), move(e - 1)
        if a is not None and b is not None:
            moved_others.append((a, b + 1))
    spans = None
    if loaded is not None:
        spans = []
        for s, e, category, score in loaded:
            if s >= base and e <= sentence.end:
                a, b = move(s), move(e - 1)
                if a is not None and b is not None:
                    spans.append((a, b + 1, category, score))
    return MentionContext(
        text, s0, e0 + 1, tuple(moved_others), (), is_quote, tuple(spans) if spans is not None else None
    )


def _rebuttals(
    sentences: Sequence[Sentence],
    voices: Sequence[SentenceVoice],
    quotes: Sequence[QuoteSpan],
    model: StanceModel,
    loaded: Sequence[tuple[int, int, str, float]] | None,
) -> list[tuple[QuoteSpan, Sentence, int, np.ndarray]]:
    """Quotations the author turns on right after: (quote, rebutting sentence, anaphor start, probabilities)."""
    found: list[tuple[QuoteSpan, Sentence, int, np.ndarray]] = []
    candidates: list[tuple[QuoteSpan, Sentence, int]] = []
    for quote in _verbatim(quotes):
        after = [s for s in sentences if s.start >= quote.end and not voices[s.sentence_no].is_quote]
        for sentence in after[:REBUTTAL_LOOKAHEAD]:
            if any(q.start <= sentence.start < q.end for q in _verbatim(quotes)):
                break
            m = _ANAPHOR.match(sentence.text)
            if m:
                candidates.append((quote, sentence, sentence.start + m.start(1)))
                break
    if not candidates:
        return found
    contexts = []
    for _, sentence, at in candidates:
        word = re.match(r"\w+", sentence.text[at - sentence.start :])
        end = at + (word.end() if word else 1)
        contexts.append(_context(sentence, at, end, (), loaded, (), False))
    probs = model.predict_proba(contexts)
    for (quote, sentence, at), p in zip(candidates, probs, strict=True):
        if p[1] >= REBUTTAL_MIN_AGAINST and p[1] > p[0]:
            found.append((quote, sentence, at, p))
    return found


_Meta = tuple[Mention, str, str | None, bool, float]  # mention, voice, speaker, is_quote, weight


def mention_contexts(
    text: str,
    sentences: Sequence[Sentence],
    voices: Sequence[SentenceVoice],
    quotes: Sequence[QuoteSpan],
    loaded_spans: Sequence[tuple[int, int, str, float]] | None,
    targets: Sequence[Target],
    model: StanceModel,
    given: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> tuple[list[Mention], list[MentionContext], list[_Meta], list[tuple[QuoteSpan, Sentence, int, np.ndarray]]]:
    """The mentions of ``targets``, the classifier context of each with its voice and weight, and the
    rebutted quotations (``model`` scores the rebuttal candidates); ``label_stances`` scores the contexts.
    """
    given = dict(given or {})
    searched = [t for t in targets if t.id not in given]
    mentions = find_mentions(text, sentences, searched)
    for target_id, spans in given.items():
        for start, end in spans:
            sentence = next((s for s in sentences if s.start <= start < s.end), None)
            if sentence is not None and start < end:
                mentions.append(Mention(target_id, sentence.sentence_no, start, min(end, sentence.end), HOW_GIVEN))
    mentions.sort(key=lambda m: (m.start, m.target))
    verbatim = [(q.start, q.end) for q in _verbatim(quotes)]
    rebutted = _rebuttals(sentences, voices, quotes, model, loaded_spans) if mentions or given else []
    rebutted_ranges = [(q.start, q.end) for q, _, _, _ in rebutted]

    contexts: list[MentionContext] = []
    meta: list[tuple[Mention, str, str | None, bool, float]] = []
    for mention in mentions:
        sentence = sentences[mention.sentence_no]
        voice, speaker, is_quote = _voice_of(mention, voices[mention.sentence_no], quotes, targets)
        weight = _weight(voice) * mention.weight
        if is_quote and any(s <= mention.start and mention.end <= e for s, e in rebutted_ranges):
            weight = 0.0
        others = [
            (m.start, m.end) for m in mentions if m.sentence_no == mention.sentence_no and m.target != mention.target
        ]
        hide = verbatim if voice == VOICE_AUTHOR else []
        contexts.append(_context(sentence, mention.start, mention.end, others, loaded_spans, hide, is_quote))
        meta.append((mention, voice, speaker, is_quote, weight))
    return mentions, contexts, meta, rebutted


def label_stances(
    text: str,
    sentences: Sequence[Sentence],
    voices: Sequence[SentenceVoice],
    quotes: Sequence[QuoteSpan],
    loaded_spans: Sequence[tuple[int, int, str, float]] | None,
    targets: Sequence[Target],
    model: StanceModel,
    given: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> StanceLabels:
    """Mention and post stances toward ``targets`` in one post.

    ``loaded_spans`` are ``(start, end, category, score)`` in post offsets (None: the lexicon's,
    per sentence). ``given`` maps a target id to mentions the caller located itself; those
    targets are not searched for.
    """
    _, contexts, meta, rebutted = mention_contexts(text, sentences, voices, quotes, loaded_spans, targets, model, given)
    probs = model.predict_proba(contexts) if contexts else np.zeros((0, 3))
    scored = [
        MentionStance(m, voice, speaker, is_quote, weight, float(p[0]), float(p[1]), float(p[2]))
        for (m, voice, speaker, is_quote, weight), p in zip(meta, probs, strict=True)
    ]
    for quote, sentence, at, p in rebutted:
        speaker_id = speaker_target(quote.speaker, targets)
        if speaker_id is None:
            continue
        word = re.match(r"\w+", sentence.text[at - sentence.start :])
        end = at + (word.end() if word else 1)
        anaphor = Mention(speaker_id, sentence.sentence_no, at, end, HOW_COREFERENCE)
        scored.append(
            MentionStance(anaphor, VOICE_AUTHOR, None, False, AUTHOR_WEIGHT, float(p[0]), float(p[1]), float(p[2]))
        )
    scored.sort(key=lambda s: (s.mention.start, s.mention.target))
    stances = [aggregate(t.id, [s for s in scored if s.mention.target == t.id]) for t in targets]
    return StanceLabels(tuple(scored), tuple(s for s in stances if s.n_mentions > 0))


def _per_sentence(mentions: Sequence[MentionStance]) -> list[tuple[float, np.ndarray, bool]]:
    """One piece of evidence per sentence: (weight, mean probabilities, author voice).

    A sentence that names the target twice makes one statement about it, not two; its weight is
    that of its strongest mention, its probabilities the weighted mean of its mentions'.
    """
    by_sentence: dict[int, list[MentionStance]] = {}
    for m in mentions:
        by_sentence.setdefault(m.mention.sentence_no, []).append(m)
    out = []
    for group in by_sentence.values():
        w = np.asarray([m.weight for m in group], dtype=float)
        p = np.asarray([[m.p_favor, m.p_against, m.p_neither] for m in group], dtype=float)
        weight = float(w.max())
        mean = (w[:, None] * p).sum(axis=0) / w.sum() if w.sum() > 0 else p.mean(axis=0)
        author = any(m.voice == VOICE_AUTHOR and m.weight == weight for m in group)
        out.append((weight, mean, author))
    return out


def aggregate(target: str, mentions: Sequence[MentionStance], rule: AggregationRule = DEFAULT_RULE) -> PostStance:
    """The post-level stance toward ``target`` from its scored mentions (rule in the module docstring)."""
    n = len(mentions)
    pieces = _per_sentence(mentions)
    w = np.asarray([x[0] for x in pieces], dtype=float)
    total = float(w.sum())
    if n == 0 or total <= 0:
        return PostStance(target, "neither", 0.0, 0.0, 0.0, 0.0, (), n, 0.0, 0.0, 0.0, True)
    p = np.asarray([x[1] for x in pieces], dtype=float)
    post = (w[:, None] * p).sum(axis=0) / total
    net = float(post[0] - post[1])
    mass = float((w * (1.0 - p[:, 2])).sum())
    author = float(sum(x[0] for x in pieces if x[2]))
    share = author / total
    coverage = min(1.0, mass / E_FULL)
    abstained = mass < rule.e_min or share < rule.min_author_share
    if abstained:
        label = "neither"
        confidence = min(ABSTAIN_CONFIDENCE, float(post[2]) * coverage)
    elif net >= rule.tau:
        label, confidence = "favor", float(post[0]) * coverage
    elif net <= -rule.tau:
        label, confidence = "against", float(post[1]) * coverage
    else:
        # mixed or neutral: as sure as the evidence is that it is neither for nor against
        label = "neither"
        confidence = max(float(post[2]), 1.0 - float(max(post[0], post[1]))) * min(1.0, total / E_FULL)
    return PostStance(
        target,
        label,
        round(confidence, 4),
        round(float(post[0]), 4),
        round(float(post[1]), 4),
        round(float(post[2]), 4),
        _evidence(label, mentions),
        n,
        round(net, 4),
        round(mass, 4),
        round(share, 4),
        abstained,
    )


def _evidence(label: str, mentions: Sequence[MentionStance]) -> tuple[int, ...]:
    """Sentence numbers that pushed toward ``label``, the author's own voice first."""

    def push(m: MentionStance) -> float:
        if label == "favor":
            return m.weight * (m.p_favor - m.p_against)
        if label == "against":
            return m.weight * (m.p_against - m.p_favor)
        return m.weight * m.p_neither

    ranked = sorted((m for m in mentions if m.weight > 0 and push(m) > 0), key=push, reverse=True)
    own = [m for m in ranked if m.voice == VOICE_AUTHOR]
    chosen = own or ranked
    sentences = list(dict.fromkeys(m.mention.sentence_no for m in chosen))[:MAX_EVIDENCE]
    return tuple(sorted(sentences))
