(
  COALESCE("f"."order_ad_product", '') = 'qianchuan_chengfang'
  AND NOT "f"."order_is_gift"
)
