(
  "f"."order_entry_point" IN ('mall_app', 'doubao')
  AND "f"."category_industry" = 'apparel'
)
