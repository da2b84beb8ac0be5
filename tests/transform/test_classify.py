"""``slant classify``: the seed post's loaded words in the right voice; one-sentence inputs; bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SEED_POST_HTML, need_shared
from transform.classify import classify_lines
from transform.labelling import Labeller
from transform.records import extract_lines

SEED_URL = "https://blog.example.org/2010/10/07/labour-expels-lutfur-rahman-supporters/"


@pytest.fixture(scope="module")
def model(labeller: Labeller) -> Labeller:
    return labeller


def test_extract_then_classify_puts_the_seed_posts_loaded_words_in_the_right_voice(
    model: Labeller,
) -> None:
    html = need_shared(SEED_POST_HTML).read_text(encoding="utf-8")
    extracted = [json.dumps(r) for r in extract_lines([json.dumps({"id": "seed", "url": SEED_URL, "html": html})])]
    (record,) = classify_lines(extracted, model)
    spans = {s["text"].lower(): s for s in record["spans"]}
    for phrase in ("fools", "hangers on", "clique", "pure self interest", "dressed up as"):
        assert phrase in spans and not spans[phrase]["is_quote"], phrase  # the author's own words
    assert spans["fundamentalist sympathiser"]["is_quote"]  # found, but in the quoted report
    assert record["voice"]["author"] > 0 and record["model_version"].startswith("loaded-")


def test_one_sentence_input_has_the_sentences_score_at_the_top(model: Labeller) -> None:
    (record,) = classify_lines([json.dumps({"id": 1, "text": "These fools have wrecked the council."})], model)
    (sentence,) = record["sentences"]
    assert record["loaded"] == sentence["loaded"] and record["loaded_score"] == sentence["loaded_score"]
    assert all(0 <= s["start"] < s["end"] <= len("These fools have wrecked the council.") for s in record["spans"])


def test_bad_lines_are_reported_by_line(model: Labeller, tmp_path: Path) -> None:
    out = list(classify_lines(["nope", json.dumps({"id": 2}), ""], model, source="in.jsonl"))
    assert [o["error"].split(":")[1].strip() for o in out] == ["line 1", "line 2"]


def test_the_seed_posts_neutral_news_paragraphs_score_lower_than_the_authors_polemical_ones(
    model: Labeller,
) -> None:
    """The quoted news report's neutral paragraphs (who was told, by whom, on what advice) against the
    blogger's own verdict. The report's opening paragraph is left out: its "fundamentalist
    sympathiser" is loaded, in the quoted journalist's voice."""
    html = need_shared(SEED_POST_HTML).read_text(encoding="utf-8")
    (extracted,) = extract_lines([json.dumps({"id": "seed", "url": SEED_URL, "html": html})])
    (record,) = classify_lines([json.dumps(extracted)], model)
    text = "\n\n".join(p["text"] for p in extracted["paragraphs"])

    def mean_score(paragraph_words: str) -> float:
        (paragraph,) = [p["text"] for p in extracted["paragraphs"] if paragraph_words in p["text"]]
        start = text.index(paragraph)
        scores = [
            s["loaded_score"] for s in record["sentences"] if start <= s["start"] and s["end"] <= start + len(paragraph)
        ]
        return sum(scores) / len(scores)

    news = [mean_score(w) for w in ("I can confirm that eleven", "legal and compliance unit", "YouTube footage")]
    polemic = [mean_score(w) for w in ("dressed up as a call for party unity", "these fools", "dismal 1980s")]
    assert max(news) < min(polemic), (news, polemic)
