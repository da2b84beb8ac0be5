"""``slant classify``: the seed post's loaded words in the right voice; one-sentence inputs; bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SEED_POST_HTML, need_shared
from transform.classify import classify_lines, default_model, model_version
from transform.loaded import LoadedModel
from transform.records import extract_lines

SEED_URL = "https://blog.example.org/2010/10/07/labour-expels-lutfur-rahman-supporters/"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedModel, str]:
    directory = default_model(tmp_path_factory.mktemp("models"))
    return LoadedModel.load(directory), model_version(directory)


def test_extract_then_classify_puts_the_seed_posts_loaded_words_in_the_right_voice(
    model: tuple[LoadedModel, str],
) -> None:
    html = need_shared(SEED_POST_HTML).read_text(encoding="utf-8")
    extracted = [json.dumps(r) for r in extract_lines([json.dumps({"id": "seed", "url": SEED_URL, "html": html})])]
    (record,) = classify_lines(extracted, *model)
    spans = {s["text"].lower(): s for s in record["spans"]}
    for phrase in ("fools", "hangers on", "clique", "pure self interest", "dressed up as"):
        assert phrase in spans and not spans[phrase]["is_quote"], phrase  # the author's own words
    assert spans["fundamentalist sympathiser"]["is_quote"]  # found, but in the quoted report
    assert record["voice"]["author"] > 0 and record["model_version"].startswith("loaded-")


def test_one_sentence_input_has_the_sentences_score_at_the_top(model: tuple[LoadedModel, str]) -> None:
    (record,) = classify_lines([json.dumps({"id": 1, "text": "These fools have wrecked the council."})], *model)
    (sentence,) = record["sentences"]
    assert record["loaded"] == sentence["loaded"] and record["loaded_score"] == sentence["loaded_score"]
    assert all(0 <= s["start"] < s["end"] <= len("These fools have wrecked the council.") for s in record["spans"])


def test_bad_lines_are_reported_by_line(model: tuple[LoadedModel, str], tmp_path: Path) -> None:
    out = list(classify_lines(["nope", json.dumps({"id": 2}), ""], *model, source="in.jsonl"))
    assert [o["error"].split(":")[1].strip() for o in out] == ["line 1", "line 2"]
