"""Brushing on behaviour logs: blind purchases, bursts and habits, with their reasons."""

from __future__ import annotations

import csv
import gzip
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from merchantry.risk.brushing import find_brushing, read_tianchi_log
from merchantry.risk.settings import RiskSettings
from tests.conftest import shared_data_path

SETTINGS = RiskSettings()
T0 = datetime(2026, 3, 1, 10, 0)


def _log(tmp_path: Path, rows: list[tuple[str, str, str, datetime]]) -> Path:
    """Write a UserBehavior-layout CSV (user, item, category, behaviour, unix seconds)."""
    path = tmp_path / "log.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        for user, item, behaviour, at in rows:
            epoch = int((at - datetime(1970, 1, 1)).total_seconds())
            writer.writerow([user, item, "77", behaviour, epoch])
    return path


def _run(tmp_path: Path, rows, settings: RiskSettings = SETTINGS):
    con = duckdb.connect()
    read_tianchi_log(con, _log(tmp_path, rows))
    return find_brushing(con, settings)


def test_a_burst_of_blind_buys_is_flagged_and_a_shopper_is_not(tmp_path):
    minutes = [timedelta(minutes=m) for m in (0, 20, 40)]
    rows = [("brusher", f"I{i}", "buy", T0 + m) for i, m in enumerate(minutes)]
    # The shopper buys just as fast, but looked at (or carted) each item first.
    for i, m in enumerate(minutes):
        kind = ("pv", "cart", "fav")[i]
        rows += [("shopper", f"J{i}", kind, T0 + m - timedelta(hours=2))]
        rows += [("shopper", f"J{i}", "buy", T0 + m)]
    report = _run(tmp_path, rows)
    assert [a.user_id for a in report.flagged] == ["brusher"]
    (brusher,) = report.flagged
    assert (brusher.buys, brusher.blind_buys, brusher.max_blind_burst) == (3, 3, 3)
    assert brusher.reasons[0].startswith("blind burst: 3 purchases")
    assert (report.accounts, report.buyers, report.buys, report.blind_buys) == (2, 2, 6, 3)


def test_the_burst_window_and_count_are_boundaries(tmp_path):
    # Three blind buys spanning exactly the window: a burst. One minute more: not.
    at_edge = [("u", f"I{i}", "buy", T0 + timedelta(minutes=30 * i)) for i in range(3)]
    assert len(_run(tmp_path, at_edge).flagged) == 1
    past_edge = [("u", f"I{i}", "buy", T0 + timedelta(minutes=30 * i + (i == 2))) for i in range(3)]
    assert _run(tmp_path, past_edge).flagged == ()
    two = at_edge[:2]
    assert _run(tmp_path, two).flagged == ()
    assert len(_run(tmp_path, two, replace(SETTINGS, brushing_burst_buys=2)).flagged) == 1


def test_a_view_older_than_the_lookback_does_not_count(tmp_path):
    old_view = [("u", "I1", "pv", T0 - timedelta(hours=25)), ("u", "I1", "buy", T0)]
    report = _run(tmp_path, old_view)
    assert report.blind_buys == 1
    recent_view = [("u", "I1", "pv", T0 - timedelta(hours=23)), ("u", "I1", "buy", T0)]
    assert _run(tmp_path, recent_view).blind_buys == 0


def test_a_blind_habit_needs_enough_purchases_and_share(tmp_path):
    # Five purchases a day apart (no burst), four of them blind: 80% of 5 -> flagged.
    rows = [("u", f"I{i}", "buy", T0 + timedelta(days=i)) for i in range(5)]
    rows.append(("u", "I0", "pv", T0 - timedelta(minutes=5)))
    report = _run(tmp_path, rows)
    (account,) = report.flagged
    assert account.blind_buys == 4
    assert account.reasons == (
        "blind habit: 4 of 5 purchases of items not viewed, favourited or carted in the 24 h "
        "before (threshold 80% of at least 5)",
    )
    # Two of five seen: 60% blind, below the share.
    rows.append(("u", "I1", "cart", T0 + timedelta(days=1, minutes=-5)))
    assert _run(tmp_path, rows).flagged == ()
    # Four purchases, all blind: too few to judge a habit.
    few = [("v", f"I{i}", "buy", T0 + timedelta(days=i)) for i in range(4)]
    assert _run(tmp_path, few).flagged == ()


def test_a_missing_log_is_a_clear_error(tmp_path):
    from merchantry.kit.errors import NotFound

    with pytest.raises(NotFound, match="behaviour log not found"):
        read_tianchi_log(duckdb.connect(), tmp_path / "nope.csv")


@pytest.mark.shared_data
def test_on_the_real_taobao_sample_blind_buys_match_an_independent_count():
    """The real log: the SQL's blind-buy count equals a plain-Python count, and what it flags."""
    path = shared_data_path("taobao_userbehavior", "UserBehavior_head.csv.gz")
    events: dict[tuple[str, str], list[tuple[int, str]]] = {}
    with gzip.open(path, "rt", newline="") as handle:
        for user, item, _cat, behaviour, ts in csv.reader(handle):
            events.setdefault((user, item), []).append((int(ts), behaviour))
    lookback = SETTINGS.brushing_lookback_hours * 3600
    buys = blind = 0
    for seq in events.values():
        looks = [t for t, b in seq if b != "buy"]
        for t, b in seq:
            if b == "buy":
                buys += 1
                blind += not any(t - lookback <= x <= t for x in looks)
    con = duckdb.connect()
    read_tianchi_log(con, path)
    report = find_brushing(con, SETTINGS)
    assert (report.buys, report.blind_buys) == (buys, blind)
    assert report.accounts == 815
    # What the rules flag on honest-looking real traffic is a small minority, each with a reason.
    assert 0 < len(report.flagged) < 0.1 * report.buyers
    assert all(a.reasons for a in report.flagged)
