"""Tables of recommendation governance: what a listing is, and which listings are one.

``product_profiles`` is an input table (one row per SKU, beside ``products``): the
facts similarity needs that a title alone does not carry (the standard product unit,
brand, attributes, the main image's perceptual hash, a content-quality score).
``reco_clusters`` is what ``merchantry reco clusters`` writes: each SKU's cluster of
near-duplicates (re-listed copies, the same SPU in other shops, variants) and the
path by which it joined, so a suppression can say why two listings are one item.
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

MATCH_PATHS: Final = ("self", "same_spu", "image", "title", "variant")
"""How a SKU joined its cluster: ``self`` (it founded it), the same standard product unit
(SPU), a near-identical main image, a near-identical title with agreeing attributes, or a
variant (same title and brand, other colour or size). Meanings in docs/recommendations.md."""

PRODUCT_PROFILES = Table(
    name="product_profiles",
    term_zh="商品画像",
    description=(
        "What recommendation governance knows about a SKU beyond its title: its standard "
        "product unit, brand, attributes (`key=value`), the main image's perceptual hash "
        "and a content-quality score. Optional: a SKU without a row is matched on title, "
        "category and price alone."
    ),
    primary_key=("sku_id",),
    load_after=("products",),
    columns=(
        Column("sku_id", T.TEXT, "SKU.", "SKU ID", references="products.sku_id"),
        Column(
            "spu_id",
            T.TEXT,
            "Standard product unit (the same product whoever sells it), when known.",
            "标准产品单元（SPU）",
            nullable=True,
        ),
        Column("brand", T.TEXT, "Brand, when known.", "品牌", nullable=True),
        Column(
            "attributes",
            T.TEXT_LIST,
            "Attributes as `key=value` (material, colour, size, spec, certification…).",
            "商品属性",
            nullable=True,
        ),
        Column(
            "image_phash",
            T.TEXT,
            "64-bit perceptual hash of the main image, 16 hex digits (imagehash.phash).",
            "主图感知哈希",
            nullable=True,
        ),
        Column(
            "content_quality",
            T.INT,
            "Content-quality score of the listing (images, detail page, video), 0-100.",
            "内容质量分",
            nullable=True,
            minimum=0,
            maximum=100,
        ),
    ),
)

RECO_CLUSTERS = Table(
    name="reco_clusters",
    term_zh="同款聚类",
    description=(
        "Clusters of near-duplicate listings, one row per SKU: the cluster (named by its "
        "smallest SKU id), the SKU it was matched to and the path of the match. Written by "
        "`merchantry reco clusters`; new products join existing clusters incrementally."
    ),
    primary_key=("sku_id",),
    columns=(
        Column("sku_id", T.TEXT, "SKU.", "SKU ID"),
        Column("cluster_id", T.TEXT, "Cluster: its smallest SKU id.", "同款簇ID"),
        Column(
            "matched_sku_id",
            T.TEXT,
            "SKU it was matched to (empty for a cluster's founder).",
            "匹配SKU",
            nullable=True,
        ),
        Column("path", T.TEXT, "How it joined.", "匹配方式", choices=MATCH_PATHS),
        Column(
            "similarity_pm",
            T.INT,
            "Similarity of the match, per mille (1000: identical).",
            "相似度（千分比）",
            minimum=0,
            maximum=1000,
        ),
    ),
)
