"""Read and validate a targets file: the people, parties, policies and organisations stance is measured toward.

The file is YAML with one top-level key, ``targets``, holding a list of entries (format in
``docs/stance.md``)::

    targets:
      - id: lutfur-rahman            # required slug, unique
        name: Lutfur Rahman          # required display name; always an alias
        kind: person                 # optional: person | party | policy | organisation
        aliases: [Mayor Rahman]      # optional: always count as a mention
        short_names: [Lutfur, Rahman]  # optional: count only after a full alias earlier in the post
        patterns: ['Rahman administration']  # optional regular expressions, always count
        pronouns: [he]               # optional: pronouns that may refer back (default by kind)
        case_sensitive: true         # optional (default: false for policies, true otherwise)
        links: {member_of: aspire}   # optional: relation -> target id (or list of ids)

Validation is pydantic's, with every problem reported as file, entry (position and id), field and
what was expected, like the sources file. Across entries it also checks duplicate ids, an alias
claimed by two targets, and links to ids the file does not define.

Targets given ad hoc (``slant classify`` lines) are made here too: ``plain_target`` turns a name
that is not in the file into a target whose surname counts once the full name has appeared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from extract.errors import TargetsError

Kind = Literal["person", "party", "policy", "organisation"]
KINDS: tuple[str, ...] = ("person", "party", "policy", "organisation")
PRONOUNS: tuple[str, ...] = ("he", "she", "they", "it")
# Which pronouns may refer back to a target of each kind when the file does not say.
DEFAULT_PRONOUNS: Mapping[str | None, tuple[str, ...]] = {
    "person": ("he", "she"),
    "party": ("they", "it"),
    "organisation": ("they", "it"),
    "policy": ("it",),
    None: (),
}

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_RELATION = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME_WORD = re.compile(r"[A-Z][\w’'-]*")


@dataclass(frozen=True)
class Target:
    """One target, as mention finding and the warehouse see it."""

    id: str
    name: str
    kind: str | None = None
    aliases: tuple[str, ...] = ()  # always a mention; ``name`` comes first
    short_names: tuple[str, ...] = ()  # a mention only after a full alias earlier in the post
    patterns: tuple[str, ...] = ()  # regular expressions, always a mention
    pronouns: tuple[str, ...] = ()
    case_sensitive: bool = True
    links: tuple[tuple[str, str], ...] = ()  # (relation, target id) pairs

    def links_dict(self) -> dict[str, list[str]]:
        """Links as ``{relation: [target ids]}`` (the warehouse's ``targets.links`` JSON)."""
        out: dict[str, list[str]] = {}
        for relation, other in self.links:
            out.setdefault(relation, []).append(other)
        return out


@dataclass(frozen=True)
class TargetSet:
    """The validated targets of one file, looked up by id, name or alias."""

    targets: tuple[Target, ...]
    path: str = "<targets>"
    _index: dict[str, Target] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for target in self.targets:
            for key in (target.id, target.name, *target.aliases):
                self._index.setdefault(key.casefold(), target)

    def __iter__(self) -> Iterable[Target]:  # type: ignore[override]
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def get(self, ref: str) -> Target | None:
        """The target whose id, name or alias is ``ref`` (case-insensitive), else None."""
        return self._index.get(ref.strip().casefold())

    def ids(self) -> list[str]:
        return [t.id for t in self.targets]


class _Entry(BaseModel):
    """The schema of one entry; strict so that a misspelt key is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1)
    kind: Kind | None = None
    aliases: list[str] = Field(default_factory=list)
    short_names: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    pronouns: list[Literal["he", "she", "they", "it"]] | None = None
    case_sensitive: bool | None = None
    links: dict[str, str | list[str]] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("expected a slug: lowercase letters, digits and dashes, e.g. 'keir-starmer'")
        return value

    @field_validator("aliases", "short_names")
    @classmethod
    def _non_empty(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values]
        if any(not v for v in cleaned):
            raise ValueError("expected non-empty strings")
        return cleaned

    @field_validator("patterns")
    @classmethod
    def _regex(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                compiled = re.compile(value)
            except re.error as exc:
                raise ValueError(f"expected a regular expression; {value!r} does not compile: {exc}") from exc
            if compiled.match(""):
                raise ValueError(f"expected a pattern that cannot match empty text; {value!r} does")
        return values

    @field_validator("links")
    @classmethod
    def _relations(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for relation in value:
            if not _RELATION.match(relation):
                raise ValueError(f"expected relation names like 'leader_of' (lowercase, underscores), got {relation!r}")
        return value


def _describe(path: Path | str, index: int, raw: object) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{path}: entry {index + 1}" + (f" (id {ident!r})" if ident else "")


def _target(entry: _Entry) -> Target:
    aliases = [entry.name, *(a for a in entry.aliases if a != entry.name)]
    links = tuple(
        (relation, other)
        for relation, value in entry.links.items()
        for other in ([value] if isinstance(value, str) else value)
    )
    case_sensitive = entry.case_sensitive if entry.case_sensitive is not None else entry.kind != "policy"
    pronouns = tuple(entry.pronouns) if entry.pronouns is not None else DEFAULT_PRONOUNS[entry.kind]
    return Target(
        id=entry.id,
        name=entry.name,
        kind=entry.kind,
        aliases=tuple(dict.fromkeys(aliases)),
        short_names=tuple(dict.fromkeys(entry.short_names)),
        patterns=tuple(entry.patterns),
        pronouns=pronouns,
        case_sensitive=case_sensitive,
        links=links,
    )


def parse_targets(text: str, path: Path | str) -> TargetSet:
    """Validate the YAML ``text`` of a targets file; ``path`` is only used in messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TargetsError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise TargetsError(f"{path}: expected a mapping with a 'targets' list at the top level")
    entries: Sequence[object] = data["targets"]
    if not entries:
        raise TargetsError(f"{path}: the 'targets' list is empty")
    problems: list[str] = []
    built: list[tuple[int, Target]] = []
    seen: dict[str, int] = {}
    alias_owner: dict[str, tuple[int, str]] = {}
    for index, raw in enumerate(entries):
        where = _describe(path, index, raw)
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping of fields, got {type(raw).__name__}")
            continue
        try:
            entry = _Entry.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "(entry)"
                problems.append(f"{where}: field '{loc}': {err['msg']}")
            continue
        if entry.id in seen:
            problems.append(f"{where}: field 'id': expected a unique id; entry {seen[entry.id] + 1} has it too")
            continue
        seen[entry.id] = index
        target = _target(entry)
        for alias in target.aliases:
            key = alias.casefold()
            if key in alias_owner and alias_owner[key][1] != target.id:
                other_index, other_id = alias_owner[key]
                problems.append(
                    f"{where}: field 'aliases': expected aliases unique to one target; {alias!r} is also an alias "
                    f"of entry {other_index + 1} (id {other_id!r}); make it a short name of both instead"
                )
            alias_owner.setdefault(key, (index, target.id))
        built.append((index, target))
    for index, target in built:
        for relation, other in target.links:
            if other not in seen:
                problems.append(
                    f"{_describe(path, index, {'id': target.id})}: field 'links.{relation}': "
                    f"expected the id of a target in this file, got {other!r}"
                )
    if problems:
        raise TargetsError("invalid targets file:\n  " + "\n  ".join(problems))
    return TargetSet(tuple(t for _, t in built), str(path))


def load_targets(path: Path) -> TargetSet:
    """Read and validate the targets file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TargetsError(f"{path}: cannot read targets file: {exc.strerror}") from exc
    return parse_targets(text, path)


def slug(name: str) -> str:
    """A target id made from a display name: ``"Ken Livingstone"`` -> ``"ken-livingstone"``."""
    text = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return text or "target"


def looks_like_person(name: str) -> bool:
    """Two to four capitalised words ("Ken Livingstone", "Mary Ann Smith"): taken as a person's name."""
    words = name.split()
    return 2 <= len(words) <= 4 and all(_NAME_WORD.fullmatch(w) for w in words)


def plain_target(name: str, aliases: Sequence[str] = ()) -> Target:
    """A target for a name that is not in the targets file.

    A person's name ("Ken Livingstone") gets its surname as a short name: "Livingstone" counts
    once the full name has appeared in the post. Anything else is matched as written.
    """
    clean = " ".join(name.split())
    if not clean:
        raise TargetsError("a target name must not be empty")
    person = looks_like_person(clean)
    short = (clean.split()[-1],) if person else ()
    return Target(
        id=slug(clean),
        name=clean,
        kind="person" if person else None,
        aliases=tuple(dict.fromkeys([clean, *(a.strip() for a in aliases if a.strip())])),
        short_names=short,
        pronouns=DEFAULT_PRONOUNS["person"] if person else (),
        case_sensitive=True,
    )
