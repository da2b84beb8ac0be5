"""Reading the SemEval-2020 Task 11 (PTC) layout: lines become rows, technique offsets become spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.errors import ParseError
from transform.loaded.ptc import read_ptc

ARTICLE = "Headline about the vote\n\nThe minister's cronies rammed it through.\nTurnout was 61 per cent.\n"


def _corpus(tmp_path: Path, labels: str) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "labels").mkdir()
    (tmp_path / "articles" / "article111.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "labels" / "article111.task2-TC.labels").write_text(labels, encoding="utf-8")
    return tmp_path


def test_each_line_is_a_row_with_its_loaded_technique_spans_relative_to_the_line(tmp_path: Path) -> None:
    cronies = ARTICLE.index("cronies")
    rammed = ARTICLE.index("rammed it through")
    labels = (
        f"111\tName_Calling,Labeling\t{cronies}\t{cronies + 7}\n"
        f"111\tLoaded_Language\t{rammed}\t{rammed + 17}\n"
        f"111\tFlag-Waving\t0\t8\n"
    )
    rows = read_ptc(_corpus(tmp_path, labels))
    assert [r.text for r in rows] == [
        "Headline about the vote",
        "The minister's cronies rammed it through.",
        "Turnout was 61 per cent.",
    ]
    headline, loaded, plain = rows
    assert headline.label == 0 and headline.spans == ()  # flag-waving is not loaded wording
    assert loaded.label == 1 and plain.label == 0
    assert [(loaded.text[s:e], c) for s, e, c in loaded.spans] == [
        ("cronies", "name_calling"),
        ("rammed it through", "emotive"),
    ]
    assert {r.group for r in rows} == {"ptc:111"}


def test_a_malformed_label_line_names_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"article111\.task2-TC\.labels: line 2: expected id"):
        read_ptc(_corpus(tmp_path, "111\tDoubt\t0\t8\n111 Doubt 0 8\n"))


def test_a_folder_without_technique_labels_says_what_it_expected(tmp_path: Path) -> None:
    (tmp_path / "article1.txt").write_text("x\n", encoding="utf-8")
    with pytest.raises(ParseError, match="task2-TC.labels"):
        read_ptc(tmp_path)
