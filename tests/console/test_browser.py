"""The console in Debian's Chromium (Playwright, headless) against a real uvicorn server.

One story end to end: a merchant walks its statement, payouts, score and one order, then
appeals a case with an uploaded image; an operator diffs two rulebooks, runs a simulation,
reviews the appealed case and overturns it (the money effect shown before confirming);
the merchant's statement then shows the reversal. A merchant aimed at another shop's
pages is refused, and axe-core finds no serious or critical violation on the main pages.

Set ``MERCHANTRY_CONSOLE_SCREENSHOTS=<folder>`` to save screenshots of the main pages in
both languages (``docs/img/console`` is made that way).
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import text
from tests.console.conftest import CHROMIUM, Server

from merchantry.kit.money import format_fen
from merchantry.service import console_reads as reads
from merchantry.service.rulebook_diff import Change, diff_named
from merchantry.service.snapshot import open_snapshot

pytestmark = pytest.mark.slow  # a real server and Chromium: minutes, not seconds

SHOTS = os.environ.get("MERCHANTRY_CONSOLE_SCREENSHOTS")
VIEWPORT = {"width": 1366, "height": 768}
SERIOUS = {"serious", "critical"}


def png(width: int = 24, height: int = 16) -> bytes:
    """A small valid PNG (a red and white stripe), written here rather than shipped."""
    rows = b"".join(
        b"\x00"
        + b"".join(b"\xcc\x22\x22" if x < width // 2 else b"\xff\xff\xff" for x in range(width))
        for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Browser, lang: str = "en") -> Page:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN" if lang == "zh" else "en-GB")
    context.set_default_timeout(30_000)
    return context.new_page()


def log_in(page: Page, server: Server, key: str, lang: str = "en") -> None:
    page.goto(f"{server.url}/console/login?lang={lang}")
    page.get_by_label("API key" if lang == "en" else "API 密钥").fill(key)
    page.keyboard.press("Enter")  # the form works from the keyboard
    page.wait_for_url(lambda url: "/console/login" not in url)


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


def no_serious_violations(page: Page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in found if v["impact"] in SERIOUS]
    assert serious == [], (page.url, serious)


def penalty_case(server: Server) -> tuple[str, str]:
    """The victim shop's case whose decision moved money, and that journal entry."""
    with server.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT case_id, ledger_entry_id FROM risk_cases WHERE shop_id = :s "
                "AND ledger_entry_id IS NOT NULL AND state = 'open' ORDER BY case_id LIMIT 1"
            ),
            {"s": server.victim},
        ).first()
    assert row is not None, f"shop {server.victim} has no open case that moved money"
    return str(row[0]), str(row[1])


def test_merchant_appeals_operator_overturns_and_the_reversal_reaches_the_statement(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    shop = server.victim
    case_id, entry_id = penalty_case(server)
    with open_snapshot(server.warehouse) as con:
        fees = con.execute(
            "SELECT sum(CASE WHEN payer = 'merchant' THEN amount_fen "
            "WHEN payee = 'merchant' THEN -amount_fen ELSE 0 END), "
            "sum(baseline_fen - amount_fen) FILTER (WHERE payer = 'merchant'), count(*) "
            "FROM fee_lines WHERE shop_id = ? AND rulebook = 'douyin-2026'",
            [shop],
        ).fetchone()
        order = con.execute(
            "SELECT order_id, count(*) FROM fee_lines WHERE shop_id = ? GROUP BY order_id "
            "ORDER BY count(*) DESC, order_id LIMIT 1",
            [shop],
        ).fetchone()
        legs = con.execute(
            "SELECT sum(abs(amount_fen)) // 2 FROM journal_postings WHERE entry_id = ?", [entry_id]
        ).fetchone()
    assert fees is not None and order is not None and legs is not None  # noqa: PT018

    page = new_page(browser)
    log_in(page, server, server.victim_key)

    # statement: totals from the fee lines, every line on the page, a CSV download
    expect(page.get_by_test_id("fees-total")).to_have_text(format_fen(int(fees[0])))
    expect(page.get_by_test_id("saved-total")).to_have_text(format_fen(int(fees[1])))
    shot(page, "statement-en")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "statement.csv"
    download.value.save_as(saved)
    assert len(saved.read_text(encoding="utf-8-sig").splitlines()) == int(fees[2]) + 1

    # payouts: the calendar and each order's reason
    page.get_by_role("link", name="Payouts", exact=True).click()
    expect(page.get_by_role("heading", name="Payouts", exact=True)).to_be_visible()
    expect(page.locator("table.calendar")).to_be_visible()
    expect(page.get_by_role("heading", name="When each order is paid")).to_be_visible()
    shot(page, "payouts-en")

    # score: both charts drawn from the local plotly, indicators in words
    page.get_by_role("link", name="Score", exact=True).click()
    expect(page.locator("[id^=trend-] .main-svg").first).to_be_visible(timeout=60_000)
    expect(
        page.get_by_role("heading", name="What would raise the score most").first
    ).to_be_visible()
    shot(page, "score-en")

    # one order: each fee line with its rule and the sentence that explains it
    page.goto(f"{server.url}/console/orders/{order[0]}")
    expect(page.get_by_role("heading", name=f"Why order {order[0]} was charged")).to_be_visible()
    assert page.locator("td.muted", has_text="base").count() == int(order[1])
    shot(page, "order-en")

    # appeal the penalty with text and an image
    page.get_by_role("link", name="Cases & appeals").click()
    page.get_by_role("link", name=case_id).click()
    page.get_by_label("Your explanation").fill("The violation was the courier's; photo attached.")
    image = tmp_path / "receipt.png"
    image.write_bytes(png())
    page.get_by_label("Evidence image").set_input_files(str(image))
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Under review")
    evidence = page.locator("img.evidence")
    expect(evidence).to_have_attribute(
        "alt", re.compile(r"^Evidence the merchant uploaded: The violation was the courier's")
    )
    width = evidence.evaluate(
        "img => img.complete ? img.naturalWidth : new Promise(done => {"
        " img.onload = () => done(img.naturalWidth); img.onerror = () => done(-1); })"
    )
    assert width == 24  # the uploaded image itself, served back
    shot(page, "case-appealed-en")
    page.context.close()

    # the operator: diff, simulation, the queue, the overturn
    op = new_page(browser)
    log_in(op, server, server.operator_key)
    op.get_by_role("link", name="Rulebook diff").click()
    op.get_by_label("Baseline").select_option("douyin-2025")
    op.get_by_label("Candidate").select_option("douyin-2026")
    op.get_by_role("button", name="Compare").click()
    expected = diff_named("douyin-2025", "douyin-2026")
    summary = op.get_by_test_id("diff-summary")
    for change in Change:
        card = summary.locator(".card", has_text=change.value.capitalize()).first
        expect(card.locator(".value")).to_have_text(str(len(expected.of(change))))
    assert op.locator("tr[data-change=changed]").count() == sum(
        len(r.fields) for r in expected.of(Change.CHANGED)
    )
    shot(op, "diff-en")
    op.get_by_role("link", name="Simulate this change").click()
    op.get_by_role("button", name="Run the simulation").click()
    expect(op.get_by_test_id("job-state")).to_have_text("Done", timeout=240_000)
    expect(op.get_by_role("link", name="Open the full report")).to_be_visible()
    # each policy line in words: no Python True/False or list shown to the operator
    cells = op.locator("table[aria-labelledby=by-line] tbody td").all_inner_texts()
    assert cells
    assert [c for c in cells if c in ("True", "False") or c.startswith(("[", "("))] == []
    assert {"Yes", "No"} & set(cells)
    assert any("Technical service fee" in c for c in cells)
    shot(op, "simulation-en")

    op.get_by_role("link", name="Case queue").click()
    op.get_by_label("Shop", exact=True).fill(shop)
    op.get_by_label("State").select_option("under_review")  # htmx swaps the queue in place
    # the address is pushed in the same task as the swap: once it shows, the new list is there
    # (a click before it could land on a row the swap is about to replace)
    expect(op).to_have_url(re.compile(rf"state=under_review&shop={shop}&"))
    op.get_by_role("link", name=case_id).click()
    expect(op.locator("img.evidence")).to_be_visible()
    op.get_by_role("link", name="Overturn").click()
    expect(op.get_by_test_id("money-effect")).to_contain_text(entry_id)
    expect(op.get_by_test_id("money-effect")).to_contain_text(format_fen(int(legs[0])))
    shot(op, "overturn-confirm-en")
    op.get_by_role("button", name="Overturn").click()
    expect(op.get_by_test_id("case-state")).to_have_text("Overturned")
    reversal = op.get_by_test_id("reversal-entry").inner_text()
    op.context.close()

    # the merchant's statement now carries the reversal
    page = new_page(browser)
    log_in(page, server, server.victim_key)
    # the newest postings are on the ledger's last page, which its pager names
    pager = page.get_by_role("navigation", name="Pages of the ledger postings")
    last = re.fullmatch(r"Page 1 of (\d+)", pager.locator("span").inner_text())
    assert last is not None
    page.goto(f"{page.url.split('?')[0]}?ledger_page={last.group(1)}#ledger")
    rows = page.get_by_test_id("reversal")
    expect(rows.first).to_be_visible()
    with open_snapshot(server.warehouse) as con:
        posted = con.execute(
            "SELECT count(*) FROM journal_postings WHERE entry_id = ? AND party = ?",
            [reversal, shop],
        ).fetchone()
    assert posted is not None
    assert posted[0] > 0
    assert rows.count() >= posted[0]
    page.context.close()


def test_a_merchant_is_refused_another_shops_url(browser: Browser, server: Server) -> None:
    page = new_page(browser)
    log_in(page, server, server.victim_key)
    answer = page.goto(f"{server.url}/console/shops/{server.other}/statement")
    assert answer is not None
    assert answer.status == 403
    expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
    answer = page.goto(f"{server.url}/console/op/cases")
    assert answer is not None
    assert answer.status == 403
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_main_pages_have_no_serious_accessibility_violations(
    browser: Browser, server: Server, lang: str
) -> None:
    shop = server.victim
    merchant = new_page(browser, lang)
    log_in(merchant, server, server.victim_key, lang)
    for name in ("statement", "payouts", "score", "cases", "returns"):
        merchant.goto(f"{server.url}/console/shops/{shop}/{name}?lang={lang}")
        if name == "score":
            expect(merchant.locator("[id^=trend-] .main-svg").first).to_be_visible(timeout=60_000)
        if name == "returns":
            chart = merchant.locator("#returns-weekly .main-svg").first
            expect(chart).to_be_visible(timeout=60_000)
        no_serious_violations(merchant)
        shot(merchant, f"{name}-{lang}")
    order, case_id = _order_and_case(server)
    for path, name in (
        (f"/console/orders/{order}", "order"),
        (f"/console/cases/{case_id}", "case"),
    ):
        merchant.goto(f"{server.url}{path}?lang={lang}")
        no_serious_violations(merchant)
        shot(merchant, f"{name}-{lang}")
    merchant.context.close()
    op = new_page(browser, lang)
    log_in(op, server, server.operator_key, lang)
    for path, name in (
        ("/console/op/rulebooks", "rulebooks"),
        ("/console/op/diff?a=douyin-2025&b=douyin-2026", "diff"),
        ("/console/op/simulations", "simulations"),
        ("/console/op/cases", "queue"),
        ("/console/op/rankings", "rankings"),
        (f"/console/op/shops?q={shop}", "shops"),
        (f"/console/cases/{case_id}", "op-case"),
        (f"/console/op/cases/{case_id}/preview?to=upheld", "confirm-uphold"),
        (f"/console/op/cases/{case_id}/preview?to=overturned", "confirm-overturn"),
    ):
        op.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
        no_serious_violations(op)
        shot(op, f"{name}-{lang}")
    op.context.close()


def _order_and_case(server: Server) -> tuple[str, str]:
    """The victim shop's busiest order and an after-sales case of the shop (or any case)."""
    with open_snapshot(server.warehouse) as con:
        order = con.execute(
            "SELECT order_id FROM fee_lines WHERE shop_id = ? GROUP BY order_id "
            "ORDER BY count(*) DESC, order_id LIMIT 1",
            [server.victim],
        ).fetchone()
    assert order is not None
    with server.engine.connect() as conn:
        case_id = conn.execute(
            text(
                "SELECT case_id FROM risk_cases WHERE shop_id = :s "
                "ORDER BY subject = 'after_sales_request' DESC, case_id LIMIT 1"
            ),
            {"s": server.victim},
        ).scalar_one()
    return str(order[0]), str(case_id)


def test_a_merchant_reads_why_goods_come_back(browser: Browser, server: Server) -> None:
    """The returns diagnosis: every SKU the shop sold, the causes in the buyers' words, the
    fixes with their saving, and the weekly chart drawn from the local plotly."""
    with open_snapshot(server.warehouse) as con:
        expected = reads.returns_diagnosis(con, server.victim)
    page = new_page(browser)
    log_in(page, server, server.victim_key)
    page.get_by_role("link", name="Returns", exact=True).click()
    expect(page.get_by_role("heading", name="Why goods come back")).to_be_visible()
    expect(page.locator("#returns-weekly .main-svg").first).to_be_visible(timeout=60_000)
    rows = page.get_by_test_id("sku-table").locator("tbody tr[data-sku]")
    expect(rows).to_have_count(len(expected.findings.returns))
    flagged = {f.key for f in expected.findings.returns if f.flagged}
    for key in flagged:
        expect(rows.filter(has=page.locator(f"td >> text='{key}'"))).to_contain_text(
            "above the category"
        )
    causes = page.locator("tr[data-cause]")
    expect(causes).to_have_count(len(expected.causes))
    if expected.causes and expected.causes[0].quotes:
        expect(page.locator("q").first).to_have_text(expected.causes[0].quotes[0])
    expect(page.get_by_test_id("saving-total")).to_have_text(
        format_fen(sum(s.saving.total_fen for s in expected.suggestions))
    )
    shot(page, "returns-en")
    page.context.close()


def test_the_queue_filters_in_place_and_shows_a_refusal_instead_of_dropping_it(
    browser: Browser, server: Server
) -> None:
    """The queue opened for one shop keeps that shop when another filter changes (the shop
    box once showed "None", and "Any state" was refused); an answer the server refuses
    takes the list's place rather than vanishing; a session that has ended sends the whole page to
    the login, not a login form into the table."""
    shop = server.victim
    with server.engine.connect() as conn:
        cases = conn.execute(
            text("SELECT count(*) FROM risk_cases WHERE shop_id = :s"), {"s": shop}
        ).scalar_one()
    assert cases > 0
    op = new_page(browser)
    log_in(op, server, server.operator_key)
    op.goto(f"{server.url}/console/op/cases?shop={shop}&state=open")
    expect(op.get_by_label("Shop", exact=True)).to_have_value(shop)
    op.get_by_label("State").select_option("")  # "Any state"
    expect(op).to_have_url(re.compile(rf"state=&shop={shop}&"))  # pushed just before the swap
    shops = op.locator("#queue tbody tr td:nth-child(2)")
    expect(shops.first).to_have_text(shop)
    assert set(shops.all_inner_texts()) == {shop}
    expect(op.locator("#queue p.muted").first).to_contain_text(f"{cases} cases")

    op.evaluate(
        "htmx.ajax('GET', '/console/op/cases?sort=loudest', {target: '#queue', swap: 'outerHTML'})"
    )
    queue = op.locator("#queue")  # the refusal in the list's place, the filters kept
    expect(queue.get_by_role("heading", name="Invalid input", level=2)).to_be_visible()
    expect(queue.get_by_role("alert")).to_contain_text("sort")
    expect(op.get_by_label("Shop", exact=True)).to_have_value(shop)
    op.get_by_label("Sort by").select_option("amount")  # and the next choice brings a list
    expect(shops.first).to_have_text(shop)

    op.goto(f"{server.url}/console/op/cases?shop={shop}")
    op.context.clear_cookies()
    op.get_by_label("Sort by").select_option("age")
    op.wait_for_url(re.compile(r"/console/login\?next="))
    expect(op.get_by_label("API key")).to_be_visible()
    assert op.locator("#queue").count() == 0
    op.context.close()
