"""The programme and seeding pages in Debian's Chromium (Playwright, headless) against a
real uvicorn server: a merchant reads its tasks and creators in both languages, an operator
reads uptake, spend against budget and the seeding chart drawn by the local plotly.js, and
axe-core finds no serious or critical violation on either page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from tests.api.conftest import END
from tests.console.conftest import CHROMIUM, Server
from tests.console.test_browser import log_in, new_page, no_serious_violations, shot

from merchantry.kit.money import format_fen
from merchantry.service.programs import run_programmes
from merchantry.service.snapshot import open_snapshot
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START

pytestmark = pytest.mark.slow  # a real server and Chromium: minutes, not seconds


@pytest.fixture(scope="module")
def market_db(market_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The API tests' marketplace with every programme and the seeding stage run over it."""
    path = tmp_path_factory.mktemp("growth-browser") / "market.duckdb"
    shutil.copy(market_db, path)
    con = connect(path)
    try:
        run_programmes(con, DEFAULT_START, END)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_merchant_reads_its_programmes_and_creators(
    browser: Browser, server: Server, lang: str
) -> None:
    shop = server.victim
    with open_snapshot(server.warehouse) as con:
        completed = con.execute(
            "SELECT count(*) FILTER (WHERE state = 'completed'), count(*) FROM program_tasks "
            "WHERE shop_id = ?",
            [shop],
        ).fetchone()
        gmv = con.execute(
            "SELECT coalesce(sum(attributed_gmv_fen), 0) FROM seeding_attributions "
            "WHERE shop_id = ? AND status <> 'dropped_refund'",
            [shop],
        ).fetchone()
    assert completed is not None and gmv is not None  # noqa: PT018
    assert completed[1] > 0, f"shop {shop} is in no programme"
    page = new_page(browser, lang)
    log_in(page, server, server.victim_key, lang)
    page.get_by_role("link", name="Programmes" if lang == "en" else "扶持计划").click()
    heading = "Growth programmes" if lang == "en" else "增长扶持计划"
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("tr[data-task]")).to_have_count(int(completed[1]))
    expect(page.locator("tr[data-state=completed]")).to_have_count(int(completed[0]))
    expect(page.locator("progress")).to_have_count(int(completed[1]))
    expect(page.get_by_test_id("seeding-gmv")).to_have_text(format_fen(int(gmv[0])))
    shot(page, f"programs-{lang}")
    no_serious_violations(page)
    page.goto(f"{server.url}/console/shops/{server.other}/programs")
    expect(page.locator("main")).not_to_contain_text(heading)
    page.context.close()


def test_an_operator_reads_uptake_spend_and_the_seeding_chart(
    browser: Browser, server: Server
) -> None:
    with open_snapshot(server.warehouse) as con:
        days = con.execute("SELECT count(DISTINCT paid_on) FROM seeding_attributions").fetchone()
        rows = con.execute(
            "SELECT count(*) FROM (SELECT program FROM program_tasks "
            "UNION SELECT program FROM program_order_subsidies)"
        ).fetchone()
    assert days is not None and rows is not None  # noqa: PT018
    page = new_page(browser, "en")
    log_in(page, server, server.operator_key)
    page.get_by_role("link", name="Programmes", exact=True).click()
    expect(page.get_by_role("heading", name="Programmes: uptake, spend and effect")).to_be_visible()
    expect(page.locator("[data-testid=programmes] tbody tr")).to_have_count(int(rows[0]))
    expect(page.locator("#programme-cost .main-svg").first).to_be_visible(timeout=60_000)
    expect(page.locator("#seeding-gmv-chart .main-svg").first).to_be_visible(timeout=60_000)
    bars = page.locator("#seeding-gmv-chart .bars .point")
    assert bars.count() >= int(days[0]) > 0
    shot(page, "op-programs-en")
    no_serious_violations(page)
    page.goto(f"{server.url}/console/op/programs?lang=zh")
    expect(page.get_by_role("heading", name="扶持计划：参与、花费与效果")).to_be_visible()
    no_serious_violations(page)
    page.context.close()
