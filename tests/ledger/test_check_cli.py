"""The journal check names what is wrong; the CLI commands work end to end."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.ledger.check import check_journal
from merchantry.store.warehouse import connect
from tests.ledger.factories import HERE, add_category, add_event, add_order, add_shop


def _warehouse(path: Path) -> None:
    con = connect(path)
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 2, 10), 10_000)
    add_event(con, "O1", "receipt_confirmed", datetime(2026, 3, 5, 9))
    con.close()


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_commands_close_list_state_and_check(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _warehouse(db)
    common = ("--db", str(db))
    period = ("--from", "2026-03-01", "--to", "2026-03-31")
    code, out = _run("close", *period, "--rulebook", "ledger-test", "--dir", str(HERE), *common)
    assert code == 0, out
    assert "settlement" in out
    code, out = _run("close", *period, "--rulebook", "ledger-test", "--dir", str(HERE), *common)
    assert code == 0, out
    assert "0 posted" in out

    code, out = _run("payouts", "--from", "2026-03-08", "--to", "2026-03-08", *common)
    assert code == 0, out
    assert "¥95.00" in out

    code, out = _run("statement", "--shop", "S1", *period, *common)
    assert code == 0, out
    assert "settle.default,9500," in out
    html = tmp_path / "s.html"
    code, out = _run(
        "statement", "--shop", "S1", *period, "--format", "html", "--out", str(html), *common
    )
    assert code == 0, out
    assert "Reconciles" in html.read_text(encoding="utf-8")

    code, out = _run("ledger-check", *common)
    assert code == 0, out
    assert "journal sound" in out

    con = duckdb.connect(str(db))
    entry = con.execute("SELECT entry_id FROM journal_entries WHERE kind = 'sale'").fetchone()
    assert entry is not None
    con.execute(
        "UPDATE journal_postings SET amount_fen = amount_fen + 1 WHERE entry_id = ? AND leg = 1",
        [entry[0]],
    )
    con.close()
    code, out = _run("ledger-check", *common)
    assert code == 1
    assert "unbalanced-entry" in out
    assert str(entry[0]) in out.replace("\n", "")


def test_check_names_duplicate_keys_and_bad_reversals(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _warehouse(db)
    code, out = _run(
        "close", "--from", "2026-03-01", "--to", "2026-03-31", "--rulebook", "ledger-test",
        "--dir", str(HERE), "--db", str(db),
    )  # fmt: skip
    assert code == 0, out
    con = duckdb.connect(str(db))
    assert check_journal(con) == []
    sale = con.execute("SELECT * FROM journal_entries WHERE kind = 'sale'").fetchone()
    assert sale is not None
    # A second live revision of the same event, and a reversal that does not negate.
    con.execute("CREATE TABLE e2 AS SELECT * FROM journal_entries WHERE kind = 'sale'")
    con.execute("UPDATE e2 SET entry_id = md5(logical_key || ':1'), revision = 1")
    con.execute("INSERT INTO journal_entries SELECT * FROM e2")
    con.execute(
        "INSERT INTO journal_postings SELECT md5(e.logical_key || ':1'), p.leg, p.account,"
        " p.party, p.booked_on, p.order_id, p.amount_fen, p.rule_id, p.entry_kind,"
        " p.order_paid_on FROM journal_postings AS p JOIN journal_entries AS e USING (entry_id)"
        " WHERE e.kind = 'sale' AND e.revision = 0"
    )
    codes = {p.code for p in check_journal(con)}
    assert "two-live-revisions" in codes
    assert "money-not-conserved" not in codes  # the copy balances on its own
    con.close()


def test_ledger_check_finds_movements_that_do_not_sum_the_postings(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _warehouse(db)
    period = ("--from", "2026-03-01", "--to", "2026-03-31")
    book = ("--rulebook", "ledger-test", "--dir", str(HERE), "--db", str(db))
    assert _run("close", *period, *book)[0] == 0
    con = connect(db)
    con.execute(  # a sale's day summed twice: the balances read from it would be wrong
        "INSERT INTO journal_movements SELECT * FROM journal_movements"
        " WHERE entry_kind = 'sale' AND account = 'merchant_pending'"
    )
    con.close()
    code, out = _run("ledger-check", "--db", str(db))
    assert code == 1, out
    flat = " ".join(out.split())  # the console wraps long lines
    what = "account-days whose journal_movements do not sum their postings"
    assert f"movements-disagree: {what}: 1 (e.g." in flat
    assert "merchant_pending S1 2026-03-02 sale" in out


def _flat(out: str) -> str:
    return " ".join(out.split())  # the console wraps long lines


def test_days_no_close_has_posted_are_said_not_shown_as_zero(tmp_path: Path) -> None:
    """Before any close, and past the last one, the journal is silent: the statement and the
    payout list say so instead of reading as a shop that had no money."""
    db = tmp_path / "w.duckdb"
    _warehouse(db)
    common = ("--db", str(db))
    march = ("--from", "2026-03-01", "--to", "2026-03-31")
    code, out = _run("payouts", *common)
    assert code == 0, out
    assert "no payouts: nothing has been closed in this warehouse yet" in _flat(out)
    assert "payable on" not in out
    code, out = _run("statement", "--shop", "S1", *march, *common)
    assert code == 0, out
    assert "nothing has been closed in this warehouse yet" in _flat(out)

    book = ("--rulebook", "ledger-test", "--dir", str(HERE))
    code, out = _run("close", "--from", "2026-03-01", "--to", "2026-03-10", *book, *common)
    assert code == 0, out
    code, out = _run("statement", "--shop", "S1", *march, *common)
    assert code == 0, out
    assert (
        "closes have posted through 2026-03-10: 2026-03-11..2026-03-31 is not closed yet"
        in _flat(out)
    )
    code, out = _run(
        "statement", "--shop", "S1", "--from", "2026-03-01", "--to", "2026-03-10", *common
    )
    assert code == 0, out
    assert "not closed" not in out
    assert "nothing has been closed" not in out
    code, out = _run("payouts", "--from", "2027-01-01", "--shop", "S1", *common)
    assert code == 0, out
    assert (
        "no payouts for shop S1 in 2027-01-01..the end (closes have posted through 2026-03-10)"
        in _flat(out)
    )


def test_the_check_names_a_wrong_payment_day_and_skips_it_on_an_older_file(
    tmp_path: Path,
) -> None:
    """The close's look-ups prune the journal by ``order_paid_on``: ledger-check holds an
    entry's day to its order's and a posting's to its entry's, naming the entries that
    differ; a warehouse made before the column, opened read-only, is checked without them."""
    db = tmp_path / "w.duckdb"
    _warehouse(db)
    args = ("--from", "2026-03-01", "--to", "2026-03-31", "--rulebook", "ledger-test")
    code, out = _run("close", *args, "--dir", str(HERE), "--db", str(db))
    assert code == 0, out
    con = connect(db)
    sale = con.execute("SELECT entry_id FROM journal_entries WHERE kind = 'sale'").fetchone()
    assert sale is not None
    assert check_journal(con) == []
    con.execute(
        "UPDATE journal_entries SET order_paid_on = order_paid_on + 1 WHERE entry_id = ?", sale
    )
    found = {p.code: p.ids for p in check_journal(con)}
    assert found["wrong-payment-day"] == (sale[0],)
    assert found["posting-payment-day"] == (sale[0],)  # its postings still carry the old day
    con.execute("ALTER TABLE journal_postings DROP COLUMN order_paid_on")
    con.execute("ALTER TABLE journal_entries DROP COLUMN order_paid_on")
    con.close()
    with duckdb.connect(str(db), read_only=True) as old:
        assert check_journal(old) == []
