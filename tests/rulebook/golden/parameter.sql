(
  "f"."shop_age_days" <= 90
)
