(
  CASE
    WHEN "f"."creator_tier" IN ('A', 'B+')
    THEN "f"."order_goods_fen" > 100
    ELSE FALSE
  END
)
