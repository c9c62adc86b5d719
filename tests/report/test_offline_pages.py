"""Every HTML page Merchantry writes, opened in headless Chromium with the network off.

The pages come from the real command line: `merchantry demo` (its summary, simulation and
two score reports, plotly.js written once beside them), then `merchantry score-report` and
`merchantry simulate --report` on the demo's warehouse (plotly.js inside the page). Each page
must draw every chart and ask for nothing outside the machine; a page whose charts need the
file beside it must, when mailed alone, say so where the charts would be. No page may show a
code that has a display name (`merchantry.report.names`) where a person reads it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from merchantry.report.assets import plotly_filename
from merchantry.report.names import REGISTRY, UNITS, Vocabulary
from merchantry.synth.catalogue import ALL_INDUSTRIES

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium"),
]

playwright = pytest.importorskip("playwright.sync_api")


def merchantry(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `merchantry` command, in a process of its own."""
    command = Path(sys.executable).parent / "merchantry"
    done = subprocess.run(
        [str(command), *args],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every kind of page, written by the command line."""
    out = tmp_path_factory.mktemp("demo")
    merchantry("demo", "--out", str(out), "--shops", "30", "--days", "3", "--start", "2026-03-01")
    db = str(out / "merchantry.duckdb")
    alone = out / "alone"
    merchantry(
        "score-report",
        "--rulebook",
        "douyin-score-2026-07",
        "--date",
        "2026-03-03",
        "--db",
        db,
        "--out",
        str(alone / "scores-inline.html"),
    )
    merchantry(
        "simulate",
        "--baseline",
        "douyin-2025",
        "--candidate",
        "douyin-2026",
        "--use-existing-fees",
        "--db",
        db,
        "--report",
        str(alone / "simulation-inline.html"),
    )
    return {
        "demo summary": out / "report.html",
        "demo simulation": out / "simulation.html",
        "demo scores": out / "scores.html",
        "demo Taobao scores": out / "scores-taobao.html",
        "score report": alone / "scores-inline.html",
        "simulation report": alone / "simulation-inline.html",
    }


@dataclass(frozen=True, slots=True)
class Opened:
    """What Chromium saw of a page."""

    charts: int
    drawn: int
    remote: tuple[str, ...]
    errors: tuple[str, ...]
    text: str
    """Everything a person reads: the page's text without scripts, styles or tooltips."""
    chart_text: tuple[str, ...]
    cells: tuple[str, ...]
    """The text of every table cell, list item and label-like element, each trimmed."""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


def open_offline(browser: object, path: Path) -> Opened:
    context = browser.new_context(offline=True)  # type: ignore[attr-defined]
    page = context.new_page()
    remote: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("file:", "data:", "about:", "blob:"))
            else remote.append(r.url)
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    charts = page.evaluate("document.querySelectorAll('div.chart').length")
    drawn = page.evaluate(
        "document.querySelectorAll('div.chart.js-plotly-plot svg.main-svg').length > 0 ? "
        "[...document.querySelectorAll('div.chart')].filter("
        "d => d.querySelector('svg.main-svg')).length : 0"
    )
    text = page.evaluate(
        "(() => { const b = document.body.cloneNode(true);"
        " b.querySelectorAll('script,style').forEach(e => e.remove());"
        " return b.textContent; })()"
    )
    chart_text = tuple(
        page.evaluate("[...document.querySelectorAll('div.chart')].map(d => d.textContent)")
    )
    cells = tuple(
        page.evaluate(
            "[...document.querySelectorAll('td,th,li,dd,dt,option,button,span')]"
            ".map(e => e.textContent.trim())"
        )
    )
    context.close()
    return Opened(
        int(charts), int(drawn), tuple(remote), tuple(errors), str(text), chart_text, cells
    )


KINDS = (
    "demo summary",
    "demo simulation",
    "demo scores",
    "demo Taobao scores",
    "score report",
    "simulation report",
)


@pytest.mark.parametrize("kind", KINDS)
def test_every_chart_draws_with_the_network_off(pages, browser, kind: str) -> None:
    seen = open_offline(browser, pages[kind])
    assert seen.remote == ()  # nothing asked of the network
    assert seen.errors == ()
    assert seen.charts > 0, kind
    assert seen.drawn == seen.charts, kind


@pytest.mark.parametrize("kind", KINDS)
def test_a_page_mailed_alone_draws_or_says_where_its_charts_are(
    pages, browser, kind: str, tmp_path: Path
) -> None:
    mailed = tmp_path / pages[kind].name
    shutil.copy(pages[kind], mailed)  # the page alone, nothing beside it
    seen = open_offline(browser, mailed)
    assert seen.remote == ()
    if seen.drawn == seen.charts:
        return  # self-contained: plotly.js is inside the page
    assert seen.drawn == 0
    bundle = plotly_filename()
    assert f"Charts are drawn by {bundle}, which sits in the same folder as this page" in (
        " ".join(seen.text.split())
    )
    for chart in seen.chart_text:
        assert f"Chart not drawn: {bundle} was not found beside this page" in chart


IDENTIFIER = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+")
"""Codes that cannot be mistaken for English words: ``product_rating``, ``digital_3c``.
(Codes that are plain words, such as ``live`` or ``formal``, are not checked: they read the
same in an English label.)"""


def named_codes() -> set[str]:
    return {code for names in REGISTRY.values() for code in names if IDENTIFIER.fullmatch(code)}


def unnamed_codes() -> set[str]:
    """Codes the generator and the shipped rulebooks produce (every industry, the special
    ones included) that have no display name: a page showing one shows it raw."""
    return {i.code for i in ALL_INDUSTRIES} - set(REGISTRY[Vocabulary.INDUSTRY])


def single_word_codes() -> set[str]:
    """Lower-case one-word codes whose display name is not the code itself (a code that is
    also a unit's English word, such as ``orders``, reads correctly alone as the unit)."""
    unit_words = {unit.en for unit in UNITS.values()}
    return {
        code
        for names in REGISTRY.values()
        for code, name in names.items()
        if re.fullmatch(r"[a-z][a-z0-9]*", code) and name.en != code and code not in unit_words
    }


@pytest.mark.parametrize("kind", KINDS)
def test_no_page_shows_a_code_that_has_a_display_name(pages, browser, kind: str) -> None:
    seen = open_offline(browser, pages[kind])
    shown = set(re.findall(r"(?<![\w.\-])[a-z0-9]+(?:_[a-z0-9]+)+(?![\w\-])", seen.text))
    raw = shown & (named_codes() | unnamed_codes())
    assert not raw, f"{kind} shows raw codes {sorted(raw)}"
    # A code that is one plain word (``apparel``, ``live``, ``formal``) reads like English in a
    # sentence, but shown alone in a cell or label it is the raw code, not its name.
    alone = set(seen.cells) & (single_word_codes() | unnamed_codes())
    assert not alone, f"{kind} shows raw one-word codes {sorted(alone)} where a name belongs"
    assert re.search(r"[\u4e00-\u9fff]", seen.text)  # Chinese names are there too
