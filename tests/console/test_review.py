"""The operator's review: case assignment, the buyer's integrity level beside the request,
engine errors and rule titles in Chinese, and the merchant's expected payout days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from tests.console.conftest import Api, csrf_of, login

from merchantry.ops.keys import KeyRole, create_key
from merchantry.risk.integrity import AbuseEvent, AbuseKind, record_events
from merchantry.service.snapshot import open_snapshot


def _case_of(api: Api, subject: str) -> tuple[str, str | None]:
    with api.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT case_id, buyer_id FROM risk_cases WHERE subject = :s "
                "ORDER BY case_id LIMIT 1"
            ),
            {"s": subject},
        ).first()
    assert row is not None, f"no {subject} case"
    return str(row[0]), None if row[1] is None else str(row[1])


def _assign(api: Api, case_id: str, to: str) -> int:
    page = api.client.get(f"/console/cases/{case_id}")
    answer = api.client.post(
        f"/console/op/cases/{case_id}/assign",
        data={"csrf": csrf_of(page.text), "to": to},
        follow_redirects=False,
    )
    return answer.status_code


def _queue_total(api: Api, who: str) -> int:
    html = api.client.get("/console/op/cases", params={"who": who, "lang": "en"}).text
    return int(html.split('<p class="muted">', 1)[1].split(" cases", 1)[0].replace(",", ""))


def test_an_operator_assigns_cases_and_the_queue_filters_them(api: Api) -> None:
    colleague = create_key(api.engine, role=KeyRole.OPERATOR, name="Li Wei", created_by="test")
    actor = f"key:{colleague.key.key_id}"
    with api.engine.connect() as conn:
        total = int(conn.execute(text("SELECT count(*) FROM risk_cases")).scalar_one())
        first, second = (
            str(r[0])
            for r in conn.execute(text("SELECT case_id FROM risk_cases ORDER BY case_id LIMIT 2"))
        )
    login(api.client, api.operator_key)
    assert _queue_total(api, "-") == total
    assert _queue_total(api, "me") == 0

    assert _assign(api, first, "me") == 303
    assert _assign(api, second, actor) == 303
    assert _assign(api, second, actor) == 303  # the same again changes nothing
    assert _queue_total(api, "me") == 1
    assert _queue_total(api, actor) == 1
    assert _queue_total(api, "-") == total - 2
    queue = api.client.get("/console/op/cases", params={"who": actor, "lang": "en"}).text
    assert second in queue
    assert first not in queue
    assert "Li Wei" in queue

    page = api.client.get(f"/console/cases/{second}", params={"lang": "en"}).text
    shown = page.split('data-testid="case-assignee">', 1)[1].split("</dd>", 1)[0]
    assert shown == f"Li Wei ({actor})"
    with api.engine.connect() as conn:
        trail = conn.execute(
            text(
                "SELECT actor, from_state, to_state, note FROM risk_case_audit "
                "WHERE case_id = :c ORDER BY audit_id"
            ),
            {"c": second},
        ).all()
        logged = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'case.assign' AND resource = :r"),
            {"r": f"case:{second}"},
        ).scalar_one()
    assignments = [r for r in trail if r.note.startswith("assigned")]
    assert len(assignments) == 1  # assigning again recorded nothing
    assert assignments[0].note == f"assigned to {actor}"
    assert assignments[0].from_state == assignments[0].to_state  # the state is unchanged
    assert assignments[0].actor != actor  # the operator who assigned, not the assignee
    assert logged == 1
    assert f"assigned to {actor}" in page  # the trail on the case page

    assert _assign(api, second, "") == 303  # released
    assert _queue_total(api, actor) == 0
    assert _queue_total(api, "-") == total - 1

    merchant = create_key(
        api.engine, role=KeyRole.MERCHANT, shop_id=api.victim, created_by="test"
    ).key
    assert _assign(api, first, f"key:{merchant.key_id}") == 422  # not an operator


def test_a_merchant_cannot_assign_cases(api: Api) -> None:
    login(api.client, api.victim_key)
    with api.engine.connect() as conn:
        case_id = conn.execute(
            text("SELECT case_id FROM risk_cases WHERE shop_id = :s LIMIT 1"), {"s": api.victim}
        ).scalar_one()
    page = api.client.get(f"/console/cases/{case_id}")
    assert 'data-testid="case-assignee"' not in page.text
    answer = api.client.post(
        f"/console/op/cases/{case_id}/assign",
        data={"csrf": csrf_of(page.text), "to": "me"},
        follow_redirects=False,
    )
    assert answer.status_code == 403


def test_the_case_page_shows_the_buyers_integrity_level(api: Api) -> None:
    case_id, buyer = _case_of(api, "after_sales_request")
    assert buyer is not None
    with api.engine.connect() as conn:
        subject = conn.execute(
            text("SELECT subject_id FROM risk_cases WHERE case_id = :c"), {"c": case_id}
        ).scalar_one()
    with open_snapshot(api.warehouse) as con:
        row = con.execute(
            "SELECT requested_at FROM after_sales WHERE case_id = ?", [subject]
        ).fetchone()
    assert row is not None
    login(api.client, api.operator_key)
    before = api.client.get(f"/console/cases/{case_id}", params={"lang": "en"}).text
    level = before.split('data-testid="buyer-level">', 1)[1].split("</dd>", 1)[0]
    assert "Level A" in level

    # five rejected claims a day before the request (10 points each, level C from 30);
    # one after the request does not count
    record_events(
        api.engine,
        [
            AbuseEvent(buyer, AbuseKind.REJECTED_CLAIM, row[0] - timedelta(days=1), 10, f"t{i}")
            for i in range(5)
        ]
        + [AbuseEvent(buyer, AbuseKind.REUSED_IMAGE, row[0] + timedelta(days=1), 10, "later")],
    )
    after = api.client.get(f"/console/cases/{case_id}", params={"lang": "en"}).text
    level = after.split('data-testid="buyer-level">', 1)[1].split("</dd>", 1)[0]
    assert "Level C" in level
    assert "rejected claims × 5" in level
    assert "reused" not in level
    zh = api.client.get(f"/console/cases/{case_id}", params={"lang": "zh"}).text
    assert "C 级" in zh.split('data-testid="buyer-level">', 1)[1].split("</dd>", 1)[0]


def test_chinese_pages_show_no_english_rule_title(api: Api) -> None:
    with open_snapshot(api.warehouse) as con:
        titles = [
            str(r[0])
            for r in con.execute(
                "SELECT DISTINCT r.title FROM fee_lines AS f JOIN rulebook_rules AS r "
                "ON r.rulebook = f.rulebook AND r.rule_id IN (f.rule_id, f.waiver_rule_id) "
                "WHERE f.shop_id = ? AND f.rulebook = 'douyin-2026'",
                [api.victim],
            ).fetchall()
        ]
    assert titles
    login(api.client, api.operator_key)
    pages = {
        "statement": api.client.get(
            f"/console/shops/{api.victim}/statement",
            params={"lang": "zh", "rulebook": "douyin-2026"},
        ).text,
        "diff": api.client.get(
            "/console/op/diff", params={"a": "douyin-2025", "b": "douyin-2026", "lang": "zh"}
        ).text,
        "rulebooks": api.client.get("/console/op/rulebooks", params={"lang": "zh"}).text,
    }
    shown = [t for t in titles if t in pages["statement"]]
    assert shown == []
    assert "Douyin e-commerce fees" not in pages["rulebooks"]
    assert "抖音电商费用，2026" in pages["rulebooks"]
    diff = pages["diff"].split("<main", 1)[1]
    assert "From 2026-07-15" not in diff
    assert "自 2026-07-15 起" in diff


def test_a_refusal_reads_in_chinese(api: Api) -> None:
    login(api.client, api.victim_key)
    answer = api.client.get(f"/console/shops/{api.other}/statement", params={"lang": "zh"})
    assert answer.status_code == 403
    assert f"无权查看或操作店铺 {api.other} 的数据" in answer.text
    english = api.client.get(f"/console/shops/{api.other}/statement", params={"lang": "en"})
    assert f"of shop {api.other}" in english.text


def test_the_payouts_page_says_when_an_order_awaiting_receipt_is_expected(api: Api) -> None:
    with open_snapshot(api.warehouse) as con:
        row = con.execute(
            "SELECT shop_id, count(*) FROM order_payouts WHERE status = 'awaiting_receipt' "
            "GROUP BY shop_id ORDER BY count(*) DESC, shop_id LIMIT 1"
        ).fetchone()
        assert row is not None
        shop = str(row[0])
        total = con.execute(
            "SELECT count(*) FROM order_payouts WHERE shop_id = ?", [shop]
        ).fetchone()
    assert total is not None
    login(api.client, api.operator_key)
    last = -(-int(total[0]) // 50)
    html = api.client.get(
        f"/console/shops/{shop}/payouts", params={"page": last, "lang": "en"}
    ).text
    cells = html.split('data-testid="expected-')[1:]
    waiting = [c for c in cells if "estimate" in c.split("</td>", 1)[0]]
    assert waiting, "no order awaiting receipt shows an expected day"
    assert "receipt is automatic 7 days after delivery" in html
    zh = api.client.get(f"/console/shops/{shop}/payouts", params={"page": last, "lang": "zh"})
    assert "签收 7 天后自动确认收货" in zh.text
