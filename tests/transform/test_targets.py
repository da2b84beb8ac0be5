"""Tests for the targets file (``transform.targets``): the shipped file, validation messages, ad-hoc targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.errors import ConfigError, TargetsError
from flows.settings import DEFAULT_TARGETS
from transform.targets import load_targets, parse_targets, plain_target

BLOGOSPHERE = Path(__file__).resolve().parents[2] / "flows" / "blogosphere" / "content"


def test_shipped_targets_file_validates_and_covers_the_parties_the_sample_blogs_mention() -> None:
    """Every party name the sample blogosphere uses resolves to a target of the default file."""
    targets = load_targets(DEFAULT_TARGETS)
    for name in (
        "Labour",
        "Conservative",
        "Conservatives",
        "Tories",
        "Reform UK",
        "Democrat",
        "Democrats",
        "Republican",
        "Republicans",
        "Lib Dems",
        "Greens",
    ):
        assert targets.get(name) is not None, name
    text = " ".join(
        p["text"]
        for f in BLOGOSPHERE.glob("*.json")
        for post in json.loads(f.read_text())["posts"]
        for p in post["paragraphs"]
    )
    for name in ("Labour", "Conservative", "Reform UK", "Democrat", "Republican"):
        assert name in text  # the sample blogs do mention them, so the demo has stances to store
    leader = targets.get("keir-starmer")
    assert leader is not None and leader.links_dict() == {"leader_of": ["labour"]}
    assert targets.get("Lutfur Rahman") is not None and targets.get("Lutfur Rahman").short_names == ("Lutfur", "Rahman")  # type: ignore[union-attr]


def test_targets_errors_name_file_entry_field_and_what_was_expected() -> None:
    """Every problem of a bad file is reported at once, each with where it is and what was expected."""
    text = """
targets:
  - id: Bad Id
    name: Somebody
  - id: ok
    name: Okay
  - id: ok
    name: Twice
  - id: wizard
    name: Wizard
    kind: wizard
  - id: clash
    name: Clash
    aliases: [Okay]
  - id: regex
    name: Regex
    patterns: ['(unclosed']
  - id: linked
    name: Linked
    links: {leader_of: nobody}
"""
    with pytest.raises(TargetsError) as info:
        parse_targets(text, Path("t.yaml"))
    message = str(info.value)
    assert "t.yaml: entry 1 (id 'Bad Id'): field 'id': " in message and "expected a slug" in message
    assert "entry 3 (id 'ok'): field 'id': expected a unique id; entry 2 has it too" in message
    assert (
        "entry 4 (id 'wizard'): field 'kind': Input should be 'person', 'party', 'policy' or 'organisation'" in message
    )
    assert "entry 5 (id 'clash'): field 'aliases'" in message and "'Okay'" in message
    assert "entry 6 (id 'regex'): field 'patterns'" in message and "does not compile" in message
    assert "entry 7 (id 'linked'): field 'links.leader_of': expected the id of a target" in message
    assert isinstance(info.value, ConfigError)


def test_unreadable_and_empty_targets_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(TargetsError, match="cannot read targets file"):
        load_targets(tmp_path / "missing.yaml")
    with pytest.raises(TargetsError, match="'targets' list is empty"):
        parse_targets("targets: []", Path("e.yaml"))
    with pytest.raises(TargetsError, match="not valid YAML"):
        parse_targets("targets: [", Path("y.yaml"))


def test_policies_match_in_any_case_and_people_only_as_written() -> None:
    targets = parse_targets(
        "targets:\n  - {id: net-zero, name: net zero, kind: policy}\n  - {id: ann, name: Ann Lee, kind: person}\n",
        Path("k.yaml"),
    )
    assert targets.get("net-zero").case_sensitive is False  # type: ignore[union-attr]
    assert targets.get("ann").case_sensitive is True  # type: ignore[union-attr]
    assert targets.get("ann").pronouns == ("he", "she")  # type: ignore[union-attr]


def test_a_plain_name_becomes_a_person_whose_surname_counts_after_the_full_name() -> None:
    target = plain_target("Ken Livingstone")
    assert target.id == "ken-livingstone" and target.kind == "person"
    assert target.aliases == ("Ken Livingstone",) and target.short_names == ("Livingstone",)
    party = plain_target("the Greens", aliases=["Green Party"])
    assert party.short_names == () and party.aliases == ("the Greens", "Green Party")
    with pytest.raises(TargetsError):
        plain_target("  ")
