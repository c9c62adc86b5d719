"""The console's pages in process: sessions, CSRF, the shop rule, both languages complete."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import text
from tests.console.conftest import PYTHON_REPR, Api, csrf_of, login

from merchantry.console import pages_merchant
from merchantry.console.i18n import MISSING
from merchantry.console.messages_en import MESSAGES as EN
from merchantry.console.messages_zh import MESSAGES as ZH
from merchantry.console.render import ENV
from merchantry.kit.money import format_fen
from merchantry.ledger.statements import closed_through, shop_statement
from merchantry.service.snapshot import open_snapshot

UNTRANSLATED = re.compile(re.escape(MISSING.format("")[0]) + r"[a-z_.0-9]+")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_catalogues_hold_the_same_keys() -> None:
    assert set(ZH) == set(EN)
    assert len(ZH) > 300
    # each placeholder a message fills in is the same in both languages
    fields = re.compile(r"\{(\w+)\}")
    for key in ZH:
        assert set(fields.findall(ZH[key])) == set(fields.findall(EN[key])), key


def test_a_page_without_a_session_goes_to_the_login(api: Api) -> None:
    answer = api.client.get(f"/console/shops/{api.victim}/statement", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login")


def test_a_part_of_a_page_asked_for_without_a_session_sends_the_whole_page_to_log_in(
    api: Api,
) -> None:
    """htmx follows a redirect itself and would put the login form where the list was."""
    answer = api.client.get(
        "/console/op/cases?sort=age", headers={"HX-Request": "true"}, follow_redirects=False
    )
    assert answer.status_code == 200
    assert answer.headers["HX-Redirect"].startswith("/console/login?next=/console/op/cases")
    assert answer.text == ""


def test_a_refused_part_of_a_page_comes_back_in_that_parts_place(api: Api) -> None:
    login(api.client, api.operator_key)
    hx = {"HX-Request": "true"}
    part = api.client.get(
        "/console/op/cases?sort=loudest&lang=en", headers=hx | {"HX-Target": "queue"}
    )
    assert part.status_code == 422
    assert (part.headers["HX-Retarget"], part.headers["HX-Reswap"]) == ("#queue", "outerHTML")
    assert "<html" not in part.text
    assert part.text.startswith('<div id="queue">'), part.text  # the next filter finds it
    assert re.search(r'role="alert">[^<]*sort', part.text), part.text
    whole = api.client.get("/console/op/cases?sort=loudest&lang=en", headers=hx)
    assert whole.status_code == 422
    assert whole.headers["HX-Retarget"] == "body"
    assert "<html" in whole.text
    plain = api.client.get("/console/op/cases?sort=loudest&lang=en")
    assert "HX-Retarget" not in plain.headers
    assert plain.status_code == 422
    assert "<html" in plain.text
    assert re.search(r'role="alert">[^<]*sort', plain.text)


def test_a_refused_poll_stops_polling_instead_of_repeating_the_refusal(api: Api) -> None:
    """A running simulation's part asks again every two seconds; refused (the job gone), it is
    replaced by the refusal under the same id, without the poll, so the page says it once."""
    source = ENV.loader.get_source(ENV, "_job.html")[0] if ENV.loader else ""
    assert 'hx-trigger="every 2s"' in source  # the part that polls, as the page draws it
    login(api.client, api.operator_key)
    hx = {"HX-Request": "true", "HX-Target": "job"}
    gone = api.client.get("/console/op/simulations/no-such-job?lang=en", headers=hx)
    assert gone.status_code == 404, gone.text
    assert (gone.headers["HX-Retarget"], gone.headers["HX-Reswap"]) == ("#job", "outerHTML")
    assert gone.text.startswith('<div id="job">'), gone.text
    assert "hx-trigger" not in gone.text
    assert "hx-get" not in gone.text
    assert 'role="alert"' in gone.text


def test_the_queue_keeps_its_shop_and_any_state_is_no_filter(api: Api) -> None:
    login(api.client, api.operator_key)
    shop = api.victim
    with api.engine.connect() as conn:
        cases = conn.execute(
            text("SELECT count(*) FROM risk_cases WHERE shop_id = :s"), {"s": shop}
        ).scalar_one()
    for headers in ({}, {"HX-Request": "true"}):
        answer = api.client.get(f"/console/op/cases?state=&shop={shop}&lang=en", headers=headers)
        assert answer.status_code == 200, answer.text[:2000]
        assert f"{cases} cases" in answer.text
        shown = set(re.findall(r"</a></td><td>(S\d+)</td>", answer.text))
        assert shown == {shop}
        assert "shop=None" not in answer.text
    page = api.client.get(f"/console/op/cases?shop={shop}").text
    assert f'name="shop" value="{shop}"' in page


def test_a_mistyped_console_address_gets_a_console_page(api: Api) -> None:
    for logged_in in (False, True):
        if logged_in:
            login(api.client, api.operator_key)
        answer = api.client.get("/console/op/casse?lang=en")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert f"<h1>{EN['error.not_found']}</h1>" in answer.text
        assert "no page /console/op/casse" in answer.text
    api_answer = api.client.get("/v1/nowhere")  # the API's own stay JSON
    assert api_answer.status_code == 404
    assert api_answer.json()["error"]["code"] == "not_found"


def test_a_bad_key_is_refused_on_the_login_page(api: Api) -> None:
    page = api.client.get("/console/login?lang=en")
    answer = api.client.post(
        "/console/login", data={"key": "mk_nope_nope", "csrf": csrf_of(page.text)}
    )
    assert answer.status_code == 401
    assert EN["login.failed"] in answer.text


def test_a_form_without_its_csrf_token_is_refused(api: Api) -> None:
    answer = api.client.post("/console/login", data={"key": api.victim_key, "csrf": "forged"})
    assert answer.status_code == 403
    login(api.client, api.victim_key)
    case_id = _case_of(api, api.victim)
    answer = api.client.post(f"/console/cases/{case_id}/appeal", data={"note": "x"})
    assert answer.status_code == 403


def _case_of(api: Api, shop: str) -> str:
    with api.engine.connect() as conn:
        found = conn.execute(
            text("SELECT case_id FROM risk_cases WHERE shop_id = :s ORDER BY case_id LIMIT 1"),
            {"s": shop},
        ).scalar_one_or_none()
    if found is None:
        pytest.fail(f"shop {shop} has no case")
    return str(found)


def test_a_merchant_is_refused_another_shops_pages(api: Api) -> None:
    login(api.client, api.victim_key)
    other = api.other
    with open_snapshot(api.warehouse) as con:
        found = con.execute("SELECT name FROM shops WHERE shop_id = ?", [other]).fetchone()
    assert found is not None
    name = str(found[0])
    for path in (
        f"/console/shops/{other}/statement",
        f"/console/shops/{other}/statement.csv",
        f"/console/shops/{other}/payouts",
        f"/console/shops/{other}/score",
        f"/console/shops/{other}/cases",
        f"/console/shops/{other}/returns",
        f"/console/cases/{_case_of(api, other)}",
        "/console/op/rulebooks",
        "/console/op/cases",
    ):
        answer = api.client.get(path, follow_redirects=False)
        assert answer.status_code == 403, path
        assert name not in answer.text, path  # nothing of the other shop is shown
    with open_snapshot(api.warehouse) as con:
        order = con.execute(
            "SELECT order_id FROM fee_lines WHERE shop_id = ? LIMIT 1", [other]
        ).fetchone()
    assert order is not None
    assert api.client.get(f"/console/orders/{order[0]}").status_code == 403


def test_logout_ends_the_session(api: Api) -> None:
    login(api.client, api.victim_key)
    page = api.client.get(f"/console/shops/{api.victim}/statement")
    assert page.status_code == 200
    api.client.post("/console/logout", data={"csrf": csrf_of(page.text)})
    answer = api.client.get(f"/console/shops/{api.victim}/statement", follow_redirects=False)
    assert answer.status_code == 303


def _pages(api: Api) -> list[str]:
    shop = api.victim
    with open_snapshot(api.warehouse) as con:
        order = con.execute(
            "SELECT order_id FROM fee_lines WHERE shop_id = ? ORDER BY order_id LIMIT 1", [shop]
        ).fetchone()
    assert order is not None
    return [
        f"/console/shops/{shop}/statement",
        f"/console/shops/{shop}/payouts",
        f"/console/shops/{shop}/score",
        f"/console/orders/{order[0]}",
        f"/console/shops/{shop}/cases",
        f"/console/shops/{shop}/returns",
        f"/console/cases/{_case_of(api, shop)}",
        "/console/op/rulebooks",
        "/console/op/rulebooks/douyin-2026/history",
        "/console/op/diff?a=douyin-2025&b=douyin-2026",
        "/console/op/simulations",
        "/console/op/cases?sort=amount",
        "/console/op/rankings",
        f"/console/op/shops?q={shop}",
        f"/console/op/cases/{_case_of(api, shop)}/preview?to=under_review",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_in_both_languages_with_no_untranslated_key(api: Api, lang: str) -> None:
    login(api.client, api.operator_key)
    for path in _pages(api):
        sep = "&" if "?" in path else "?"
        answer = api.client.get(f"{path}{sep}lang={lang}")
        assert answer.status_code == 200, (path, answer.text[:2000])
        html = answer.text
        assert not UNTRANSLATED.findall(html), (path, UNTRANSLATED.findall(html))
        assert not re.findall(r'value="None"|=None[&"]', html), path  # a Python None shown
        assert not PYTHON_REPR.findall(html), (path, PYTHON_REPR.findall(html))
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in html
        if lang == "zh":
            assert CJK.search(html.split("<main", 1)[1]), path
        else:  # the English page's own words are English: the nav, the headings
            assert EN["nav.rulebooks"] in html, path


def test_the_statement_shows_every_fee_line_and_its_csv_agrees(api: Api) -> None:
    login(api.client, api.victim_key)
    csv_text = api.client.get(f"/console/shops/{api.victim}/statement.csv").text
    rows = [r for r in csv_text.lstrip("\ufeff").splitlines()[1:] if r]
    with open_snapshot(api.warehouse) as con:
        expected = con.execute(
            "SELECT count(*), sum(amount_fen), sum(baseline_fen - amount_fen) FROM fee_lines "
            "WHERE shop_id = ? AND rulebook = 'douyin-2026'",
            [api.victim],
        ).fetchone()
    assert expected is not None
    assert len(rows) == expected[0]
    assert sum(int(r.split(",")[9]) for r in rows) == expected[1]
    xlsx = api.client.get(f"/console/shops/{api.victim}/statement.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"  # a zip: an Office Open XML workbook


def test_a_statement_longer_than_an_excel_sheet_is_refused_as_xlsx_not_cut(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(api.client, api.victim_key)
    with open_snapshot(api.warehouse) as con:
        row = con.execute(
            "SELECT count(*) FROM fee_lines WHERE shop_id = ? AND rulebook = 'douyin-2026'",
            [api.victim],
        ).fetchone()
    assert row is not None
    monkeypatch.setattr(pages_merchant, "XLSX_MAX_LINES", row[0] - 1)
    refused = api.client.get(f"/console/shops/{api.victim}/statement.xlsx?lang=en")
    assert refused.status_code == 422, refused.text[:500]
    assert f"has {row[0]:,} fee lines, more than an Excel sheet holds" in refused.text
    assert "download the CSV instead" in refused.text
    csv_text = api.client.get(f"/console/shops/{api.victim}/statement.csv").text
    assert len([r for r in csv_text.splitlines()[1:] if r]) == row[0]  # the CSV has them all
    monkeypatch.setattr(pages_merchant, "XLSX_MAX_LINES", row[0])
    assert api.client.get(f"/console/shops/{api.victim}/statement.xlsx").status_code == 200


def test_the_ledger_part_of_the_statement_matches_the_journal(api: Api) -> None:
    """The ledger postings come 100 to a page, and the pages together are the journal's
    lines for the shop, in order, each with its running balance; a pager link of one list
    keeps the other list's page."""
    login(api.client, api.victim_key)
    path = f"/console/shops/{api.victim}/statement"
    with open_snapshot(api.warehouse) as con:
        first, last = con.execute(
            "SELECT min(booked_on), max(booked_on) FROM journal_postings WHERE party = ?",
            [api.victim],
        ).fetchone() or (None, None)
        assert first is not None
        assert last is not None
        fee_first = con.execute(
            "SELECT min(accrued_on) FROM fee_lines WHERE shop_id = ?", [api.victim]
        ).fetchone()
        assert fee_first is not None
        statement = shop_statement(con, api.victim, fee_first[0], last)
    pages = -(-len(statement.lines) // 100)
    assert pages >= 2, "one page of postings: the pager would go untested"
    shown: list[tuple[str, str]] = []
    for number in range(1, pages + 1):
        html = api.client.get(path, params={"lang": "en", "ledger_page": number}).text
        ledger = html[html.index('id="ledger"') :]
        rows = LEDGER_ROW.findall(ledger)
        assert len(rows) == (100 if number < pages else len(statement.lines) - 100 * (pages - 1))
        shown += rows
        if number < pages:  # the next link keeps the fee lines' page and lands on the list
            assert f"page=1&amp;ledger_page={number + 1}#ledger" in ledger
    expected = [(EN["account." + x.account], format_fen(x.balance_fen)) for x in statement.lines]
    assert shown == expected
    # a link of either pager keeps the other list's page
    html = api.client.get(path, params={"lang": "en", "ledger_page": 2}).text
    assert "page=1&amp;ledger_page=1#ledger" in html  # back to the ledger's first page
    assert FEE_PAGER.search(html), "one page of fee lines: their pager would go untested"
    assert "ledger_page=2&amp;page=2#lines" in html  # its next link keeps the ledger's page


LEDGER_ROW = re.compile(
    r"<tr[^>]*><td>[^<]*</td><td>[^<]*</td>\s*<td>.*?</td>\s*<td>([^<]*)</td><td>[^<]*</td>\s*"
    r'<td class="num[^"]*">[^<]*</td><td class="num">([^<]*)</td></tr>',
    re.S,
)
"""A ledger row of the statement page: its account and its running balance."""
FEE_PAGER = re.compile(r'href="\?[^"]*page=2#lines"')


def test_the_statement_says_which_days_no_close_has_posted(api: Api) -> None:
    """Past the last close the journal is silent; the page says so rather than letting the
    balances read as a quiet fortnight."""
    login(api.client, api.victim_key)
    path = f"/console/shops/{api.victim}/statement"
    with open_snapshot(api.warehouse) as con:
        through = closed_through(con)
    assert through is not None
    later = through + timedelta(days=10)
    html = api.client.get(path, params={"lang": "en", "end": later.isoformat()}).text
    first = through + timedelta(days=1)
    assert f"Closed through {through}: {first} to {later} is not closed yet" in html
    html = api.client.get(path, params={"lang": "zh", "end": later.isoformat()}).text
    assert f"结账已进行到 {through}：{first} 至 {later} 尚未结账" in html
    html = api.client.get(path, params={"lang": "en", "end": through.isoformat()}).text
    assert "is not closed yet" not in html


def test_the_payouts_page_says_how_far_the_closes_reach(api: Api) -> None:
    login(api.client, api.victim_key)
    with open_snapshot(api.warehouse) as con:
        through = closed_through(con)
    path = f"/console/shops/{api.victim}/payouts"
    html = api.client.get(path, params={"lang": "en"}).text
    assert f"Closed through {through}; orders paid after it are not in the schedule yet." in html
    html = api.client.get(path, params={"lang": "zh"}).text
    assert f"结账已进行到 {through}" in html


def test_a_day_in_a_pages_address_refuses_numeric_text(api: Api) -> None:
    """`end=20260301` is not a day: the page says how to write one instead of showing the
    statement up to 1970-08-23 (pydantic reads numeric text as seconds since 1970)."""
    login(api.client, api.victim_key)
    answer = api.client.get(
        f"/console/shops/{api.victim}/statement", params={"lang": "en", "end": "20260301"}
    )
    assert answer.status_code == 422
    assert "2026-03-01, not as a number" in answer.text
    assert answer.headers["content-type"].startswith("text/html")  # a page, not JSON


class _GetForms(HTMLParser):
    """Each GET form of a page: its action and fields, each select with all its options."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "get":
            self._form = {"action": a.get("action", ""), "fields": {}, "choices": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
            self._form["choices"][self._select] = []
        elif tag == "option" and self._select:
            self._form["choices"][self._select].append(a.get("value", ""))
            if "selected" in a or self._select not in self._form["fields"]:
                self._form["fields"][self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def test_every_filter_form_answers_for_each_of_its_choices(api: Api) -> None:
    """Every GET form on the console's pages, sent as the page drew it and then with each
    option of each of its selects in turn, gets a page: a choice the console offers is never
    refused (the queue's "Any state" once was) and never shows a Python None."""
    login(api.client, api.operator_key)
    sent = refused = 0
    for path in _pages(api):
        html = api.client.get(path).text
        parser = _GetForms()
        parser.feed(html)
        for form in parser.forms:
            target = form["action"] or path.split("?", 1)[0]
            tries = [dict(form["fields"])]
            for name, options in form["choices"].items():
                tries += [{**form["fields"], name: option} for option in options]
            for fields in tries:
                answer = api.client.get(target, params=fields)
                sent += 1
                if answer.status_code != 200:  # a combination may be refused, in words
                    assert answer.status_code == 422, (path, fields, answer.text[-1500:])
                    assert 'role="alert"' in answer.text, (path, fields)
                    # but never as a framework's check of an option the page itself offered
                    assert "Input should be" not in answer.text, (path, fields)
                    refused += 1
                assert not re.findall(r'value="None"|=None[&"]', answer.text), (path, fields)
                assert not PYTHON_REPR.findall(answer.text), (path, fields)
    assert sent >= 20  # the queue, rankings, diff, rulebooks, shops and statement forms
    assert refused <= 2  # a rulebook compared with itself (either side)
