"""A small kit for HTML reports whose charts work with no network.

Data flow: a stage or front end builds a :class:`~merchantry.report.page.Page`
(sections of headline figures, tables, charts and paragraphs; plain frozen
values), then :meth:`Page.render` writes one HTML file through a Jinja2
template shipped in this package. Charts are Plotly figures drawn by a copy of
plotly.js that is either embedded in the page or written once beside it, so a
report opened on a machine with no network still draws every chart.

Money enters tables as integer fen and is formatted with
:func:`merchantry.kit.money.format_fen` only when the page is rendered.
"""

from __future__ import annotations

from merchantry.report.charts import (
    Chart,
    Interval,
    bar_chart,
    box_chart,
    format_points,
    histogram_chart,
    interval_chart,
    points_bar,
    points_histogram,
)
from merchantry.report.page import (
    Block,
    CellKind,
    Column,
    Metric,
    Metrics,
    Page,
    Paragraph,
    PlotlyMode,
    Section,
    Table,
)

__all__ = [
    "Block",
    "CellKind",
    "Chart",
    "Column",
    "Interval",
    "Metric",
    "Metrics",
    "Page",
    "Paragraph",
    "PlotlyMode",
    "Section",
    "Table",
    "bar_chart",
    "box_chart",
    "format_points",
    "histogram_chart",
    "interval_chart",
    "points_bar",
    "points_histogram",
]
