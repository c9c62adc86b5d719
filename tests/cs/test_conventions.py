"""Service hours, reply target and unanswered rounds come from the score rulebook.

A child of taobao-score-2026 counts chats started 09:00-20:59 only, with a 20 s reply target
and 300 s per unanswered round; the expected figures below are worked out by hand from the
sessions each test writes.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from merchantry.cs.agents import performance
from merchantry.cs.conventions import ScoreConventions
from merchantry.cs.replay import replay
from merchantry.cs.rules import RoutingRules, parse_rules, shipped_rules_dir
from merchantry.kit.errors import InputError
from merchantry.service.cs import check_certifications, score_conventions
from tests.cs.conftest import SCORED

DAY = date(2026, 10, 21)

NINE_TO_NINE = """\
rulebook: taobao-score-nine
title: taobao-score-2026 counting chats from 09:00 to 20:59
platform: taobao
effective: {from: 2026-03-16}
extends: taobao-score-2026
parameters:
  service_first_hour:
    value: 9
    assumption: true
    note: a test
  service_last_hour:
    value: 20
    assumption: true
    note: a test
  reply_target_seconds:
    value: 20
    assumption: true
    note: a test
  unanswered_round_seconds:
    value: 300
    assumption: true
    note: a test
"""


@pytest.fixture
def nine(tmp_path: Path) -> ScoreConventions:
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / "taobao-score-nine.yaml").write_text(NINE_TO_NINE, encoding="utf-8")
    return score_conventions(DAY, "taobao-score-nine", (folder,))


def _sessions(con: duckdb.DuckDBPyConnection) -> None:
    """Shop S1 (toys) with one agent; four chats of 3 rounds (1 unanswered, 60 s over the 2
    answered), rated 5★, at 08:30, 12:00, 20:59 and 21:30."""
    con.execute(
        "INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, opened_date, "
        "region, county_code, entry_plan, business_mode) VALUES ('S1', 'n', 'toys', 'C1', "
        "'personal', DATE '2026-01-01', 'r', '110000', 'standard', 'domestic')"
    )
    con.execute(
        "INSERT INTO cs_agents VALUES ('A1', 'S1', 'n', ['zh'], 3, 0, 24, DATE '2025-01-01')"
    )
    con.execute("INSERT INTO cs_agent_skills VALUES ('A1', 'presale', 3)")
    for sid, (hour, minute) in enumerate([(8, 30), (12, 0), (20, 59), (21, 30)]):
        con.execute(
            "INSERT INTO cs_sessions VALUES "
            "(?, 'S1', 'B1', NULL, ?, 30, 3, 1, 60, 'A1', 5, false, NULL)",
            [f"X{sid}", datetime(2026, 10, 21, hour, minute)],
        )


def test_the_numbers_are_the_score_rulebooks(nine: ScoreConventions) -> None:
    assert nine == ScoreConventions("taobao-score-nine", 9, 20, 20, 300)
    # the shipped ones in force agree: 08:00-22:59, 180 s, 600 s
    shipped = score_conventions(DAY)
    assert (shipped.service_first_hour, shipped.service_last_hour) == (8, 22)
    assert (shipped.reply_target_seconds, shipped.unanswered_round_seconds) == (180, 600)


def test_score_rulebooks_in_force_that_disagree_are_refused(tmp_path: Path) -> None:
    (tmp_path / "taobao-score-nine.yaml").write_text(NINE_TO_NINE, encoding="utf-8")
    with pytest.raises(InputError, match="taobao-score-nine: sessions started 09:00–20:59"):
        score_conventions(DAY, rulebook_dirs=(tmp_path,))


def test_a_fee_rulebook_is_not_a_score_rulebook() -> None:
    with pytest.raises(InputError, match="douyin-2026"):
        score_conventions(DAY, "douyin-2026")


def test_performance_counts_the_score_rulebooks_hours_and_target(
    empty_con: duckdb.DuckDBPyConnection, nine: ScoreConventions
) -> None:
    _sessions(empty_con)
    shipped = performance(empty_con, DAY, date(2026, 10, 22), conventions=SCORED)["A1"]
    # 08:00-22:59: all four; 60 s over 2 answered rounds is within 2 × 180 s
    assert (shipped.sessions, shipped.rounds, shipped.rounds_3min) == (4, 12, 8)
    moved = performance(empty_con, DAY, date(2026, 10, 22), conventions=nine)["A1"]
    # 09:00-20:59: 12:00 and 20:59 only; 60 s is over 2 × 20 s
    assert (moved.sessions, moved.rounds, moved.rounds_3min) == (2, 6, 0)


def test_the_replay_counts_the_score_rulebooks_hours(
    empty_con: duckdb.DuckDBPyConnection, rules: RoutingRules, nine: ScoreConventions
) -> None:
    _sessions(empty_con)
    shipped = replay(empty_con, rules, DAY, date(2026, 10, 22), conventions=SCORED)
    moved = replay(empty_con, rules, DAY, date(2026, 10, 22), conventions=nine)
    recorded = shipped.policies["recorded"].measures
    assert recorded["cs_rounds"] == 12
    assert recorded["cs_rated"] == 4
    assert recorded["cs_response_seconds"] == 4 * (60 + 600)
    assert recorded["cs_rounds_3min"] == 8
    recorded = moved.policies["recorded"].measures
    assert moved.policies["recorded"].sessions == 4  # replayed, not counted
    assert recorded["cs_rounds"] == 6
    assert recorded["cs_rated"] == 2
    assert recorded["cs_response_seconds"] == 2 * (60 + 300)
    assert recorded["cs_rounds_3min"] == 0
    for policy in ("round_robin", "rulebook"):
        m = moved.policies[policy].measures
        assert (m["cs_rounds"], m["cs_rated"], m["cs_unanswered"]) == (6, 2, 2)


def test_the_certification_check_reads_the_conventions(
    empty_con: duckdb.DuckDBPyConnection, rules: RoutingRules, nine: ScoreConventions
) -> None:
    """A pet adviser's check on 2026-10-20 reads the 30 days before it with the score
    rulebook's hours: by default the shipped ones (all 12 rounds), under the child 6."""
    _sessions(empty_con)
    empty_con.execute(
        "INSERT INTO cs_certifications VALUES ('C1', 'A1', 'pet_adviser', 'vet', "
        "DATE '2026-01-01', DATE '2026-12-31')"
    )
    empty_con.execute("UPDATE cs_sessions SET started_at = started_at - INTERVAL 5 DAY")
    check = date(2026, 10, 20)
    [default] = check_certifications(empty_con, rules, check, check)
    [shipped] = check_certifications(empty_con, rules, check, check, conventions=SCORED)
    [moved] = check_certifications(empty_con, rules, check, check, conventions=nine)
    assert default == shipped
    assert (shipped.rounds, moved.rounds) == (12, 6)


def test_a_routing_rulebook_may_not_restate_a_score_parameter() -> None:
    text = (shipped_rules_dir() / "cs-routing-2026.yaml").read_text(encoding="utf-8")
    moved = text.replace(
        "quality:\n",
        "quality:\n  reply_target_seconds:\n    value: 180\n    source: platform-rules.md §2.1\n",
        1,
    )
    _, problems = parse_rules(moved, "cs.yaml")
    line = moved.splitlines().index("  reply_target_seconds:") + 1
    assert [(d.line, d.code) for d in problems] == [(line, "score-parameter")]
