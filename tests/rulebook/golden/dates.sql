(
  "f"."order_paid_date" >= CAST('2026-01-08' AS DATE)
  AND MONTH("f"."order_paid_at") = 3
)
