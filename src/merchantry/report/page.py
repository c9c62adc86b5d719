"""Pages, sections and blocks: the structure of a Merchantry HTML report.

Everything here is a frozen value; a page is built in one expression and
rendered by :meth:`Page.render`. Blocks know how to present themselves
(formatted cells, escaped chart JSON) so the Jinja2 template stays a plain
layout with no logic about money or escaping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Final

import jinja2
from markupsafe import Markup

from merchantry.kit.money import format_bp, format_fen
from merchantry.report.assets import plotly_filename, plotly_js, write_plotly_beside
from merchantry.report.charts import Chart, format_points
from merchantry.report.names import Coded

TEMPLATE: Final = "page.html"


def shop_label(shop_id: str, name: str | None) -> str:
    """A shop as people read it: its name beside its id (``Lakeside Tea (S0042)``); the id
    alone when the shop has no name, or its name is the id."""
    shown = (name or "").strip()
    return f"{shown} ({shop_id})" if shown and shown != shop_id else shop_id


class CellKind(StrEnum):
    """How a table column's values are shown."""

    TEXT = "text"
    """Shown as given (``None`` shows as an em dash)."""
    MONEY = "money"
    """Integer fen, shown as ``¥1,234.56``; negative amounts are highlighted."""
    COUNT = "count"
    """Integer count, shown with thousands separators."""
    BP = "bp"
    """Integer basis points, shown as a percentage (``60`` -> ``0.6%``)."""
    POINTS = "points"
    """Integer hundredths of a score point, shown with two decimals (``8752`` -> ``87.52``)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a report table."""

    key: str
    """Key of the value in each record (see :meth:`Table.from_records`)."""
    heading: str
    """Column heading, e.g. ``"节省 / Saving"``."""
    kind: CellKind = CellKind.TEXT


@dataclass(frozen=True, slots=True)
class Cell:
    """A formatted table cell: its text and CSS classes."""

    text: str
    css: str
    tip: str = ""
    """Tooltip (the code behind a display name)."""


def format_cell(value: object, kind: CellKind) -> Cell:
    """Format one value for display; numbers are right-aligned, negatives highlighted; a
    :class:`~merchantry.report.names.Coded` value shows its name with its code as tooltip."""
    if value is None:
        return Cell("—", "num" if kind is not CellKind.TEXT else "")
    if isinstance(value, Coded):
        return Cell(value.text, "", value.code)
    if kind is CellKind.TEXT:
        return Cell(str(value), "")
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"a {kind.value} cell needs an int, got {value!r}")
    css = "num neg" if value < 0 else "num"
    if kind is CellKind.MONEY:
        return Cell(format_fen(value), css)
    if kind is CellKind.BP:
        return Cell(format_bp(value), css)
    if kind is CellKind.POINTS:
        return Cell(format_points(value), css)
    return Cell(f"{value:,}", css)


@dataclass(frozen=True, slots=True)
class Table:
    """A table block. ``rows`` are tuples aligned with ``columns``."""

    block_kind: ClassVar[str] = "table"
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...]
    note: str = ""

    @classmethod
    def from_records(
        cls,
        title: str,
        columns: Sequence[Column],
        records: Iterable[Mapping[str, object]],
        *,
        note: str = "",
    ) -> Table:
        """Build from dict-like records, picking each column's ``key``."""
        rows = tuple(tuple(rec.get(c.key) for c in columns) for rec in records)
        return cls(title=title, columns=tuple(columns), rows=rows, note=note)

    def cells(self) -> list[list[Cell]]:
        """Every row, formatted."""
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.title!r}: row has {len(row)} values for "
                    f"{len(self.columns)} columns"
                )
        return [
            [format_cell(v, c.kind) for v, c in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]


@dataclass(frozen=True, slots=True)
class Metric:
    """One headline figure: a label, its formatted value, an optional note."""

    label: str
    value: str
    note: str = ""
    tone: str = ""
    """``"gain"``, ``"loss"`` or empty: colours the value."""

    @classmethod
    def money(cls, label: str, fen: int, *, note: str = "", favourable: bool = True) -> Metric:
        """A money figure; positive amounts are shown as gains when ``favourable``."""
        tone = "" if fen == 0 else ("gain" if (fen > 0) == favourable else "loss")
        return cls(label=label, value=format_fen(fen), note=note, tone=tone)


@dataclass(frozen=True, slots=True)
class Metrics:
    """A row of headline figures."""

    block_kind: ClassVar[str] = "metrics"
    items: tuple[Metric, ...]


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Plain text (escaped). ``bullets`` render as a list after the text."""

    block_kind: ClassVar[str] = "paragraph"
    text: str = ""
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChartBlock:
    """A chart placed in a section (wraps :class:`Chart` with its element id)."""

    block_kind: ClassVar[str] = "chart"
    chart: Chart
    element_id: str

    @property
    def spec_js(self) -> Markup:
        """The figure JSON, made safe to sit inside a ``<script>`` element."""
        return Markup(escape_script_json(self.chart.spec))


Block = Table | Metrics | Paragraph | Chart
"""What a section may hold."""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of the page."""

    title: str
    blocks: tuple[Block, ...] = ()
    intro: str = ""


class PlotlyMode(StrEnum):
    """Where the page finds plotly.js. Neither mode touches the network."""

    INLINE = "inline"
    """Embedded in the page: one self-contained file (about 5 MB)."""
    BESIDE = "beside"
    """Written once beside the page and referenced by a relative path."""


@dataclass(frozen=True, slots=True)
class Page:
    """A whole report page."""

    title: str
    sections: tuple[Section, ...]
    subtitle: str = ""
    lang: str = "zh-CN"
    footer: str = ""
    generated_on: date | None = None
    """Shown in the footer when set; left out by default so output is reproducible."""
    meta: tuple[tuple[str, str], ...] = field(default=())
    """Key/value facts shown under the title (rulebooks, period, database...)."""

    def to_html(self, *, plotly: PlotlyMode = PlotlyMode.INLINE) -> str:
        """The page as HTML text (``BESIDE`` expects the bundle next to the file)."""
        counter = 0
        laid_out: list[tuple[Section, list[object]]] = []
        for section in self.sections:
            blocks: list[object] = []
            for block in section.blocks:
                if isinstance(block, Chart):
                    counter += 1
                    blocks.append(ChartBlock(block, f"chart-{counter}"))
                else:
                    blocks.append(block)
            laid_out.append((section, blocks))
        inline_js = (
            Markup(escape_inline_script(plotly_js()))
            if plotly is PlotlyMode.INLINE and counter
            else None
        )
        template = _environment().get_template(TEMPLATE)
        return template.render(
            page=self,
            sections=laid_out,
            has_charts=counter > 0,
            plotly_inline=inline_js,
            plotly_src=plotly_filename() if plotly is PlotlyMode.BESIDE else None,
        )

    def render(self, path: Path | str, *, plotly: PlotlyMode = PlotlyMode.INLINE) -> Path:
        """Write the page to ``path`` (and plotly.js beside it in ``BESIDE`` mode)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if plotly is PlotlyMode.BESIDE:
            write_plotly_beside(target)
        target.write_text(self.to_html(plotly=plotly), encoding="utf-8")
        return target


def escape_script_json(text: str) -> str:
    """Make JSON text inert inside HTML: no ``</script>``, no comment openers."""
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def escape_inline_script(js: str) -> str:
    """Guard a script body against an early ``</script>`` (the bundle has none today)."""
    return js.replace("</script", "<\\/script")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("merchantry.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
