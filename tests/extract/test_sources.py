"""The sources file: valid files load; every problem names file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.errors import SourcesError
from extract.sources import load_sources, parse_sources

REPO = Path(__file__).resolve().parents[2]


def test_valid_entry_loads_with_optional_fields() -> None:
    text = """
sources:
  - id: harrys-place
    name: Harry's Place
    url: https://hurryupharry.org/
    feed: https://hurryupharry.org/feed/
    platform: wordpress
    country: GB
    language: en
    leaning: centre-left
  - id: minimal
    name: Minimal
    url: http://example.org/
"""
    sources = parse_sources(text, Path("s.yaml"))
    assert [s.id for s in sources] == ["harrys-place", "minimal"]
    assert sources[0].feed == "https://hurryupharry.org/feed/"
    assert sources[1].platform is None


def test_errors_name_file_entry_and_field() -> None:
    text = """
sources:
  - id: good
    name: Good
    url: https://good.example/
  - id: bad-platform
    name: Bad
    url: https://bad.example/
    platform: tumblr
  - id: no-url
    name: No URL
  - id: Not A Slug
    name: X
    url: ftp://x.example/
"""
    with pytest.raises(SourcesError) as info:
        parse_sources(text, Path("blogs.yaml"))
    message = str(info.value)
    assert "blogs.yaml: entry 2 (id 'bad-platform'): field 'platform'" in message
    assert "blogs.yaml: entry 3 (id 'no-url'): field 'url': Field required" in message
    assert "entry 4 (id 'Not A Slug'): field 'id'" in message
    assert "entry 4 (id 'Not A Slug'): field 'url'" in message
    assert "entry 1" not in message


def test_unknown_key_is_an_error_not_ignored() -> None:
    with pytest.raises(SourcesError, match=r"entry 1 \(id 'a'\): field 'fead'"):
        parse_sources("sources:\n  - {id: a, name: A, url: 'https://a.example/', fead: x}\n", Path("f.yaml"))


def test_duplicate_ids_are_reported() -> None:
    text = (
        "sources:\n  - {id: a, name: A, url: 'https://a.example/'}\n  - {id: a, name: B, url: 'https://b.example/'}\n"
    )
    with pytest.raises(SourcesError, match=r"entry 2 \(id 'a'\): field 'id': duplicate of entry 1"):
        parse_sources(text, Path("f.yaml"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sources: [\n", "not valid YAML"),
        ("blogs: []\n", "expected a mapping with a 'sources' list"),
        ("sources: []\n", "is empty"),
        ("sources:\n  - just-a-string\n", "entry 1: expected a mapping of fields, got str"),
    ],
)
def test_malformed_files_get_a_clear_message(text: str, expected: str) -> None:
    with pytest.raises(SourcesError, match=expected):
        parse_sources(text, Path("f.yaml"))


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="nowhere.yaml: cannot read sources file"):
        load_sources(tmp_path / "nowhere.yaml")


def test_shipped_political_blogs_file_validates() -> None:
    sources = load_sources(REPO / "sources" / "political-blogs.yaml")
    assert len(sources) >= 40
    assert {s.country for s in sources} >= {"GB", "US"}
