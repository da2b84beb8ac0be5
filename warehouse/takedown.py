"""The takedown list: post URLs and source ids that no release may carry.

One entry a line, as its first word (anything after it, such as ``# why``, is a note); lines
starting with ``#`` and blank lines are ignored. An entry starting with
``http://`` or ``https://`` is a post URL, matched against both the URL a post was found under
and its canonical URL (the entry is normalised the same way canonical URLs are, so tracking
parameters or a fragment in the entry do not matter). Any other entry is a source id, which
removes the source and every one of its posts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from extract.errors import PublishError
from extract.urls import canonical_url

_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Takedown:
    urls: frozenset[str]  # as written and as normalised
    source_ids: frozenset[str]
    entries: int  # lines that named something

    @classmethod
    def empty(cls) -> Takedown:
        return cls(frozenset(), frozenset(), 0)


def parse_takedown(text: str, where: str) -> Takedown:
    """Read a takedown list; ``where`` names it in messages."""
    urls: set[str] = set()
    sources: set[str] = set()
    entries = 0
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        entry = words[0]
        entries += 1
        if entry.startswith(("http://", "https://")):
            urls.add(entry)
            urls.add(canonical_url(entry))
        elif _SOURCE_ID.match(entry):
            sources.add(entry)
        else:
            problems.append(f"{where}: line {number}: {entry!r} is neither an http(s) URL nor a source id")
    if problems:
        raise PublishError("invalid takedown list:\n  " + "\n  ".join(problems))
    return Takedown(frozenset(urls), frozenset(sources), entries)


def read_takedown(path: Path) -> Takedown:
    """The takedown list at ``path``; a missing file is an error, never an empty list."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PublishError(
            f"{path}: takedown list not found. Every release applies one; create it (it may hold only "
            "comments), or pass --takedown FILE / set takedown_file"
        ) from exc
    except OSError as exc:
        raise PublishError(f"{path}: cannot read the takedown list: {exc}") from exc
    return parse_takedown(text, str(path))
