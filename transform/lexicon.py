"""A transparent first loaded-language score from a hand-written lexicon.

Each entry of ``lexicons/loaded-<version>.tsv`` is ``term<TAB>category<TAB>weight``; a term may
be several words and may end in ``*`` to match any ending ("smear*" matches "smears",
"smeared"). A sentence's score is the chance that at least one of its matches is loaded,
treating the weights as independent probabilities; a post's score is the mean over sentences.
It is deliberately simple and explainable: every score can be traced to the spans stored
beside it. The trained classifier of a later release replaces it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

from transform.segment import Sentence

_WORD_RUN = re.compile(r"\w+")
LEXICON_VERSION = "lexicon-1.0"
# Words whose could_start verdict is cached per lexicon: a night's vocabulary is a few tens of
# thousands; the bound keeps a long-lived worker's cache near 10 MB.
_MAX_VERDICTS = 100_000
_UNKNOWN = object()  # a word the verdict cache has not seen yet
LOADED_THRESHOLD = 0.5  # a sentence scoring above this counts as "loaded" in post shares


@dataclass(frozen=True)
class Span:
    """A matched loaded term; offsets into the post text."""

    sentence_no: int
    start: int
    end: int
    text: str
    category: str
    score: float
    is_quote: bool


RULE_KINDS = ("not_before", "not_after", "only_with")


@dataclass(frozen=True)
class ContextRule:
    """One line of ``context-rules-<version>.tsv``: when a match of ``term`` is cancelled."""

    term: str  # as written in the lexicon, trailing ``*`` included
    kind: str  # one of RULE_KINDS
    pattern: re.Pattern[str]
    note: str


@dataclass(frozen=True)
class Lexicon:
    """Compiled lexicon: the matcher regex, each term's category and weight, and its context rules.

    ``pattern`` gives exactly the matches of one plain alternation of all terms, longest written
    term first, but its alternatives are grouped by first letter so that the regex engine only
    tries the terms that can start at a position (see :func:`_matcher`).
    """

    version: str
    pattern: re.Pattern[str]
    entries: dict[str, tuple[str, float]]
    stems: tuple[tuple[str, str, float], ...]
    rules: dict[str, tuple[ContextRule, ...]] = field(default_factory=dict)
    # The prefilter (``could_start``): each term's leading word run, lower-cased, which a text's word
    # run must equal (``leads``) or, for a one-word stem such as "smear*", begin with (``stem_leads``).
    # ``leads`` None: some term's lead defeats that reasoning, and every word is tried.
    leads: frozenset[str] | None = None
    stem_leads: frozenset[str] = frozenset()
    # Terms of several words whose second word is written out in full ("a lot of", "the elite") need
    # the text's next word run to equal it too: ``pairs`` maps their lead to those second runs. Leads
    # such as "a" and "the" start a term in nearly every sentence; their pairs rarely occur.
    pairs: dict[str, frozenset[str]] = field(default_factory=dict)
    # The prefilter's answer per word as written (True, False, or the second runs it needs): a
    # night's posts reuse a few tens of thousands of words.
    _verdicts: dict[str, bool | frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    # ``resolve``'s answer per matched text as written: matches repeat ("a lot of", "radical").
    _resolved: dict[str, tuple[str, str, float]] = field(default_factory=dict, compare=False, repr=False)

    def could_start(self, word: str) -> bool:
        """Whether a match may begin at ``word`` (a whole ``\\w+`` run of the text); never a false no.

        A term's regex is its words joined by ``\\s+`` behind ``\\b``, so at a match's start the
        text's word run equals the term's first word run, unless the term is a one-word stem, whose
        run the text's run begins with. Non-ASCII words always pass (case folding is the regex's job).
        This ignores the second word (see ``matches``).
        """
        return self.leads is None or self._verdict(word) is not False

    def _verdict(self, word: str) -> bool | frozenset[str]:
        """True: a match may begin at ``word``; False: none can; a set: only if the next run is in it."""
        verdict = self._verdicts.get(word)
        if verdict is None:
            key = word.lower()
            if not word.isascii() or self.leads is None or key in self.leads:
                verdict = True
            else:
                verdict = any(key[:n] in self.stem_leads for n in range(1, len(key) + 1)) or self.pairs.get(key, False)
            if len(self._verdicts) < _MAX_VERDICTS:
                self._verdicts[word] = verdict
        return verdict

    def matches(self, text: str, start: int, end: int) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text, start, end)``, trying the pattern only where a term could begin.

        Every term begins with a word character behind ``\\b``, so a match can only begin where a
        ``\\w+`` run does. A run is tried when ``could_start`` allows it and, for a lead that only
        starts terms of several words ("a" of "a lot of"), when the next run is one of those terms'
        second runs (or not ASCII, which case folding might match). Runs are tried in order from the
        end of the previous match, exactly as ``finditer`` scans.
        """
        if self.leads is None:
            yield from self._try_every_run(text, start, end)
            return
        runs = _WORD_RUN.findall(text, start, end)
        known = self._verdicts.get
        unknown = _UNKNOWN
        maybe = [i for i, word in enumerate(runs) if known(word, unknown) is not False]
        if not maybe:
            return
        at: list[int] | None = None
        resume = start
        last = len(runs) - 1
        for i in maybe:
            verdict = self._verdict(runs[i])
            if verdict is False:
                continue
            if verdict is not True:
                if i == last:
                    continue
                following = runs[i + 1]
                if following.lower() not in verdict and following.isascii():
                    continue
            if at is None:
                at = [m.start() for m in _WORD_RUN.finditer(text, start, end)]
            if at[i] < resume:
                continue
            found = self.pattern.match(text, at[i], end)
            if found is not None:
                resume = found.end()
                yield found

    def _try_every_run(self, text: str, start: int, end: int) -> Iterator[re.Match[str]]:
        """``matches`` without a prefilter: the pattern tried at every word run."""
        resume = start
        for word in _WORD_RUN.finditer(text, start, end):
            at = word.start()
            if at < resume:
                continue
            found = self.pattern.match(text, at, end)
            if found is not None:
                resume = found.end()
                yield found

    def resolve(self, matched: str) -> tuple[str, str, float]:
        """The term (as written, ``*`` included), category and weight behind the matched text.

        An explicit entry wins over a stem that also covers it; otherwise the longest stem.
        """
        known = self._resolved.get(matched)
        if known is not None:
            return known
        key = " ".join(matched.lower().split())
        found: tuple[str, str, float] | None = (key, *self.entries[key]) if key in self.entries else None
        if found is None:
            found = next(((stem + "*", c, w) for stem, c, w in self.stems if key.startswith(stem)), None)
        if found is None:
            raise KeyError(matched)
        if len(self._resolved) < _MAX_VERDICTS:
            self._resolved[matched] = found
        return found

    def lookup(self, matched: str) -> tuple[str, float]:
        _, category, weight = self.resolve(matched)
        return category, weight


def _term_regex(term: str) -> str:
    stem = term.endswith("*")
    words = term.rstrip("*").split()
    body = r"\s+".join(re.escape(w) for w in words)
    return rf"\b{body}\w*" if stem else rf"\b{body}\b"


def _matcher(terms: list[str]) -> re.Pattern[str]:
    """One regex matching like ``"|".join(_term_regex(t) for t in terms)``, only much faster.

    A plain alternation of 3,000 terms makes the engine try every term at every position. Here the
    terms are grouped by first character behind a lookahead, keeping their order inside each group.
    Two groups can never both match at one position (their first characters differ even ignoring
    case), so at each position the first term in ``terms`` order that matches still wins, exactly
    as in the plain alternation.
    """
    groups: dict[str, list[str]] = {}
    for term in terms:
        groups.setdefault(term[0].casefold(), []).append(term)
    branches = []
    for members in groups.values():
        firsts = "".join(sorted({re.escape(t[0]) for t in members}))
        head = f"(?={firsts})" if len({t[0] for t in members}) == 1 else f"(?=[{firsts}])"
        branches.append(head + "(?:" + _second_char_groups(members) + ")")
    return re.compile(r"\b(?:" + "|".join(branches) + ")", re.IGNORECASE)


def _second_char_groups(members: list[str]) -> str:
    """The alternation of one first-character group, split again by the terms' second character.

    The same argument as one level up: terms whose second characters differ (ignoring case) cannot
    match at one position, and terms with no second word character ("a lot", "x-ray", a one-letter
    word) need a non-word character there, so they cannot match where a two-letter prefix does. A
    one-letter stem (``x*``) matches any word, so a group holding one is left whole.
    """
    plain = "|".join(_term_regex(t).removeprefix(r"\b") for t in members)
    seconds: dict[str, list[str]] = {}
    tail: list[str] = []
    for term in members:
        body = term.rstrip("*")
        if len(body) == 1 and term.endswith("*"):
            return plain
        second = body[1] if len(body) > 1 else ""
        if second and re.match(r"\w", second) and len(second.casefold()) == 1:
            seconds.setdefault(second.casefold(), []).append(term)
        else:
            tail.append(term)
    if len(seconds) + bool(tail) < 2:
        return plain
    parts = []
    for group in seconds.values():
        chars = "".join(sorted({re.escape(t[1]) for t in group}))
        parts.append(f"(?=.[{chars}])(?:" + "|".join(_term_regex(t).removeprefix(r"\b") for t in group) + ")")
    if tail:
        parts.append("(?:" + "|".join(_term_regex(t).removeprefix(r"\b") for t in tail) + ")")
    return "|".join(parts)


def match_order(entries: dict[str, tuple[str, float]], stems: tuple[tuple[str, str, float], ...]) -> list[str]:
    """All terms as written, in the order they are tried: longest first ("hangers on" before "hanger*")."""
    return sorted([*entries, *(s + "*" for s, _, _ in stems)], key=len, reverse=True)


def _parse_entries(text: str, source: str) -> tuple[dict[str, tuple[str, float]], list[tuple[str, str, float]]]:
    entries: dict[str, tuple[str, float]] = {}
    stems: list[tuple[str, str, float]] = []
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            term, category, weight = line.split("\t")
            value = float(weight)
        except ValueError as exc:
            raise ValueError(f"{source} line {line_no}: expected term<TAB>category<TAB>weight") from exc
        term = " ".join(term.lower().split())
        if term.endswith("*"):
            stems.append((term.rstrip("*"), category, value))
        else:
            entries[term] = (category, value)
    return entries, stems


def _parse_rules(text: str, source: str, terms: set[str]) -> dict[str, tuple[ContextRule, ...]]:
    rules: dict[str, list[ContextRule]] = {}
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"{source} line {line_no}: expected term<TAB>rule<TAB>pattern<TAB>note")
        term, kind, pattern, note = fields
        if term not in terms:
            raise ValueError(f"{source} line {line_no}: term {term!r} is not in the lexicon")
        if kind not in RULE_KINDS:
            raise ValueError(
                f"{source} line {line_no}: unknown rule {kind!r} (expected one of {', '.join(RULE_KINDS)})"
            )
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{source} line {line_no}: bad pattern {pattern!r}: {exc}") from exc
        if not note.strip():
            raise ValueError(f"{source} line {line_no}: the note may not be empty")
        rules.setdefault(term, []).append(ContextRule(term, kind, compiled, note))
    return {term: tuple(found) for term, found in rules.items()}


def build_lexicon(
    version: str,
    lexicon_text: str,
    rules_text: str | None = None,
    *,
    lexicon_source: str = "lexicon",
    rules_source: str = "context rules",
) -> Lexicon:
    """Compile a lexicon from the text of its TSV files; errors name ``*_source`` and the line."""
    entries, stem_list = _parse_entries(lexicon_text, lexicon_source)
    # Stems are tried most specific first, as in the regex.
    stems = tuple(sorted(stem_list, key=lambda s: len(s[0]), reverse=True))
    terms = match_order(entries, stems)
    rules = _parse_rules(rules_text, rules_source, set(terms)) if rules_text is not None else {}
    leads, stem_leads, pairs = _term_leads(terms)
    return Lexicon(version, _matcher(terms), entries, stems, rules, leads, stem_leads, pairs)


def _term_leads(terms: list[str]) -> tuple[frozenset[str] | None, frozenset[str], dict[str, frozenset[str]]]:
    """``Lexicon.leads``, ``Lexicon.stem_leads`` and ``Lexicon.pairs`` (see ``Lexicon.matches``).

    ``could_start`` consults them for ASCII words only. A lead holding a character that matches no
    ASCII letter even ignoring case ("lügenpresse") can never begin at an ASCII word, so it needs no
    entry; a term without a leading word run, or whose lead is ASCII only up to letters that fold to
    ASCII (the long s "ſ" matches "s"), turns the prefilter off.

    A term of several word runs goes to ``pairs`` when the text's next run must equal its second
    run: that run is ASCII, separated from the lead by ASCII punctuation or spaces only, and not the
    open end of a stem ("witch hunt*": the text's run only begins with "hunt"). Any other term's lead
    goes to ``leads``, which ``pairs`` never overrides.
    """
    leads: set[str] = set()
    stem_leads: set[str] = set()
    pairs: dict[str, set[str]] = {}
    for term in terms:
        body = term.rstrip("*")
        runs = list(_WORD_RUN.finditer(body))
        if not runs or runs[0].start() != 0:
            return None, frozenset(), {}
        run = runs[0].group()
        if not run.isascii():
            if all(ch.isascii() or _folds_to_ascii(ch) for ch in run):
                return None, frozenset(), {}
            continue  # never matches an ASCII word; non-ASCII words always reach the pattern
        stem = term.endswith("*")
        if stem and run == body:
            stem_leads.add(run.lower())
            continue
        if len(runs) > 1:
            second = runs[1]
            gap = body[runs[0].end() : second.start()]
            open_end = stem and second.end() == len(body)
            if second.group().isascii() and gap.isascii() and not open_end:
                pairs.setdefault(run.lower(), set()).add(second.group().lower())
                continue
        leads.add(run.lower())
    return (
        frozenset(leads),
        frozenset(stem_leads),
        {lead: frozenset(seconds) for lead, seconds in pairs.items() if lead not in leads},
    )


def _folds_to_ascii(ch: str) -> bool:
    """Whether the pattern (``re.IGNORECASE``) lets ``ch`` match some ASCII character."""
    pattern = re.compile(re.escape(ch), re.IGNORECASE)
    return any(pattern.fullmatch(chr(code)) for code in range(128))


def load_lexicon(version: str = LEXICON_VERSION) -> Lexicon:
    """Read the shipped lexicon ``version`` and, when it has one, its context-rules file."""
    name = version.removeprefix("lexicon-")
    folder = resources.files("transform").joinpath("lexicons")
    lexicon_file = folder.joinpath(f"loaded-{name}.tsv")
    rules_file = folder.joinpath(f"context-rules-{name}.tsv")
    rules_text = rules_file.read_text(encoding="utf-8") if rules_file.is_file() else None
    return build_lexicon(
        version,
        lexicon_file.read_text(encoding="utf-8"),
        rules_text,
        lexicon_source=f"lexicons/loaded-{name}.tsv",
        rules_source=f"lexicons/context-rules-{name}.tsv",
    )


def _kept(rules: tuple[ContextRule, ...], sentence: str, start: int, end: int) -> bool:
    """Whether a match at ``sentence[start:end]`` survives its term's context rules."""
    wanted = False
    needs_company = False
    for rule in rules:
        if rule.kind == "not_before":
            if rule.pattern.search(sentence[end:]):
                return False
        elif rule.kind == "not_after":
            if rule.pattern.search(sentence[:start]):
                return False
        else:
            needs_company = True
            wanted = wanted or rule.pattern.search(sentence) is not None
    return wanted or not needs_company


def find_spans(text: str, sentences: list[Sentence], lexicon: Lexicon) -> list[Span]:
    """Every lexicon match inside each sentence of ``text`` that its term's context rules keep.

    Rules see only the sentence: ``not_before`` the text after the match (``^`` = right after it),
    ``not_after`` the text before it (``$`` = right before it), ``only_with`` the whole sentence. A
    cancelled match is dropped; matching goes on after it.
    """
    spans: list[Span] = []
    for sentence in sentences:
        for match in lexicon.matches(text, sentence.start, sentence.end):
            term, category, weight = lexicon.resolve(match.group(0))
            rules = lexicon.rules.get(term)
            if rules:
                here = text[sentence.start : sentence.end]
                if not _kept(rules, here, match.start() - sentence.start, match.end() - sentence.start):
                    continue
            spans.append(
                Span(
                    sentence.sentence_no,
                    match.start(),
                    match.end(),
                    match.group(0),
                    category,
                    weight,
                    sentence.is_quote,
                )
            )
    return spans


def sentence_scores(sentences: list[Sentence], spans: list[Span]) -> list[float]:
    """Per sentence: 1 - prod(1 - weight) over its spans (0 when it has none)."""
    keep = [1.0] * len(sentences)
    for span in spans:
        keep[span.sentence_no] *= 1.0 - span.score
    return [round(1.0 - k, 6) for k in keep]


def post_score(scores: list[float]) -> float:
    """Mean sentence score; 0 for a post without sentences."""
    return round(math.fsum(scores) / len(scores), 6) if scores else 0.0
