"""`merchantry inbox drain` moves events posted to the API into the warehouse, once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from merchantry.ops import open_ops
from merchantry.service.inbox import Refusal, record_accepted, record_refused
from merchantry.store.warehouse import connect
from tests.online.test_inbox import order
from tests.risk.factories import T0, add_shop


def _drain(db: Path, ops: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "merchantry.cli.main",
            "inbox",
            "drain",
            *("--db", str(db)),
            "--ops-db",
            ops,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def test_drain_moves_posted_events_into_the_warehouse_once(tmp_path: Path) -> None:
    db, ops = tmp_path / "w.duckdb", f"sqlite:///{tmp_path / 'ops.sqlite'}"
    con = connect(db)
    try:
        add_shop(con, "S1")
        con.execute(
            "INSERT INTO products (sku_id, shop_id, category_id, title, price_fen, image_refs) "
            "VALUES ('K1', 'S1', 'C03010', 'tee', 9990, [])"
        )
    finally:
        con.close()
    engine = open_ops(ops)
    try:
        record_accepted(engine, "orders", [(f"O{i}", order(f"O{i}", T0)) for i in range(2)], None)
        record_refused(
            engine,
            "orders",
            [Refusal(0, "X", "paid_at", "bad_timestamp", "not a time", "{}")],
            None,
        )
    finally:
        engine.dispose()

    first = _drain(db, ops)
    assert first.returncode == 0, first.stderr
    assert "2 events moved" in first.stdout
    assert "2 stored, 0 quarantined" in first.stdout
    assert "1 events the API refused copied" in first.stdout
    second = _drain(db, ops)
    assert second.returncode == 0, second.stderr
    assert "inbox empty" in second.stdout
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM orders").fetchone() == (2,)
    finally:
        con.close()


def test_drain_refuses_a_missing_warehouse_folder(tmp_path: Path) -> None:
    result = _drain(tmp_path / "nope" / "w.duckdb", f"sqlite:///{tmp_path / 'ops.sqlite'}")
    assert result.returncode == 3
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr
