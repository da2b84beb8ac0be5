"""Assemble the report page: sections of charts and tables, each with its query, into one HTML file.

The page is self-contained: Plotly's JavaScript (the copy shipped inside the ``plotly`` package),
the styles and every figure's data are written inline, so it opens with no network. The page
marks ``document.body.dataset.chartsReady`` with the number of charts drawn once Plotly has drawn
them all (``"error"`` if one failed); the browser test and ``make bench-report`` wait for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from typing import Any

import plotly.io as pio
from jinja2 import Environment
from plotly.graph_objects import Figure
from plotly.offline import get_plotlyjs

from flows import __version__
from flows.report import charts
from warehouse.report_data import RECENT_DAYS, RUN_NIGHTS, TOP_TERMS, ReportData

TITLE = "Political blogs: loaded language and stance"


@dataclass(frozen=True)
class Cell:
    text: str
    css: str = ""
    badge: str = ""


@dataclass(frozen=True)
class HtmlTable:
    head: tuple[tuple[str, bool], ...]  # (heading, numeric)
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Panel:
    """One chart or table with the query behind it; ``empty`` replaces it with a message."""

    id: str
    title: str
    sql: str
    caption: str = ""
    figure: Figure | None = None
    table: HtmlTable | None = None
    empty: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def behind(self) -> str:
        """What the query under the panel makes: this chart, this table or these numbers."""
        return "this chart" if self.figure is not None else "this table" if self.table is not None else "these numbers"


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    panels: tuple[Panel, ...]
    cards: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default=())


def _int(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1%}"


def _day(value: date | None) -> str:
    return "—" if value is None else value.isoformat()


def _num(text: str, badge: str = "") -> Cell:
    return Cell(text, "num", badge)


def _change(recent: float | None, before: float | None) -> Cell:
    """The author-voice share's change in percentage points, red when more loaded."""
    if recent is None or before is None:
        return _num("—")
    points = (recent - before) * 100
    return Cell(f"{points:+.1f} pp", "num " + ("up" if points > 0.05 else "down" if points < -0.05 else ""))


def _model_leaning(row: dict[str, Any]) -> str:
    if not row["model_leaning"]:
        return "—"
    return (
        f"{row['model_leaning']} (L {row['p_left']:.0%} · C {row['p_center']:.0%} · R {row['p_right']:.0%}; "
        f"{row['leaning_posts']} posts)"
    )


def _no_posts_text(data: ReportData) -> str:
    """The empty state of a window with no posts: a new database, or a window that excludes them all."""
    if data.overview.rows and data.overview.dicts()[0]["sources_known"] == 0 and not data.window.sources:
        return (
            "This warehouse holds no posts yet. Run `slant nightly --sources FILE --db PATH` (or `make demo`) "
            "and render the report again."
        )
    return f"No posts in this window ({data.window.describe()})."


def _overview(data: ReportData, shown: list[str], palette: dict[str, str]) -> Section:
    row = data.overview.dicts()[0]
    posts = int(row["posts"] or 0)
    cards = (
        ("posts", _int(posts)),
        ("sources with posts", f"{_int(row['sources_with_posts'])} of {_int(row['sources_known'])}"),
        ("first day", _day(row["first_day"])),
        ("last day", _day(row["last_day"])),
        ("words", _int(row["words"])),
        ("posts scored for loaded language", _int(row["scored_posts"])),
        ("posts the model calls loaded", _int(row["loaded_posts"])),
        ("loaded sentences", _pct(row["loaded_sentence_share"])),
    )
    notes = []
    if data.unknown_sources:
        unknown = ", ".join(data.unknown_sources)
        notes.append(f"Not a source in this warehouse (no posts, not in any sources file run): {unknown}.")
    if data.unknown_targets:
        unknown = ", ".join(data.unknown_targets)
        notes.append(f"Not a target in this warehouse (not configured, never labelled): {unknown}.")
    models = HtmlTable(
        (("task", False), ("model version", False), ("in use since (UTC)", False), ("label rows", True), ("", False)),
        tuple(
            (
                Cell(m["task"]),
                Cell(m["model_version"]),
                Cell(m["version_utc"].strftime("%Y-%m-%d %H:%M") if m["version_utc"] else "—"),
                _num(_int(m["n_rows"])),
                Cell("", badge="newest: the views use it" if m["newest"] else "older"),
            )
            for m in data.models.dicts()
        ),
    )
    return Section(
        id="overview",
        title="Overview",
        intro="What the warehouse holds in this window, and which models made its labels.",
        cards=cards,
        notes=tuple(notes),
        panels=(
            Panel("overview-numbers", "", data.overview.sql, empty=None if posts else _no_posts_text(data)),
            Panel(
                "chart-posts",
                "Posts per week",
                data.posts_weekly.sql,
                caption="Live posts per ISO week (by publication day, or the day first stored if undated): the busiest "
                f"{charts.VISIBLE_SOURCES} sources one by one, the others together.",
                figure=None if data.posts_weekly.empty else charts.posts_chart(data.posts_weekly, palette, shown),
                empty=_no_posts_text(data) if data.posts_weekly.empty else None,
            ),
            Panel(
                "table-models",
                "Model versions",
                data.models.sql,
                caption="Every model version that wrote labels here; the views use the newest that labelled a post.",
                table=models,
                empty="No model has labelled anything yet." if data.models.empty else None,
            ),
        ),
    )


def _sources_without_posts(data: ReportData) -> list[str]:
    return [r["source_id"] for r in data.sources.dicts() if not r["posts"]]


def _loaded(data: ReportData, shown: list[str], palette: dict[str, str]) -> Section:
    table = data.loaded_weekly
    scored = any(r["sentences_author"] or r["sentences_quoted"] for r in table.dicts())
    silent = _sources_without_posts(data)
    notes = (f"No posts in the window from: {', '.join(silent)}.",) if silent and not table.empty else ()
    if table.empty:
        empty: str | None = _no_posts_text(data)
    elif not scored:
        empty = "No post in this window has loaded-language scores yet (run `slant reclassify`)."
    else:
        empty = None
    hidden = (
        ""
        if len(shown) >= len({r["source_id"] for r in table.dicts()})
        else (f" The {len(shown)} busiest sources are drawn; click a name in the legend to add another.")
    )
    return Section(
        id="loaded",
        title="Loaded language per source",
        intro="The share of sentences the loaded-language model calls loaded, per week, in each voice apart: what the "
        "blogger wrote in their own words, and what they quoted from others. A blog that quotes a lot of heated "
        "language is not the same as one that uses it.",
        notes=notes,
        panels=(
            Panel(
                "chart-loaded",
                "Loaded sentences per week, author and quoted voice",
                table.sql,
                caption="Shares are over sentences (loaded ÷ scored), so a long post weighs more than a short one. "
                "A gap means no sentence in that voice that week." + hidden,
                figure=None if empty else charts.loaded_chart(table, palette, shown),
                empty=empty,
            ),
        ),
    )


def _stance(data: ReportData, palette: dict[str, str]) -> Section:
    targets = data.targets.dicts()
    mentioned = [(t["target"], t["target_name"]) for t in targets if t["posts"]]
    never = [f"{t['target_name']} ({t['target']})" for t in targets if not t["posts"]]
    notes = []
    if never and mentioned:
        notes.append("Never mentioned in this window (no post carries a stance on it): " + ", ".join(never) + ".")
    if data.stance_labels_total == 0:
        empty: str | None = (
            "No post has a stance label yet: no stance model has written to this warehouse (the stances table is "
            "empty). The charts appear once the stance classifier has labelled posts."
        )
    elif not mentioned:
        empty = (
            "No post in this window carries a stance on "
            + (", ".join(never) if never else "any target")
            + f" ({data.window.describe()})."
        )
    else:
        empty = None
    sources = sorted({r["source_id"] for r in data.stance_matrix.dicts()})
    target_colours = charts.colours(t for t, _ in mentioned)
    return Section(
        id="stance",
        title="Stance toward targets",
        intro="Each post's newest stance label toward each target it mentions: favor, against or neither. Net stance "
        "is (favor − against) ÷ posts, from −1 (every post against) to +1 (every post in favor).",
        notes=tuple(notes),
        panels=(
            Panel(
                "chart-stance-trend",
                "Net stance per target, per week",
                data.stance_weekly.sql,
                caption="Hover for the counts behind each point.",
                figure=None if empty else charts.stance_trend_chart(data.stance_weekly, target_colours),
                empty=empty,
            ),
            Panel(
                "chart-stance-sources",
                "Net stance per source and target",
                data.stance_matrix.sql,
                caption="Colour: net stance (blue in favor, red against). Each cell reads favor / against / "
                "neither, in posts; a blank cell is a target the source never wrote about in the window.",
                figure=None if empty else charts.stance_heatmap(data.stance_matrix, sources, mentioned),
                empty=empty,
                notes=(),
            ),
            Panel(
                "table-targets",
                "Targets",
                data.targets.sql,
                caption="Every target configured or labelled, with the posts in the window that carry a stance on it.",
                table=HtmlTable(
                    (("target", False), ("name", False), ("kind", False), ("posts with a stance", True)),
                    tuple(
                        (
                            Cell(t["target"]),
                            Cell(t["target_name"]),
                            Cell(t["kind"] or "—"),
                            _num(_int(t["posts"]), "never mentioned" if not t["posts"] else ""),
                        )
                        for t in targets
                    ),
                ),
                empty="No target is configured or labelled in this warehouse yet." if not targets else None,
            ),
        ),
    )


def _terms(data: ReportData) -> Section:
    empty = (
        None
        if not data.top_terms.empty
        else (_no_posts_text(data) if data.posts_weekly.empty else "No loaded terms in this window.")
    )
    return Section(
        id="terms",
        title="Loaded terms",
        intro=f"The {TOP_TERMS} commonest loaded terms of each category in the window (as the newest model found "
        "them), and how their use moves week by week: a term used by more and more sources is spreading.",
        panels=(
            Panel(
                "chart-terms",
                "Top terms by category",
                data.top_terms.sql,
                caption="Uses in the author's own voice and inside quotations, stacked. Hover for the number of "
                "sources using a term and when it was first and last seen.",
                figure=None if empty else charts.terms_chart(data.top_terms),
                empty=empty,
            ),
            Panel(
                "chart-term-trend",
                "Their use per week",
                data.term_trend.sql,
                caption="Weekly uses of each top term, darker for more; a blank week is a week it was not used. A term "
                "whose row darkens to the right is spreading.",
                figure=None if empty else charts.term_trend_chart(data.term_trend, data.top_terms),
                empty=empty,
            ),
        ),
    )


def _sources(data: ReportData) -> Section:
    rows = []
    for r in data.sources.dicts():
        posts = int(r["posts"])
        rows.append(
            (
                Cell(r["name"], badge=r["source_id"] if r["name"] != r["source_id"] else ""),
                _num(_int(posts), "" if posts else "no posts in the window"),
                _num(_int(r["words"]) if posts else "—"),
                _num(_pct(r["loaded_share"])),
                _num(_pct(r["loaded_share_author"])),
                _num(_pct(r["loaded_share_quoted"])),
                _num(_pct(r["author_recent"])),
                _change(r["author_recent"], r["author_before"]),
                Cell(r["leaning_label"] or "—"),
                Cell(r["ratings"] or "—"),
                Cell(_model_leaning(r)),
            )
        )
    head = (
        ("source", False),
        ("posts", True),
        ("words", True),
        ("loaded share", True),
        ("author voice", True),
        ("quoted voice", True),
        (f"author voice, last {RECENT_DAYS} days", True),
        (f"change vs the {RECENT_DAYS} before", True),
        ("leaning (sources file)", False),
        ("other ratings", False),
        ("model estimate", False),
    )
    return Section(
        id="sources",
        title="Sources",
        intro="Per source in the window: volume, loaded share overall and per voice, whether the author's own voice "
        f"got more loaded in the last {RECENT_DAYS} days of the window than in the {RECENT_DAYS} before (red: more), "
        "the leaning it is labelled with and the leaning model's estimate (mean of its posts' probabilities).",
        panels=(
            Panel(
                "table-sources",
                "",
                data.sources.sql,
                table=HtmlTable(head, tuple(rows)),
                empty="No sources yet: run `slant nightly --sources FILE` first." if not rows else None,
            ),
        ),
    )


def _runs(data: ReportData) -> Section:
    table = data.runs
    rows = tuple(
        (
            Cell(r["started_utc"].strftime("%Y-%m-%d %H:%M")),
            Cell(r["status"], f"status-{r['status']}"),
            _num("—" if r["duration_s"] is None else f"{r['duration_s']:,.1f}"),
            _num(_int(r["requests"])),
            _num(_int(r["not_modified"])),
            _num(_int(r["errors"])),
            _num(_int(r["posts_new"])),
            _num(_int(r["posts_updated"])),
            _num(_int(r["posts_deleted"])),
            _num(_int(r["extraction_failures"])),
            _num(_int(r["hosts_given_up"])),
            Cell(r["flagged"] or "—"),
        )
        for r in reversed(table.dicts())
    )
    head = tuple(
        (h, n)
        for h, n in (
            ("started (UTC)", False),
            ("status", False),
            ("seconds", True),
            ("requests", True),
            ("not modified", True),
            ("failed requests", True),
            ("new", True),
            ("updated", True),
            ("deleted", True),
            ("extraction failures", True),
            ("hosts given up", True),
            ("flagged by health gates", False),
        )
    )
    empty = "No nightly run is recorded in this warehouse yet." if table.empty else None
    return Section(
        id="runs",
        title="Run health",
        intro=f"The nightly runs of the last {RUN_NIGHTS} nights, counted back from the latest (whatever the window): "
        "what each stored, what failed, which sources its health gates flagged (docs/operations.md), how long it "
        "took. A run shown as running with no duration was killed or is still going; the next run marks a killed "
        "one abandoned.",
        panels=(
            Panel(
                "chart-runs",
                "",
                table.sql,
                figure=None if empty else charts.runs_chart(table),
                table=HtmlTable(head, rows),
                empty=empty,
            ),
        ),
    )


def sections(data: ReportData) -> tuple[Section, ...]:
    """Every section of the page, in reading order."""
    busiest = [r["source_id"] for r in data.sources.dicts() if r["posts"]]
    palette = charts.colours(busiest)
    shown = busiest[: charts.VISIBLE_SOURCES]
    return (
        _overview(data, shown, palette),
        _loaded(data, shown, palette),
        _stance(data, palette),
        _terms(data),
        _sources(data),
        _runs(data),
    )


def figures(parts: tuple[Section, ...]) -> dict[str, Figure]:
    """Every chart on the page, by its container id."""
    return {p.id: p.figure for s in parts for p in s.panels if p.figure is not None and not p.empty}


def _figures_json(found: dict[str, Figure]) -> str:
    body = ",".join(f"{json.dumps(key)}:{pio.to_json(fig, validate=False)}" for key, fig in found.items())
    # Inside <script>, "</" could close the element early; "<\/" means the same to JSON.parse.
    return ("{" + body + "}").replace("</", "<\\/")


@dataclass(frozen=True)
class Rendered:
    """The page and what is on it."""

    html: str
    sections: tuple[Section, ...]

    @property
    def charts(self) -> list[str]:
        return list(figures(self.sections))

    @property
    def empty(self) -> list[str]:
        return empty_ids(self.sections)


def render(data: ReportData, *, db_path: str, generated_at: datetime) -> Rendered:
    """The report page as one HTML string."""
    parts = sections(data)
    found = figures(parts)
    template = resources.files("flows.report").joinpath("page.html").read_text(encoding="utf-8")
    environment = Environment(autoescape=True, keep_trailing_newline=True)
    html = environment.from_string(template).render(
        title=TITLE,
        version=__version__,
        generated=generated_at.strftime("%Y-%m-%d %H:%M"),
        db_path=db_path,
        window=data.window.describe(),
        sections=parts,
        figures_json=_figures_json(found),
        plotly_js=get_plotlyjs() if found else "",
    )
    return Rendered(html, parts)


def empty_ids(parts: tuple[Section, ...]) -> list[str]:
    """The panels showing an empty state instead of their chart or table."""
    return [p.id for s in parts for p in s.panels if p.empty]


def panel_sql(parts: tuple[Section, ...]) -> dict[str, str]:
    """Each panel's query, by panel id (the text shown under it)."""
    return {p.id: p.sql for s in parts for p in s.panels}
