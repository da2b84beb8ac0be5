"""The lexicon baseline: multi-word terms, stems, context of the match, scores in [0, 1]."""

from __future__ import annotations

from transform.clean import Paragraph
from transform.lexicon import find_spans, load_lexicon, post_score, sentence_scores
from transform.segment import segment

LEXICON = load_lexicon()


def _spans(*paragraphs: Paragraph):  # type: ignore[no-untyped-def]
    text = "\n\n".join(p.text for p in paragraphs)
    sentences = segment(paragraphs)
    return text, sentences, find_spans(text, sentences, LEXICON)


def test_shipped_lexicon_has_every_category_and_a_version() -> None:
    categories = {category for category, _ in LEXICON.entries.values()} | {c for _, c, _ in LEXICON.stems}
    assert {"name_calling", "emotive", "exaggeration", "dysphemism", "doubt"} <= categories
    assert LEXICON.version == "lexicon-0.1"


def test_multi_word_terms_win_over_their_parts_and_offsets_are_exact() -> None:
    text, _, spans = _spans(
        Paragraph("Their hangers on are fools, and this is pure self interest, dressed up as unity.")
    )
    found = [(s.text, s.category) for s in spans]
    assert ("hangers on", "name_calling") in found
    assert ("fools", "name_calling") in found
    assert ("dressed up as", "emotive") in found
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
