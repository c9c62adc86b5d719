"""The simulation report: offline, bilingual, carrying the headline figures."""

from __future__ import annotations

from pathlib import Path

from merchantry.report.assets import plotly_js
from merchantry.simulate import SimulationResult
from merchantry.simulate.report import build_page, write_report
from tests.report.test_page import loaded_urls

from .test_savings import result  # noqa: F401  (the hand-made market's result fixture)


def test_the_report_renders_offline_with_the_headline_figures(
    result: SimulationResult,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = write_report(result, tmp_path / "sim.html")
    html = path.read_text(encoding="utf-8")
    assert loaded_urls(html) == []
    assert plotly_js()[:2_000] in html
    assert "¥17.20" in html  # merchants save
    assert "¥17.70" in html  # the platform gives up
    assert "为商家返还 ¥8.00 · returned ¥8.00 to merchants" in html  # the promotion-fee refund
    assert "商家多支出 ¥1.20 · cost merchants ¥1.20 more" in html  # the ended waiver
    assert "Savings by merchant segment" in html
    assert "方法说明 / Methods" in html


def test_every_section_is_present(result: SimulationResult) -> None:  # noqa: F811
    titles = [section.title for section in build_page(result).sections]
    assert [t.split(" / ")[1] for t in titles] == [
        "Headline",
        "Savings by policy line",
        "Savings by merchant segment",
        "Distribution of savings per shop",
        "Shops that gain and lose most",
        "What the platform gives up",
        "Methods",
    ]
