WITH fee_match AS (
  SELECT
    f.*,
    CASE WHEN "f"."category_industry" = 'apparel' THEN 1 WHEN TRUE THEN 2 END AS "g1",
    CASE WHEN "f"."order_entry_point" = 'mall_app' THEN 1 END AS "g2",
    CASE WHEN "f"."order_refunded_in_period_fen" > 0 THEN 1 END AS "g3",
    (
      "f"."order_scene" = 'product_card'
    ) AS "w1",
    (
      "f"."order_scene" = 'live'
    ) AS "w2"
  FROM (
    WITH refunds AS (
      SELECT
        a.order_id,
        SUM(a.amount_fen) AS refunded_fen,
        SUM(
          CASE
            WHEN CAST(a.requested_at AS DATE) <= CAST(COALESCE(rc.event_at, o.paid_at) AS DATE) + COALESCE(c.after_sales_days, 0)
            THEN a.amount_fen
            ELSE 0
          END
        ) AS refunded_in_period_fen,
        MIN(DATE_DIFF('MINUTE', o.paid_at, a.requested_at)) AS refund_minutes,
        MAX(CAST(COALESCE(a.closed_at, a.requested_at) AS DATE)) AS refunded_on
      FROM after_sales AS a
      JOIN orders AS o
        ON o.order_id = a.order_id
      LEFT JOIN products AS p
        ON p.sku_id = o.sku_id
      LEFT JOIN categories AS c
        ON c.category_id = p.category_id
      LEFT JOIN logistics_events AS rc
        ON rc.order_id = a.order_id AND rc.event = 'receipt_confirmed'
      WHERE
        a.outcome = 'approved'
        AND a.type IN ('refund_only', 'return_refund')
        AND o.paid_at >= CAST($start AS TIMESTAMP)
        AND o.paid_at < CAST($end AS TIMESTAMP) + INTERVAL '1' DAY
        AND TRUE
      GROUP BY
        a.order_id
    )
    SELECT
      o.order_id AS order_order_id,
      CAST(o.paid_at AS DATE) AS order_paid_date,
      o.goods_fen AS order_goods_fen,
      o.platform_coupon_fen AS order_platform_coupon_fen,
      o.merchant_coupon_fen AS order_merchant_coupon_fen,
      o.amount_paid_fen AS order_amount_paid_fen,
      o.scene AS order_scene,
      o.entry_point AS order_entry_point,
      o.ad_cost_fen AS order_ad_cost_fen,
      LEAST(COALESCE(r.refunded_fen, 0), o.amount_paid_fen) AS order_refunded_fen,
      LEAST(COALESCE(r.refunded_in_period_fen, 0), o.amount_paid_fen) AS order_refunded_in_period_fen,
      COALESCE(r.refund_minutes <= 60, FALSE) AS order_is_instant_refund,
      r.refunded_on AS order_refunded_on,
      o.shop_id AS shop_shop_id,
      c.industry AS category_industry
    FROM orders AS o
    LEFT JOIN products AS p
      ON p.sku_id = o.sku_id
    LEFT JOIN categories AS c
      ON c.category_id = p.category_id
    LEFT JOIN refunds AS r
      ON r.order_id = o.order_id
    WHERE
      o.paid_at >= CAST($start AS TIMESTAMP)
      AND o.paid_at < CAST($end AS TIMESTAMP) + INTERVAL '1' DAY
      AND TRUE
  ) AS f
), fee_rules AS (
  SELECT
    f.*,
    [500, 200]["f"."g1"] AS "tsf_base_bp",
    CASE
      WHEN NOT "f"."g1" IS NULL
      THEN "f"."order_amount_paid_fen" + "f"."order_platform_coupon_fen"
    END AS "tsf_base_fen",
    COALESCE(CASE WHEN NOT "f"."g2" IS NULL THEN 500 END, 0) + 0 AS "tsf_supp_bp",
    NULL AS "aff_rate_bp",
    NULL AS "csf_rate_bp",
    NULL AS "promo_net",
    NULL AS "prefund_share_bp",
    NULL AS "ins_premium_fen",
    NULL AS "coupon_share_bp",
    CASE WHEN NOT "f"."g3" IS NULL THEN TRUE END AS "frefund_in_period"
  FROM fee_match AS f
), fee_rates AS (
  SELECT
    f.*,
    "f"."tsf_base_bp" + "f"."tsf_supp_bp" AS "tsf_rate_bp",
    "f"."tsf_base_bp" + "f"."tsf_supp_bp" AS "tsf_stacked_bp",
    NULL AS "tsf_stack_i",
    GREATEST("f"."order_goods_fen" - "f"."order_merchant_coupon_fen", 0) AS "aff_base_fen",
    SIGN(
      CAST(GREATEST("f"."order_goods_fen" - "f"."order_merchant_coupon_fen", 0) AS BIGINT) * CAST("f"."aff_rate_bp" AS BIGINT)
    ) * (
      (
        ABS(
          CAST(GREATEST("f"."order_goods_fen" - "f"."order_merchant_coupon_fen", 0) AS BIGINT) * CAST("f"."aff_rate_bp" AS BIGINT)
        ) * 2 + 10000
      ) // (
        2 * 10000
      )
    ) AS "aff_amount_fen",
    CASE
      WHEN "f"."promo_net" AND "f"."order_is_instant_refund"
      THEN 0
      ELSE "f"."order_ad_cost_fen"
    END AS "promo_charged_fen"
  FROM fee_rules AS f
), fee_waived AS (
  SELECT
    f.*,
    LEAST(
      "f"."tsf_stacked_bp",
      CASE WHEN "f"."w1" THEN LEAST("f"."tsf_stacked_bp", 60) END,
      CASE
        WHEN "f"."w2"
        THEN CASE
          WHEN "f"."tsf_stacked_bp" <= 60
          THEN "f"."tsf_stacked_bp"
          ELSE LEAST(
            "f"."tsf_stacked_bp",
            GREATEST(
              60,
              SIGN("f"."tsf_stacked_bp" * 9000) * (
                (
                  ABS("f"."tsf_stacked_bp" * 9000) * 2 + 10000
                ) // (
                  2 * 10000
                )
              )
            )
          )
        END
      END
    ) AS "tsf_final_bp",
    COALESCE(
      CASE
        WHEN LEAST(
          "f"."tsf_stacked_bp",
          CASE WHEN "f"."w1" THEN LEAST("f"."tsf_stacked_bp", 60) END,
          CASE
            WHEN "f"."w2"
            THEN CASE
              WHEN "f"."tsf_stacked_bp" <= 60
              THEN "f"."tsf_stacked_bp"
              ELSE LEAST(
                "f"."tsf_stacked_bp",
                GREATEST(
                  60,
                  SIGN("f"."tsf_stacked_bp" * 9000) * (
                    (
                      ABS("f"."tsf_stacked_bp" * 9000) * 2 + 10000
                    ) // (
                      2 * 10000
                    )
                  )
                )
              )
            END
          END
        ) < "f"."tsf_stacked_bp"
        THEN CASE
          WHEN "f"."w1"
          AND LEAST("f"."tsf_stacked_bp", 60) = LEAST(
            "f"."tsf_stacked_bp",
            CASE WHEN "f"."w1" THEN LEAST("f"."tsf_stacked_bp", 60) END,
            CASE
              WHEN "f"."w2"
              THEN CASE
                WHEN "f"."tsf_stacked_bp" <= 60
                THEN "f"."tsf_stacked_bp"
                ELSE LEAST(
                  "f"."tsf_stacked_bp",
                  GREATEST(
                    60,
                    SIGN("f"."tsf_stacked_bp" * 9000) * (
                      (
                        ABS("f"."tsf_stacked_bp" * 9000) * 2 + 10000
                      ) // (
                        2 * 10000
                      )
                    )
                  )
                )
              END
            END
          )
          THEN 1
          WHEN "f"."w2"
          AND CASE
            WHEN "f"."tsf_stacked_bp" <= 60
            THEN "f"."tsf_stacked_bp"
            ELSE LEAST(
              "f"."tsf_stacked_bp",
              GREATEST(
                60,
                SIGN("f"."tsf_stacked_bp" * 9000) * (
                  (
                    ABS("f"."tsf_stacked_bp" * 9000) * 2 + 10000
                  ) // (
                    2 * 10000
                  )
                )
              )
            )
          END = LEAST(
            "f"."tsf_stacked_bp",
            CASE WHEN "f"."w1" THEN LEAST("f"."tsf_stacked_bp", 60) END,
            CASE
              WHEN "f"."w2"
              THEN CASE
                WHEN "f"."tsf_stacked_bp" <= 60
                THEN "f"."tsf_stacked_bp"
                ELSE LEAST(
                  "f"."tsf_stacked_bp",
                  GREATEST(
                    60,
                    SIGN("f"."tsf_stacked_bp" * 9000) * (
                      (
                        ABS("f"."tsf_stacked_bp" * 9000) * 2 + 10000
                      ) // (
                        2 * 10000
                      )
                    )
                  )
                )
              END
            END
          )
          THEN 2
        END
      END,
      CASE WHEN "f"."tsf_stacked_bp" < "f"."tsf_rate_bp" THEN "f"."tsf_stack_i" END
    ) AS "tsf_waiver_i",
    "f"."promo_charged_fen" AS "promo_amount_fen",
    COALESCE(
      CASE WHEN "f"."promo_charged_fen" < "f"."promo_charged_fen" THEN NULL END,
      CASE WHEN "f"."promo_charged_fen" < "f"."promo_charged_fen" THEN NULL END,
      CASE WHEN "f"."promo_charged_fen" < "f"."order_ad_cost_fen" THEN NULL END
    ) AS "promo_waiver_rule",
    SIGN(CAST("f"."aff_amount_fen" AS BIGINT) * CAST("f"."csf_rate_bp" AS BIGINT)) * (
      (
        ABS(CAST("f"."aff_amount_fen" AS BIGINT) * CAST("f"."csf_rate_bp" AS BIGINT)) * 2 + 10000
      ) // (
        2 * 10000
      )
    ) AS "csf_amount_fen"
  FROM fee_rates AS f
), fee_amounts AS (
  SELECT
    f.*,
    SIGN(CAST("f"."tsf_base_fen" AS BIGINT) * CAST("f"."tsf_final_bp" AS BIGINT)) * (
      (
        ABS(CAST("f"."tsf_base_fen" AS BIGINT) * CAST("f"."tsf_final_bp" AS BIGINT)) * 2 + 10000
      ) // (
        2 * 10000
      )
    ) AS "tsf_amount_fen",
    SIGN(CAST("f"."tsf_base_fen" AS BIGINT) * CAST("f"."tsf_rate_bp" AS BIGINT)) * (
      (
        ABS(CAST("f"."tsf_base_fen" AS BIGINT) * CAST("f"."tsf_rate_bp" AS BIGINT)) * 2 + 10000
      ) // (
        2 * 10000
      )
    ) AS "tsf_baseline_fen",
    CASE
      WHEN "f"."frefund_in_period"
      THEN "f"."order_refunded_in_period_fen"
      ELSE "f"."order_refunded_fen"
    END AS "frefund_part_fen",
    -(
      SIGN(
        CAST(CASE
          WHEN "f"."order_amount_paid_fen" = 0
          THEN 0
          ELSE SIGN(
            CAST("f"."promo_amount_fen" AS BIGINT) * CAST("f"."order_refunded_fen" AS BIGINT)
          ) * (
            (
              ABS(
                CAST("f"."promo_amount_fen" AS BIGINT) * CAST("f"."order_refunded_fen" AS BIGINT)
              ) * 2 + GREATEST("f"."order_amount_paid_fen", 1)
            ) // (
              2 * GREATEST("f"."order_amount_paid_fen", 1)
            )
          )
        END AS BIGINT) * CAST("f"."prefund_share_bp" AS BIGINT)
      ) * (
        (
          ABS(
            CAST(CASE
              WHEN "f"."order_amount_paid_fen" = 0
              THEN 0
              ELSE SIGN(
                CAST("f"."promo_amount_fen" AS BIGINT) * CAST("f"."order_refunded_fen" AS BIGINT)
              ) * (
                (
                  ABS(
                    CAST("f"."promo_amount_fen" AS BIGINT) * CAST("f"."order_refunded_fen" AS BIGINT)
                  ) * 2 + GREATEST("f"."order_amount_paid_fen", 1)
                ) // (
                  2 * GREATEST("f"."order_amount_paid_fen", 1)
                )
              )
            END AS BIGINT) * CAST("f"."prefund_share_bp" AS BIGINT)
          ) * 2 + 10000
        ) // (
          2 * 10000
        )
      )
    ) AS "prefund_amount_fen",
    SIGN(
      CAST("f"."order_platform_coupon_fen" AS BIGINT) * CAST("f"."coupon_share_bp" AS BIGINT)
    ) * (
      (
        ABS(
          CAST("f"."order_platform_coupon_fen" AS BIGINT) * CAST("f"."coupon_share_bp" AS BIGINT)
        ) * 2 + 10000
      ) // (
        2 * 10000
      )
    ) AS "coupon_amount_fen"
  FROM fee_waived AS f
), fee_refunds AS (
  SELECT
    f.*,
    -(
      CASE
        WHEN "f"."order_amount_paid_fen" = 0
        THEN 0
        ELSE SIGN(CAST("f"."tsf_amount_fen" AS BIGINT) * CAST("f"."frefund_part_fen" AS BIGINT)) * (
          (
            ABS(CAST("f"."tsf_amount_fen" AS BIGINT) * CAST("f"."frefund_part_fen" AS BIGINT)) * 2 + GREATEST("f"."order_amount_paid_fen", 1)
          ) // (
            2 * GREATEST("f"."order_amount_paid_fen", 1)
          )
        )
      END
    ) AS "frefund_amount_fen",
    -(
      CASE
        WHEN "f"."order_amount_paid_fen" = 0
        THEN 0
        ELSE SIGN(CAST("f"."tsf_baseline_fen" AS BIGINT) * CAST("f"."frefund_part_fen" AS BIGINT)) * (
          (
            ABS(CAST("f"."tsf_baseline_fen" AS BIGINT) * CAST("f"."frefund_part_fen" AS BIGINT)) * 2 + GREATEST("f"."order_amount_paid_fen", 1)
          ) // (
            2 * GREATEST("f"."order_amount_paid_fen", 1)
          )
        )
      END
    ) AS "frefund_baseline_fen"
  FROM fee_amounts AS f
), fee_per_order AS MATERIALIZED (
  SELECT
    "f"."frefund_amount_fen",
    "f"."frefund_baseline_fen",
    "f"."g1",
    "f"."g3",
    "f"."order_order_id",
    "f"."order_paid_date",
    "f"."order_refunded_on",
    "f"."shop_shop_id",
    "f"."tsf_amount_fen",
    "f"."tsf_base_fen",
    "f"."tsf_baseline_fen",
    "f"."tsf_final_bp",
    "f"."tsf_waiver_i"
  FROM fee_refunds AS f
)
SELECT
  *
FROM (
  SELECT
    'minimal' AS "rulebook",
    "f"."order_order_id" AS "order_id",
    "f"."shop_shop_id" AS "shop_id",
    CAST('technical_service_fee' AS TEXT) AS "fee_kind",
    CAST('merchant' AS TEXT) AS "payer",
    CAST('platform' AS TEXT) AS "payee",
    CAST("f"."tsf_base_fen" AS BIGINT) AS "base_fen",
    CAST("f"."tsf_final_bp" AS INT) AS "rate_bp",
    CAST("f"."tsf_amount_fen" AS BIGINT) AS "amount_fen",
    CAST("f"."tsf_baseline_fen" AS BIGINT) AS "baseline_fen",
    CAST(['base.apparel', 'base.default']["f"."g1"] AS TEXT) AS "rule_id",
    CAST(['waiver.card', 'waiver.live']["f"."tsf_waiver_i"] AS TEXT) AS "waiver_rule_id",
    CAST("f"."order_paid_date" AS DATE) AS "accrued_on",
    "f"."order_paid_date" AS "paid_on"
  FROM fee_per_order AS f
  WHERE
    NOT "f"."g1" IS NULL
    AND (
      CAST("f"."tsf_amount_fen" AS BIGINT) <> 0
      OR CAST("f"."tsf_baseline_fen" AS BIGINT) <> 0
    )
  UNION ALL
  SELECT
    'minimal' AS "rulebook",
    "f"."order_order_id" AS "order_id",
    "f"."shop_shop_id" AS "shop_id",
    CAST('fee_refund' AS TEXT) AS "fee_kind",
    CAST('merchant' AS TEXT) AS "payer",
    CAST('platform' AS TEXT) AS "payee",
    CAST("f"."tsf_amount_fen" AS BIGINT) AS "base_fen",
    CAST(NULL AS INT) AS "rate_bp",
    CAST("f"."frefund_amount_fen" AS BIGINT) AS "amount_fen",
    CAST("f"."frefund_baseline_fen" AS BIGINT) AS "baseline_fen",
    CAST(CASE
      WHEN NOT ['base.apparel', 'base.default']["f"."g1"] IS NULL
      THEN CASE WHEN NOT "f"."g3" IS NULL THEN 'refund.tsf' END
    END AS TEXT) AS "rule_id",
    CAST(['waiver.card', 'waiver.live']["f"."tsf_waiver_i"] AS TEXT) AS "waiver_rule_id",
    CAST("f"."order_refunded_on" AS DATE) AS "accrued_on",
    "f"."order_paid_date" AS "paid_on"
  FROM fee_per_order AS f
  WHERE
    (
      NOT "f"."g1" IS NULL AND NOT "f"."g3" IS NULL
    )
    AND (
      CAST("f"."frefund_amount_fen" AS BIGINT) <> 0
      OR CAST("f"."frefund_baseline_fen" AS BIGINT) <> 0
    )
) AS lines
