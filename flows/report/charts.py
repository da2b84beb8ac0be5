"""Plotly figures for the report, one function per chart, each from one ``warehouse.report_data.Table``.

Figures only: no HTML, no queries. Colours follow the source (or target) everywhere, so a blog
keeps its colour from chart to chart; lines beyond the busiest ``VISIBLE_SOURCES`` start hidden
and are one click away in the legend.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from warehouse.report_data import Table

# More than ten lines in one chart cannot be told apart; the rest start as legend entries.
VISIBLE_SOURCES = 10
# Ten distinct colours first (D3, the familiar ones), then 24 more before any repeats.
PALETTE = (*qualitative.D3, *qualitative.Dark24)
AUTHOR_COLOUR = "#1F77B4"
QUOTED_COLOUR = "#FF7F0E"
STATUS_COLOURS = {"completed": "#2CA02C", "failed": "#D62728", "running": "#7F7F7F", "abandoned": "#8C564B"}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def _text(value: str) -> str:
    """Text from the data (source ids, target names, terms) as Plotly shows it: its pseudo-HTML
    (``<a href>``, ``<b>``…) would otherwise be obeyed, and ``%{…}`` read as a template."""
    return html.escape(value, quote=False).replace("%{", "%\u200b{")


def colours(keys: Iterable[str]) -> dict[str, str]:
    """A stable colour per key, in the order given (busiest first gets the clearest colours)."""
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}


def _layout(fig: go.Figure, height: int, **extra: Any) -> go.Figure:
    settings: dict[str, Any] = {
        # No Plotly template: plotly.js's own defaults (white, light grid) look the same as plotly_white
        # here, and applying a template on every chart cost a third of the page's draw time.
        "template": "none",
        "colorway": list(PALETTE),
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
        "font": {"family": FONT, "size": 13},
        "legend": {"orientation": "v", "yanchor": "top", "y": 1, "xanchor": "left", "x": 1.01},
    }
    fig.update_layout(**{**settings, **extra})
    fig.update_xaxes(automargin=True, title_standoff=12)
    fig.update_yaxes(automargin=True)
    return fig


WEEK_MS = 7 * 24 * 3600 * 1000


def _week_axis(fig: go.Figure, weeks: Iterable[date]) -> None:
    """Date axes that read as weeks: Monday ticks for up to half a year, months beyond; one week padded."""
    found = sorted(set(weeks))
    if not found:
        return
    span_weeks = (found[-1] - found[0]).days // 7 + 1
    if span_weeks <= 26:
        fig.update_xaxes(dtick=WEEK_MS, tick0="2024-01-01", tickformat="%d %b<br>%Y")
    else:
        fig.update_xaxes(dtick="M1", tickformat="%b<br>%Y")
    if span_weeks <= 2:
        fig.update_xaxes(range=[found[0] - timedelta(days=5), found[-1] + timedelta(days=5)])


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return grouped


def _visible(key: str, shown: Sequence[str]) -> bool | str:
    return True if key in shown else "legendonly"


def posts_chart(table: Table, palette: dict[str, str], shown: Sequence[str]) -> go.Figure:
    """Posts per ISO week, stacked: the busiest sources one by one, the rest together as "other sources"."""
    fig = go.Figure()
    groups = _by(table.dicts(), "source_id")
    others: dict[date, list[int]] = {}
    for source, rows in groups.items():
        if source not in shown:
            for r in rows:
                total = others.setdefault(r["week"], [0, 0, 0])
                total[0] += int(r["posts"])
                total[1] += int(r["words"] or 0)
                total[2] += 1
            continue
        fig.add_trace(
            go.Bar(
                x=[r["week"] for r in rows],
                y=[r["posts"] for r in rows],
                name=_text(source),
                marker_color=palette.get(source),
                customdata=[[r["words"]] for r in rows],
                hovertemplate=f"{_text(source)}<br>week of %{{x|%d %b %Y}}: %{{y}} posts, %{{customdata[0]:,}} words"
                "<extra></extra>",
            )
        )
    if others:
        weeks = sorted(others)
        fig.add_trace(
            go.Bar(
                x=weeks,
                y=[others[w][0] for w in weeks],
                name=f"{len(groups) - len([s for s in groups if s in shown])} other sources",
                marker_color="#BBBBBB",
                customdata=[[others[w][1], others[w][2]] for w in weeks],
                hovertemplate="other sources<br>week of %{x|%d %b %Y}: %{y} posts, %{customdata[0]:,} words from "
                "%{customdata[1]} sources<extra></extra>",
            )
        )
    fig.update_traces(width=WEEK_MS * 0.8)
    _week_axis(fig, table.column("week"))
    fig.update_xaxes(title_text="week (Monday, UTC)")
    fig.update_yaxes(title_text="posts")
    return _layout(fig, 340, barmode="stack")


def loaded_chart(table: Table, palette: dict[str, str], shown: Sequence[str]) -> go.Figure:
    """Weekly loaded share per source, the author's own voice above and quoted voice below."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=("In the author's own voice", "In quoted voice (other people's words)"),
    )
    for source, rows in _by(table.dicts(), "source_id").items():
        for row_no, voice in ((1, "author"), (2, "quoted")):
            fig.add_trace(
                go.Scatter(
                    x=[r["week"] for r in rows],
                    y=[r[f"share_{voice}"] for r in rows],
                    customdata=[[r[f"loaded_{voice}"], r[f"sentences_{voice}"], r["posts"]] for r in rows],
                    mode="lines+markers",
                    name=_text(source),
                    legendgroup=source,
                    showlegend=row_no == 1,
                    line={"color": palette.get(source), "width": 2},
                    hovertemplate=f"{_text(source)}, {voice} voice<br>week of %{{x|%d %b %Y}}: %{{y:.1%}} loaded "
                    "(%{customdata[0]} of %{customdata[1]} sentences, %{customdata[2]} posts)<extra></extra>",
                    visible=_visible(source, shown),
                ),
                row=row_no,
                col=1,
            )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title_text="loaded sentences")
    _week_axis(fig, table.column("week"))
    fig.update_xaxes(title_text="week (Monday, UTC)", row=2, col=1)
    return _layout(fig, 560)


def stance_trend_chart(table: Table, palette: dict[str, str]) -> go.Figure:
    """Net stance (favor minus against, as a share of posts) per target and week."""
    fig = go.Figure()
    for target, rows in _by(table.dicts(), "target").items():
        name = _text(rows[0]["target_name"])
        fig.add_trace(
            go.Scatter(
                x=[r["week"] for r in rows],
                y=[r["net"] for r in rows],
                customdata=[[r["favor"], r["against"], r["neither"], r["posts"]] for r in rows],
                mode="lines+markers",
                name=name,
                line={"color": palette.get(target), "width": 2},
                hovertemplate=f"{name}<br>week of %{{x|%d %b %Y}}: net %{{y:+.2f}}<br>"
                "favor %{customdata[0]}, against %{customdata[1]}, neither %{customdata[2]} "
                "of %{customdata[3]} posts<extra></extra>",
            )
        )
    fig.add_hline(y=0, line={"color": "#999", "width": 1})
    fig.update_yaxes(range=[-1.05, 1.05], title_text="favor − against (share of posts)", zeroline=False)
    _week_axis(fig, table.column("week"))
    fig.update_xaxes(title_text="week (Monday, UTC)")
    return _layout(fig, 380)


def stance_heatmap(table: Table, sources: Sequence[str], targets: Sequence[tuple[str, str]]) -> go.Figure:
    """Sources × targets: colour is (favor − against) / posts, the cell reads favor / against / neither."""
    cells = {(r["source_id"], r["target"]): r for r in table.dicts()}
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    custom: list[list[list[int]]] = []
    for source in sources:
        z_row, text_row, custom_row = [], [], []
        for target, _name in targets:
            cell = cells.get((source, target))
            z_row.append(None if cell is None else cell["net"])
            text_row.append("" if cell is None else f"{cell['favor']} / {cell['against']} / {cell['neither']}")
            counts = [cell["favor"], cell["against"], cell["neither"], cell["posts"]] if cell else [0, 0, 0, 0]
            custom_row.append(counts)
        z.append(z_row)
        text.append(text_row)
        custom.append(custom_row)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_text(name) for _target, name in targets],
            y=[_text(source) for source in sources],
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            colorscale="RdBu",
            zmin=-1,
            zmax=1,
            zmid=0,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "favor − against<br>(share of posts)"}},
            hovertemplate="%{y} on %{x}<br>net %{z:+.2f}: favor %{customdata[0]}, against %{customdata[1]}, "
            "neither %{customdata[2]} of %{customdata[3]} posts<extra></extra>",
            hoverongaps=False,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickangle=-30)
    return _layout(fig, 200 + 34 * max(1, len(sources)), margin={"l": 140, "r": 20, "t": 120, "b": 20})


def _pretty(category: str) -> str:
    return category.replace("_", " ")


def terms_chart(table: Table) -> go.Figure:
    """The top terms of each category, uses in the author's voice and in quotations stacked."""
    groups = _by(table.dicts(), "category")
    heights = [len(rows) for rows in groups.values()]
    fig = make_subplots(
        rows=len(groups),
        cols=1,
        row_heights=heights,
        vertical_spacing=min(0.12, 0.6 / max(1, len(groups))),
        subplot_titles=[_pretty(c) for c in groups],
    )
    for row_no, rows in enumerate(groups.values(), start=1):
        terms = [_text(r["term"]) for r in rows]
        custom = [[r["uses"], r["sources"], str(r["first_seen"]), str(r["last_seen"])] for r in rows]
        for voice, colour in (("author", AUTHOR_COLOUR), ("quoted", QUOTED_COLOUR)):
            fig.add_trace(
                go.Bar(
                    x=[r[f"uses_{voice}"] for r in rows],
                    y=terms,
                    orientation="h",
                    name=f"{voice} voice",
                    legendgroup=voice,
                    showlegend=row_no == 1,
                    marker_color=colour,
                    customdata=custom,
                    hovertemplate=f"“%{{y}}”: %{{x}} uses in {voice} voice (%{{customdata[0]}} in all), "
                    "%{customdata[1]} sources, first %{customdata[2]}, last %{customdata[3]}<extra></extra>",
                ),
                row=row_no,
                col=1,
            )
        fig.update_yaxes(autorange="reversed", row=row_no, col=1)
    fig.update_xaxes(title_text="uses")
    return _layout(fig, 80 + 26 * sum(heights) + 70 * len(groups), barmode="stack")


def term_trend_chart(trend: Table, top: Table) -> go.Figure:
    """Weekly uses of each top term as one heat map: a row per term (grouped by category), a column per week.

    Weeks in which a term was not used are 0, so a term that spreads shows as a row that darkens.
    """
    weeks_found = sorted(set(trend.column("week")))
    if not weeks_found:
        return go.Figure()
    weeks = [weeks_found[0] + timedelta(weeks=n) for n in range((weeks_found[-1] - weeks_found[0]).days // 7 + 1)]
    column = {week: n for n, week in enumerate(weeks)}
    rows = [(r["category"], r["term"]) for r in top.dicts()]
    row_of = {key: n for n, key in enumerate(rows)}
    z = [[0] * len(weeks) for _ in rows]
    sources = [[0] * len(weeks) for _ in rows]
    for r in trend.dicts():
        n = row_of.get((r["category"], r["term"]))
        if n is not None:
            z[n][column[r["week"]]] = int(r["uses"])
            sources[n][column[r["week"]]] = int(r["sources"])
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=weeks,
            y=[[_pretty(c) for c, _t in rows], [_text(t) for _c, t in rows]],
            customdata=sources,
            colorscale="Blues",
            zmin=0,
            xgap=1,
            ygap=1,
            colorbar={"title": {"text": "uses per week"}},
            hovertemplate="“%{y}”<br>week of %{x|%d %b %Y}: %{z} uses in %{customdata} sources<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    _week_axis(fig, weeks)
    return _layout(fig, 120 + 20 * len(rows), margin={"l": 230, "r": 20, "t": 30, "b": 50})


def _night_labels(table: Table) -> list[str]:
    labels: list[str] = []
    for started, run_id in zip(table.column("started_utc"), table.column("run_id"), strict=True):
        label = started.strftime("%a %d %b %H:%M")
        labels.append(f"{label} ({run_id[:8]})" if label in labels else label)
    return labels


def runs_chart(table: Table) -> go.Figure:
    """Each night: posts stored, failures, and how long it took (coloured by status)."""
    rows = table.dicts()
    x = _night_labels(table)
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09,
        subplot_titles=("Posts stored", "Failures and flagged sources", "Duration (colour: status)"),
    )
    for key, name, colour in (
        ("posts_new", "new", "#2CA02C"),
        ("posts_updated", "updated", "#1F77B4"),
        ("posts_deleted", "deleted", "#7F7F7F"),
    ):
        fig.add_trace(
            go.Bar(x=x, y=[r[key] for r in rows], name=f"posts {name}", marker_color=colour, legendgroup="posts"),
            row=1,
            col=1,
        )
    failures = (
        ("errors", "failed requests", "#D62728"),
        ("extraction_failures", "extraction failures", "#FF7F0E"),
        ("flagged_sources", "sources flagged by health gates", "#9467BD"),
    )
    for key, name, colour in failures:
        fig.add_trace(go.Bar(x=x, y=[r[key] for r in rows], name=name, marker_color=colour), row=2, col=1)
    fig.add_trace(
        go.Bar(
            x=x,
            y=[r["duration_s"] for r in rows],
            name="duration (s)",
            marker_color=[STATUS_COLOURS.get(r["status"], "#7F7F7F") for r in rows],
            customdata=[[r["status"], r["requests"], r["not_modified"]] for r in rows],
            hovertemplate="%{x}: %{customdata[0]}, %{y} s, %{customdata[1]} requests "
            "(%{customdata[2]} not modified)<extra></extra>",
            showlegend=False,
        ),
        row=3,
        col=1,
    )
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text="posts", row=1, col=1)
    fig.update_yaxes(title_text="count", row=2, col=1)
    fig.update_yaxes(title_text="seconds", row=3, col=1)
    return _layout(fig, 620, barmode="stack")
