"""Batch validation: posts that break the declared rules are held back with the reason."""

from __future__ import annotations

import dataclasses

from transform.clean import CleanPost, Paragraph
from transform.labelling import Labeller
from transform.process import ProcessedPost, label_post
from warehouse.validate import validate_batch


def _post(labeller: Labeller, url: str = "https://a.example/1") -> ProcessedPost:
    clean = CleanPost(
        url, "T", ("W",), None, None, (), "en", (Paragraph("These fools wrecked it."), Paragraph("Fine."))
    )
    return label_post("src", url, url, "sha", clean, labeller)


def test_well_formed_posts_pass(labeller: Labeller) -> None:
    good, bad = validate_batch([_post(labeller), _post(labeller, "https://a.example/2")])
    assert len(good) == 2 and bad == []


def test_a_span_outside_its_text_is_rejected_with_the_reason(labeller: Labeller) -> None:
    post = _post(labeller)
    assert post.labels.spans, "the example needs a loaded span"
    span = dataclasses.replace(post.labels.spans[0], start=500, end=510)
    broken = dataclasses.replace(post, labels=dataclasses.replace(post.labels, spans=(span,)))
    good, bad = validate_batch([broken, _post(labeller, "https://a.example/2")])
    assert len(good) == 1 and bad[0].table == "loaded_spans" and "500-510" in bad[0].reason


def test_a_score_outside_zero_to_one_and_an_empty_text_are_rejected(labeller: Labeller) -> None:
    post = _post(labeller)
    high = dataclasses.replace(post, labels=dataclasses.replace(post.labels, post_score=1.5))
    empty = dataclasses.replace(post, text=" ")
    _, bad = validate_batch([high, empty])
    assert [(b.table, "0-1" in b.reason or "empty" in b.reason) for b in bad] == [
        ("loaded_spans", True),
        ("posts", True),
    ]
