"""The lexicon baseline: multi-word terms, stems, context rules, the fast matcher, scores in [0, 1]."""

from __future__ import annotations

import random
import re

import pytest

from tests.conftest import SHARED, need_shared
from transform.clean import Paragraph
from transform.lexicon import (
    LEXICON_VERSION,
    Lexicon,
    Span,
    build_lexicon,
    find_spans,
    load_lexicon,
    post_score,
    sentence_scores,
)
from transform.segment import segment

LEXICON = load_lexicon()
SEED_POST_TXT = SHARED / "samples" / "seed-post.txt"


def _spans(*paragraphs: Paragraph, lexicon: Lexicon = LEXICON):  # type: ignore[no-untyped-def]
    text = "\n\n".join(p.text for p in paragraphs)
    sentences = segment(paragraphs)
    return text, sentences, find_spans(text, sentences, lexicon)


def _found(sentence: str) -> list[str]:
    return [s.text for s in _spans(Paragraph(sentence))[2]]


def test_shipped_lexicon_has_every_category_a_version_and_its_context_rules() -> None:
    categories = {category for category, _ in LEXICON.entries.values()} | {c for _, c, _ in LEXICON.stems}
    assert categories == {"name_calling", "emotive", "exaggeration", "dysphemism", "doubt"}
    assert LEXICON.version == LEXICON_VERSION == "lexicon-1.0"
    assert len(LEXICON.entries) + len(LEXICON.stems) == 3096
    assert sum(len(rules) for rules in LEXICON.rules.values()) == 286
    assert {r.kind for rules in LEXICON.rules.values() for r in rules} == {"not_before", "not_after", "only_with"}


def test_the_walking_skeleton_lexicon_still_loads_without_rules() -> None:
    old = load_lexicon("lexicon-0.1")
    assert old.version == "lexicon-0.1"
    assert old.rules == {}
    assert [s.text for s in _spans(Paragraph("Their hangers on are fools."), lexicon=old)[2]] == ["hangers on", "fools"]


def test_multi_word_terms_win_over_their_parts_and_offsets_are_exact() -> None:
    text, _, spans = _spans(
        Paragraph("Their hangers on are fools, and this is pure self interest, dressed up as unity.")
    )
    found = [(s.text, s.category) for s in spans]
    assert ("hangers on", "name_calling") in found
    assert ("fools", "name_calling") in found
    assert ("dressed up as", "emotive") in found
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_the_seed_post_finds_its_loaded_terms() -> None:
    raw = need_shared(SEED_POST_TXT).read_text(encoding="utf-8")
    paragraphs = [Paragraph(p.strip()) for p in raw.split("\n") if p.strip()]
    text, _, spans = _spans(*paragraphs)
    found = {" ".join(s.text.lower().split()) for s in spans}
    assert {"fools", "hangers on", "clique", "pure self interest", "dressed up as"} <= found
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_quoted_matches_carry_the_quote_flag() -> None:
    _, _, spans = _spans(Paragraph("A neutral line."), Paragraph("They are traitors.", is_quote=True))
    assert [(s.text, s.is_quote) for s in spans] == [("traitors", True)]


def test_neutral_sentences_score_zero_and_loaded_ones_more() -> None:
    _, sentences, spans = _spans(Paragraph("The council met on Tuesday. The clique of cronies is a disgrace."))
    scores = sentence_scores(sentences, spans)
    assert scores[0] == 0.0
    assert 0.9 < scores[1] <= 1.0
    assert post_score(scores) == round(sum(scores) / 2, 6)


# --- context rules


def test_not_before_rules_cancel_literal_senses() -> None:
    assert "radical" not in _found("The surgeon recommended radical surgery for the tumour.")
    assert "massive" not in _found("Astronomers found a massive star in the cluster.")
    assert "massive" not in _found("He suffered a MASSIVE   heart attack.")  # any case, any whitespace


def test_a_rule_leaves_other_uses_of_the_term_alone() -> None:
    assert _found("These radical cronies run the council.") == ["radical", "cronies"]
    assert "massive" in _found("It was a massive betrayal.")


def test_not_after_rules_look_at_the_text_right_before_the_match() -> None:
    assert "radical" not in _found("Antioxidants mop up each free radical in the cell.")
    assert "radical" in _found("Free speech matters, and he is a radical.")  # "free" not right before


def test_a_stem_rule_covers_every_form_the_stem_matches() -> None:
    assert not [t for t in _found("She booked a smear test and cervical smears were taken.") if "smear" in t.lower()]
    assert "smeared" in _found("They smeared the candidate all week.")


def test_only_with_rules_need_their_company_in_the_same_sentence() -> None:
    assert "MSM" in _found("The MSM coverage ignored it.")
    assert "MSM" not in _found("HIV testing is offered to MSM at the clinic.")
    # the company must be in the match's own sentence, never the next one
    assert "MSM" not in [s.text for s in _spans(Paragraph("The MSM did it. The press agreed."))[2]]


LEX = "# a tiny lexicon\nradical\tname_calling\t0.3\nsmear*\temotive\t0.5\n"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("radical\tnot_near\t^\\s+x\tnote", "unknown rule 'not_near'"),
        ("radical\tnot_before\t^\\s+(surgery\tnote", "bad pattern"),
        ("radicals\tnot_before\t^\\s+x\tnote", "'radicals' is not in the lexicon"),
        ("smear\tnot_before\t^\\s+tests?\tnote", "'smear' is not in the lexicon"),  # a stem keeps its *
        ("radical\tnot_before\t^\\s+x", "expected term<TAB>rule<TAB>pattern<TAB>note"),
        ("radical\tnot_before\t^\\s+x\t ", "note may not be empty"),
    ],
)
def test_a_bad_rule_names_the_file_and_line(line: str, message: str) -> None:
    rules = "# header\nsmear*\tnot_before\t^\\s+tests?\tcervical screening\n\n" + line + "\n"
    with pytest.raises(ValueError, match=re.escape("rules.tsv line 4: ") + ".*" + re.escape(message)):
        build_lexicon("lexicon-x", LEX, rules, rules_source="rules.tsv")


def test_a_good_rule_file_builds() -> None:
    lexicon = build_lexicon("lexicon-x", LEX, "smear*\tnot_before\t^\\s+tests?\tcervical screening\n")
    assert [r.kind for r in lexicon.rules["smear*"]] == ["not_before"]
    assert [s.text for s in _spans(Paragraph("Smears and smear tests."), lexicon=lexicon)[2]] == ["Smears"]


# --- the fast matcher gives exactly the plain alternation's matches


def _reference_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    """The original matcher: one alternation of every term, longest written term first."""
    terms = sorted([*lexicon.entries, *(s + "*" for s, _, _ in lexicon.stems)], key=len, reverse=True)
    parts = []
    for term in terms:
        body = r"\s+".join(re.escape(w) for w in term.rstrip("*").split())
        parts.append(rf"\b{body}\w*" if term.endswith("*") else rf"\b{body}\b")
    return re.compile("|".join(parts), re.IGNORECASE)


def _varied_sentences(lexicon: Lexicon, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    terms = [*lexicon.entries, *(s + "*" for s, _, _ in lexicon.stems)]
    filler = [
        "the",
        "a",
        "council",
        "said",
        "that",
        "of",
        "and",
        "in",
        "on",
        "to",
        "members",
        "it",
        "was",
        "Über",
        "naïve",
        "2010",
        "x",
        "y",
    ]
    glue = ["", "s", "ed", "ing", "ers", "-like", "'s", "\u2019s", "ly", "1"]
    fronts = ["", "", "", "anti-", "un", "non", "(", "\u201c", "'"]
    backs = ["", "", "", ",", ".", ")", "\u201d", "!", "-"]
    out = []
    for _ in range(n):
        words: list[str] = []
        for _ in range(rng.randint(3, 14)):
            if rng.random() < 0.45:
                term = rng.choice(terms)
                text = term.rstrip("*") + (rng.choice(glue) if term.endswith("*") or rng.random() < 0.3 else "")
                text = text.replace(" ", rng.choice([" ", "  ", "\n", "\t", " \u00a0"]))
                text = rng.choice([str.lower, str.upper, str.title, str.capitalize])(text)
                if rng.random() < 0.2:
                    text = text[: rng.randint(1, len(text))]  # a truncated term
                words.append(rng.choice(fronts) + text + rng.choice(backs))
            else:
                words.append(rng.choice(filler))
        out.append(rng.choice([" ", "", "-"]).join(words) if rng.random() < 0.1 else " ".join(words))
    return out


@pytest.mark.parametrize("version", ["lexicon-0.1", "lexicon-1.0"])
def test_fast_matcher_matches_exactly_like_the_plain_alternation(version: str) -> None:
    lexicon = load_lexicon(version)
    reference = _reference_pattern(lexicon)
    sentences = _varied_sentences(lexicon, 800, seed=sum(map(ord, version)))
    text = "\n\n".join(sentences)
    fast = [(m.start(), m.end()) for m in lexicon.pattern.finditer(text)]
    slow = [(m.start(), m.end()) for m in reference.finditer(text)]
    assert len(slow) > 1000
    assert fast == slow
    assert [m.span() for m in lexicon.matches(text, 0, len(text))] == slow  # the prefiltered scan too
    # and within sentence bounds, as find_spans searches
    for sentence in sentences[:200]:
        for pos in range(0, len(sentence), 7):
            expected = [m.span() for m in reference.finditer(sentence, pos)]
            assert [m.span() for m in lexicon.pattern.finditer(sentence, pos)] == expected
            end = max(pos, len(sentence) - 5)
            assert [m.span() for m in lexicon.matches(sentence, pos, end)] == [
                m.span() for m in reference.finditer(sentence, pos, end)
            ]


def test_every_match_resolves_to_the_entry_or_longest_stem() -> None:
    assert LEXICON.resolve("Smear  Campaigns")[0] == "smear campaign*"
    assert LEXICON.resolve("smeared")[0] == "smear*"
    assert LEXICON.resolve("Hangers\non")[0] == "hangers on"
    span = _spans(Paragraph("A smear campaign began."))[2]
    assert [(s.text, s.category) for s in span] == [("smear campaign", LEXICON.lookup("smear campaign")[0])]
    assert all(isinstance(s, Span) for s in span)


def test_the_prefilter_never_skips_a_word_a_short_stem_or_a_hyphenated_term_can_start() -> None:
    """``Lexicon.matches`` skips words by their first letters; short stems and hyphens are the edge."""
    lexicon = build_lexicon("lexicon-x", "go*\temotive\t0.5\nx-ray vision\temotive\t0.5\nsmear*\tdysphemism\t0.7\n")
    text = "Going, GOES and gone; X-ray  vision and smeared ink, not ago or gong-less."
    expected = [m.span() for m in _reference_pattern(lexicon).finditer(text)]
    assert [text[a:b] for a, b in expected] == ["Going", "GOES", "gone", "X-ray  vision", "smeared", "gong"]
    assert [m.span() for m in lexicon.matches(text, 0, len(text))] == expected
    assert not lexicon.could_start("ink") and lexicon.could_start("gong")


def test_a_non_ascii_term_keeps_the_prefilter_on_and_still_matches() -> None:
    """The term "lügenpresse" in lexicon-1.0 once turned the prefilter off for every word of every post."""
    lexicon = build_lexicon("lexicon-x", "lügenpresse\tname_calling\t0.8\nsmear*\tdysphemism\t0.7\n")
    assert lexicon.leads == frozenset() and lexicon.stem_leads == frozenset({"smear"})
    text = "They shouted LÜGENPRESSE and lugenpresse, then smeared the Lügenpresse-Reporter."
    expected = [m.span() for m in _reference_pattern(lexicon).finditer(text)]
    assert [text[a:b] for a, b in expected] == ["LÜGENPRESSE", "smeared", "Lügenpresse"]
    assert [m.span() for m in lexicon.matches(text, 0, len(text))] == expected
    assert load_lexicon("lexicon-1.0").leads, "the shipped lexicon must keep its prefilter"


def test_a_term_with_a_letter_that_folds_to_ascii_turns_the_prefilter_off() -> None:
    """The long s matches "s" under re.IGNORECASE, so an ASCII word can start that term."""
    lexicon = build_lexicon("lexicon-x", "\u017fcum\temotive\t0.5\nsmear*\tdysphemism\t0.7\n")
    assert lexicon.leads is None
    text = "A Scum smeared it."
    expected = [m.span() for m in _reference_pattern(lexicon).finditer(text)]
    assert [text[a:b] for a, b in expected] == ["Scum", "smeared"]
    assert [m.span() for m in lexicon.matches(text, 0, len(text))] == expected


def test_the_whole_word_prefilter_keeps_every_match_of_tricky_terms() -> None:
    """Leads are compared whole (or as a one-word stem's prefix): apostrophes, hyphens, digits,
    multi-word stems and a term inside a longer word must all come out as the plain regex finds them."""
    lexicon = build_lexicon(
        "lexicon-x",
        "don't care\temotive\t0.5\nso-called\tscare_quotes\t0.5\nsmear campaign*\tdysphemism\t0.7\n"
        "9/11 truther*\tname_calling\t0.8\nhack\tdysphemism\t0.4\nwoke*\tname_calling\t0.6\n",
    )
    text = (
        "DON'T  care, don'tcare; So-called so-calledness. Smear campaigners, smearcampaign, smears campaign. "
        "9/11 truthers; 911 truther. Hacks hack hacked HACK. Wokeness, woke, awoke."
    )
    expected = [m.span() for m in _reference_pattern(lexicon).finditer(text)]
    assert [m.span() for m in lexicon.matches(text, 0, len(text))] == expected
    assert len(expected) >= 8


def test_a_lead_of_several_word_terms_is_tried_only_before_one_of_their_second_words() -> None:
    """ "a" and "the" start terms in nearly every sentence; the next run decides whether to try them.

    A stem's open second run ("witch hunt*"), a next word outside ASCII (which case folding may
    match: the long s matches "s") and a term cut by the sentence bound must still come out as the
    plain regex finds them.
    """
    lexicon = build_lexicon(
        "lexicon-x",
        "a lot of\texaggeration\t0.5\nthe elite\tname_calling\t0.6\nwitch hunt*\temotive\t0.7\n"
        "a sham\temotive\t0.5\nsmear*\tdysphemism\t0.7\n",
    )
    assert "a" not in (lexicon.leads or ()) and lexicon.pairs["a"] == frozenset({"lot", "sham"})
    assert "witch" in (lexicon.leads or ())
    assert {"a", "the", "for"} <= set(load_lexicon("lexicon-1.0").pairs), "the shipped lexicon's commonest leads"
    text = (
        "A lot of the Elite ate a lotus; a sham, A \u017fHAM and a  LOT\nof witch hunters. The elites? "
        "the elite, a lot of"
    )
    reference = _reference_pattern(lexicon)
    expected = [m.span() for m in reference.finditer(text)]
    assert [text[a:b] for a, b in expected] == [
        "A lot of",
        "the Elite",
        "a sham",
        "A \u017fHAM",
        "a  LOT\nof",
        "witch hunters",
        "the elite",
        "a lot of",
    ]
    assert [m.span() for m in lexicon.matches(text, 0, len(text))] == expected
    for end in range(len(text) - 12, len(text) + 1):  # a bound inside the last term
        assert [m.span() for m in lexicon.matches(text, 0, end)] == [m.span() for m in reference.finditer(text, 0, end)]
    assert not lexicon.could_start("ate") and lexicon.could_start("a")
