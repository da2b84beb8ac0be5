"""Read and validate a sources file: the list of blogs to crawl.

The file is YAML with one top-level key, ``sources``, holding a list of entries (see
``docs/sources.md``). Validation is done by pydantic; every problem is reported with the file,
the entry (its position and, when readable, its id) and the field, so a typo on line 400 of a
500-blog file is found in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from extract.errors import SourcesError

Platform = Literal["wordpress", "blogger", "substack", "ghost", "medium", "generic"]
PLATFORMS: tuple[str, ...] = ("wordpress", "blogger", "substack", "ghost", "medium", "generic")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Source:
    """One blog, as the rest of the pipeline sees it."""

    id: str
    name: str
    url: str
    feed: str | None = None
    platform: str | None = None
    country: str | None = None
    language: str | None = None
    leaning: str | None = None
    rater: str | None = None
    min_interval_s: float | None = None
    republish: bool = True


class _Entry(BaseModel):
    """The schema of one entry; strict so that a misspelt key is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1)
    url: str
    feed: str | None = None
    platform: Platform | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    leaning: str | None = None
    rater: str | None = None
    min_interval_s: float | None = Field(default=None, ge=0)
    republish: bool = True

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("must be a slug: lowercase letters, digits and dashes")
        return value

    @field_validator("url", "feed")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an absolute http:// or https:// URL")
        return value


def _describe(path: Path, index: int, raw: object) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{path}: entry {index + 1}" + (f" (id {ident!r})" if ident else "")


def parse_sources(text: str, path: Path) -> list[Source]:
    """Validate the YAML ``text`` of a sources file; ``path`` is only used in messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise SourcesError(f"{path}: expected a mapping with a 'sources' list at the top level")
    entries: Sequence[object] = data["sources"]
    if not entries:
        raise SourcesError(f"{path}: the 'sources' list is empty")
    problems: list[str] = []
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(entries):
        where = _describe(path, index, raw)
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping of fields, got {type(raw).__name__}")
            continue
        try:
            entry = _Entry.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "(entry)"
                problems.append(f"{where}: field '{field}': {err['msg']}")
            continue
        if entry.id in seen:
            problems.append(f"{where}: field 'id': duplicate of entry {seen[entry.id] + 1}")
            continue
        seen[entry.id] = index
        sources.append(Source(**entry.model_dump()))
    if problems:
        raise SourcesError("invalid sources file:\n  " + "\n  ".join(problems))
    return sources


def load_sources(path: Path) -> list[Source]:
    """Read and validate the sources file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read sources file: {exc.strerror}") from exc
    return parse_sources(text, path)
