"""Plotly charts for reports, as immutable values.

A :class:`Chart` holds the figure as Plotly JSON text, ready for
``Plotly.newPlot`` in the page. The helpers below draw the few chart shapes
reports need (bars, histogram, box) with one look, so every Merchantry page
reads alike.

Money arrives as integer fen. Chart coordinates are yuan because that is what
a reader expects on an axis; they are display numbers only (a float never
flows back into a figure), and every hover label shows the exact amount
formatted by :func:`~merchantry.kit.money.format_fen`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import plotly.graph_objects as go
import plotly.io as pio

from merchantry.kit.money import FEN_PER_YUAN, currency_symbol, format_fen

GAIN_COLOUR: Final = "#2a9d8f"
"""Bars for amounts that favour merchants (savings)."""
LOSS_COLOUR: Final = "#e76f51"
"""Bars for amounts that cost merchants more."""
NEUTRAL_COLOUR: Final = "#457b9d"
"""Everything else (distributions, counts)."""
FONT_FAMILY: Final = (
    '-apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
)


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart block: a title and a Plotly figure serialised as JSON."""

    title: str
    spec: str
    """Plotly figure JSON (``{"data": [...], "layout": {...}}``)."""
    height: int = 420
    """Height in CSS pixels; charts take the page's full width."""

    @classmethod
    def from_figure(cls, title: str, figure: go.Figure, *, height: int = 420) -> Chart:
        """Wrap any Plotly figure, applying the report look (font, margins, no template)."""
        figure.update_layout(
            template="none",
            font={"family": FONT_FAMILY, "size": 13},
            margin={"l": 60, "r": 24, "t": 24, "b": 48},
            height=height,
            paper_bgcolor="white",
            plot_bgcolor="white",
        )
        return cls(title=title, spec=pio.to_json(figure, validate=True), height=height)


def fen_to_axis(fen: int) -> float:
    """Major units (yuan, reais) as a chart coordinate. Display only: never used for arithmetic."""
    return fen / FEN_PER_YUAN


def bar_chart(
    title: str,
    labels: Sequence[str],
    values_fen: Sequence[int],
    *,
    value_title: str | None = None,
    horizontal: bool = True,
) -> Chart:
    """Bars of money, one per label; positive bars in the gain colour, negative in the loss one."""
    coords = [fen_to_axis(v) for v in values_fen]
    hover = [f"{label}: {format_fen(v)}" for label, v in zip(labels, values_fen, strict=True)]
    colours = [GAIN_COLOUR if v >= 0 else LOSS_COLOUR for v in values_fen]
    common: dict[str, Any] = {
        "marker": {"color": colours},
        "hovertext": hover,
        "hoverinfo": "text",
        "text": [format_fen(v) for v in values_fen],
        "textposition": "auto",
    }
    if horizontal:
        trace = go.Bar(y=list(labels), x=coords, orientation="h", **common)
        figure = go.Figure(trace)
        figure.update_yaxes(autorange="reversed", automargin=True)
        figure.update_xaxes(title_text=value_title or currency_symbol(), zeroline=True)
    else:
        figure = go.Figure(go.Bar(x=list(labels), y=coords, **common))
        figure.update_yaxes(title_text=value_title or currency_symbol(), zeroline=True)
    height = max(260, 40 + 34 * len(labels)) if horizontal else 420
    return Chart.from_figure(title, figure, height=height)


def histogram_chart(
    title: str, values_fen: Sequence[int], *, value_title: str | None = None, bins: int = 40
) -> Chart:
    """Histogram of money amounts (e.g. savings per shop)."""
    figure = go.Figure(
        go.Histogram(
            x=[fen_to_axis(v) for v in values_fen],
            nbinsx=bins,
            marker={"color": NEUTRAL_COLOUR},
        )
    )
    figure.update_xaxes(title_text=value_title or currency_symbol())
    figure.update_yaxes(title_text="#")
    return Chart.from_figure(title, figure, height=360)


def box_chart(
    title: str, groups: Mapping[str, Sequence[int]], *, value_title: str | None = None
) -> Chart:
    """One box per group of money amounts (e.g. savings per shop, by segment)."""
    figure = go.Figure()
    for name, values in groups.items():
        figure.add_trace(
            go.Box(
                y=[fen_to_axis(v) for v in values],
                name=name,
                boxpoints="outliers",
                marker={"color": NEUTRAL_COLOUR},
            )
        )
    figure.update_yaxes(title_text=value_title or currency_symbol(), zeroline=True)
    figure.update_layout(showlegend=False)
    return Chart.from_figure(title, figure, height=380)


def format_points(hundredths: int) -> str:
    """A score held in hundredths, as text: ``8752`` -> ``87.52``, ``-300`` -> ``-3.00``."""
    whole, part = divmod(abs(hundredths), 100)
    return f"{'-' if hundredths < 0 else ''}{whole}.{part:02d}"


def points_histogram(
    title: str, values_cp: Sequence[int], *, value_title: str = "points", bins: int = 40
) -> Chart:
    """Histogram of scores held in hundredths of a point (``score_cp``); the points on the
    axis are display numbers only (scores are not money, and nothing flows back)."""
    figure = go.Figure(
        go.Histogram(x=[v / 100 for v in values_cp], nbinsx=bins, marker={"color": NEUTRAL_COLOUR})
    )
    figure.update_xaxes(title_text=value_title)
    figure.update_yaxes(title_text="#")
    return Chart.from_figure(title, figure, height=360)


def points_bar(
    title: str,
    labels: Sequence[str],
    values_cp: Sequence[int],
    *,
    value_title: str = "points",
    axis_from_cp: int = 0,
) -> Chart:
    """Horizontal bars of scores in hundredths (e.g. the median score per industry); the
    axis starts at ``axis_from_cp`` (a scale's lowest score, so 4.5 and 4.8 look apart).
    Axis coordinates are display numbers; labels show the exact hundredths."""
    texts = [format_points(v) for v in values_cp]
    figure = go.Figure(
        go.Bar(
            y=list(labels),
            x=[v / 100 for v in values_cp],
            orientation="h",
            marker={"color": NEUTRAL_COLOUR},
            text=texts,
            textposition="auto",
            hovertext=[f"{label}: {t}" for label, t in zip(labels, texts, strict=True)],
            hoverinfo="text",
        )
    )
    figure.update_yaxes(autorange="reversed", automargin=True)
    top = max([*values_cp, axis_from_cp + 1])
    figure.update_xaxes(title_text=value_title, range=[axis_from_cp / 100, top / 100])
    if axis_from_cp:
        figure.update_traces(
            base=axis_from_cp / 100, x=[(v - axis_from_cp) / 100 for v in values_cp]
        )
    return Chart.from_figure(title, figure, height=max(260, 40 + 30 * len(labels)))


@dataclass(frozen=True, slots=True)
class Interval:
    """One row of an interval chart: an estimate and its interval (display numbers)."""

    label: str
    value: float
    low: float
    high: float
    highlighted: bool = False
    """Drawn in the loss colour (a flagged unit), the rest in the neutral one."""
    baseline: float | None = None
    """A reference mark on the same row (e.g. the category's rate)."""


def interval_chart(
    title: str,
    rows: Sequence[Interval],
    *,
    value_title: str,
    estimate_name: str = "",
    baseline_name: str = "",
    tickformat: str | None = None,
    zero_line: bool = False,
) -> Chart:
    """Estimates with their intervals, one row each (effects with a confidence interval,
    rates with a binomial interval), optionally with a baseline mark per row."""
    labels = [r.label for r in rows]
    figure = go.Figure(
        go.Scatter(
            x=[r.value for r in rows],
            y=labels,
            mode="markers",
            name=estimate_name,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [r.high - r.value for r in rows],
                "arrayminus": [r.value - r.low for r in rows],
            },
            marker={
                "color": [LOSS_COLOUR if r.highlighted else NEUTRAL_COLOUR for r in rows],
                "size": 10,
            },
        )
    )
    marked = [r for r in rows if r.baseline is not None]
    if marked:
        figure.add_trace(
            go.Scatter(
                x=[r.baseline for r in marked],
                y=[r.label for r in marked],
                mode="markers",
                name=baseline_name,
                marker={"symbol": "line-ns-open", "size": 16, "color": "#7f8c8d"},
            )
        )
    if zero_line:
        figure.add_vline(x=0, line_dash="dot")
    figure.update_xaxes(title_text=value_title, tickformat=tickformat)
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_layout(showlegend=bool(marked))
    return Chart.from_figure(title, figure, height=max(260, 60 + 30 * len(rows)))
