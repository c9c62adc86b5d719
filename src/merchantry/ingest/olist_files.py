"""The Olist files the adapter reads: names, headers, keys and required columns.

``docs/olist.md`` explains the choices (which columns may be absent, which key makes a row
a repeat, which statuses Olist has).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

ORDER_STATUSES: Final = (
    "approved",
    "canceled",
    "created",
    "delivered",
    "invoiced",
    "processing",
    "shipped",
    "unavailable",
)
"""Olist's ``order_status`` values. A value written in another case (``DELIVERED``) is read
as its lower-case form; anything else is quarantined (``bad_choice``)."""


@dataclass(frozen=True, slots=True)
class OlistFile:
    """One Olist file: its stem, header, key and the columns it cannot do without."""

    key: str
    stem: str
    header: tuple[str, ...]
    key_columns: tuple[str, ...]
    """What identifies a row; a repeat of it in the file is a duplicate."""
    required: tuple[str, ...]
    """Columns the mapping reads: a file without one of them cannot be read (every row
    ``missing_column``). The other columns may be absent (their values are then empty)."""
    order_column: str | None = None
    """The column naming the row's Olist order, if any."""


FILES: Final[tuple[OlistFile, ...]] = (
    OlistFile(
        "orders",
        "olist_orders_dataset",
        (
            "order_id",
            "customer_id",
            "order_status",
            "order_purchase_timestamp",
            "order_approved_at",
            "order_delivered_carrier_date",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
        ),
        ("order_id",),
        (
            "order_id",
            "customer_id",
            "order_status",
            "order_purchase_timestamp",
            "order_delivered_carrier_date",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
        ),
        "order_id",
    ),
    OlistFile(
        "items",
        "olist_order_items_dataset",
        (
            "order_id",
            "order_item_id",
            "product_id",
            "seller_id",
            "shipping_limit_date",
            "price",
            "freight_value",
        ),
        ("order_id", "order_item_id"),
        (
            "order_id",
            "order_item_id",
            "product_id",
            "seller_id",
            "shipping_limit_date",
            "price",
            "freight_value",
        ),
        "order_id",
    ),
    OlistFile(
        "reviews",
        "olist_order_reviews_dataset",
        (
            "review_id",
            "order_id",
            "review_score",
            "review_comment_title",
            "review_comment_message",
            "review_creation_date",
            "review_answer_timestamp",
        ),
        ("review_id", "order_id"),
        ("review_id", "order_id", "review_score", "review_creation_date"),
        "order_id",
    ),
    OlistFile(
        "payments",
        "olist_order_payments_dataset",
        (
            "order_id",
            "payment_sequential",
            "payment_type",
            "payment_installments",
            "payment_value",
        ),
        ("order_id", "payment_sequential"),
        ("order_id", "payment_sequential", "payment_value"),
        "order_id",
    ),
    OlistFile(
        "customers",
        "olist_customers_dataset",
        (
            "customer_id",
            "customer_unique_id",
            "customer_zip_code_prefix",
            "customer_city",
            "customer_state",
        ),
        ("customer_id",),
        (
            "customer_id",
            "customer_unique_id",
            "customer_zip_code_prefix",
            "customer_city",
            "customer_state",
        ),
    ),
    OlistFile(
        "products",
        "olist_products_dataset",
        (
            "product_id",
            "product_category_name",
            "product_name_lenght",
            "product_description_lenght",
            "product_photos_qty",
            "product_weight_g",
            "product_length_cm",
            "product_height_cm",
            "product_width_cm",
        ),
        ("product_id",),
        ("product_id", "product_category_name"),
    ),
    OlistFile(
        "sellers",
        "olist_sellers_dataset",
        ("seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"),
        ("seller_id",),
        ("seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"),
    ),
    OlistFile(
        "translation",
        "product_category_name_translation",
        ("product_category_name", "product_category_name_english"),
        ("product_category_name",),
        ("product_category_name", "product_category_name_english"),
    ),
)
"""The Olist files the adapter reads, in the order they are checked. All are required."""

BY_KEY: Final = {f.key: f for f in FILES}
