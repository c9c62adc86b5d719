"""The report kit: formatted tables, escaped text, charts that draw with no network."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from merchantry.report import (
    CellKind,
    Column,
    Metric,
    Metrics,
    Page,
    Paragraph,
    PlotlyMode,
    Section,
    Table,
    bar_chart,
    box_chart,
    histogram_chart,
    points_bar,
)
from merchantry.report.assets import plotly_filename, plotly_js
from merchantry.report.page import format_cell


class Resources(HTMLParser):
    """Collects every URL a page would load: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src", "iframe": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


def loaded_urls(html: str) -> list[str]:
    parser = Resources()
    parser.feed(html)
    return parser.urls


def sample_page() -> Page:
    return Page(
        title="测试 / Test <page>",
        meta=(("Run", "r1"),),
        sections=(
            Section(
                "数字 / Figures",
                (
                    Metrics((Metric.money("节省 / Saved", 123_456),)),
                    Table.from_records(
                        "Shops",
                        (Column("id", "Shop"), Column("fee", "Fee", CellKind.MONEY)),
                        [{"id": "S1", "fee": -5}, {"id": "</td><script>", "fee": 1_000}],
                    ),
                    Paragraph("a < b", ("one", "two")),
                ),
            ),
            Section(
                "图 / Charts",
                (
                    bar_chart("By line", ["waiver </script>", "refund"], [44_000, -1_200]),
                    histogram_chart("Per shop", [100, 200, -50]),
                    box_chart("By size", {"small": [1, 2], "mid": [3]}),
                ),
            ),
        ),
    )


def test_money_cells_are_formatted_and_negative_ones_marked() -> None:
    assert format_cell(123_456, CellKind.MONEY).text == "¥1,234.56"
    assert format_cell(-5, CellKind.MONEY).css == "num neg"
    assert format_cell(60, CellKind.BP).text == "0.6%"
    assert format_cell(1_234_567, CellKind.COUNT).text == "1,234,567"
    assert format_cell(None, CellKind.MONEY).text == "—"


@pytest.mark.parametrize(
    ("hundredths", "shown"),
    [(8752, "87.52"), (500, "5.00"), (7, "0.07"), (0, "0.00"), (-300, "-3.00"), (-5, "-0.05")],
)
def test_score_cells_show_hundredths_as_points(hundredths: int, shown: str) -> None:
    assert format_cell(hundredths, CellKind.POINTS).text == shown
    assert format_cell(hundredths, CellKind.POINTS).css == ("num neg" if hundredths < 0 else "num")


def test_points_bars_start_at_the_given_axis() -> None:
    chart = points_bar("Median", ["a", "b"], [480, 455], axis_from_cp=300)
    spec = json.loads(chart.spec)
    bar = spec["data"][0]
    assert bar["base"] == 3.0
    assert bar["x"] == [1.8, 1.55]  # lengths from the axis start, for display only
    assert bar["text"] == ["4.80", "4.55"]
    assert spec["layout"]["xaxis"]["range"] == [3.0, 4.8]


def test_a_money_cell_refuses_a_float() -> None:
    with pytest.raises(TypeError, match="needs an int"):
        format_cell(1.5, CellKind.MONEY)


def test_a_row_of_the_wrong_width_is_refused() -> None:
    table = Table("t", (Column("a", "A"),), (("x", "y"),))
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        table.cells()


def test_inline_page_embeds_plotly_and_loads_nothing(tmp_path: Path) -> None:
    path = sample_page().render(tmp_path / "page.html")
    html = path.read_text(encoding="utf-8")
    assert loaded_urls(html) == []
    assert plotly_js()[:2_000] in html
    assert html.count("Plotly.newPlot(") == 3


def test_beside_page_writes_plotly_next_to_it(tmp_path: Path) -> None:
    path = sample_page().render(tmp_path / "out" / "page.html", plotly=PlotlyMode.BESIDE)
    html = path.read_text(encoding="utf-8")
    assert loaded_urls(html) == [plotly_filename()]
    assert (path.parent / plotly_filename()).read_text(encoding="utf-8") == plotly_js()
    assert len(html) < 100_000


def test_text_is_escaped_everywhere() -> None:
    html = sample_page().to_html(plotly=PlotlyMode.BESIDE)
    assert "&lt;/td&gt;&lt;script&gt;" in html
    assert "Test &lt;page&gt;" in html
    assert "a &lt; b" in html
    assert "waiver </script>" not in html  # chart JSON cannot close its script element
    assert "waiver \\u003c" in html


def test_figures_appear_formatted() -> None:
    html = sample_page().to_html(plotly=PlotlyMode.BESIDE)
    assert "¥1,234.56" in html
    assert "-¥0.05" in html


def test_a_page_without_charts_carries_no_plotly() -> None:
    page = Page("p", (Section("s", (Paragraph("text"),)),))
    html = page.to_html()
    assert "<script" not in html
