"""Installation holds (安装冻结): goods payment held back on orders with a promised installation.

Douyin's merchant-installation rule (商家安装服务管理规范, revision in force from 2026-07-02;
docs/sources.md#dy-installation) holds two parts of an order's money when the merchant
promised to install the product itself:

* **settlement hold**: ``settle_share_bp`` (1%) of the goods payment is held when the
  order settles and released when the category's after-sales period ends (counted from
  confirmed receipt);
* **shipment hold**: ``ship_share_bp`` (10%) of the order amount, at most ``ship_cap_fen``
  (¥300), is held from shipment until the installation is done, the order is refunded, or
  ``ship_hold_days`` (180) have passed. The rule takes the buyer's confirmed receipt as the
  moment the installation is done; the data has no separate completion event.

The rulebook's ``installation_hold`` rules state the numbers; the first rule (precedence
order) whose condition holds for the order decides. :func:`installation_holds` computes
what is held and when it is released, for quotes and what-ifs. The ledger close posts the
settlement hold (:mod:`merchantry.ledger.install_holds`, entries ``installation_hold`` and
``installation_release``): the shipment hold ends at receipt, before any settlement, so it
never holds settled money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError
from merchantry.kit.money import apply_rate
from merchantry.rulebook.facts import fact_relation
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.rulebook.ruleset import RuleSet

F: Final = "f"

ORDER_EVENTS: Final = """
SELECT
  o.amount_paid_fen,
  CAST(o.paid_at AS DATE) AS paid_on,
  c.after_sales_days,
  (SELECT min(CAST(event_at AS DATE)) FROM logistics_events
    WHERE order_id = o.order_id AND event = 'shipped') AS shipped_on,
  (SELECT min(CAST(event_at AS DATE)) FROM logistics_events
    WHERE order_id = o.order_id AND event = 'receipt_confirmed') AS received_on,
  (SELECT min(CAST(coalesce(closed_at, requested_at) AS DATE)) FROM after_sales
    WHERE order_id = o.order_id AND outcome = 'approved'
      AND type IN ('refund_only', 'return_refund')) AS refunded_on
FROM orders AS o
LEFT JOIN products AS p ON p.sku_id = o.sku_id
LEFT JOIN categories AS c ON c.category_id = p.category_id
WHERE o.order_id = $order
"""


@dataclass(frozen=True, slots=True)
class InstallationHolds:
    """What an order's installation promise holds back, and until when."""

    order_id: str
    rule_id: str | None
    """The ``installation_hold`` rule that applies; None when none does (nothing held)."""
    settle_hold_fen: int
    settle_released_on: date | None
    """End of the after-sales period (receipt + the category's days); None before receipt."""
    ship_hold_fen: int
    ship_held_from: date | None
    """The shipment day; None while the order has not shipped (nothing held yet)."""
    ship_released_on: date | None
    """Receipt (installation done), refund, or the longest hold, whichever comes first."""
    reason: str


def first_rule_for_order(
    con: duckdb.DuckDBPyConnection, book: Rulebook, kind: str, order_id: str, paid_on: date
) -> Rule | None:
    """The first rule of effect ``kind`` whose condition holds for one order, paid on
    ``paid_on`` (the order's fact row), or None."""
    holds = RuleSet.of(book, kind, alias=F)
    if not holds:
        return None
    alias = exp.TableAlias(this=exp.to_identifier("x"))
    facts = (
        exp.select("*")
        .from_(exp.Subquery(this=fact_relation(), alias=alias))
        .where(exp.condition("order_order_id = $order", dialect="duckdb"))
    )
    query = exp.select(holds.index()).from_(exp.alias_(exp.Subquery(this=facts), F, table=True))
    row = con.execute(
        query.sql(dialect="duckdb"), {"start": paid_on, "end": paid_on, "order": order_id}
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return holds.rules[int(row[0]) - 1]


def installation_holds(
    con: duckdb.DuckDBPyConnection, book: Rulebook, order_id: str
) -> InstallationHolds:
    """The installation holds of ``order_id`` under ``book``, from the warehouse's events."""
    found = con.execute(ORDER_EVENTS, {"order": order_id}).fetchone()
    if found is None:
        raise InputError(f"no order {order_id!r} in the warehouse")
    amount, paid_on, after_sales_days, shipped_on, received_on, refunded_on = found
    rule = first_rule_for_order(con, book, "installation_hold", order_id, paid_on)
    if rule is None:
        return InstallationHolds(
            order_id, None, 0, None, 0, None, None, "no installation_hold rule covers the order"
        )
    effect = rule.effect
    settle_fen = apply_rate(int(amount), effect.int("settle_share_bp"))
    settle_until = (
        received_on + timedelta(days=int(after_sales_days or 0))
        if received_on is not None
        else None
    )
    ship_fen = min(apply_rate(int(amount), effect.int("ship_share_bp")), effect.int("ship_cap_fen"))
    if shipped_on is None:
        return InstallationHolds(
            order_id, rule.id, settle_fen, settle_until, 0, None, None, "not shipped yet"
        )
    ends = [shipped_on + timedelta(days=effect.int("ship_hold_days"))]
    ends += [d for d in (received_on, refunded_on) if d is not None]
    ship_until = min(ends)
    why = (
        "installed (receipt confirmed)"
        if ship_until == received_on
        else "refunded"
        if ship_until == refunded_on
        else f"longest hold ({effect.int('ship_hold_days')} days)"
    )
    return InstallationHolds(
        order_id, rule.id, settle_fen, settle_until, ship_fen, shipped_on, ship_until, why
    )
