"""The Olist source rows themselves: every row of every Olist file accounted for, checked
before any join, and an Olist folder refused with a reason a user can act on.

Built on the hand-made three-order Olist directory of ``test_olist_rules`` (no shared data):
each test changes one thing in it and says what must happen.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.ingest import ingest_dir
from merchantry.ingest.pipeline import TooManyBadRows
from merchantry.ingest.report import IngestReport
from merchantry.kit.errors import InputError
from tests.ingest.test_olist_rules import FILES

Files = dict[str, list[list[str]]]

ORDERS = "olist_orders_dataset"
ITEMS = "olist_order_items_dataset"
PAYMENTS = "olist_order_payments_dataset"
CUSTOMERS = "olist_customers_dataset"
PRODUCTS = "olist_products_dataset"
SELLERS = "olist_sellers_dataset"

PAID = {"A": 28_301, "B": 2_350, "C": 3_000}
"""What each Olist order's buyer paid in the payments file, in centavos."""


def files() -> Files:
    return copy.deepcopy(FILES)


def write(directory: Path, data: Files, *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for stem, rows in data.items():
        with (directory / f"{stem}.csv").open("w", encoding=encoding, newline="") as fh:
            csv.writer(fh, delimiter=delimiter).writerows(rows)
    return directory


def column(data: Files, stem: str, name: str) -> int:
    return data[stem][0].index(name)


def drop_column(data: Files, stem: str, name: str) -> None:
    i = column(data, stem, name)
    data[stem] = [row[:i] + row[i + 1 :] for row in data[stem]]


def ingest(con: duckdb.DuckDBPyConnection, directory: Path, **kw: object) -> IngestReport:
    return ingest_dir(con, directory, fmt="olist", progress=False, **kw)  # type: ignore[arg-type]


def paid_per_order(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute(
        "SELECT parent_order_id, sum(amount_paid_fen) FROM orders GROUP BY 1"
    ).fetchall()
    return {str(o): int(v) for o, v in rows}


def quarantined(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str | None, str]]:
    rows = con.execute(
        "SELECT table_name, row_number, column_name, reason FROM quarantine ORDER BY ALL"
    ).fetchall()
    return [(str(t), int(r), c, str(reason)) for t, r, c, reason in rows]


def message(con: duckdb.DuckDBPyConnection, table: str, reason: str) -> str:
    rows = con.execute(
        "SELECT message FROM quarantine WHERE table_name = ? AND reason = ?", [table, reason]
    ).fetchall()
    assert len(rows) == 1, rows
    return str(rows[0][0])


# --- finding 1: --max-bad-share and --encoding apply to Olist --------------------------------


def test_a_semicolon_olist_folder_is_refused_with_nothing_committed(
    tmp_path: Path,
) -> None:
    source = write(tmp_path / "olist", files(), delimiter=";")
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(
        app, ["ingest", str(source), "--format", "olist", "--db", str(db), "--no-progress"]
    )
    assert result.exit_code == 1, result.output
    assert "too many bad rows, nothing was ingested" in result.output
    assert "header looks separated by ';'" in result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM orders").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM ingest_files").fetchall() == [(0,)]
    finally:
        con.close()


def test_the_share_is_per_source_file(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    data = files()
    data[PAYMENTS] = (
        [data[PAYMENTS][0]]
        + [["X" + str(i), "1", "credit_card", "1", "1.00"] for i in range(5)]
        + data[PAYMENTS][1:]
    )
    source = write(tmp_path / "olist", data)
    with pytest.raises(TooManyBadRows, match=r"olist_order_payments_dataset\.csv: 5 of its 9"):
        ingest(warehouse, source, max_bad_share=0.5)
    assert warehouse.execute("SELECT count(*) FROM orders").fetchall() == [(0,)]
    report = ingest(warehouse, source, max_bad_share=1.0)
    assert report.table("orders").accepted == 5


def test_encoding_is_honoured_and_a_cp1252_file_is_named(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    data = files()
    data[SELLERS][1][2] = "são paulo"
    data[CUSTOMERS][1][3] = "belo horizonte – centro"
    source = write(tmp_path / "olist", data, encoding="cp1252")
    with pytest.raises(TooManyBadRows, match="try --encoding cp1252") as refused:
        ingest(warehouse, source, max_bad_share=0.5)
    assert "unknown_encoding" in str(refused.value)
    report = ingest(warehouse, source, max_bad_share=0.5, encoding="cp1252")
    assert {s.encoding for s in report.sources} == {"cp1252 (given)"}
    assert warehouse.execute("SELECT name FROM shops WHERE shop_id = 'S1'").fetchall() == [
        ("Olist seller são paulo SP",)
    ]


# --- finding 2: duplicates are quarantined before the joins; money is the source's ------------


@pytest.mark.parametrize("stem", [PAYMENTS, ORDERS, ITEMS, CUSTOMERS])
def test_an_exact_duplicate_row_is_quarantined_and_money_is_the_sources(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, stem: str
) -> None:
    data = files()
    data[stem].append(list(data[stem][1]))  # row 1 repeated as the last row
    repeat = len(data[stem]) - 1
    report = ingest(warehouse, write(tmp_path / "olist", data))
    assert paid_per_order(warehouse) == PAID
    assert warehouse.execute("SELECT sum(goods_fen + shipping_fen) FROM orders").fetchall() == [
        (11_000 + 5_500 + 11_000 + 2_350 + 3_000,)
    ]
    assert (stem, repeat, data[stem][0][0], "duplicate_in_file") in quarantined(warehouse)
    assert "an exact duplicate of row 1" in message(warehouse, stem, "duplicate_in_file")
    assert report.table("orders").read == 5  # the repeat made no order line
    assert all(s.is_balanced for s in report.sources)


def test_a_repeated_key_with_other_values_keeps_the_first(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    data = files()
    data[PAYMENTS].append(["A", "1", "credit_card", "10", "999.00"])
    ingest(warehouse, write(tmp_path / "olist", data))
    assert paid_per_order(warehouse) == PAID
    assert "already appears at row 1" in message(warehouse, PAYMENTS, "duplicate_in_file")


# --- finding 3: required columns and order statuses --------------------------------------------


@pytest.mark.parametrize(
    ("stem", "name"), [(ORDERS, "order_status"), (ITEMS, "price"), (PAYMENTS, "payment_value")]
)
def test_a_missing_required_column_is_named(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, stem: str, name: str
) -> None:
    data = files()
    drop_column(data, stem, name)
    with pytest.raises(TooManyBadRows, match=f"missing_column.*file has no column {name}"):
        ingest(warehouse, write(tmp_path / "olist", data), max_bad_share=0.5)
    ingest(warehouse, write(tmp_path / "olist", data), max_bad_share=1.0)
    assert (stem, 1, name, "missing_column") in quarantined(warehouse)


def test_statuses_are_read_in_any_case_and_unknown_ones_quarantined(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    data = files()
    status = column(data, ORDERS, "order_status")
    data[ORDERS][1][status] = "DELIVERED"  # A
    data[ORDERS][2][status] = "lost"  # B
    ingest(warehouse, write(tmp_path / "olist", data))
    delivered = warehouse.execute(
        "SELECT count(*) FROM logistics_events WHERE order_id = 'A-1' AND event = 'delivered'"
    ).fetchall()
    assert delivered == [(1,)]
    assert (ORDERS, 2, "order_status", "bad_choice") in quarantined(warehouse)
    assert "'lost' is not one of Olist's statuses" in message(warehouse, ORDERS, "bad_choice")
    # B's item, payment and nothing else: named with the orders row that was refused
    assert (ITEMS, 4, "order_id", "missing_reference") in quarantined(warehouse)
    assert (PAYMENTS, 2, "order_id", "missing_reference") in quarantined(warehouse)


# --- finding 4: every source row accounted for --------------------------------------------------


def test_every_row_of_every_olist_file_is_accounted_for(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    data = files()
    data[PAYMENTS].append(["Z", "1", "boleto", "1", "12.00"])  # an order not in the orders file
    data[PRODUCTS].append(["P9", "moveis_decoracao", "1", "1", "1", "1", "1", "1", "1"])
    data[SELLERS].append(["S9", "01001", "sao paulo", "SP"])
    report = ingest(warehouse, write(tmp_path / "olist", data))
    by_name = {s.name: s for s in report.sources}
    assert set(by_name) == set(data)
    for stem, rows in data.items():
        assert by_name[stem].read == len(rows) - 1, stem
        assert by_name[stem].is_balanced, stem
    got = quarantined(warehouse)
    assert (PAYMENTS, 5, "order_id", "missing_reference") in got
    assert (PRODUCTS, 3, "product_id", "no_sales") in got
    assert (SELLERS, 3, "seller_id", "no_sales") in got
    assert by_name[PRODUCTS].unused == 1
    assert "is not in olist_orders_dataset" in message(warehouse, PAYMENTS, "missing_reference")
    assert not [q for q in got if q[3] == "null_value"]  # no misleading "required but empty"


def test_an_olist_ingest_that_goes_through_names_the_faulty_rows_not_the_unused_ones(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A payment for an order the orders file lacks is a fault: its file is named with the
    reason and row (as is the orders file, whose order C hands over to the carrier after
    delivery); a product and a seller with no sales are left out by design (unused), so
    their files are not warned about."""
    data = files()
    data[PAYMENTS].append(["Z", "1", "boleto", "1", "12.00"])
    data[PRODUCTS].append(["P9", "moveis_decoracao", "1", "1", "1", "1", "1", "1", "1"])
    data[SELLERS].append(["S9", "01001", "sao paulo", "SP"])
    report = ingest(warehouse, write(tmp_path / "olist", data))
    said = [w for w in report.warnings if "rows quarantined" in w.split("\n")[0]]
    named = {w.split(":")[0].rsplit("/", 1)[-1]: w for w in said}
    assert set(named) == {f"{ORDERS}.csv", f"{PAYMENTS}.csv"}
    payments = named[f"{PAYMENTS}.csv"]
    rows = len(data[PAYMENTS]) - 1
    assert payments.split("\n")[0].endswith(f": 1 of its {rows} rows quarantined")
    assert "1 row(s) missing_reference" in payments
    assert "first row 5 column order_id" in payments
    assert f"quarantine table (ingest_id '{report.ingest_id}')" in payments


# --- finding 6: messages that name the real cause -----------------------------------------------


def test_an_olist_folder_without_format_olist_is_named(tmp_path: Path) -> None:
    source = write(tmp_path / "olist", files())
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(source), "--db", str(db), "--no-progress"])
    assert result.exit_code == 2, result.output
    assert "--format olist" in result.output
    assert not db.exists()


def test_a_parquet_olist_folder_says_csv_only(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    directory = tmp_path / "olist"
    directory.mkdir()
    for stem in FILES:
        (directory / f"{stem}.parquet").write_bytes(b"PAR1")
    with pytest.raises(InputError, match=r"reads the Kaggle CSV files only"):
        ingest(warehouse, directory)


def test_a_bad_purchase_time_is_blamed_on_the_orders_row(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    data = files()
    data[ORDERS][1][column(data, ORDERS, "order_purchase_timestamp")] = "23/09/2017 10:00"
    ingest(warehouse, write(tmp_path / "olist", data))
    got = quarantined(warehouse)
    assert (ORDERS, 1, "order_purchase_timestamp", "bad_timestamp") in got
    assert not [q for q in got if q[0] in ("shops", "olist_sellers_dataset")]


def test_item_numbers_and_negative_prices(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    data = files()
    data[ITEMS][2][column(data, ITEMS, "order_item_id")] = "2.0"  # A's second item
    data[ITEMS][5][column(data, ITEMS, "price")] = "-30.00"  # C's only item
    ingest(warehouse, write(tmp_path / "olist", data))
    got = quarantined(warehouse)
    assert (ITEMS, 2, "order_item_id", "bad_integer") in got
    assert not warehouse.execute("SELECT 1 FROM orders WHERE order_id LIKE '%.0'").fetchall()
    # A's other items cannot take A's whole payment: they are quarantined, saying why
    assert ("orders", 1, "amount_paid_fen", "bad_integer") in got
    assert ("orders", 5, "goods_fen", "below_minimum") in got
    assert warehouse.execute("SELECT count(*) FROM orders").fetchall() == [(1,)]  # B-1


# --- finding 7: no invented receipt; the ledger's rule derives it --------------------------------


def test_receipt_is_the_rulebooks_auto_confirm(tmp_path: Path) -> None:
    source = write(tmp_path / "olist", files())
    db = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    done = runner.invoke(app, ["ingest", source.as_posix(), "--format", "olist", "--db", db])
    assert done.exit_code == 0, done.output
    closed = runner.invoke(
        app,
        [
            *("close", "--rulebook", "douyin-2025", "--db", db),
            *("--from", "2018-01-01", "--to", "2018-01-31"),
        ],
    )
    assert closed.exit_code == 0, closed.output
    con = duckdb.connect(db, read_only=True)
    try:
        assert con.execute(
            "SELECT count(*) FROM logistics_events WHERE event = 'receipt_confirmed'"
        ).fetchall() == [(0,)]
        rows = con.execute(
            "SELECT order_id, strftime(receipt_on, '%Y-%m-%d'), receipt_source, receipt_rule_id "
            "FROM order_payouts WHERE order_id IN ('A-1', 'C-1') ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("A-1", "2018-01-12", "auto", "receipt.auto-confirm"),  # delivered 01-05, + 7 days
        ("C-1", "2018-01-14", "auto", "receipt.auto-confirm"),
    ]


def test_an_unreadable_payment_row_leaves_its_order_unpaid_not_cheaper(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    source = write(tmp_path / "olist", files())
    with (source / f"{PAYMENTS}.csv").open("a", encoding="utf-8") as fh:
        fh.write("C,3,vouch\n")  # a truncated last line: C's third payment
    ingest(warehouse, source)
    got = quarantined(warehouse)
    assert (PAYMENTS, 5, None, "wrong_field_count") in got
    assert ("orders", 5, "amount_paid_fen", "bad_integer") in got  # C-1: paid unknown
    assert paid_per_order(warehouse) == {"A": PAID["A"], "B": PAID["B"]}
