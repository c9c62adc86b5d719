"""The SQL that maps staged Olist files onto Merchantry's staging tables.

Each statement reads the raw Olist staging tables (``_olist_<file>``: text
columns named as in the Olist CSV header, plus ``_file``, ``_row``, ``_raw``
and ``_problem``) and yields rows shaped like a model table's staging table,
keeping the Olist file and row each row came from. The statements are fixed
text; the only generated part is the category -> industry ``CASE``
(:data:`INDUSTRY_PATTERNS`), built with sqlglot and put in the ``p_industry``
placeholder. ``docs/olist.md`` explains every choice made here.
"""

from __future__ import annotations

from typing import Final

import sqlglot.expressions as exp

from merchantry.store.sql import col, text

UNCATEGORISED: Final = "sem_categoria"
"""Category given to Olist products that have none (Portuguese for "no category")."""

AFTER_SALES_DAYS: Final = 7
"""Assumed after-sales period of every Olist category: Brazil's 7-day right of withdrawal
(Código de Defesa do Consumidor, art. 49), which matches China's 7-day no-reason return."""

INDUSTRY_PATTERNS: Final[tuple[tuple[str, str], ...]] = (
    ("fashion%", "apparel"),
    ("moda%", "apparel"),
    ("malas_acessorios", "apparel"),
    ("relogios_presentes", "apparel"),
    ("beleza_saude", "beauty"),
    ("perfumaria", "beauty"),
    ("fraldas_higiene", "mother_baby"),
    ("bebes", "mother_baby"),
    ("brinquedos", "mother_baby"),
    ("alimentos%", "food"),
    ("bebidas", "food"),
    ("la_cuisine", "food"),
    ("informatica%", "electronics"),
    ("pc%", "electronics"),
    ("tablets%", "electronics"),
    ("telefonia%", "electronics"),
    ("eletronicos", "electronics"),
    ("consoles_games", "electronics"),
    ("audio", "electronics"),
    ("cine_foto", "electronics"),
    ("eletro%", "appliances"),
    ("portateis%", "appliances"),
    ("climatizacao", "appliances"),
    ("moveis%", "home"),
    ("cama_mesa_banho", "home"),
    ("casa%", "home"),
    ("utilidades_domesticas", "home"),
    ("construcao%", "home"),
    ("ferramentas%", "home"),
    ("sinalizacao_e_seguranca", "home"),
    ("jardim%", "home"),
    ("esporte_lazer", "sports"),
    ("livros%", "books_media"),
    ("musica", "books_media"),
    ("dvds_blu_ray", "books_media"),
    ("cds_dvds_musicais", "books_media"),
    ("artes%", "books_media"),
    ("pet_shop", "pets"),
    ("automotivo", "auto"),
)
"""Olist category (``LIKE`` pattern, first match wins) -> Merchantry industry code.
Anything else is ``general``."""


def industry_case(category: exp.Expr) -> exp.Expr:
    """``CASE WHEN category LIKE ... THEN industry ... ELSE 'general' END``."""
    return exp.Case(
        ifs=[
            exp.If(this=exp.Like(this=category.copy(), expression=text(p)), true=text(i))
            for p, i in INDUSTRY_PATTERNS
        ],
        default=text("general"),
    )


INDUSTRY = industry_case(col("cat"))

MACROS: Final = (
    # BRL with up to two decimals -> whole centavos as text (a negative amount too, so that
    # the range check calls it negative); unparseable text is kept as is, so that the type
    # check names it.
    "CREATE OR REPLACE TEMP MACRO olist_centavos(x) AS CASE "
    "WHEN regexp_full_match(x, '-?[0-9]+(\\.[0-9]{1,2})?') "
    "THEN CAST(CAST(CAST(x AS DECIMAL(18, 2)) * 100 AS BIGINT) AS VARCHAR) ELSE x END",
    "CREATE OR REPLACE TEMP MACRO olist_plus(a, b) AS "
    "CAST(TRY_CAST(a AS BIGINT) + TRY_CAST(b AS BIGINT) AS VARCHAR)",
    "CREATE OR REPLACE TEMP MACRO olist_ts(x) AS TRY_CAST(x AS TIMESTAMP)",
)

PAID: Final = """
CREATE OR REPLACE TEMP TABLE _olist_paid AS
WITH summed AS (
  SELECT order_id,
    sum(TRY_CAST(olist_centavos(payment_value) AS BIGINT)) AS paid,
    count(*) FILTER (WHERE TRY_CAST(olist_centavos(payment_value) AS BIGINT) IS NULL) AS bad,
    first(concat('payment_value ', coalesce(payment_value, '(empty)'), ' of payment ',
                 payment_sequential, ' is not an amount') ORDER BY _row)
      FILTER (WHERE TRY_CAST(olist_centavos(payment_value) AS BIGINT) IS NULL) AS bad_text
  FROM _olist_payments
  WHERE _problem IS NULL AND order_id IS NOT NULL
  GROUP BY order_id
), lost AS (
  SELECT order_id, count(*) AS n,
    concat('payment row ', min(_row), ' quarantined (', arg_min(reason, _row),
           '): amount paid unknown') AS why
  FROM _olist_rejects
  WHERE file_key = 'payments' AND order_id IS NOT NULL
    AND reason NOT IN ('duplicate_in_file', 'missing_reference')
  GROUP BY order_id
)
SELECT order_id, s.paid, coalesce(s.bad, 0) + coalesce(l.n, 0) AS bad,
  coalesce(s.bad_text, l.why) AS bad_text
FROM summed AS s FULL JOIN lost AS l USING (order_id)
"""
"""What each Olist order's buyer paid: the sum of its payment rows (instalments, vouchers and
cards together), in centavos. An unreadable payment value, or a payment row quarantined at
the source for another reason than being a repeat, makes the amount unknown: the text is kept
for the message that quarantines the order's lines."""

LINES: Final = """
CREATE OR REPLACE TEMP TABLE _olist_lines AS
WITH base AS (
  SELECT i._file, i._row, i._raw, i._problem, i._column, i._detail,
    i.order_id AS olist_order_id, i.order_item_id,
    i.order_id || '-' || i.order_item_id AS model_order_id,
    i.product_id, i.seller_id, i.shipping_limit_date,
    olist_centavos(i.price) AS goods, olist_centavos(i.freight_value) AS freight,
    TRY_CAST(olist_centavos(i.price) AS BIGINT)
      + TRY_CAST(olist_centavos(i.freight_value) AS BIGINT) AS line_base,
    o._file AS o_file, o._row AS o_row, o._raw AS o_raw, o.order_status,
    o.order_purchase_timestamp, o.order_approved_at, o.order_delivered_carrier_date,
    o.order_delivered_customer_date, o.order_estimated_delivery_date,
    c.customer_unique_id, c.customer_zip_code_prefix, c.customer_city, c.customer_state,
    p.paid,
    coalesce(p.bad, 0) + CASE WHEN g.order_id IS NULL THEN 0 ELSE 1 END AS paid_bad,
    coalesce(p.bad_text, concat('item row ', g.gap_row, ' of the order quarantined (',
      g.gap_reason, '): payment not shareable')) AS paid_bad_text
  FROM _olist_items AS i
  LEFT JOIN _olist_orders AS o ON o.order_id = i.order_id AND o._problem IS NULL
  LEFT JOIN _olist_customers AS c ON c.customer_id = o.customer_id AND c._problem IS NULL
  LEFT JOIN _olist_paid AS p ON p.order_id = i.order_id
  LEFT JOIN (
    SELECT order_id, min(_row) AS gap_row, arg_min(reason, _row) AS gap_reason
    FROM _olist_rejects
    WHERE file_key = 'items' AND order_id IS NOT NULL
      AND reason NOT IN ('duplicate_in_file', 'missing_reference')
    GROUP BY order_id
  ) AS g ON g.order_id = i.order_id
), shared AS (
  SELECT *,
    sum(line_base) OVER (PARTITION BY olist_order_id) AS order_base,
    row_number() OVER (PARTITION BY olist_order_id
                       ORDER BY TRY_CAST(order_item_id AS INTEGER), _row) AS item_rank
  FROM base
), shares AS (
  SELECT *,
    CASE WHEN paid IS NULL OR order_base IS NULL OR order_base = 0 THEN 0
         ELSE ((paid - order_base) * line_base) // order_base END AS diff_share,
    CASE WHEN paid IS NULL OR order_base IS NULL THEN 0 ELSE paid - order_base END AS diff_total
  FROM shared
)
SELECT * EXCLUDE (diff_share),
  CASE WHEN item_rank = 1
       THEN diff_total - (sum(diff_share) OVER (PARTITION BY olist_order_id) - diff_share)
       ELSE diff_share END AS payment_difference
FROM shares
"""
"""One row per Olist order item, with its order, customer and payment: the future ``orders``
rows. The order's payment total exceeds (instalment interest) or misses (rounding) the sum of
its items' price + freight in a few orders; that difference is shared among the order's items
in proportion to price + freight, integer-only, the remainder on the first item, so the lines'
paid amounts add up to the payments file exactly."""

CATEGORIES: Final = """
SELECT _file, _row, _raw, _problem, _column, _detail, cat AS category_id, name,
  p_industry AS industry, NULL AS parent_id, p_after_sales_days AS after_sales_days
FROM (
  SELECT _file, _row, _raw, _problem, _column, _detail, product_category_name AS cat,
    coalesce(product_category_name_english, product_category_name) AS name
  FROM _olist_translation
  UNION ALL
  SELECT any_value(_file), min(_row), arg_min(_raw, _row), NULL, NULL, NULL, cat, cat
  FROM (SELECT *, coalesce(product_category_name, 'sem_categoria') AS cat FROM _olist_products
        WHERE _problem IS NULL)
  WHERE cat NOT IN (SELECT product_category_name FROM _olist_translation
                    WHERE product_category_name IS NOT NULL)
  GROUP BY cat
)
"""

SHOPS: Final = """
SELECT s._file, s._row, s._raw, s._problem, s._column, s._detail, s.seller_id AS shop_id,
  concat('Olist seller ', s.seller_city, ' ', s.seller_state) AS name,
  CASE WHEN m.cat IS NOT NULL THEN p_industry END AS industry,
  m.cat AS main_category_id, 'enterprise' AS store_type,
  coalesce(left(f.first_at, 10), '2016-09-01') AS opened_date, s.seller_state AS region,
  lpad(s.seller_zip_code_prefix, 6, '0') AS county_code, NULL AS tags,
  'standard' AS entry_plan, 'domestic' AS business_mode
FROM _olist_sellers AS s
LEFT JOIN (
  SELECT seller_id, first(cat ORDER BY n DESC, cat) AS cat FROM (
    SELECT i.seller_id, coalesce(p.product_category_name, 'sem_categoria') AS cat, count(*) AS n
    FROM _olist_items AS i JOIN _olist_products AS p ON p.product_id = i.product_id
    WHERE i._problem IS NULL AND p._problem IS NULL
    GROUP BY ALL)
  GROUP BY seller_id
) AS m ON m.seller_id = s.seller_id
LEFT JOIN (
  SELECT seller_id, min(order_purchase_timestamp) AS first_at FROM _olist_lines GROUP BY seller_id
) AS f ON f.seller_id = s.seller_id
"""

PRODUCTS: Final = """
SELECT p._file, p._row, p._raw, p._problem, p._column, p._detail,
  p.product_id || '@' || x.seller_id AS sku_id, x.seller_id AS shop_id,
  coalesce(p.product_category_name, 'sem_categoria') AS category_id,
  concat(coalesce(p.product_category_name, 'sem_categoria'), ' ', left(p.product_id, 8)) AS title,
  x.price AS price_fen, NULL AS image_refs
FROM _olist_products AS p
LEFT JOIN (
  SELECT product_id, seller_id,
    coalesce(first(goods ORDER BY _row) FILTER (WHERE regexp_full_match(goods, '[0-9]+')),
             concat('no usable price (item row ', min(_row), ': ',
                    left(first(goods ORDER BY _row), 20), ')')) AS price
  FROM _olist_lines
  WHERE _problem IS NULL GROUP BY product_id, seller_id
) AS x ON x.product_id = p.product_id AND p._problem IS NULL
"""
"""One product row per (product, seller) pair sold; its price is the pair's first item with a
usable price (an item's bad price is quarantined on its own order line, not blamed on the
product; a pair with no usable price says so)."""

ORDERS: Final = """
SELECT _file, _row, _raw, _problem, _column, _detail,
  model_order_id AS order_id, seller_id AS shop_id, customer_unique_id AS buyer_id,
  product_id || '@' || seller_id AS sku_id, '1' AS quantity,
  order_purchase_timestamp AS paid_at,
  goods AS goods_fen, freight AS shipping_fen, '0' AS platform_coupon_fen,
  '0' AS merchant_coupon_fen,
  CASE WHEN paid_bad > 0 THEN paid_bad_text
       ELSE CAST(line_base + payment_difference AS VARCHAR) END AS amount_paid_fen,
  'product_card' AS scene, 'other' AS entry_point, NULL AS ad_product, '0' AS ad_cost_fen,
  NULL AS creator_id, NULL AS commission_rate_bp, NULL AS ad_commission_rate_bp,
  NULL AS insurance_type, NULL AS insured_by, 'false' AS is_gift,
  md5('device:' || customer_unique_id) AS buyer_device_hash,
  md5('phone:' || customer_unique_id) AS buyer_phone_hash,
  md5(concat('address:', customer_zip_code_prefix, '|', customer_city, '|', customer_state))
    AS buyer_address_hash,
  md5('payment:' || customer_unique_id) AS buyer_payment_hash,
  customer_state AS ship_to_region,
  shipping_limit_date AS ship_by_at,
  order_estimated_delivery_date AS promised_delivery_at,
  olist_order_id AS parent_order_id,
  CAST(payment_difference AS VARCHAR) AS payment_difference_fen
FROM _olist_lines
UNION ALL
SELECT o._file, o._row, o._raw, o._problem, o._column, o._detail,
  o.order_id || '-0', NULL, c.customer_unique_id, NULL, NULL, o.order_purchase_timestamp, NULL,
  NULL, '0', '0', NULL, 'product_card', 'other', NULL, '0', NULL, NULL, NULL, NULL, NULL, 'false',
  NULL, NULL, NULL, NULL, c.customer_state, NULL, o.order_estimated_delivery_date, o.order_id,
  NULL
FROM _olist_orders AS o
LEFT JOIN _olist_customers AS c ON c.customer_id = o.customer_id AND c._problem IS NULL
WHERE o.order_id NOT IN (SELECT order_id FROM _olist_items WHERE order_id IS NOT NULL)
"""
"""Every item is an order line; the Olist order is its parent. An Olist order without items
still yields one row (it has no shop and no SKU, so it is quarantined and shows up in the
counts)."""

LOGISTICS: Final = """
SELECT o_file AS _file, o_row AS _row, o_raw AS _raw,
  CASE WHEN handed_over_after_delivery AND k <= 2 THEN 'sequence_order' END AS _problem,
  CASE WHEN handed_over_after_delivery AND k <= 2 THEN 'event_at' END AS _column,
  CASE WHEN handed_over_after_delivery AND k <= 2
       THEN concat('Olist order_delivered_carrier_date ', order_delivered_carrier_date,
                   ' is after order_delivered_customer_date ', order_delivered_customer_date,
                   ': the hand-over to the carrier is refused, the delivery kept') END AS _detail,
  model_order_id AS order_id, event, event_at, auto_confirmed, NULL AS carrier
FROM (
  SELECT *, order_status = 'delivered'
      AND olist_ts(order_delivered_carrier_date) > olist_ts(order_delivered_customer_date)
      AS handed_over_after_delivery
  FROM (
    SELECT *, 'shipped' AS event, order_delivered_carrier_date AS event_at,
      NULL AS auto_confirmed, 1 AS k
    FROM _olist_lines
    UNION ALL
    SELECT *, 'picked_up', order_delivered_carrier_date, NULL, 2 FROM _olist_lines
    UNION ALL
    SELECT *, 'delivered', order_delivered_customer_date, NULL, 3 FROM _olist_lines
    WHERE order_status = 'delivered'
  )
)
WHERE o_row IS NOT NULL AND event_at IS NOT NULL
"""
"""Up to three events per item-order. Only an order whose status is ``delivered`` is delivered:
a canceled order that carries a customer delivery date was refused or sent back, so it gets
no ``delivered`` event (it would count it as a sale). No ``receipt_confirmed`` event is made:
Olist records none, and the receipt of a delivered order is the rulebook's to derive (the
ledger's ``auto_confirm_days`` rule counts from the delivery and cites the rule)."""

AFTER_SALES: Final = """
SELECT o_file AS _file, o_row AS _row, o_raw AS _raw, NULL AS _problem, NULL AS _column,
  NULL AS _detail, 'olist-' || order_status || '-' || model_order_id AS case_id,
  model_order_id AS order_id,
  coalesce(order_approved_at, order_purchase_timestamp) AS requested_at, 'refund_only' AS type,
  'other' AS reason_code, 'Olist order_status = ' || order_status AS reason_text,
  NULL AS evidence_images,
  CASE WHEN paid_bad > 0 THEN paid_bad_text
       ELSE CAST(line_base + payment_difference AS VARCHAR) END AS amount_fen,
  '0' AS compensation_fen, 'approved' AS outcome,
  CASE order_status WHEN 'unavailable' THEN 'merchant' ELSE 'undetermined' END
    AS responsible_party,
  coalesce(order_approved_at, order_purchase_timestamp) AS closed_at, 'false' AS escalated
FROM _olist_lines
WHERE order_status IN ('canceled', 'unavailable')
"""

REVIEWS: Final = """
SELECT r._file, r._row, r._raw, r._problem, r._column, r._detail,
  r.review_id || '@' || coalesce(s.model_order_id, r.order_id || '-1') AS review_id,
  coalesce(s.model_order_id, r.order_id || '-1') AS order_id,
  r.review_score AS rating, NULL AS logistics_rating,
  nullif(concat_ws(' ', r.review_comment_title, r.review_comment_message), '') AS text,
  CASE WHEN olist_ts(r.review_creation_date) < olist_ts(s.purchased)
       THEN s.purchased ELSE r.review_creation_date END AS created_at
FROM _olist_reviews AS r
LEFT JOIN (
  SELECT olist_order_id, seller_id, arg_min(model_order_id, item_rank) AS model_order_id,
    any_value(order_purchase_timestamp) AS purchased
  FROM _olist_lines
  WHERE _problem IS NULL
  GROUP BY olist_order_id, seller_id
) AS s ON s.olist_order_id = r.order_id AND r._problem IS NULL
"""
"""A review is of the whole Olist order, so it applies to every seller in it: one review row
per (review, seller), attached to that seller's first item of the order. Olist reuses a
``review_id`` across one customer's orders, so the row's id is the Olist review id @ the
item-order. A review dated (by day) before the purchase it reviews — a reused review written
for an earlier order — is dated at the purchase instead."""

MARKETPLACE: Final = """
SELECT _file, _row, _raw, NULL AS _problem, NULL AS _column, NULL AS _detail,
  p_marketplace_id AS marketplace_id, p_marketplace_name AS name, p_currency AS currency,
  p_time_zone AS time_zone
FROM _olist_orders
WHERE _row = (SELECT min(_row) FROM _olist_orders)
"""
"""Olist is a Brazilian marketplace (:data:`merchantry.kit.settings.OLIST`): amounts are BRL
(centavos in the ``*_fen`` columns) and times are São Paulo local time. The row cites the
first orders row."""

MAPPINGS: Final = {
    "marketplace": MARKETPLACE,
    "categories": CATEGORIES,
    "shops": SHOPS,
    "products": PRODUCTS,
    "orders": ORDERS,
    "logistics_events": LOGISTICS,
    "after_sales": AFTER_SALES,
    "reviews": REVIEWS,
}
"""Model table -> mapping statement, in load order."""
