"""Extraction quality floors on real pages: the benchmark's F1, and what blog pages must never yield.

- ``article-extraction-benchmark`` (181 pages): ``clean_page``'s shingle F1 must not fall below the
  floor pinned in ``transform/evaluation/floors.json`` (the same evaluation as
  ``python -m transform.evaluation.extraction --check``; the full set runs in a few seconds).
- ``blog-pages`` (149 pages, see its ``SOURCE.md``): reader-comment snippets and "must not contain"
  boilerplate snippets annotated by trafilatura's evaluation set stay out of the post text (pinned
  maxima, offenders named); no published or updated date is after the fetch; dates mostly match
  the annotations; bytes decode through ``extract.decode.decode_body`` without mojibake.

Everything is skipped, with the reason, when ``../shared`` is not beside the checkout.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from extract.decode import decode_body
from extract.errors import ParseError
from tests.conftest import SHARED, need_shared
from transform.clean import CleanPost, clean_page
from transform.evaluation import load_floor
from transform.evaluation.extraction import FLOOR_NAME, ToolResult, evaluate, load_corpus

BENCHMARK = SHARED / "corpora" / "article-extraction-benchmark"
BLOG_PAGES = SHARED / "corpora" / "blog-pages"
BLOG_FLOOR_NAME = "extraction_blog_pages"
FETCHED_AT = datetime(2026, 12, 1, tzinfo=UTC)  # after every page of the corpus
EARLY_FETCH = datetime(2020, 1, 1, tzinfo=UTC)  # before many of them: those dates must be dropped, not kept
# UTF-8 read as cp1252/latin-1: "Ã©" (é), "â€™" (’), "Â " (no-break space); U+FFFD is a failed decode.
MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€|Â[\u00a0 ]|\ufffd")
TEXT_CONTENT_TYPE = "text/html"  # the corpus has no response headers: the meta charset or the bytes decide


@dataclass(frozen=True)
class BlogPage:
    """One page of ``blog-pages`` with its raw bytes, decoded HTML and annotations."""

    path: str
    group: str
    url: str
    raw: bytes
    html: str
    annotation: dict[str, Any]
    gold_date: str | None


@dataclass(frozen=True)
class Cleaned:
    """``clean_page``'s result on one page (``post`` is None when it raised ``ParseError``)."""

    page: BlogPage
    post: CleanPost | None
    error: str | None

    @property
    def text(self) -> str:
        return _norm(self.post.text) if self.post else ""


def _norm(text: str) -> str:
    return " ".join(text.split())


def _gold_date(entry: dict[str, Any], annotation: dict[str, Any]) -> str | None:
    if entry["group"] == "trafilatura-eval":
        value = annotation.get("date")
    elif entry["group"] == "mozilla-readability":
        meta = json.loads((BLOG_PAGES / Path(entry["path"]).parent / "expected-metadata.json").read_text("utf-8"))
        value = meta.get("publishedTime")
    else:
        name = Path(entry["path"]).name.removesuffix(".html.gz")
        meta = json.loads((BLOG_PAGES / "newspaper4k" / "metadata" / f"{name}.json").read_text("utf-8"))
        value = meta.get("publish_date")
    return str(value)[:10] if value else None


@pytest.fixture(scope="module")
def blog_pages() -> list[BlogPage]:
    manifest = need_shared(BLOG_PAGES / "manifest.jsonl")
    snippets = json.loads((BLOG_PAGES / "trafilatura-eval" / "evaldata-subset.json").read_text("utf-8"))
    by_file = {item["file"]: item for item in snippets.values()}
    pages = []
    for line in manifest.read_text("utf-8").splitlines():
        entry = json.loads(line)
        raw = gzip.decompress((BLOG_PAGES / entry["path"]).read_bytes())
        annotation = by_file.get(Path(entry["path"]).name.removesuffix(".gz"), {})
        pages.append(
            BlogPage(
                path=entry["path"],
                group=entry["group"],
                url=entry["url"] or f"https://blog-pages.invalid/{entry['path']}",  # 11 pages have no URL
                raw=raw,
                html=decode_body(raw, TEXT_CONTENT_TYPE),
                annotation=annotation,
                gold_date=_gold_date(entry, annotation),
            )
        )
    return pages


def _clean_all(pages: list[BlogPage], fetched_at: datetime) -> list[Cleaned]:
    results = []
    for page in pages:
        try:
            results.append(Cleaned(page, clean_page(page.html, page.url, fetched_at=fetched_at), None))
        except ParseError as exc:
            results.append(Cleaned(page, None, str(exc)))
    return results


@pytest.fixture(scope="module")
def cleaned(blog_pages: list[BlogPage]) -> list[Cleaned]:
    return _clean_all(blog_pages, FETCHED_AT)


@pytest.fixture(scope="module")
def blog_floor() -> dict[str, Any]:
    return load_floor(BLOG_FLOOR_NAME)


def _leaks(cleaned: list[Cleaned], key: str) -> tuple[list[str], int]:
    """Annotated ``key`` snippets ("comments" or "without") found in the post text, and how many were checked."""
    found, checked = [], 0
    for c in cleaned:
        for snippet in c.page.annotation.get(key, []):
            checked += 1
            if _norm(snippet) and _norm(snippet) in c.text:
                found.append(f"{c.page.path}: {snippet!r}")
    return found, checked


def test_benchmark_f1_is_at_least_the_pinned_floor() -> None:
    docs = load_corpus(need_shared(BENCHMARK))
    result: ToolResult = evaluate(docs, ["slant"], n_bootstrap=200)["slant"]
    floor = load_floor(FLOOR_NAME)
    worst = sorted(result.per_document.items(), key=lambda kv: kv[1][0])[:5]
    urls = {d.item_id: d.url for d in docs}
    detail = ", ".join(f"{urls[i]} TP={c[0]:.2f} FP={c[1]:.2f} FN={c[2]:.2f}" for i, c in worst)
    assert result.f1 >= floor["f1"], (
        f"clean_page F1 {result.f1:.4f} (P {result.precision:.3f}, R {result.recall:.3f}, ±{result.f1_std:.3f}) "
        f"fell below the pinned floor {floor['f1']} (measured {floor['measured']} on {floor['date']}); "
        f"worst documents: {detail}"
    )


def test_reader_comments_stay_out_of_the_post(cleaned: list[Cleaned], blog_floor: dict[str, Any]) -> None:
    leaks, checked = _leaks(cleaned, "comments")
    assert checked > 50, "the comment annotations were not read"
    assert len(leaks) <= blog_floor["max_comment_leaks"], (
        f"{len(leaks)} of {checked} annotated comment snippets are in the post text "
        f"(pinned maximum {blog_floor['max_comment_leaks']}):\n" + "\n".join(leaks)
    )


def test_annotated_boilerplate_stays_out_of_the_post(cleaned: list[Cleaned], blog_floor: dict[str, Any]) -> None:
    leaks, checked = _leaks(cleaned, "without")
    assert checked > 200, "the 'without' annotations were not read"
    assert len(leaks) <= blog_floor["max_boilerplate_leaks"], (
        f"{len(leaks)} of {checked} 'must not contain' snippets are in the post text "
        f"(pinned maximum {blog_floor['max_boilerplate_leaks']}):\n" + "\n".join(leaks)
    )


def test_real_post_pages_yield_a_post(cleaned: list[Cleaned], blog_floor: dict[str, Any]) -> None:
    rejected = [f"{c.page.path}: {c.error}" for c in cleaned if c.post is None]
    assert len(rejected) <= blog_floor["max_rejected"], (
        f"clean_page rejected {len(rejected)} of {len(cleaned)} real pages "
        f"(pinned maximum {blog_floor['max_rejected']}):\n" + "\n".join(rejected)
    )


def test_no_date_is_after_the_fetch(cleaned: list[Cleaned], blog_pages: list[BlogPage]) -> None:
    late = [c for c in cleaned if c.post and c.post.published_at and c.post.published_at > EARLY_FETCH]
    assert late, "no page is dated after EARLY_FETCH: the early fetch would not exercise the guard"
    early = _clean_all([c.page for c in late], EARLY_FETCH)
    future = [
        f"{c.page.path}: published {c.post.published_at} updated {c.post.updated_at} (fetched {when})"
        for when, run in ((FETCHED_AT, cleaned), (EARLY_FETCH, early))
        for c in run
        if c.post and any(d is not None and d > when for d in (c.post.published_at, c.post.updated_at))
    ]
    assert not future, "dates after the fetch:\n" + "\n".join(future)


def test_published_dates_match_the_annotations(cleaned: list[Cleaned], blog_floor: dict[str, Any]) -> None:
    """Same day within one day: posts store UTC instants, annotations the page's local date."""
    dated = [c for c in cleaned if c.page.gold_date]
    wrong = []
    for c in dated:
        ours = c.post.published_at.date() if c.post and c.post.published_at else None
        gold = date.fromisoformat(c.page.gold_date or "")
        if ours is None or abs(ours - gold) > timedelta(days=1):
            wrong.append(f"{c.page.path}: ours {ours}, annotated {gold}")
    accuracy = 1 - len(wrong) / len(dated)
    assert accuracy >= blog_floor["date_accuracy"], (
        f"published date within a day of the annotation on {accuracy:.3f} of {len(dated)} pages "
        f"(pinned floor {blog_floor['date_accuracy']}):\n" + "\n".join(wrong)
    )


def test_pages_decode_without_mojibake(cleaned: list[Cleaned]) -> None:
    problems = []
    for c in cleaned:
        page = c.page
        added = page.html.count("\ufffd") - page.raw.count("\ufffd".encode())
        if added:
            problems.append(f"{page.path}: decode_body made {added} U+FFFD replacement characters")
        if c.post:
            found = MOJIBAKE.findall(f"{c.post.title or ''}\n{c.post.text}")
            if found:
                problems.append(f"{page.path}: mojibake in the post: {sorted(set(found))}")
    assert not problems, "\n".join(problems)
