"""Sentences carry exact offsets into the post text and inherit their paragraph's quote status."""

from __future__ import annotations

from transform.clean import CleanPost, Paragraph
from transform.segment import segment


def _post(*paragraphs: Paragraph) -> CleanPost:
    return CleanPost("http://x/", None, (), None, None, (), None, tuple(paragraphs))


def test_offsets_point_into_the_joined_text() -> None:
    post = _post(
        Paragraph("Mr. Smith arrived at 3 p.m. on Tuesday. He left at once."),
        Paragraph("“We will fight,” she said. “We will win.”", is_quote=True),
        Paragraph("Dr. Jones disagreed... strongly."),
    )
    sentences = segment(post.paragraphs)
    assert [s.text for s in sentences] == [
        "Mr. Smith arrived at 3 p.m. on Tuesday.",
        "He left at once.",
        "“We will fight,” she said.",
        "“We will win.”",
        "Dr. Jones disagreed... strongly.",
    ]
    text = post.text
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert [s.is_quote for s in sentences] == [False, False, True, True, False]
    assert [s.paragraph_no for s in sentences] == [0, 0, 1, 1, 2]
    assert [s.sentence_no for s in sentences] == [0, 1, 2, 3, 4]


def test_multi_sentence_quotation_is_split_and_each_part_is_quoted() -> None:
    sentences = segment([Paragraph("First quoted point. Second quoted point. Third.", is_quote=True)])
    assert len(sentences) == 3 and all(s.is_quote for s in sentences)
