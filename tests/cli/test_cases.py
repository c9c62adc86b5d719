"""`merchantry risk cases` through the real CLI: the queue sorted by risk, amount or age
with stable paging and the total shown; `show` with the decision's reasons and the
evidence (who added it, when); an overturn of a case that moved no money says so.

Five cases are opened directly in a SQLite operational database, each designed so the
three orders differ: request cases carry the score their decision states, the penalty
has none (last by risk)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import MerchantryError
from merchantry.risk.access import Scope
from merchantry.risk.cases import CaseSubject, case_id_for, open_case
from merchantry.risk.store import open_store
from merchantry.service.cases import page_cases

# subject id -> (score or None for a penalty, amount fen, opened day in March 2026)
CASES = {
    "AS-1": (91, 5_000, 3),
    "AS-2": (64, 120_000, 1),
    "AS-3": (77, 800, 5),
    "AS-4": (91, 45_000, 2),
    "V-9": (None, 30_000, 4),
}


def invoke(*args: str, code: int = 0) -> str:
    """Output and exit code as a user sees them; a Merchantry error escaping ``app`` is what
    ``merchantry.cli.main.main`` turns into its message and exit code."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "220"})
    output, exit_code = result.output, result.exit_code
    if isinstance(result.exception, MerchantryError):
        output, exit_code = f"{output}error: {result.exception}", result.exception.exit_code
    assert exit_code == code, output
    return output


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'risk.sqlite'}"
    engine = open_store(url)
    for subject_id, (score, amount, day) in CASES.items():
        is_request = score is not None
        open_case(
            engine,
            Scope.operator("risk-stage"),
            CaseSubject.AFTER_SALES_REQUEST if is_request else CaseSubject.PENALTY,
            subject_id,
            "S1" if subject_id != "AS-3" else "S2",
            decision=f"intercept (score {score})" if is_request else "deduct ¥300 (brushing)",
            reasons=["ring member", "image reused"] if is_request else ["deposit.deduct"],
            amount_fen=amount,
            at=datetime(2026, 3, day, 9),
            buyer_id="B1" if is_request else None,
            risk_score=score,
        )
    return url


def listed(output: str) -> list[str]:
    """Subject ids in the order the table prints them."""
    return re.findall(r"(?:After-sales request|Penalty) (\S+)", output)


def page_through(store: str, sort: str, per_page: int) -> list[str]:
    seen: list[str] = []
    page = 1
    while True:
        out = invoke(
            "risk", "cases", "list", "--store", store, "--sort", sort,
            "--per-page", str(per_page), "--page", str(page),
        )  # fmt: skip
        assert f"of {len(CASES)} by {sort}" in out
        seen += listed(out)
        if f"page {page} of {page}" in out:
            return seen
        page += 1


def test_the_queue_sorts_by_risk_amount_and_age(store: str) -> None:
    # scores 91 (AS-1, AS-4: tie broken by case id), 77, 64; the penalty has none: last
    tied = sorted(["AS-1", "AS-4"], key=lambda s: case_id_for(CaseSubject.AFTER_SALES_REQUEST, s))
    assert listed(invoke("risk", "cases", "list", "--store", store)) == [
        *tied,
        "AS-3",
        "AS-2",
        "V-9",
    ]
    by_amount = listed(invoke("risk", "cases", "list", "--store", store, "--sort", "amount"))
    assert by_amount == ["AS-2", "AS-4", "V-9", "AS-1", "AS-3"]
    by_age = listed(invoke("risk", "cases", "list", "--store", store, "--sort", "age"))
    assert by_age == ["AS-2", "AS-4", "AS-1", "V-9", "AS-3"]


@pytest.mark.parametrize("sort", ["risk", "amount", "age"])
def test_pages_are_stable_and_cover_every_case_once(store: str, sort: str) -> None:
    whole = listed(invoke("risk", "cases", "list", "--store", store, "--sort", sort))
    assert page_through(store, sort, 2) == whole
    assert page_through(store, sort, 3) == whole
    assert len(whole) == len(CASES)


def test_paging_mistakes_are_refused_with_the_page_count(store: str) -> None:
    out = invoke(
        "risk", "cases", "list", "--store", store, "--per-page", "2", "--page", "4", code=2
    )
    assert "page 4 is past the last: 5 cases make 3 page(s) of 2" in out
    assert "Traceback" not in out
    out = invoke("risk", "cases", "list", "--store", store, "--per-page", "1000000", code=2)
    assert "--per-page must be from 1 to 10,000, not 1,000,000" in out
    out = invoke("risk", "cases", "list", "--store", store, "--page", str(10**15), code=2)
    assert "--page must be from 1 to 500,001" in out
    assert "Traceback" not in out
    out = invoke("risk", "cases", "list", "--store", store, "--sort", "newest", code=2)
    for choice in ("risk", "amount", "age"):
        assert choice in out


def test_a_merchant_pages_through_its_own_shop_only(store: str) -> None:
    out = invoke("risk", "cases", "list", "--store", store, "--shop", "S2")
    assert listed(out) == ["AS-3"]
    assert "cases 1-1 of 1" in out


def test_show_displays_reasons_and_evidence_with_who_and_when(store: str) -> None:
    case = case_id_for(CaseSubject.AFTER_SALES_REQUEST, "AS-1")
    invoke(
        "risk", "cases", "appeal", case, "--shop", "S1", "--note", "parcel was opened by courier",
        "--evidence", "photos/box-torn.jpg", "--evidence", "courier-statement.pdf",
        "--store", store,
    )  # fmt: skip
    out = invoke("risk", "cases", "show", case, "--store", store)
    assert "decision: 拦截 / Intercept (score 91)" in out
    assert "- ring member" in out
    assert "- image reused" in out
    assert "evidence (2):" in out
    assert "merchant:S1: image photos/box-torn.jpg  parcel was opened by courier" in out
    assert "merchant:S1: document courier-statement.pdf" in out
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d merchant:S1: image", out)
    penalty = case_id_for(CaseSubject.PENALTY, "V-9")
    assert "evidence: none" in invoke("risk", "cases", "show", penalty, "--store", store)


def test_overturning_a_case_that_moved_no_money_says_so(store: str) -> None:
    case = case_id_for(CaseSubject.AFTER_SALES_REQUEST, "AS-2")
    review = ("--to", "under_review", "--note", "look", "--store", store)
    invoke("risk", "cases", "move", case, *review)
    out = invoke(
        "risk", "cases", "move", case, "--to", "overturned", "--note", "honest", "--store", store
    )
    assert f"case {case} moved no money: nothing to reverse" in out
    assert f"{case}: 已撤销 / Overturned" in out


def test_the_console_view_filters_by_shop_and_shows_the_last_page_past_the_end(
    store: str,
) -> None:
    """The console reads the same queue (``page_cases``) with a shop filter, and a page past
    the last shows the last one instead of refusing."""
    engine = open_store(store)
    scope = Scope.operator("t")
    s1 = page_cases(engine, scope, shop_id="S1", per_page=2)
    assert s1.total == 4  # AS-3 is S2's
    assert [c.shop_id for c in s1.cases] == ["S1", "S1"]
    last = page_cases(engine, scope, shop_id="S1", per_page=2, page=9, past_last=True)
    assert (last.page, last.pages) == (2, 2)
    assert last.cases[-1].subject_id == "V-9"  # no score: last by risk
    with pytest.raises(MerchantryError, match="past the last"):
        page_cases(engine, scope, shop_id="S1", per_page=2, page=9)
