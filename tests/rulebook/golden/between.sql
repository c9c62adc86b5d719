(
  "f"."order_refunded_in_period_fen" BETWEEN 1 AND "f"."order_amount_paid_fen"
)
