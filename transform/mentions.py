"""Find every sentence that mentions a target, with character offsets into the post text.

Three ways a mention is found (stored as ``target_mentions.how``):

- ``alias``: one of the target's aliases (its name first) or, once that has been seen, the same
  words again. Matching is whole-word, possessive-tolerant ("Labour's" mentions Labour) and
  case-sensitive for people, parties and organisations ("labour market" is not the party), not
  for policies. Overlaps go to the longest match, so "Labour Party" is one mention.
- ``pattern``: one of the target's regular expressions.
- ``coreference``: a short name ("Rahman", "Reform") after a full alias earlier in the post, or a
  pronoun that opens a sentence (He/She/They/It, His/Her/Their/Its) of the same paragraph right
  after a sentence whose only compatible target is this one. A short name is skipped when the word
  before or after it is another capitalised name ("Oli Rahman" is someone else) or when it belongs
  to two targets already mentioned in the post (the two Johnsons). Pronoun mentions are weaker
  evidence and carry ``weight`` ``PRONOUN_WEIGHT``.

Everything is regular expressions over the sentences ``transform.segment`` made; nothing here
raises on odd text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from transform.segment import Sentence
from transform.targets import Target

HOW_ALIAS = "alias"
HOW_PATTERN = "pattern"
HOW_COREFERENCE = "coreference"
HOW_GIVEN = "given"  # located by the caller (slant classify's "mentions")

# Research note §5.1 step 2: a pronoun that inherits a target is half the evidence of a name.
PRONOUN_WEIGHT = 0.5
# Words that may stand before a short name without making it someone else's name ("Mayor Rahman").
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "sir",
        "dame",
        "lord",
        "lady",
        "mayor",
        "president",
        "senator",
        "governor",
        "minister",
        "chancellor",
        "secretary",
        "speaker",
        "leader",
        "councillor",
        "cllr",
        "rep",
        "representative",
        "congressman",
        "congresswoman",
        "judge",
        "prime",
        "deputy",
        "shadow",
        "former",
        "comrade",
        "the",
        "a",
        "an",
        "by",
        "and",
        "or",
        "of",
        "with",
    ]
)
_PRONOUNS = {
    "he": "he",
    "his": "he",
    "him": "he",
    "she": "she",
    "her": "she",
    "they": "they",
    "their": "they",
    "them": "they",
    "it": "it",
    "its": "it",
}
_OPENING_PRONOUN = re.compile(r"[\W_]*(He|She|They|It|His|Her|Their|Its)\b")
_CAP_WORD = re.compile(r"[A-Z][\w’'-]*")
_WORD_BEFORE = re.compile(r"([\w’'.-]+)\s+$")
_WORD_AFTER = re.compile(r"^\s+([\w’'-]+)")
# Two capitalised words not at the start of a sentence: probably a person the targets do not know.
_OTHER_NAME = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+(?:\s+[A-Z][a-z’'-]+)+")


@dataclass(frozen=True)
class Mention:
    """One mention of a target; ``start``/``end`` are offsets into the post text."""

    target: str  # target id
    sentence_no: int
    start: int
    end: int
    how: str  # alias | pattern | coreference | given
    weight: float = 1.0  # evidence weight of the mention itself (pronouns count less)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    target: Target
    how: str
    full: bool  # a full alias or pattern, which licenses the target's short names afterwards


def _phrase(words: str) -> str:
    """A regex for ``words`` as whole words, flexible in inner whitespace and apostrophe style."""
    parts = [re.escape(w).replace("'", "['’]").replace("’", "['’]") for w in words.split()]
    return r"(?<![\w-])" + r"\s+".join(parts) + r"(?![\w-])"


@lru_cache(maxsize=4096)
def _compiled(words: str, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(_phrase(words), 0 if case_sensitive else re.IGNORECASE)


@lru_cache(maxsize=4096)
def _compiled_pattern(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)


def _full_hits(text: str, targets: Sequence[Target]) -> list[_Hit]:
    hits: list[_Hit] = []
    for target in targets:
        for alias in target.aliases:
            for m in _compiled(alias, target.case_sensitive).finditer(text):
                hits.append(_Hit(m.start(), m.end(), target, HOW_ALIAS, True))
        for pattern in target.patterns:
            for m in _compiled_pattern(pattern, target.case_sensitive).finditer(text):
                if m.end() > m.start():
                    hits.append(_Hit(m.start(), m.end(), target, HOW_PATTERN, True))
    return hits


def _short_hits(text: str, targets: Sequence[Target]) -> list[_Hit]:
    hits: list[_Hit] = []
    for target in targets:
        for short in target.short_names:
            for m in _compiled(short, target.case_sensitive).finditer(text):
                if _part_of_other_name(text, m.start(), m.end(), target):
                    continue
                hits.append(_Hit(m.start(), m.end(), target, HOW_COREFERENCE, False))
    return hits


def _part_of_other_name(text: str, start: int, end: int, target: Target) -> bool:
    """True when a capitalised word right before or after the short name makes it another name."""
    own = {w.casefold() for alias in target.aliases for w in alias.split()}
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if before:
        word = before.group(1).rstrip(".")
        if _CAP_WORD.fullmatch(word) and word.casefold() not in TITLES and word.casefold() not in own:
            # a capitalised word opening the sentence is not a first name ("Yesterday Rahman said")
            preceding = text[max(0, before.start() - 2) : before.start()].strip()
            if preceding and preceding[-1] not in ".!?\n":
                return True
    after = _WORD_AFTER.match(text[end : end + 40])
    if after:
        word = after.group(1)
        if _CAP_WORD.fullmatch(word) and word.casefold() not in own and not word.isupper():
            return True
    return False


def _resolve_overlaps(hits: list[_Hit]) -> list[_Hit]:
    """Keep the longest hit where hits overlap (then the earliest, then full before short)."""
    chosen: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start, not h.full)):
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def _sentence_of(sentences: Sequence[Sentence], pos: int) -> Sentence | None:
    for sentence in sentences:
        if sentence.start <= pos < sentence.end:
            return sentence
    return None


def find_mentions(text: str, sentences: Sequence[Sentence], targets: Sequence[Target]) -> list[Mention]:
    """Every mention of ``targets`` in ``text``, in text order (see the module docstring for the rules)."""
    if not targets or not sentences:
        return []
    hits = _resolve_overlaps(_full_hits(text, targets) + _short_hits(text, targets))
    first_full: dict[str, int] = {}
    for hit in hits:
        if hit.full:
            first_full.setdefault(hit.target.id, hit.start)
    mentioned = set(first_full)
    owners: dict[str, set[str]] = {}
    for target in targets:
        if target.id in mentioned:
            for short in target.short_names:
                owners.setdefault(short.casefold(), set()).add(target.id)
    mentions: list[Mention] = []
    for hit in hits:
        if not hit.full:
            licensed = hit.target.id in first_full and first_full[hit.target.id] < hit.start
            ambiguous = len(owners.get(text[hit.start : hit.end].casefold(), set())) > 1
            if not licensed or ambiguous:
                continue
        sentence = _sentence_of(sentences, hit.start)
        if sentence is None:
            continue
        mentions.append(Mention(hit.target.id, sentence.sentence_no, hit.start, hit.end, hit.how))
    mentions.extend(_pronoun_mentions(text, sentences, targets, mentions))
    return sorted(mentions, key=lambda m: (m.start, m.target))


def _pronoun_mentions(
    text: str, sentences: Sequence[Sentence], targets: Sequence[Target], named: Sequence[Mention]
) -> list[Mention]:
    """Sentence-opening pronouns that continue a single compatible target from the sentence before."""
    by_id = {t.id: t for t in targets}
    by_sentence: dict[int, list[Mention]] = {}
    for mention in named:
        by_sentence.setdefault(mention.sentence_no, []).append(mention)
    out: list[Mention] = []
    carried: dict[int, str] = {}  # sentence_no -> target carried by a pronoun mention there
    for prev, sentence in zip(sentences, sentences[1:], strict=False):
        if prev.paragraph_no != sentence.paragraph_no:
            continue
        m = _OPENING_PRONOUN.match(sentence.text)
        if not m:
            continue
        pronoun = _PRONOUNS[m.group(1).lower()]
        before = {x.target for x in by_sentence.get(prev.sentence_no, [])}
        if prev.sentence_no in carried:
            before.add(carried[prev.sentence_no])
        compatible = [tid for tid in before if pronoun in by_id[tid].pronouns]
        if len(compatible) != 1:
            continue
        if pronoun in ("he", "she") and _names_other_person(prev.text, by_id[compatible[0]], targets):
            continue
        start = sentence.start + m.start(1)
        out.append(
            Mention(
                compatible[0], sentence.sentence_no, start, start + len(m.group(1)), HOW_COREFERENCE, PRONOUN_WEIGHT
            )
        )
        carried[sentence.sentence_no] = compatible[0]
    return out


def _names_other_person(sentence: str, target: Target, targets: Sequence[Target]) -> bool:
    """True when ``sentence`` names someone (two capitalised words) who is not one of the targets."""
    known = {w for t in targets for a in (*t.aliases, *t.short_names) for w in a.split()}
    return any(not set(m.group(0).split()) <= known for m in _OTHER_NAME.finditer(sentence))
