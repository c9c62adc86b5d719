"""The fact relation's period test gives the rows of its plain definition, row for row.

``rulebook/facts.py`` finds the period's orders by a range on the stored ``paid_at``
(midnight to midnight) so that DuckDB filters inside the scan and skips row groups outside
the period. The plain definition below is the relation as first written
(``CAST(paid_at AS DATE) BETWEEN``); on a generated, ingested and scored market both must
give the same multiset of rows for periods before, across and after the scores, and the
daily close's restricted form (``only``: the touched orders) the same rows as the plain
definition restricted by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import sqlglot.expressions as exp

from merchantry.ingest import ingest_dir
from merchantry.rulebook.columns import INSTANT_REFUND_MINUTES, SCORE_SERIES_SQL
from merchantry.rulebook.facts import FACT_SQL, fact_relation, fact_sql, score_selects
from merchantry.scoring import score_shops
from merchantry.store.sql import fill_sql, lit, parse, to_sql
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START, generate

DAYS = 12
SCORED = (DEFAULT_START + timedelta(days=4), DEFAULT_START + timedelta(days=8))

PLAIN = """
WITH refunds AS (
  SELECT a.order_id, sum(a.amount_fen) AS refunded_fen,
    sum(CASE WHEN CAST(a.requested_at AS DATE) <= CAST(coalesce(rc.event_at, o.paid_at) AS DATE)
                  + coalesce(c.after_sales_days, 0)
             THEN a.amount_fen ELSE 0 END) AS refunded_in_period_fen,
    min(date_diff('minute', o.paid_at, a.requested_at)) AS refund_minutes,
    max(CAST(coalesce(a.closed_at, a.requested_at) AS DATE)) AS refunded_on
  FROM after_sales AS a
  JOIN orders AS o ON o.order_id = a.order_id
  LEFT JOIN products AS p ON p.sku_id = o.sku_id
  LEFT JOIN categories AS c ON c.category_id = p.category_id
  LEFT JOIN logistics_events AS rc ON rc.order_id = a.order_id AND rc.event = 'receipt_confirmed'
  WHERE a.outcome = 'approved' AND a.type IN ('refund_only', 'return_refund')
    AND CAST(o.paid_at AS DATE) BETWEEN $start AND $end AND p_only
  GROUP BY a.order_id
)
SELECT o.order_id AS order_order_id, o.paid_at AS order_paid_at,
  CAST(o.paid_at AS DATE) AS order_paid_date, o.quantity AS order_quantity,
  o.goods_fen AS order_goods_fen, o.shipping_fen AS order_shipping_fen,
  o.platform_coupon_fen AS order_platform_coupon_fen,
  o.merchant_coupon_fen AS order_merchant_coupon_fen,
  o.amount_paid_fen AS order_amount_paid_fen, o.scene AS order_scene,
  o.entry_point AS order_entry_point, o.ad_product AS order_ad_product,
  o.ad_cost_fen AS order_ad_cost_fen, o.creator_id AS order_creator_id,
  o.commission_rate_bp AS order_commission_rate_bp,
  o.ad_commission_rate_bp AS order_ad_commission_rate_bp,
  cf.colonel_rate_bp AS order_colonel_rate_bp, o.insurance_type AS order_insurance_type,
  o.insured_by AS order_insured_by, o.is_gift AS order_is_gift,
  o.affiliate_plans AS order_affiliate_plans, o.installation AS order_installation,
  o.creator_id IS NOT NULL AS order_is_affiliate,
  least(coalesce(r.refunded_fen, 0), o.amount_paid_fen) AS order_refunded_fen,
  least(coalesce(r.refunded_in_period_fen, 0), o.amount_paid_fen) AS order_refunded_in_period_fen,
  r.refund_minutes AS order_refund_minutes,
  coalesce(r.refund_minutes <= p_instant, FALSE) AS order_is_instant_refund,
  r.refunded_on AS order_refunded_on,
  o.shop_id AS shop_shop_id, s.industry AS shop_industry, s.store_type AS shop_store_type,
  s.store_subtype AS shop_store_subtype, s.tags AS shop_tags, s.entry_plan AS shop_entry_plan,
  s.business_mode AS shop_business_mode, s.region AS shop_region,
  s.opened_date AS shop_opened_date,
  date_diff('day', s.opened_date, CAST(o.paid_at AS DATE)) AS shop_age_days,
  c.category_id AS category_category_id, c.industry AS category_industry,
  c.parent_id AS category_parent_id, c.after_sales_days AS category_after_sales_days,
  cr.tier AS creator_tier, cr.followers AS creator_followers,
  p_score_columns
FROM orders AS o
LEFT JOIN products AS p ON p.sku_id = o.sku_id
LEFT JOIN categories AS c ON c.category_id = p.category_id
LEFT JOIN shops AS s ON s.shop_id = o.shop_id
LEFT JOIN creators AS cr ON cr.creator_id = o.creator_id
LEFT JOIN order_colonel_fees AS cf ON cf.order_id = o.order_id
LEFT JOIN refunds AS r ON r.order_id = o.order_id
ASOF LEFT JOIN p_series AS sc ON sc.shop_id = o.shop_id AND CAST(o.paid_at AS DATE) >= sc.score_date
WHERE CAST(o.paid_at AS DATE) BETWEEN $start AND $end AND p_only
"""

ONLY = "o.order_id IN (SELECT order_id FROM touched)"


def plain(only: str = "TRUE") -> str:
    return fill_sql(
        PLAIN,
        p_only=parse(only),
        p_instant=lit(INSTANT_REFUND_MINUTES),
        p_series=parse(SCORE_SERIES_SQL),
        p_score_columns=score_selects(),
    )


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    out: Path = tmp_path_factory.mktemp("facts")
    generate(out, shops=40, days=DAYS, seed=5, progress=False)
    con = connect(out / "w.duckdb")
    ingest_dir(con, out, progress=False)
    score_shops(con, "douyin-score-2026-07", *SCORED)
    score_shops(con, "taobao-score-2026", SCORED[1])
    yield con
    con.close()


def differences(con: duckdb.DuckDBPyConnection, a: str, b: str, start: date, end: date) -> int:
    """Rows in one result and not the other, counting duplicates (EXCEPT ALL both ways)."""
    params = {"start": start, "end": end}
    con.execute(f"CREATE OR REPLACE TEMP TABLE fa AS {a}", params)
    con.execute(f"CREATE OR REPLACE TEMP TABLE fb AS {b}", params)
    row = con.execute(
        "SELECT (SELECT count(*) FROM (FROM fa EXCEPT ALL FROM fb))"
        " + (SELECT count(*) FROM (FROM fb EXCEPT ALL FROM fa)), (SELECT count(*) FROM fa)"
    ).fetchone()
    assert row is not None
    assert row[1] > 0, "the period has no orders: the comparison would prove nothing"
    return int(row[0])


@pytest.mark.parametrize(
    ("first", "last"),
    [(0, DAYS - 1), (0, 3), (6, 6), (3, 10), (9, DAYS - 1)],
    ids=["all", "before-scores", "one-scored-day", "across", "after"],
)
def test_fact_relation_equals_its_plain_definition(
    market: duckdb.DuckDBPyConnection, first: int, last: int
) -> None:
    start, end = DEFAULT_START + timedelta(days=first), DEFAULT_START + timedelta(days=last)
    scored = market.execute(
        f"SELECT count(*) FROM ({FACT_SQL}) WHERE shop_experience_score IS NOT NULL",
        {"start": start, "end": end},
    ).fetchone()
    if first >= 4:
        assert scored is not None
        assert scored[0] > 0, "no scored order: the ASOF part is untested"
    assert differences(market, FACT_SQL, plain(), start, end) == 0


def test_restricted_fact_relation_equals_the_plain_one_restricted(
    market: duckdb.DuckDBPyConnection,
) -> None:
    market.execute(
        "CREATE OR REPLACE TABLE touched AS"
        " SELECT order_id FROM orders WHERE hash(order_id) % 5 = 0"
    )
    only = fact_relation(only=exp.select("order_id").from_("touched")).sql(dialect="duckdb")
    start, end = DEFAULT_START, DEFAULT_START + timedelta(days=DAYS - 1)
    assert differences(market, only, plain(ONLY), start, end) == 0
    counted = market.execute(f"SELECT count(*) FROM ({only})", {"start": start, "end": end})
    in_period = counted.fetchone()
    touched = market.execute("SELECT count(*) FROM touched").fetchone()
    assert in_period == touched


@pytest.mark.parametrize(
    ("first", "last"),
    [(0, 3), (3, 10), (6, 6), (9, DAYS - 1)],
    ids=["before-scores", "across", "one-scored-day", "after"],
)
def test_restricted_form_joins_the_scores_of_its_keys_as_the_plain_one(
    market: duckdb.DuckDBPyConnection, first: int, last: int
) -> None:
    """The restricted form reads the score series through the distinct (shop, payment
    day) keys of its orders: the same rows, scored or not, before and after the first
    score, for both platforms."""
    market.execute(
        "CREATE OR REPLACE TABLE touched AS"
        " SELECT order_id FROM orders WHERE hash(order_id) % 3 <> 0"
    )
    only = fact_relation(only=exp.select("order_id").from_("touched")).sql(dialect="duckdb")
    start, end = DEFAULT_START + timedelta(days=first), DEFAULT_START + timedelta(days=last)
    assert differences(market, only, plain(ONLY), start, end) == 0
    if first >= 4:
        row = market.execute(
            "SELECT count(*) FILTER (WHERE shop_experience_score IS NOT NULL),"
            " count(*) FILTER (WHERE shop_taobao_score IS NOT NULL) FROM fa"
        ).fetchone()
        assert row is not None
        assert row[0] > 0, "no scored order: the join is untested"


def test_restricted_form_sorts_keys_not_orders() -> None:
    """The ASOF join of the restricted form (the daily close's ``ledger_facts``) has the
    distinct (shop, payment day) keys on its left, never ``orders``: it used to sort every
    touched order with every joined column, even with an empty score series."""
    tree = fact_sql(exp.select("order_id").from_("touched"))
    asof = [j for j in tree.find_all(exp.Join) if "ASOF" in str(j.args.get("method") or "")]
    lefts = set()
    for join in asof:
        select = join.parent
        assert isinstance(select, exp.Select)
        lefts.add(select.args["from_"].this.alias_or_name)
    assert lefts == {"k", "d"}  # the keys; ``d`` is the series' own (its dates)
    assert "score_keys" in {cte.alias for cte in tree.ctes}


PRUNED = [
    ("shop_shop_id", "order_paid_date", "category_industry"),
    ("order_order_id", "shop_experience_score", "shop_taobao_score"),
    ("order_order_id", "order_refunded_fen", "order_is_instant_refund", "shop_age_days"),
    ("order_order_id", "creator_tier", "order_colonel_rate_bp", "category_after_sales_days"),
]


@pytest.mark.parametrize("columns", PRUNED, ids=["category", "scores", "refunds", "creator"])
@pytest.mark.parametrize("restricted", [False, True], ids=["period", "only"])
def test_pruned_relation_is_the_projection_of_the_whole(
    market: duckdb.DuckDBPyConnection, columns: tuple[str, ...], restricted: bool
) -> None:
    """``fact_sql(columns=…)`` gives the whole relation's rows cut to those columns, with
    the joins they do not need left out."""
    market.execute(
        "CREATE OR REPLACE TABLE touched AS"
        " SELECT order_id FROM orders WHERE hash(order_id) % 4 <> 0"
    )
    only = exp.select("order_id").from_("touched") if restricted else None
    whole = fact_sql(only)
    names = [e.alias_or_name for e in whole.expressions if e.alias_or_name in columns]
    pruned = fact_sql(only, columns=columns)
    assert [e.alias_or_name for e in pruned.expressions] == names  # the relation's order
    cut = f"SELECT {', '.join(names)} FROM ({to_sql(whole)})"
    start, end = DEFAULT_START + timedelta(days=2), DEFAULT_START + timedelta(days=9)
    assert differences(market, to_sql(pruned), cut, start, end) == 0


def test_pruned_relation_reads_only_the_tables_its_columns_need() -> None:
    tables = {t.name for t in fact_sql(columns=PRUNED[0]).find_all(exp.Table)}
    assert tables == {"orders", "products", "categories"}
    scores = {t.name for t in fact_sql(columns=PRUNED[1]).find_all(exp.Table)}
    assert "shop_scores" in scores
    assert not scores & {"after_sales", "products", "creators"}
    with pytest.raises(ValueError, match="gmv_fen"):
        fact_sql(columns=("order_order_id", "gmv_fen"))
