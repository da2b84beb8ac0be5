"""``slant extract`` on the archetype post and on bad input lines."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SEED_POST_HTML, need_shared
from transform.records import extract_lines

SEED_URL = "https://blog.example.org/2010/10/07/labour-expels-lutfur-rahman-supporters/"


def test_seed_post_comes_out_with_voice_and_speakers() -> None:
    html = need_shared(SEED_POST_HTML).read_text(encoding="utf-8")
    (record,) = extract_lines([json.dumps({"id": "seed", "url": SEED_URL, "html": html})])
    assert record["title"] == "Labour expels Lutfur Rahman supporters"
    assert [p["is_quote"] for p in record["paragraphs"]] == [
        False,
        True,
        True,
        True,
        False,
        True,
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert record["paragraphs"][5]["speaker"] == "Ken Livingstone"
    assert record["paragraphs"][10]["speaker"] == "Ted Jeory"
    text = record["text"]
    fools = next(s for s in record["sentences"] if "these fools" in text[s["start"] : s["end"]])
    assert fools["voice"] == "author" and not fools["is_quote"]
    assert all(0 <= s["start"] < s["end"] <= len(text) for s in record["sentences"])


def test_bad_lines_get_an_error_naming_the_line_and_the_rest_go_on(tmp_path: Path) -> None:
    lines = [
        "not json",
        json.dumps({"id": 2, "url": "http://x/", "html": 5}),
        "",
        json.dumps({"id": 3, "url": "http://x/3", "html": "<html><body><nav>menu</nav></body></html>"}),
        json.dumps({"id": 4, "url": "http://x/4", "html": "<article><p>" + "A real sentence here. " * 8 + "</p>"}),
    ]
    out = list(extract_lines(lines, source="in.jsonl"))
    assert [o.get("id") for o in out] == [None, 2, 3, 4]
    assert out[0]["error"].startswith("in.jsonl: line 1: not JSON")
    assert out[1]["error"].startswith("in.jsonl: line 2: expected an object")
    assert "line 4" in out[2]["error"]
    assert "error" not in out[3] and out[3]["text"].startswith("A real sentence here.")
