(
  ARRAY_CONTAINS("f"."shop_tags", 'industry_belt')
  OR "f"."shop_store_type" <> 'personal'
)
