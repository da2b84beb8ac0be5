"""Health gates as plain functions: which numbers flag a source, and when the run fails."""

from __future__ import annotations

from warehouse.health import HealthThresholds, SourceTonight, evaluate, report_markdown, run_fails

LIMITS = HealthThresholds()


def _flags(
    tonight: SourceTonight, found: int, history: list[int], requests: int = 10, errors: int = 0
) -> tuple[str, ...]:
    return evaluate("s", tonight, found, history, requests, errors, LIMITS).flags


def test_a_first_night_has_no_history_and_no_yield_flags() -> None:
    assert _flags(SourceTonight(processed=5), 0, []) == ()


def test_zero_posts_after_nights_with_posts_is_zero_yield() -> None:
    assert "zero_yield" in _flags(SourceTonight(), 0, [12])


def test_a_drop_under_half_the_median_needs_three_nights_of_history() -> None:
    assert _flags(SourceTonight(processed=3), 4, [12, 12]) == ()
    assert "yield_drop" in _flags(SourceTonight(processed=3), 4, [12, 11, 13])
    assert "yield_drop" not in _flags(SourceTonight(processed=3), 7, [12, 11, 13])


def test_pages_that_extract_to_nothing_or_a_few_words_are_text_collapse() -> None:
    assert "text_collapse" in _flags(SourceTonight(processed=1, failures=4), 5, [5])
    assert "text_collapse" in _flags(SourceTonight(processed=5, short=4), 5, [5])
    assert "text_collapse" not in _flags(SourceTonight(processed=5, short=1), 5, [5])
    assert "text_collapse" not in _flags(SourceTonight(failures=2), 5, [5])  # two pages are not a pattern


def test_missing_dates_authors_fallbacks_and_errors_each_have_a_flag() -> None:
    tonight = SourceTonight(processed=4, no_date=3, no_author=4, page_posts=4, fallbacks=3)
    assert set(_flags(tonight, 4, [4], requests=10, errors=6)) == {
        "no_dates",
        "no_authors",
        "fallbacks",
        "fetch_errors",
    }


def test_the_run_fails_only_when_the_flagged_share_reaches_the_threshold() -> None:
    ok = evaluate("a", SourceTonight(processed=5), 5, [5], 10, 0, LIMITS)
    bad = evaluate("b", SourceTonight(), 0, [5], 10, 0, LIMITS)
    assert not run_fails([ok, ok, bad], LIMITS)
    assert run_fails([ok, bad], LIMITS)
    assert not run_fails([], LIMITS)


def test_the_markdown_report_lists_flagged_sources_first() -> None:
    ok = evaluate("a-ok", SourceTonight(processed=5), 5, [5], 10, 0, LIMITS)
    bad = evaluate("z-bad", SourceTonight(), 0, [5], 10, 0, LIMITS)
    text = report_markdown("r1", [ok, bad], failed=False)
    assert "completed with warnings" in text and text.index("z-bad") < text.index("a-ok")
    assert "zero_yield" in text
