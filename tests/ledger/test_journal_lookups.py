"""How ``post_staged`` finds what the journal already holds for a staged event.

It reads the journal once by logical key (``ledger_known``: every entry of the stage's
kinds, live or reversed, sharing a key with a staged entry or booked in the period) and
takes from that one read both the live entry to compare with and the number of earlier
revisions. These tests hold the revision numbers and the reversals against a model kept
in Python, over sequences of targets that change, vanish and come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.kit.errors import IntegrityError
from merchantry.ledger.check import DAYLESS_DISAGREE, UNDATED_DISAGREE, check_journal
from merchantry.ledger.journal import (
    CloseRef,
    PostResult,
    entry_id,
    logical_key,
    post_staged,
    start_stage,
)
from merchantry.store.warehouse import connect

DAY = date(2026, 3, 10)
SOURCES = ("a", "b", "c")
REF = CloseRef("test-book", "k")


def stage(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    targets: dict[str, int],
    day: date,
    *,
    orders: bool = False,
) -> None:
    """Stage one entry of ``kind`` per source: ``amount`` fen from the platform to shop S1
    (with ``orders``, the entry is about the order named like its source)."""
    start_stage(con)
    for source, amount in targets.items():
        order = source if orders else None
        con.execute(
            "INSERT INTO ledger_stage SELECT ?, ?, ?, ?, 'S1', ?,"
            " [ledger_leg('merchant_available', 'S1', ?, 'r1'),"
            "  ledger_leg('platform_cash', '', -?, 'r1')]",
            [logical_key(kind, source), kind, source, order, day, amount, amount],
        )


def entries(con: duckdb.DuckDBPyConnection, kind: str) -> set[tuple[str, int]]:
    rows = con.execute(
        "SELECT entry_id, revision FROM journal_entries WHERE kind = ?", [kind]
    ).fetchall()
    return {(str(e), int(r)) for e, r in rows}


def live_amounts(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, int]:
    """Each source's amount to the shop, summed over its entries and their reversals."""
    rows = con.execute(
        "SELECT coalesce(r.source_id, e.source_id), sum(p.amount_fen)"
        " FROM journal_postings AS p JOIN journal_entries AS e USING (entry_id)"
        " LEFT JOIN journal_entries AS r ON r.entry_id = e.reverses"
        " WHERE p.account = 'merchant_available' AND coalesce(r.kind, e.kind) = ?"
        " GROUP BY ALL HAVING sum(p.amount_fen) <> 0",
        [kind],
    ).fetchall()
    return {str(s): int(a) for s, a in rows}


@dataclass
class DayModel:
    """What a day's close of a stage should do, one day a round: each source's live amount
    and its day, revisions counted per source, and every entry id expected so far."""

    kind: str
    live: dict[str, tuple[int, date]] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)
    expected: set[tuple[str, int]] = field(default_factory=set)
    reversals: int = 0

    def close(self, targets: dict[str, int], day: date) -> tuple[int, int]:
        """The entries ``day``'s close of ``targets`` posts and reverses."""
        posted = reversed_ = 0
        for source in SOURCES:
            want, have = targets.get(source), self.live.get(source)
            if want is None and (have is None or have[1] != day):
                continue  # not staged: only the day's own entries are orphans
            if have is not None:
                reversed_ += 1  # a day's target is never its earlier day's entry
                del self.live[source]
            if want is not None:
                revision = self.revisions.get(source, 0)
                key = logical_key(self.kind, source)
                self.expected.add((entry_id(key, revision), revision))
                self.revisions[source] = revision + 1
                self.live[source] = (want, day)
                posted += 1
        return posted, reversed_

    def amounts(self) -> dict[str, int]:
        return {k: a for k, (a, _) in self.live.items()}

    def holds(
        self, con: duckdb.DuckDBPyConnection, result: PostResult, targets: dict[str, int], day: date
    ) -> None:
        """``result`` (of ``day``'s close of ``targets``) and the journal after it are what
        the model says: entries posted and reversed, every revision, the live amounts."""
        posted, reversed_ = self.close(targets, day)
        assert (result.posted, result.reversed) == (posted, reversed_)
        assert entries(con, self.kind) == self.expected
        self.reversals += reversed_
        assert len(entries(con, "reversal")) == self.reversals
        assert live_amounts(con, self.kind) == self.amounts()


rounds = st.lists(
    st.dictionaries(st.sampled_from(SOURCES), st.integers(1, 3), max_size=len(SOURCES)),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rounds=rounds, other=st.booleans())
def test_revisions_and_reversals_follow_a_model(
    tmp_path_factory: pytest.TempPathFactory, rounds: list[dict[str, int]], other: bool
) -> None:
    """Each round stages a target per source (or none: the live entry is an orphan and is
    reversed). A changed amount reverses the live entry and posts the next revision, whose
    number counts every earlier revision, reversed ones included; an unchanged one posts
    nothing. Entries of another kind in the same period are never touched."""
    con = connect(tmp_path_factory.mktemp("j") / "w.duckdb")
    try:
        if other:  # another kind's entry booked in the period, outside the stage's scope
            stage(con, "annual_fee", {"a": 7}, DAY)
            post_staged(con, REF, kinds=("annual_fee",), start=DAY, end=DAY)
        revisions: dict[str, int] = {}
        live: dict[str, int] = {}
        expected: set[tuple[str, int]] = set()
        reversals = 0
        for targets in rounds:
            stage(con, "reward", targets, DAY)
            result = post_staged(con, REF, kinds=("reward",), start=DAY, end=DAY)
            posted = reversed_ = 0
            for source in SOURCES:
                want, have = targets.get(source), live.get(source)
                if want == have:
                    continue
                if have is not None:
                    reversed_ += 1
                    del live[source]
                if want is not None:
                    revision = revisions.get(source, 0)
                    expected.add((entry_id(logical_key("reward", source), revision), revision))
                    revisions[source] = revision + 1
                    live[source] = want
                    posted += 1
            assert (result.posted, result.reversed) == (posted, reversed_)
            assert entries(con, "reward") == expected  # revisions; reversals are kind "reversal"
            reversals += reversed_
            assert len(entries(con, "reversal")) == reversals
            assert live_amounts(con, "reward") == live
        if other:
            assert live_amounts(con, "annual_fee") == {"a": 7}
            assert len(entries(con, "annual_fee")) == 1
    finally:
        con.close()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rounds=rounds, other=st.lists(st.booleans(), min_size=6, max_size=6))
def test_dayless_look_ups_find_every_revision_booked_on_an_earlier_day(
    tmp_path_factory: pytest.TempPathFactory, rounds: list[dict[str, int]], other: list[bool]
) -> None:
    """A stage none of whose kinds carries a payment day (rewards here) looks its keys up in
    the headers of the entries without a day (``journal_dayless``), not in the journal. One
    day's close a round, so the earlier revisions and reversals are booked on earlier days,
    outside the period: none is missed (none posted twice, no reversed entry reversed
    again), and the headers agree with the entries after every round; another kind's
    entries without a day, some rounds, are never touched."""
    con = connect(tmp_path_factory.mktemp("j") / "w.duckdb")
    try:
        model = DayModel("reward")
        fees = 0
        for i, targets in enumerate(rounds):
            day = DAY + timedelta(days=i)
            if other[i]:
                stage(con, "annual_fee", {f"fee{i}": 7}, day)
                post_staged(con, REF, kinds=("annual_fee",), start=day, end=day)
                fees += 1
            stage(con, "reward", targets, day)
            result = post_staged(con, REF, kinds=("reward",), start=day, end=day)
            model.holds(con, result, targets, day)
            assert con.execute(DAYLESS_DISAGREE).fetchall() == []
            held = con.execute("SELECT count(*) FROM journal_dayless").fetchone()
            assert held == (len(model.expected) + model.reversals + fees,)  # none here has a day
        assert len(entries(con, "annual_fee")) == fees
    finally:
        con.close()


def test_a_dayless_entry_the_headers_lack_is_missed_and_the_ledger_check_says_so(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """The look-ups of a stage whose kinds carry no day read the headers, not the journal: a
    header deleted behind the journal's back hides its entry, booked the day before, from
    the next day's look-up, which posts the event a second time; the checks name the
    headers that disagree and the id posted twice."""
    stage(warehouse, "reward", {"a": 5}, DAY)
    post_staged(warehouse, REF, kinds=("reward",), start=DAY, end=DAY)
    assert index_codes(warehouse) == set()
    warehouse.execute("DELETE FROM journal_dayless")
    assert index_codes(warehouse) == {"dayless-index-disagrees"}
    later = DAY + timedelta(days=1)
    stage(warehouse, "reward", {"a": 6}, later)
    post_staged(warehouse, REF, kinds=("reward",), start=later, end=later)
    posted = warehouse.execute(
        "SELECT count(*), count(DISTINCT entry_id) FROM journal_entries WHERE kind = 'reward'"
    ).fetchone()
    assert posted == (2, 1)
    assert index_codes(warehouse) == {"dayless-index-disagrees", "duplicate-entry-id"}


def test_a_stage_that_stages_a_kind_outside_its_scope_is_refused(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """The look-up reads only the scope's kinds, so an entry of another kind would find no
    earlier revision and post a second live entry for its event: refused, naming the kind."""
    stage(warehouse, "reward", {"a": 5}, DAY)
    post_staged(warehouse, REF, kinds=("reward",), start=DAY, end=DAY)
    stage(warehouse, "reward", {"a": 6}, DAY)
    with pytest.raises(IntegrityError, match=r"outside its scope \(reward; scope: annual_fee\)"):
        post_staged(warehouse, REF, kinds=("annual_fee",), start=DAY, end=DAY)
    assert live_amounts(warehouse, "reward") == {"a": 5}


def test_an_empty_stage_reverses_the_periods_orphans_only_when_asked(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """Nothing staged: with ``orphans`` the period's live entries of the scope are reversed;
    without it (stages that only ever add) nothing is read or posted; entries booked
    outside the period stay live either way."""
    stage(warehouse, "reward", {"a": 5}, DAY)
    post_staged(warehouse, REF, kinds=("reward",), start=DAY, end=DAY)
    stage(warehouse, "reward", {"b": 4}, DAY + timedelta(days=1))
    post_staged(warehouse, REF, kinds=("reward",), start=DAY, end=DAY + timedelta(days=1))
    assert live_amounts(warehouse, "reward") == {"b": 4}  # "a" was an orphan of that period

    start_stage(warehouse)
    kept = post_staged(warehouse, REF, kinds=("reward",), start=DAY, end=DAY, orphans=False)
    assert (kept.posted, kept.reversed, kept.unchanged) == (0, 0, 0)
    assert live_amounts(warehouse, "reward") == {"b": 4}

    start_stage(warehouse)
    gone = post_staged(warehouse, REF, kinds=("reward",), start=DAY, end=DAY)
    assert gone.reversed == 0  # "b" is booked the day after the period
    start_stage(warehouse)
    gone = post_staged(
        warehouse,
        REF,
        kinds=("reward",),
        start=DAY + timedelta(days=1),
        end=DAY + timedelta(days=1),
    )
    assert gone.reversed == 1
    assert live_amounts(warehouse, "reward") == {}


def index_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """What ``ledger-check`` finds of the indexes of undated entries and of the headers of
    entries without a day, and of ids posted twice
    (these tests' entries move money between made-up accounts, which it finds too)."""
    found = {p.code for p in check_journal(con)}
    return found & {"undated-index-disagrees", "dayless-index-disagrees", "duplicate-entry-id"}


PAID = {"a": date(2026, 2, 1), "b": date(2026, 2, 20), "c": date(2026, 3, 9)}
"""The payment days of the orders the anchored events are about (booked later, on DAY)."""


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rounds=rounds,
    erase=st.lists(st.sampled_from((None, *SOURCES)), min_size=6, max_size=6),
    unscheduled=st.lists(st.sampled_from((None, *SOURCES)), min_size=6, max_size=6),
)
def test_anchored_look_ups_find_every_revision_whatever_payment_day_it_carries(
    tmp_path_factory: pytest.TempPathFactory,
    rounds: list[dict[str, int]],
    erase: list[str | None],
    unscheduled: list[str | None],
) -> None:
    """Entries about orders, staged with the close's schedule: each carries its order's
    payment day, and the look-ups read only the journal of the staged orders' days (and of
    entries with none, when the journal holds such entries of these kinds:
    ``journal_undated``). In a round one order may be missing from the schedule, so its
    entries are posted without a day; between rounds one event's entries may lose their
    day, as entries written by an older version of merchantry (the warehouse, opened by
    this one, derives its index of undated entries from them). The revisions and reversals
    still follow the model: no earlier revision or reversal is missed, so none is posted
    twice and no reversed entry is reversed again; the index agrees with the entries."""
    path = tmp_path_factory.mktemp("j") / "w.duckdb"
    con = connect(path)
    try:
        model = DayModel("settlement")
        for i, (targets, erased) in enumerate(zip(rounds, erase, strict=False)):
            day = DAY + timedelta(days=i)  # one day's close a round: earlier ones are history
            scheduled = {o: d for o, d in PAID.items() if o != unscheduled[i]}
            con.execute(
                "CREATE OR REPLACE TEMP TABLE ledger_schedule (order_id VARCHAR, paid_on DATE)"
            )
            con.executemany("INSERT INTO ledger_schedule VALUES (?, ?)", list(scheduled.items()))
            stage(con, "settlement", targets, day, orders=True)
            result = post_staged(con, REF, kinds=("settlement",), start=day, end=day)
            model.holds(con, result, targets, day)
            days = con.execute(
                "SELECT DISTINCT order_id, order_paid_on FROM journal_entries"
                " WHERE order_paid_on IS NOT NULL"
            ).fetchall()
            assert all(PAID[str(order)] == day for order, day in days)  # its order's, always
            assert con.execute(UNDATED_DISAGREE).fetchall() == []
            assert con.execute(DAYLESS_DISAGREE).fetchall() == []
            if erased is not None:
                con.execute(
                    "UPDATE journal_entries SET order_paid_on = NULL WHERE order_id = ?", [erased]
                )
                con.execute("DROP TABLE journal_undated")  # as a warehouse made before it
                con.execute("DROP TABLE journal_dayless")  # (and before the headers)
                con.close()
                con = connect(path)  # opened for writing: the indexes derived from the entries
    finally:
        con.close()


def test_an_undated_entry_the_index_lacks_is_missed_and_the_ledger_check_says_so(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """The look-ups leave out the entries without a payment day when the index of them is
    empty: a day erased behind the journal's back (not through a close, not indexed) hides
    that entry from the next look-up, which posts its event a second time, and the checks
    find both the index that disagrees and the id posted twice."""
    warehouse.execute(
        "CREATE TEMP TABLE ledger_schedule AS SELECT 'a' AS order_id, DATE '2026-02-01' AS paid_on"
    )
    stage(warehouse, "settlement", {"a": 5}, DAY, orders=True)
    post_staged(warehouse, REF, kinds=("settlement",), start=DAY, end=DAY)
    assert index_codes(warehouse) == set()
    warehouse.execute("UPDATE journal_entries SET order_paid_on = NULL")
    warehouse.execute("UPDATE journal_postings SET order_paid_on = NULL")
    assert index_codes(warehouse) == {"undated-index-disagrees", "dayless-index-disagrees"}
    stage(warehouse, "settlement", {"a": 6}, DAY + timedelta(days=1), orders=True)
    post_staged(
        warehouse,
        REF,
        kinds=("settlement",),
        start=DAY + timedelta(days=1),
        end=DAY + timedelta(days=1),
    )
    posted = warehouse.execute(  # the first not reversed; the second as its first revision
        "SELECT count(*), count(DISTINCT entry_id) FROM journal_entries WHERE kind = 'settlement'"
    ).fetchone()
    assert posted == (2, 1)
    assert index_codes(warehouse) == {
        "undated-index-disagrees",
        "dayless-index-disagrees",
        "duplicate-entry-id",
    }


def test_an_entry_carries_its_orders_payment_day_only_when_its_stage_knows_it(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """An entry of an anchored kind (``ANCHORED_KINDS``) about an order gets the schedule's
    payment day, and one about an order the schedule lacks none; an entry of another kind
    (a reward's order subsidy) none at all, though it names an order."""
    warehouse.execute(
        "CREATE TEMP TABLE ledger_schedule AS SELECT 'a' AS order_id, DATE '2026-02-01' AS paid_on"
    )
    stage(warehouse, "settlement", {"a": 5, "z": 6}, DAY, orders=True)
    post_staged(warehouse, REF, kinds=("settlement",), start=DAY, end=DAY)
    stage(warehouse, "reward", {"a": 5}, DAY, orders=True)
    post_staged(warehouse, REF, kinds=("reward",), start=DAY, end=DAY)
    rows = warehouse.execute(
        "SELECT kind, source_id, order_paid_on FROM journal_entries ORDER BY ALL"
    ).fetchall()
    assert rows == [
        ("reward", "a", None),
        ("settlement", "a", date(2026, 2, 1)),
        ("settlement", "z", None),
    ]
    indexed = warehouse.execute("SELECT kind, logical_key FROM journal_undated").fetchall()
    assert indexed == [("settlement", logical_key("settlement", "z"))]  # not the reward
    assert index_codes(warehouse) == set()
