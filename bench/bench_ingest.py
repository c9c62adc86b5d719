"""Ingestion benchmark: a demo-sized marketplace through ``ingest_dir``, Parquet and CSV.

Run: ``python -m bench.bench_ingest [--orders N] [--formats parquet,csv]``.

The input is made here with DuckDB (valid rows, ~4 logistics events per order),
so the benchmark does not depend on the generator. The baseline, run side by
side, is a plain DuckDB load of the same files into the same tables with no
checks at all (``INSERT ... SELECT * FROM read_parquet/read_csv``): the ratio
is the price of validating every row and keeping row numbers. (For CSV the baseline
only parses into text columns, since DuckDB cannot cast ``a|b`` lists by itself.)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import sqlglot.expressions as exp

from merchantry.ingest import ingest_dir
from merchantry.model.tables import TABLES_BY_NAME
from merchantry.store.warehouse import connect

_TABLES = {
    "categories": """
        SELECT 'c' || i AS category_id, '类目' || i AS name, 'apparel' AS industry,
               NULL::VARCHAR AS parent_id, 7 AS after_sales_days FROM range(50) t(i)""",
    "shops": """
        SELECT 's' || i AS shop_id, '店铺' || i AS name, 'apparel' AS industry,
               'c' || (i % 50) AS main_category_id, 'enterprise' AS store_type,
               DATE '2024-01-01' AS opened_date, '浙江' AS region, '330106' AS county_code,
               ['new_merchant'] AS tags, 'standard' AS entry_plan, 'domestic' AS business_mode
        FROM range(?) t(i)""",
    "products": """
        SELECT 'k' || i AS sku_id, 's' || (i % ?) AS shop_id, 'c' || (i % 50) AS category_id,
               '商品' || i AS title, 5900 AS price_fen, ['img/' || i || '.jpg'] AS image_refs
        FROM range(?) t(i)""",
    "orders": """
        SELECT 'o' || i AS order_id, 's' || (i % ?) AS shop_id, 'b' || (i % 200000) AS buyer_id,
               'k' || (i % ?) AS sku_id, 1 AS quantity,
               TIMESTAMP '2025-03-01 00:00:00' + to_seconds(i % 2592000) AS paid_at,
               5900 AS goods_fen, 500 AS shipping_fen, 0 AS platform_coupon_fen,
               0 AS merchant_coupon_fen, 6400 AS amount_paid_fen, 'live' AS scene,
               'douyin_app' AS entry_point, NULL::VARCHAR AS ad_product, 0 AS ad_cost_fen,
               NULL::VARCHAR AS creator_id, NULL::INTEGER AS commission_rate_bp,
               NULL::INTEGER AS ad_commission_rate_bp, NULL::VARCHAR AS insurance_type,
               NULL::VARCHAR AS insured_by, false AS is_gift, md5('d' || i) AS buyer_device_hash,
               md5('p' || i) AS buyer_phone_hash, md5('a' || i) AS buyer_address_hash,
               md5('y' || i) AS buyer_payment_hash
        FROM range(?) t(i)""",
    "logistics_events": """
        SELECT 'o' || i AS order_id, e.event,
               TIMESTAMP '2025-03-01 00:00:00' + to_seconds(i % 2592000) + to_hours(e.h)
                 AS event_at,
               CASE WHEN e.event = 'receipt_confirmed' THEN true END AS auto_confirmed,
               'SF' AS carrier
        FROM range(?) t(i),
             (VALUES ('shipped', 6), ('picked_up', 8), ('delivered', 50),
                     ('receipt_confirmed', 220)) e(event, h)""",
    "reviews": """
        SELECT 'r' || i AS review_id, 'o' || (i * 3) AS order_id, 5 AS rating,
               4 AS logistics_rating, '很好' AS text,
               TIMESTAMP '2025-03-01 00:00:00' + to_seconds((i * 3) % 2592000) + to_hours(240)
                 AS created_at
        FROM range(?) t(i)""",
}


def sizes(orders: int) -> tuple[int, int]:
    """The marketplace's shops and products for ``orders`` orders."""
    return max(orders // 100, 10), max(orders // 10, 10)


def make_input(directory: Path, orders: int, fmt: str) -> None:
    """Write the benchmark marketplace as ``<table>.<fmt>`` files."""
    shops, products = sizes(orders)
    params = {
        "categories": [],
        "shops": [shops],
        "products": [shops, products],
        "orders": [shops, products, orders],
        "logistics_events": [orders],
        "reviews": [orders // 3],
    }
    con = duckdb.connect()
    directory.mkdir(parents=True, exist_ok=True)
    for name, query in _TABLES.items():
        relation = con.sql(query, params=params[name])
        target = str(directory / f"{name}.{fmt}")
        if fmt == "parquet":
            relation.write_parquet(target)
        else:
            # Lists as a|b text and timestamps without fractions, as the CSV convention says.
            con.register("_bench_rel", relation)
            present = set(relation.columns)
            columns = [c for c in TABLES_BY_NAME[name].columns if c.name in present]
            select = exp.select(
                *(
                    exp.func("array_to_string", exp.column(c.name), exp.Literal.string("|")).as_(
                        c.name
                    )
                    if c.sql_type.endswith("[]")
                    else exp.column(c.name)
                    for c in columns
                )
            ).from_("_bench_rel")
            con.sql(select.sql("duckdb")).write_csv(target, header=True)
            con.unregister("_bench_rel")
    con.close()


def baseline(directory: Path, db: Path, fmt: str) -> float:
    """Seconds for an unchecked load of the same files."""
    con = connect(db)
    start = time.perf_counter()
    for name in _TABLES:
        if fmt == "parquet":
            source = exp.select("*").from_(exp.func("read_parquet", exp.Placeholder()))
            load: exp.Expr = exp.Insert(this=exp.to_table(name), expression=source, by_name=True)
        else:  # CSV lists need parsing: load as text, which is what staging does too
            text = exp.EQ(this=exp.column("all_varchar"), expression=exp.true())
            source = exp.select("*").from_(exp.func("read_csv", exp.Placeholder(), text))
            load = exp.Create(this=exp.to_table(name + "_text"), kind="TABLE", expression=source)
        con.execute(load.sql("duckdb"), [str(directory / f"{name}.{fmt}")])
    con.close()
    return time.perf_counter() - start


def measure(orders: int, fmt: str) -> tuple[float, float, int]:
    """(ingest seconds, baseline seconds, rows) for one format."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_input(root / "in", orders, fmt)
        plain = baseline(root / "in", root / "plain.duckdb", fmt)
        con = connect(root / "w.duckdb")
        start = time.perf_counter()
        report = ingest_dir(con, root / "in", progress=False)
        took = time.perf_counter() - start
        con.close()
        assert report.quarantined == 0, report.tables
        return took, plain, report.read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--formats", default="parquet,csv")
    args = parser.parse_args()
    for fmt in args.formats.split(","):
        took, plain, rows = measure(args.orders, fmt)
        print(
            f"{fmt:8} orders={args.orders:,} rows={rows:,} ingest={took:.1f}s "
            f"({rows / took:,.0f} rows/s) unchecked load={plain:.1f}s ratio={took / plain:.1f}x"
        )


if __name__ == "__main__":
    main()
