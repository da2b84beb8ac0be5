"""Feature extraction shared by the sentence classifier and the token tagger.

Everything here is a pure function of the sentence text (plus its quote status and, for tokens,
the sentence probability), so training and prediction build identical features. Lexicon hits come
from ``transform.lexicon.find_spans`` (public API only): the lexicon is a prior the model can
learn to trust or discount, never a hard rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial
from operator import methodcaller
from typing import NamedTuple

import numpy as np
from scipy import sparse

from transform.lexicon import Lexicon, find_spans
from transform.segment import Sentence

# Words with inner hyphens/apostrophes kept whole ("far-right", "don't"), as in the notes' baselines.
TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+)*")
QUOTE_CHARS = '"“”«»'
_QUOTE_MARK = re.compile("[" + QUOTE_CHARS + "]")
CATEGORIES = ("name_calling", "emotive", "exaggeration", "dysphemism", "doubt", "scare_quotes")
SCARE_MAX_WORDS = 3  # docs/loaded-language.md: a scare quote is a 1-3 word unattributed fragment
N_DENSE = len(CATEGORIES) + 7  # width of sentence_dense(); keep in step with it
# Bumped whenever features change, so a model built by older code is rebuilt or refused, never misread.
FEATURES_VERSION = "1"


# Closed-class words: articles and determiners, pronouns, auxiliaries and modals, prepositions,
# conjunctions and particles, with their contractions. Alone they carry no loaded meaning, so a
# predicted span made only of them ("did", "the", "out") is noise (``LoadedModel`` drops it unless
# the lexicon matched there). Degree and frequency words ("very", "too", "never", "always", "just",
# "only", "even", "enough", "rather") are left out on purpose: they are how exaggeration is written.
_CLOSED_CLASS_WORDS = """
    a an the this that these those some any each every either neither no another such
    i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves one ones
    who whom whose which what where when why how whether whoever whatever
    am is are was were be been being have has had having do does did doing done
    can could may might must shall should will would ought
    of in on at by for with from to into onto upon about above below over under between among through
    during before after since until till against across along around behind beyond within without
    toward towards via per than as like off out up down away back
    and or but nor so yet if because although though while whereas unless then there here now also not
    i'm i've i'd i'll we're we've we'd we'll you're you've you'd you'll he's he'd he'll she's she'd she'll
    it's it'd it'll they're they've they'd they'll that's there's here's what's who's
    isn't aren't wasn't weren't don't doesn't didn't haven't hasn't hadn't can't cannot couldn't won't
    wouldn't shouldn't mustn't mightn't
"""
CLOSED_CLASS = frozenset(_CLOSED_CLASS_WORDS.split())


def closed_class_only(text: str) -> bool:
    """Whether every word of ``text`` is a closed-class word (``CLOSED_CLASS``); False for no words."""
    words = [w.lower().replace("’", "'") for w in TOKEN_RE.findall(text)]
    return bool(words) and all(w in CLOSED_CLASS for w in words)


class Token(NamedTuple):
    """One word token with offsets into its sentence (a tuple: posts have ~1,000 of them)."""

    start: int
    end: int
    text: str


_new_token = partial(tuple.__new__, Token)  # C calls all the way: ~25% cheaper than Token(...) per word
_start, _end, _group = methodcaller("start"), methodcaller("end"), methodcaller("group")


def tokenize(text: str) -> list[Token]:
    """Regex word tokens; the unit of the token tagger and of token-level gold."""
    found = list(TOKEN_RE.finditer(text))
    return list(map(_new_token, zip(map(_start, found), map(_end, found), map(_group, found), strict=True)))


def lexicon_hits(text: str, lexicon: Lexicon, is_quote: bool = False) -> list[tuple[int, int, str, float]]:
    """Lexicon matches in one sentence as ``(start, end, category, weight)``."""
    sentence = Sentence(0, 0, 0, len(text), text, is_quote)
    return [(s.start, s.end, s.category, s.score) for s in find_spans(text, [sentence], lexicon)]


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges between paired double quotes (straight or curly), quotes included."""
    marks = [m.start() for m in _QUOTE_MARK.finditer(text)]
    return [(marks[i], marks[i + 1] + 1) for i in range(0, len(marks) - 1, 2)]


def _scare_regions(text: str, regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Quoted fragments short enough to be scare quotes (1-3 words, not sentence-initial)."""
    out = []
    for start, end in regions:
        n_words = len(TOKEN_RE.findall(text, start, end))
        if 1 <= n_words <= SCARE_MAX_WORDS and start > 0:
            out.append((start, end))
    return out


# np.log1p of the small counts sentence_dense takes logs of, looked up: a numpy call per value was ~1/3
# of its time. A table of numpy's own values, since math.log1p differs from it in the last bit for some.
_LOG1P = np.log1p(np.arange(1024, dtype=float)).tolist()


def _log1p(n: int) -> float:
    return _LOG1P[n] if n < len(_LOG1P) else float(np.log1p(n))


def sentence_dense(
    text: str, hits: list[tuple[int, int, str, float]], is_quote: bool, n_tokens: int | None = None
) -> list[float]:
    """Hand-made sentence features: lexicon counts per category, max and noisy-or weight, length, quotes.

    ``n_tokens`` (``len(TOKEN_RE.findall(text))``) may be passed by a caller that has the tokens.

    Why: TF-IDF sees words but not the lexicon's prior weights, and length/quote status shift the base
    rate (long sentences have more chances to contain a loaded word; BABE discounts quoted speech).
    """
    counts = [0] * len(CATEGORIES)
    keep = 1.0
    max_w = 0.0
    for _, _, category, weight in hits:
        if category in CATEGORIES:
            counts[CATEGORIES.index(category)] += 1
        keep *= 1.0 - weight
        max_w = max(max_w, weight)
    regions = quote_regions(text)
    if n_tokens is None:
        n_tokens = len(TOKEN_RE.findall(text))
    quoted_chars = sum(e - s for s, e in regions)
    return [
        *(_log1p(c) for c in counts),
        float(len(hits) > 0),
        max_w,
        1.0 - keep,
        _log1p(n_tokens) / 4.0,  # log length, scaled to roughly [0, 1]
        float(is_quote),
        quoted_chars / max(len(text), 1),
        float(len(_scare_regions(text, regions))),
    ]


def _shape(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "AA"
    if word[:1].isupper():
        return "Aa"
    if word.isdigit():
        return "0"
    return "a"


def token_lexicon(
    tokens: Sequence[Token], hits: list[tuple[int, int, str, float]]
) -> tuple[list[str], list[float], list[str]]:
    """Per token: category, weight and B/I position of the heaviest lexicon hit covering it ("" / 0 if none)."""
    n = len(tokens)
    lex_cat = [""] * n
    lex_w = [0.0] * n
    lex_pos = [""] * n
    for s, e, category, weight in hits:
        inside = [i for i, t in enumerate(tokens) if t.start < e and t.end > s]
        for k, i in enumerate(inside):
            if weight >= lex_w[i]:
                lex_cat[i], lex_w[i] = category, weight
                lex_pos[i] = "B" if k == 0 else "I"
    return lex_cat, lex_w, lex_pos


def token_quote_flags(text: str, tokens: Sequence[Token]) -> tuple[list[bool], list[bool]]:
    """Per token: whether it starts inside paired double quotes, and inside a scare quote."""
    in_q = [False] * len(tokens)
    in_sq = [False] * len(tokens)
    regions = quote_regions(text)
    if regions:  # most sentences have no quotes: skip the per-token scan then
        scare = _scare_regions(text, regions)
        for i, tok in enumerate(tokens):
            in_q[i] = any(s <= tok.start < e for s, e in regions)
            in_sq[i] = any(s <= tok.start < e for s, e in scare)
    return in_q, in_sq


def token_features(
    text: str,
    tokens: Sequence[Token],
    hits: list[tuple[int, int, str, float]],
    is_quote: bool,
) -> tuple[list[list[str]], list[list[float]]]:
    """Per token: hashed string features (word, affixes, +-2 context, lexicon category, quote flags)
    and dense values (lexicon weight, in-quote, scare-quote). The sentence gate is added by the caller.
    """
    words = [t.text.lower() for t in tokens]
    padded = ["<s2>", "<s1>", *words, "</s1>", "</s2>"]
    lex_cat, lex_w, lex_pos = token_lexicon(tokens, hits)
    in_q, in_sq = token_quote_flags(text, tokens)
    q = float(is_quote)
    strs: list[list[str]] = []
    nums: list[list[float]] = []
    for i, tok in enumerate(tokens):
        w = words[i]
        p1, p2, n1, n2 = padded[i + 1], padded[i], padded[i + 3], padded[i + 4]
        feats = [
            "w=" + w,
            "s3=" + w[-3:],
            "s2=" + w[-2:],
            "p3=" + w[:3],
            "sh=" + _shape(tok.text),
            "w-1=" + p1,
            "w+1=" + n1,
            "w-2=" + p2,
            "w+2=" + n2,
            "b-=" + p1 + "|" + w,
            "b+=" + w + "|" + n1,
        ]
        if lex_cat[i]:
            feats.append("lex=" + lex_cat[i])
            feats.append("lexpos=" + lex_pos[i])
        strs.append(feats)
        nums.append([lex_w[i], float(in_q[i]), float(in_sq[i]), q])
    return strs, nums


N_TOKEN_DENSE = 4 + 2  # token_features() dense values plus the two sentence-gate columns


def token_matrix(
    hasher_transform: object,
    strs: list[list[str]],
    nums: list[list[float]],
    gates: list[float],
) -> sparse.csr_matrix:
    """Stack hashed string features, dense token values and the sentence-probability gate.

    ``gates`` holds one sentence probability per token; it enters raw and as a logit so the tagger
    can learn "this word is loaded in a loaded sentence" (the notes' gate: +0.01 F1 on BABE).
    """
    hashed = hasher_transform.transform(strs)  # type: ignore[attr-defined]
    g = np.clip(np.asarray(gates, dtype=float), 1e-4, 1 - 1e-4)
    dense = np.column_stack([np.asarray(nums, dtype=float).reshape(len(strs), -1), g, np.log(g / (1 - g)) / 4.0])
    return sparse.hstack([hashed, sparse.csr_matrix(dense)], format="csr")
