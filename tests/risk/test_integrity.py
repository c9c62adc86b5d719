"""Buyer integrity file: events decay by half-life, points set a level, and merchants
see a level only, never another shop's raw records."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta

import pytest

from merchantry.risk.access import AccessDenied, Scope
from merchantry.risk.integrity import (
    AbuseEvent,
    AbuseKind,
    IntegrityView,
    Level,
    buyer_level,
    buyer_records,
    decayed_points,
    derive_events,
    level_for,
    record_events,
)
from merchantry.risk.rings import find_rings
from merchantry.risk.settings import RiskSettings
from tests.risk.factories import T0, add_claim, add_order, add_shop

SETTINGS = RiskSettings(
    integrity_half_life_days=90, integrity_level_b_points=10, integrity_level_c_points=30
)
NOW = datetime(2026, 12, 1)


def event(buyer="B1", points=10, days_ago=0, shop="S1", ref="AS1", kind=AbuseKind.REJECTED_CLAIM):
    return AbuseEvent(buyer, kind, NOW - timedelta(days=days_ago), points, ref, shop)


class TestDecayAndLevels:
    def test_an_event_one_half_life_old_counts_half(self):
        assert decayed_points([event(points=20, days_ago=90)], NOW, SETTINGS) == pytest.approx(10)

    def test_events_after_the_time_asked_do_not_count(self):
        assert decayed_points([event(days_ago=-1)], NOW, SETTINGS) == 0

    @pytest.mark.parametrize(
        ("points", "level"),
        [(0, Level.A), (9.99, Level.A), (10, Level.B), (29.9, Level.B), (30, Level.C)],
    )
    def test_levels_by_decayed_points(self, points, level):
        assert level_for(points, SETTINGS) is level

    def test_a_restricted_buyer_drifts_back_to_normal_without_new_abuse(self, store):
        record_events(store, [event(points=40, ref="AS9")])
        assert buyer_level(store, Scope.operator(), "B1", NOW, SETTINGS).level is Level.C
        later = NOW + timedelta(days=2 * 90)  # 40 -> 10: watch
        assert buyer_level(store, Scope.operator(), "B1", later, SETTINGS).level is Level.B
        much_later = NOW + timedelta(days=3 * 90)  # 5: normal
        assert buyer_level(store, Scope.operator(), "B1", much_later, SETTINGS).level is Level.A


class TestMerchantScope:
    def setup_events(self, store):
        record_events(
            store,
            [
                event(shop="S1", ref="AS1"),
                event(shop="S2", ref="AS2", kind=AbuseKind.REUSED_IMAGE, points=15),
                event(shop=None, ref="RG-B1", kind=AbuseKind.RING_MEMBER, points=25),
            ],
        )

    def test_the_merchant_view_is_a_level_and_nothing_else(self, store):
        self.setup_events(store)
        view = buyer_level(store, Scope.merchant("S2"), "B1", NOW, SETTINGS)
        assert view == IntegrityView("B1", Level.C, NOW)
        assert [f.name for f in fields(IntegrityView)] == ["buyer_id", "level", "as_of"]

    def test_a_merchant_cannot_read_another_shops_raw_records_of_a_buyer(self, store):
        self.setup_events(store)
        seen_by_s2 = buyer_records(store, Scope.merchant("S2"), "B1")
        assert [(e.shop_id, e.source_ref) for e in seen_by_s2] == [("S2", "AS2")]
        assert buyer_records(store, Scope.merchant("S3"), "B1") == []

    def test_an_operator_reads_every_record(self, store):
        self.setup_events(store)
        refs = {e.source_ref for e in buyer_records(store, Scope.operator(), "B1")}
        assert refs == {"AS1", "AS2", "RG-B1"}

    def test_a_merchant_scope_without_a_shop_is_refused(self):
        with pytest.raises(AccessDenied, match="shop id"):
            Scope.merchant("")


def test_recording_the_same_event_twice_keeps_one(store):
    assert record_events(store, [event(ref="AS1")]) == 1
    assert record_events(store, [event(ref="AS1"), event(ref="AS2")]) == 1
    assert len(buyer_records(store, Scope.operator(), "B1")) == 2


def test_instant_refunds_are_counted_over_the_rulebooks_window(warehouse):
    """Four instant refunds 10 days apart, three tolerated: over a 30-day window the fourth
    is the fourth within 30 days; over a 20-day window no window holds more than three."""
    add_shop(warehouse)
    for n in range(4):
        paid = T0 + timedelta(days=10 * n)
        add_order(warehouse, f"OI{n}", "B4", paid_at=paid)
        add_claim(warehouse, f"ASI{n}", f"OI{n}", requested_at=paid + timedelta(minutes=5))
    for days, expected in ((30, {"ASI3"}), (31, {"ASI3"}), (29, set()), (20, set())):
        settings = RiskSettings(
            integrity_instant_refunds_tolerated=3, integrity_instant_refund_window_days=days
        )
        found = {
            e.source_ref
            for e in derive_events(warehouse, settings, NOW)
            if e.kind == AbuseKind.INSTANT_REFUND_ABUSE
        }
        assert found == expected, days


class TestDerivedFromTheWarehouse:
    def test_rejected_claims_reused_photos_instant_refunds_and_ring_membership(self, warehouse):
        add_shop(warehouse)
        add_order(warehouse, "O1", "B1")
        add_claim(warehouse, "AS1", "O1", outcome="rejected", responsible="buyer")
        add_order(warehouse, "O2", "B2", device="shared")
        add_claim(warehouse, "AS2", "O2", images=["ev/x.jpg"])
        add_order(warehouse, "O3", "B3", device="shared")
        add_claim(warehouse, "AS3", "O3", images=["ev/x.jpg"], requested_at=T0 + timedelta(days=3))
        for n in range(5):  # five instant refunds in a day; three are tolerated
            add_order(warehouse, f"OI{n}", "B4", paid_at=T0 + timedelta(hours=n))
            add_claim(
                warehouse,
                f"ASI{n}",
                f"OI{n}",
                reason="changed_mind",
                requested_at=T0 + timedelta(hours=n, minutes=5),
            )
        find_rings(warehouse, RiskSettings(ring_flag_score=50))
        found = {
            (e.kind, e.buyer_id, e.source_ref) for e in derive_events(warehouse, SETTINGS, NOW)
        }
        assert found == {
            (AbuseKind.REJECTED_CLAIM, "B1", "AS1"),
            (AbuseKind.REUSED_IMAGE, "B3", "AS3"),
            (AbuseKind.INSTANT_REFUND_ABUSE, "B4", "ASI3"),
            (AbuseKind.INSTANT_REFUND_ABUSE, "B4", "ASI4"),
            (AbuseKind.RING_MEMBER, "B2", "RG-B2"),
            (AbuseKind.RING_MEMBER, "B3", "RG-B2"),
        }
