"""`merchantry run` on a one-shop warehouse: every stage the first time, nothing the second."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode
from merchantry.ops import open_ops
from merchantry.ops.tables import webhook_deliveries
from merchantry.ops.webhooks import add_endpoint, list_deliveries
from merchantry.programs import shipped_programmes
from merchantry.store.warehouse import connect
from tests.ledger.factories import HERE, TEST_RULEBOOK, add_category, add_event, add_order, add_shop

STAGES = (
    "score:douyin-score-2026-07",
    "fees:ledger-test",
    *(f"programs:{name}" for name in shipped_programmes()),
    "seeding:seeding-2026",  # growth stages run before the close that posts them
    "close:ledger-test",
    "risk:rings",
    "risk:decisions",
)
N = len(STAGES)


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, ["run", *args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_run_runs_what_is_stale_and_says_why(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 10, 12), 10_000)
    con.close()
    period = ("--from", "2026-03-01", "--to", "2026-03-31", "--db", str(db))
    book = ("--rulebook", TEST_RULEBOOK, "--dir", str(HERE))

    first = invoke(*period, *book)
    assert f"{N} ran, 0 skipped" in first
    for name in STAGES:
        assert f"running {name}" in first
    assert [first.index(f"running {name}") for name in STAGES] == sorted(
        first.index(f"running {name}") for name in STAGES
    )
    assert "never ran over 2026-03-01..2026-03-31" in first

    second = invoke(*period, *book, "--snapshot")
    assert f"0 ran, {N} skipped" in second
    assert second.count("fresh: inputs unchanged since its run at") == N
    snapshot = tmp_path / "w.duckdb.snapshot" / "1.duckdb"
    assert f"snapshot published: {snapshot}" in second
    assert snapshot.is_file()

    forced = invoke(*period, *book, "--only", "fees", "--force")
    assert f"1 ran, {N - 1} skipped" in forced
    assert "forced (it was fresh)" in forced
    assert forced.count("not selected (--only)") == N - 1


def test_an_unknown_stage_is_named_with_the_stages_there_are(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    connect(db).close()
    result = CliRunner().invoke(
        app,
        ["run", "--from", "2026-03-01", "--to", "2026-03-31", "--db", str(db), "--only", "payouts"],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == ExitCode.INPUT, result.output
    assert "no stage 'payouts'" in result.output
    assert "Traceback" not in result.output


def test_run_with_an_outbox_queues_each_payout_once(tmp_path: Path) -> None:
    """`merchantry run --outbox URL` queues a payout.scheduled webhook per shop, payout day and
    status the close scheduled, for each registered endpoint; a second run queues nothing."""
    db = tmp_path / "w.duckdb"
    con = connect(db)
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 10, 12), 10_000)
    add_order(con, "O2", datetime(2026, 3, 12, 9), 25_000)
    add_event(con, "O1", "receipt_confirmed", datetime(2026, 3, 13, 10))
    add_event(con, "O2", "receipt_confirmed", datetime(2026, 3, 16, 18))
    con.close()
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    endpoint, _ = add_endpoint(
        open_ops(url),
        url="https://hooks.example.test/payouts",
        event_types=frozenset({"payout.scheduled"}),
        shop_id=None,
        created_by="test",
    )
    period = ("--from", "2026-03-01", "--to", "2026-03-31", "--db", str(db))
    book = ("--rulebook", TEST_RULEBOOK, "--dir", str(HERE))
    invoke(*period, *book, "--outbox", url)
    con = connect(db)
    expected = {
        (str(shop), day.isoformat(), str(status))
        for shop, day, status in con.execute(
            "SELECT DISTINCT shop_id, settle_on, status FROM order_payouts "
            "WHERE settle_on >= DATE '2026-03-01'"  # a payout day is known (not awaiting receipt)
        ).fetchall()
    }
    con.close()
    assert expected, "the close scheduled no payout to announce"
    queued = list_deliveries(open_ops(url), endpoint_id=endpoint.endpoint_id)
    assert {d.event_type for d in queued} == {"payout.scheduled"}
    with open_ops(url).connect() as conn:
        bodies = conn.execute(select(webhook_deliveries.c.payload)).scalars().all()
    got = {
        (p["shop_id"], p["settle_on"], p["status"])
        for p in (json.loads(body)["data"] for body in bodies)
    }
    assert got == expected
    assert len(queued) == len(expected)

    invoke(*period, *book, "--outbox", url, "--force")
    assert len(list_deliveries(open_ops(url), endpoint_id=endpoint.endpoint_id)) == len(queued)
