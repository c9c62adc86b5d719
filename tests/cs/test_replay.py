"""The replay: the recorded history, round-robin and the rulebook side by side."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest

from merchantry.cs.replay import replay
from merchantry.cs.rules import RoutingRules
from merchantry.service.cs import indicator_values, replay_report
from tests.cs.conftest import MARKET_DAYS, SCORED

START = date(2026, 10, 1)


def _shop(con: duckdb.DuckDBPyConnection, shop: str, industry: str) -> None:
    con.execute(
        "INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, opened_date, "
        "region, county_code, entry_plan, business_mode) VALUES (?, 'n', ?, 'C1', 'personal', "
        "DATE '2026-01-01', 'r', '110000', 'standard', 'domestic')",
        [shop, industry],
    )


def _agent(
    con: duckdb.DuckDBPyConnection, agent: str, skills: dict[str, int], badge: bool = False
) -> None:
    con.execute(
        "INSERT INTO cs_agents VALUES (?, 'S1', 'n', ['zh'], 1, 0, 24, DATE '2025-01-01')", [agent]
    )
    for skill, level in skills.items():
        con.execute("INSERT INTO cs_agent_skills VALUES (?, ?, ?)", [agent, skill, level])
    if badge:
        con.execute(
            "INSERT INTO cs_certifications VALUES ('C1', ?, 'pet_adviser', 'vet', "
            "DATE '2026-01-01', DATE '2026-12-31')",
            [agent],
        )


def _session(
    con: duckdb.DuckDBPyConnection, sid: str, at: datetime, rounds: int, rating: int | None
) -> None:
    con.execute(
        "INSERT INTO cs_sessions VALUES "
        "(?, 'S1', 'B1', NULL, ?, 30, ?, 0, ?, 'S1-kf1', ?, false, NULL)",
        [sid, at, rounds, 30 * rounds, rating],
    )


def test_a_pet_question_waits_for_the_pet_adviser_then_falls_back(
    empty_con: duckdb.DuckDBPyConnection, rules: RoutingRules
) -> None:
    """Two agents with one seat each: the certified pet adviser and a rookie. The first
    question takes the adviser for 3 rounds × 40 s; the second, 10 s later, waits under the
    rulebook until the fallback step at 90 s gives it to the rookie; round-robin gives it to
    the rookie at once."""
    con = empty_con
    _shop(con, "S1", "pet_food")
    _agent(con, "pro", {"pet_care": 5, "presale": 5}, badge=True)
    _agent(con, "rookie", {"logistics": 1})
    _session(con, "X1", datetime(2026, 10, 21, 10, 0, 0), 3, 5)
    _session(con, "X2", datetime(2026, 10, 21, 10, 0, 10), 2, 4)
    result = replay(con, rules, date(2026, 10, 21), date(2026, 10, 22), conventions=SCORED)
    rr, rb = result.policies["round_robin"], result.policies["rulebook"]
    assert rb.wait_seconds == [0, 90]
    assert rr.wait_seconds == [0, 0]
    assert (rb.skill_matched, rb.needs_skill, rb.badge_matched, rb.needs_badge) == (1, 2, 1, 2)
    assert (rr.skill_matched, rr.badge_matched) == (1, 1)
    assert rb.measures["cs_rounds"] == rr.measures["cs_rounds"] == 5
    recorded = result.policies["recorded"]
    assert recorded.measures["cs_rounds_3min"] == 5  # 30 s per round, within 180 s
    assert recorded.measures["cs_satisfied"] == 2


def test_with_a_free_adviser_the_rulebook_matches_every_pet_question(
    empty_con: duckdb.DuckDBPyConnection, rules: RoutingRules
) -> None:
    con = empty_con
    _shop(con, "S1", "pet_food")
    _agent(con, "rookie", {"logistics": 1})
    _agent(con, "pro", {"pet_care": 5}, badge=True)
    for i in range(4):
        _session(con, f"X{i}", datetime(2026, 10, 21, 10 + i), 2, None)
    result = replay(con, rules, date(2026, 10, 21), date(2026, 10, 22), conventions=SCORED)
    assert result.policies["rulebook"].badge_matched == 4
    assert result.policies["round_robin"].badge_matched == 2  # every other one


@pytest.mark.slow
def test_the_market_replay_side_by_side(
    market_con: duckdb.DuckDBPyConnection, rules: RoutingRules
) -> None:
    until = date(2026, 10, 1 + MARKET_DAYS - 31)
    report = replay_report(market_con, rules, START, until)
    f = report.result.policies
    assert f["recorded"].sessions == f["round_robin"].sessions == f["rulebook"].sessions > 500
    assert f["rulebook"].skill_matched > f["round_robin"].skill_matched
    assert f["rulebook"].badge_matched >= f["round_robin"].badge_matched
    for policy in f:
        m = f[policy].measures
        values = report.indicators[policy]
        assert values["response_3min_rate"] == round(m["cs_rounds_3min"] * 10_000 / m["cs_rounds"])
        assert values["dissatisfaction_rate"] == round(
            m["cs_dissatisfied"] * 10_000 / m["cs_rated"]
        )
        assert values == indicator_values(m)
    # The recorded history's measures, by the scoring stage's own conventions, from SQL.
    row = market_con.execute(
        "SELECT sum(rounds), sum(CASE WHEN rounds > unanswered_rounds AND total_response_seconds"
        " <= 180 * (rounds - unanswered_rounds) THEN rounds - unanswered_rounds ELSE 0 END), "
        "count(rating), count(*) FILTER (WHERE rating <= 3) FROM cs_sessions "
        "WHERE agent_id IS DISTINCT FROM 'bot' AND hour(started_at) BETWEEN 8 AND 22 "
        "AND started_at >= ? AND started_at < ? AND shop_id IN (SELECT shop_id FROM cs_agents)",
        [START, until],
    ).fetchone()
    assert row is not None
    m = f["recorded"].measures
    assert (m["cs_rounds"], m["cs_rounds_3min"], m["cs_rated"], m["cs_dissatisfied"]) == row
    # Rated sessions are the same ones under every policy (common random numbers).
    assert f["rulebook"].measures["cs_rated"] == f["round_robin"].measures["cs_rated"] == row[2]


def test_speedup_squeezes_arrivals_into_a_queue(
    empty_con: duckdb.DuckDBPyConnection, rules: RoutingRules
) -> None:
    """One agent with one seat; chats 400 s apart, 3 rounds (120 s) each. At normal speed
    nobody waits; ten times faster they arrive 40 s apart and each waits for the one before."""
    con = empty_con
    _shop(con, "S1", "toys")
    _agent(con, "solo", {"presale": 3})
    for i in range(3):
        _session(
            con, f"X{i}", datetime(2026, 10, 21, 10, 0, 0) + timedelta(seconds=400 * i), 3, None
        )
    normal = replay(con, rules, date(2026, 10, 21), date(2026, 10, 22), conventions=SCORED)
    assert normal.policies["rulebook"].wait_seconds == [0, 0, 0]
    fast = replay(
        con, rules, date(2026, 10, 21), date(2026, 10, 22), conventions=SCORED, speedup=10
    )
    # 10:00, 10:06:40, 10:13:20 become 01:00:00, 01:00:40, 01:01:20: each waits for the seat
    assert fast.policies["rulebook"].wait_seconds == [0, 80, 160]
    assert fast.policies["round_robin"].wait_seconds == [0, 80, 160]
