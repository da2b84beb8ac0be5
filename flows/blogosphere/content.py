"""Load the fictional blogs from ``content/*.json``.

Keeping posts as data (not code) lets writers edit prose without touching the renderer, and
lets tests compare what a crawler extracted against the same records the pages were built from.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flows.blogosphere.model import Blog, Comment, Edit, Link, Paragraph, Post

CONTENT_DIR = Path(__file__).with_name("content")


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a timezone offset: {value!r}")
    return moment


def _post(raw: dict[str, Any]) -> Post:
    return Post(
        slug=raw["slug"],
        title=raw["title"],
        author=raw["author"],
        published=_when(raw["published"]),
        modified=_when(raw["modified"]),
        tags=tuple(raw["tags"]),
        paragraphs=tuple(Paragraph(p["text"], bool(p.get("quote", False))) for p in raw["paragraphs"]),
        comments=tuple(Comment(c["author"], c["text"]) for c in raw.get("comments", [])),
        day_added=int(raw.get("day_added", 0)),
        day_deleted=raw.get("day_deleted"),
        edits=tuple(
            Edit(int(e["day"]), _when(e["modified"]), int(e["paragraph"]), e["text"]) for e in raw.get("edits", [])
        ),
    )


def parse_blog(raw: dict[str, Any]) -> Blog:
    """Build a ``Blog`` from the decoded JSON of one content file."""
    site = raw["site"]
    return Blog(
        id=site["id"],
        name=site["name"],
        tagline=site["tagline"],
        platform=site["platform"],
        country=site["country"],
        language=site["language"],
        leaning=site["leaning"],
        feed_in_sources=bool(site["feed_in_sources"]),
        about=tuple(site["about"]),
        menu=tuple(site.get("menu", [])),
        blogroll=tuple(Link(b["name"], b["url"]) for b in site.get("blogroll", [])),
        posts=tuple(_post(p) for p in raw["posts"]),
    )


@lru_cache(maxsize=4)
def load_blogs(directory: Path = CONTENT_DIR) -> tuple[Blog, ...]:
    """Every blog in ``directory``, in the order given by each file's ``site.order``."""
    raws = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))]
    raws.sort(key=lambda r: (r["site"].get("order", 99), r["site"]["id"]))
    return tuple(parse_blog(r) for r in raws)
