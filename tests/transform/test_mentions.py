"""Tests for mention finding (``transform.mentions``): aliases, short names, pronouns, overlaps."""

from __future__ import annotations

from pathlib import Path

from transform.clean import Paragraph
from transform.mentions import HOW_ALIAS, HOW_COREFERENCE, PRONOUN_WEIGHT, find_mentions
from transform.segment import segment
from transform.targets import parse_targets, plain_target

TARGETS = parse_targets(
    """
targets:
  - {id: labour, name: Labour Party, kind: party, aliases: [Labour]}
  - {id: rahman, name: Lutfur Rahman, kind: person, short_names: [Lutfur, Rahman], pronouns: [he]}
  - {id: boris, name: Boris Johnson, kind: person, short_names: [Johnson]}
  - {id: mike, name: Mike Johnson, kind: person, short_names: [Johnson]}
  - {id: rent, name: rent control, kind: policy}
""",
    Path("m.yaml"),
)


def _find(*paragraphs: str, targets=None):  # type: ignore[no-untyped-def]
    paras = [Paragraph(p) for p in paragraphs]
    text = "\n\n".join(paragraphs)
    return text, find_mentions(text, segment(paras), list(targets or TARGETS.targets))


def test_short_name_counts_only_after_the_full_name_and_not_as_part_of_another_name() -> None:
    """'Rahman' before 'Lutfur Rahman' is not him; 'Oli Rahman' is someone else; after the full name it is."""
    text, mentions = _find(
        "Rahman spoke first. Then Lutfur Rahman took the stage.",
        "Councillor Oli Rahman said nothing. Later Rahman's allies cheered, and Mayor Rahman waved.",
    )
    found = [(text[m.start : m.end], m.how) for m in mentions if m.target == "rahman"]
    assert found == [("Lutfur Rahman", HOW_ALIAS), ("Rahman", HOW_COREFERENCE), ("Rahman", HOW_COREFERENCE)]
    assert text.index("Later Rahman") + 6 == [m.start for m in mentions if m.target == "rahman"][1]


def test_party_aliases_are_whole_words_case_sensitive_and_longest_first() -> None:
    text, mentions = _find("The Labour Party's plan for the labour market pleased Labour's members.")
    assert [text[m.start : m.end] for m in mentions] == ["Labour Party", "Labour"]
    assert all(m.how == HOW_ALIAS for m in mentions)


def test_policies_match_in_any_case() -> None:
    text, mentions = _find("Rent control is back. Critics of rent control are loud.")
    assert [text[m.start : m.end] for m in mentions] == ["Rent control", "rent control"]


def test_a_shared_short_name_is_skipped_when_both_owners_are_in_the_post() -> None:
    _, both = _find("Boris Johnson met Mike Johnson. Johnson spoke first.")
    assert [m.target for m in both if m.how == HOW_COREFERENCE] == []
    _, one = _find("Boris Johnson arrived. Johnson spoke first.")
    assert [m.target for m in one if m.how == HOW_COREFERENCE] == ["boris"]


def test_an_opening_pronoun_inherits_the_one_compatible_target_of_the_sentence_before() -> None:
    """'He' after a sentence naming only Rahman is Rahman, at half weight; not across paragraphs, not a party."""
    text, mentions = _find(
        "Lutfur Rahman won again. He thanked his voters. His rivals sulked.",
        "He was not mentioned here.",
        "Labour lost the seat. He resigned.",
    )
    pronouns = [(text[m.start : m.end], m.target, m.weight) for m in mentions if m.how == HOW_COREFERENCE]
    assert pronouns == [("He", "rahman", PRONOUN_WEIGHT), ("His", "rahman", PRONOUN_WEIGHT)]


def test_a_pronoun_is_not_resolved_when_another_person_is_named_before_it() -> None:
    _, mentions = _find("Lutfur Rahman met the regional director, Ken Clark, on Monday. He said little.")
    assert [m for m in mentions if m.how == HOW_COREFERENCE] == []


def test_plain_name_target_finds_its_surname_after_the_full_name() -> None:
    text, mentions = _find(
        "Livingstone is not mentioned yet. Ken Livingstone wrote a piece. Livingstone is wrong.",
        targets=[plain_target("Ken Livingstone")],
    )
    assert [text[m.start : m.end] for m in mentions] == ["Ken Livingstone", "Livingstone"]
    assert mentions[0].sentence_no == 1 and mentions[1].sentence_no == 2
