"""Copied listings: the first publisher is protected; linked shops' copies are one cluster."""

from __future__ import annotations

from merchantry.listings.check import check_catalogue
from merchantry.listings.copies import linked_groups
from merchantry.listings.rulebook import ListingRulebook, RuleKind
from merchantry.listings.rules import make_context
from tests.listings.conftest import TODAY, at, listing

ORIGINAL = "设计师原创敦煌飞天帆布托特包QX7K2M系列手工刺绣限量款"
IMAGE = 0x41D97C7CE973F9AD


def _copies(
    book: ListingRulebook, items: list, linked: dict[str, str] | None = None
) -> dict[str, str | None]:
    ctx = make_context(book, [], today=TODAY)
    result = check_catalogue(items, ctx, linked=linked or {})
    return {
        f.sku_id: f.original_sku_id for f in result.findings if f.kind is RuleKind.COPIED_LISTING
    }


def test_the_later_listing_of_another_shop_is_the_copy(book: ListingRulebook) -> None:
    first = listing(ORIGINAL, sku="A", shop="S1", published_at=at(1))
    later = listing(ORIGINAL + "包邮", sku="B", shop="S2", published_at=at(3))
    assert _copies(book, [later, first]) == {"B": "A"}


def test_who_published_first_decides_not_the_order_given(book: ListingRulebook) -> None:
    first = listing(ORIGINAL + "包邮", sku="B", shop="S2", published_at=at(1))
    later = listing(ORIGINAL, sku="A", shop="S1", published_at=at(3))
    assert _copies(book, [later, first]) == {"A": "B"}


def test_a_copy_of_a_copy_leads_back_to_the_first_publisher(book: ListingRulebook) -> None:
    items = [
        listing(ORIGINAL, sku="A", shop="S1", published_at=at(1)),
        listing(ORIGINAL + "包邮", sku="B", shop="S2", published_at=at(2)),
        listing(ORIGINAL + "包邮现货", sku="C", shop="S3", published_at=at(3)),
    ]
    assert _copies(book, items) == {"B": "A", "C": "A"}


def test_same_shop_relisting_and_unrelated_titles_are_not_copies(book: ListingRulebook) -> None:
    items = [
        listing(ORIGINAL, sku="A", shop="S1", published_at=at(1)),
        listing(ORIGINAL + "新色", sku="A2", shop="S1", published_at=at(2)),
        listing("青花缠枝陶瓷马克杯办公室喝水杯子大容量", sku="D", shop="S2", published_at=at(3)),
    ]
    assert _copies(book, items) == {}


def test_the_original_shop_relisting_after_a_copier_is_still_the_first_publisher(
    book: ListingRulebook,
) -> None:
    items = [
        listing("原创设计款", sku="A", shop="S1", published_at=at(1), image_phash=IMAGE),
        listing(
            "另一个标题的包", sku="B", shop="S2", published_at=at(2), image_phash=IMAGE ^ 0b111
        ),
        listing("重新上架的包", sku="A2", shop="S1", published_at=at(3), image_phash=IMAGE ^ 0b11),
    ]
    assert _copies(book, items) == {"B": "A"}


def test_a_near_identical_main_image_is_a_copy_whatever_the_title(book: ListingRulebook) -> None:
    items = [
        listing("原创设计款帆布包", sku="A", shop="S1", published_at=at(1), image_phash=IMAGE),
        listing(
            "完全不同的标题文字",
            sku="B",
            shop="S2",
            published_at=at(2),
            image_phash=IMAGE ^ 0b10101,
        ),
        listing(
            "另一个完全不同的包", sku="C", shop="S3", published_at=at(3), image_phash=IMAGE ^ 0xFFFF
        ),
    ]
    assert _copies(book, items) == {"B": "A"}  # 3 bits apart copies; 16 bits apart does not


def test_a_common_title_many_shops_use_is_nobodys_original(book: ListingRulebook) -> None:
    common = "【直播专享】冰丝速干T恤男夏季学生党宽松"
    items = [listing(common, sku=f"T{k}", shop=f"S{k}", published_at=at(k + 1)) for k in range(5)]
    assert _copies(book, items) == {}


def test_linked_shops_do_not_copy_each_other_but_copy_others_together(
    book: ListingRulebook,
) -> None:
    linked = linked_groups([("S2", "licence:x"), ("S3", "licence:x"), ("S1", "licence:y")])
    assert linked == {"S1": "S1", "S2": "S2", "S3": "S2"}
    items = [
        listing(ORIGINAL, sku="A", shop="S1", published_at=at(1)),
        listing(ORIGINAL + "现货", sku="B", shop="S2", published_at=at(2)),
        listing(ORIGINAL + "包邮", sku="C", shop="S3", published_at=at(3)),
        listing("家族店自有设计款ZQ81PL系列收纳盒实木", sku="E", shop="S2", published_at=at(4)),
        listing("家族店自有设计款ZQ81PL系列收纳盒实木包邮", sku="F", shop="S3", published_at=at(5)),
    ]
    ctx = make_context(book, [], today=TODAY)
    result = check_catalogue(items, ctx, linked=linked)
    copies = {f.sku_id: (f.original_sku_id, f.cluster_id) for f in result.findings}
    assert copies == {"B": ("A", "CC-S2"), "C": ("A", "CC-S2")}
    (cluster,) = result.clusters
    assert cluster.shops == ("S2", "S3")
    assert cluster.copies == ("B", "C")
    assert cluster.originals == ("A",)


def test_listings_put_up_within_a_day_of_each_other_are_not_copies(book: ListingRulebook) -> None:
    """min_gap_hours (24): the same title or picture published by two shops within a day
    comes from one source; from 24 hours on, the later one is a copy."""
    from datetime import timedelta

    first = at(1, 10)
    for gap, expected in (
        (timedelta(hours=23, minutes=59), {}),
        (timedelta(hours=24), {"B": "A"}),
    ):
        title = [
            listing(ORIGINAL, sku="A", shop="S1", published_at=first),
            listing(ORIGINAL + "包邮", sku="B", shop="S2", published_at=first + gap),
        ]
        assert _copies(book, title) == expected, gap
        image = [
            listing("原创设计款手工布艺", sku="A", shop="S1", published_at=first,
                    image_phash=IMAGE),
            listing(
                "另一个标题完全不同的款", sku="B", shop="S2", published_at=first + gap,
                image_phash=IMAGE ^ 0b111,
            ),
        ]  # fmt: skip
        assert _copies(book, image) == expected, gap


def test_a_copy_within_a_day_is_caught_when_it_takes_the_words_and_the_picture(
    book: ListingRulebook,
) -> None:
    """Within 24 hours one signal is not enough (one source's kit shares words or a
    picture); a one-click copy takes both: title alike and image within 6 bits, 2 hours on.
    Any earlier gap too: 1 minute on. A linked shop's quick re-list stays no copy."""
    from datetime import timedelta

    first = at(1, 10)
    for gap in (timedelta(minutes=1), timedelta(hours=2), timedelta(hours=23, minutes=59)):
        items = [
            listing(ORIGINAL, sku="A", shop="S1", published_at=first, image_phash=IMAGE),
            listing(ORIGINAL + "包邮", sku="B", shop="S2", published_at=first + gap,
                    image_phash=IMAGE ^ 0b11),
            # the same kit's words over its own picture: one signal, within the day
            listing(ORIGINAL + "现货", sku="C", shop="S3", published_at=first + gap,
                    image_phash=IMAGE ^ 0xFFFF_0000_0000),
            listing(ORIGINAL + "新款", sku="D", shop="S4", published_at=first + gap,
                    image_phash=IMAGE ^ 0b101),
        ]  # fmt: skip
        assert _copies(book, items, {"S4": "G1", "S1": "G1"}) == {"B": "A"}, gap
