"""Reader comments, kept apart from the post.

Comments are other people's voices: mixed into the post text they would become the blogger's
opinions. The common comment markups are read (WordPress ``.comment-list`` / ``li.comment``,
Blogger ``.comment-block``, generic ``#comments`` blocks with ``itemprop=comment``), each comment
with its author and time when marked up. Comments loaded by JavaScript (Disqus and others) are
not in the page and cannot be seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

_SPACE = re.compile(r"\s+")
_MAX_COMMENTS = 500  # a post with more is a forum thread; keep the first 500 rather than the whole page
# Containers of one comment each, most specific first.
_COMMENT_XPATHS = (
    '//*[contains(concat(" ", normalize-space(@class), " "), " comment-list ")]'
    '//*[contains(concat(" ", normalize-space(@class), " "), " comment ")]',
    '//*[@itemprop="comment"]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " comment-block ")]/..',
    '//*[@id="comments"]//li[contains(@class, "comment")]',
)
# A superset of what every query above starts from, in one cheap scan: matching a class word builds
# two strings per element of the page (~1 ms a page for the four), while most pages have no
# comment container at all (though many a "comments-link"). Asked of the attributes rather than of
# every element (``//*[contains(@class, …) or …]``), the same test costs ~0.2 ms a page instead of
# ~0.5 ms: only elements that carry the attribute are looked at.
_ANY_CONTAINER = etree.XPath(
    '//@class[contains(., "comment-list") or contains(., "comment-block")]'
    ' | //@itemprop[. = "comment"] | //@id[. = "comments"]'
)
_TEXT_XPATHS = (
    './/*[contains(@class, "comment-content")]',
    './/*[contains(@class, "comment-body") and not(.//*[contains(@class, "comment-content")])]',
    './/*[@itemprop="text"]',
    './/*[contains(@class, "comment-block")]',
    ".//p",
)
_AUTHOR_XPATHS = (
    './/*[contains(@class, "fn")]',
    './/*[@itemprop="author"]',
    './/*[contains(@class, "comment-author")]',
)


@dataclass(frozen=True)
class Comment:
    """A reader comment, kept apart from the post text."""

    author: str | None
    published_at: datetime | None
    text: str


def _flat(nodes: list[etree._Element]) -> str:
    return _SPACE.sub(" ", " ".join("".join(n.itertext()) for n in nodes)).strip()


def _when(node: etree._Element) -> datetime | None:
    for value in node.xpath(".//time/@datetime"):
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            continue
        return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def find_comments(tree: etree._Element) -> tuple[Comment, ...]:
    """The page's reader comments, in page order (replies included, each once)."""
    if not _ANY_CONTAINER(tree):
        return ()
    for xpath in _COMMENT_XPATHS:
        nodes = tree.xpath(xpath)
        if nodes:
            break
    else:
        return ()
    comments: list[Comment] = []
    for node in nodes[:_MAX_COMMENTS]:
        own = [n for n in node.iter() if n is not node and n in nodes]  # nested replies are their own entries
        text = ""
        for xpath in _TEXT_XPATHS:
            parts = [p for p in node.xpath(xpath) if not any(p in r.iter() for r in own)]
            text = _flat(parts[:1] if xpath != ".//p" else parts)
            if text:
                break
        if not text:
            continue
        author_nodes = node.xpath(_AUTHOR_XPATHS[0]) or node.xpath(_AUTHOR_XPATHS[1]) or node.xpath(_AUTHOR_XPATHS[2])
        author = _flat(author_nodes[:1]) or None
        comments.append(Comment(author=author, published_at=_when(node), text=text))
    return tuple(comments)
