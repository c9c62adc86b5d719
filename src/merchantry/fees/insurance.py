"""Return-shipping insurance (运费险) cover: claim quotes and merchant eligibility.

The premium is a fee line (``insurance_premium``). What the cover pays is not the
merchant's money (the insurer pays the buyer), so it is not a line: the rulebook's
``insurance_terms`` rules state it, and this module applies them.

* :func:`claim_quote`: a return or exchange asked within ``claim_days`` of the order's
  shipment is covered up to ``claim_cap_fen`` (Douyin: ¥24 small item, ¥50 upgraded,
  ¥1,000 bulky; 90 days; docs/sources.md#dy-insurance).
* :func:`merchant_eligibility`: a merchant may switch the cover on when it is neither
  cross-border nor instant retail and its return/exchange rate over orders shipped from
  ``window_from_days`` to ``window_to_days`` before joining is at most
  ``max_return_rate_pct`` (Douyin: the 30 days from 45 to 15 days before, 80%, bulky 50%).
  Shop status and the deposit paid are not checked here.

The first ``insurance_terms`` rule (precedence order) whose condition holds for the
order (or, for eligibility, for the shop with the insurance type set) decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError
from merchantry.model.tables import INSURANCE_TYPES
from merchantry.rulebook.columns import CONDITION_COLUMNS, SCORE_COLUMNS
from merchantry.rulebook.facts import fact_relation
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.rulebook.ruleset import RuleSet

F: Final = "f"
INELIGIBLE_MODES: Final = ("cross_border", "instant_retail")

RETURN_RATE: Final = """
WITH shipped AS (
  SELECT o.order_id
  FROM orders AS o JOIN logistics_events AS l ON l.order_id = o.order_id AND l.event = 'shipped'
  WHERE o.shop_id = $shop
    AND CAST(l.event_at AS DATE) >= $from_day AND CAST(l.event_at AS DATE) < $to_day
  GROUP BY o.order_id
)
SELECT count(*) AS shipped,
       count(*) FILTER (WHERE order_id IN (
         SELECT order_id FROM after_sales
         WHERE type IN ('return_refund', 'exchange') AND outcome <> 'rejected'
       )) AS returned
FROM shipped
"""


@dataclass(frozen=True, slots=True)
class ClaimQuote:
    """What the cover pays on one return, and why."""

    order_id: str
    payable_fen: int
    rule_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether a shop may switch an insurance type on, and why."""

    shop_id: str
    insurance_type: str
    eligible: bool
    return_rate_bp: int | None
    rule_id: str | None
    reason: str
    warning: str = ""
    """Set when the window reaches past the data's last day: the shipments of those days are
    not known, so the answer may change (also said at the end of ``reason``)."""


DATA_END: Final = """
SELECT CAST(greatest((SELECT max(paid_at) FROM orders),
                     (SELECT max(event_at) FROM logistics_events)) AS DATE)
"""


def _window_warning(con: duckdb.DuckDBPyConnection, first: date, last: date) -> str:
    """What a window ``first``..``last`` (both included) past the data's last day leaves out."""
    row = con.execute(DATA_END).fetchone()
    data_end = row[0] if row else None
    if not isinstance(data_end, date) or last <= data_end:
        return ""
    if first > data_end:
        return (
            f"the window {first} – {last} lies wholly after the data's last day, {data_end}: "
            "none of its shipments is known, so its return rate is not either"
        )
    return (
        f"the window {first} – {last} runs past the data's last day, {data_end}: the "
        f"shipments of its last {(last - data_end).days} day(s) are not known"
    )


def _first_rule(
    con: duckdb.DuckDBPyConnection, book: Rulebook, source: exp.Query, params: dict[str, object]
) -> Rule | None:
    """The first ``insurance_terms`` rule whose condition holds on the one-row ``source``."""
    terms = RuleSet.of(book, "insurance_terms", alias=F)
    if not terms:
        return None
    query = exp.select(terms.index()).from_(exp.alias_(exp.Subquery(this=source), F, table=True))
    row = con.execute(query.sql(dialect="duckdb"), params).fetchone()
    if row is None or row[0] is None:
        return None
    return terms.rules[int(row[0]) - 1]


def claim_quote(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    order_id: str,
    freight_fen: int,
    requested_at: datetime,
) -> ClaimQuote:
    """What the order's insurance pays on a return asked at ``requested_at`` that cost
    the buyer ``freight_fen`` of return shipping."""
    if freight_fen < 0:
        raise InputError(f"order {order_id}: return freight must not be negative ({freight_fen})")
    found = con.execute(
        "SELECT paid_at, insurance_type FROM orders WHERE order_id = ?", [order_id]
    ).fetchone()
    if found is None:
        raise InputError(f"no order {order_id!r} in the warehouse")
    paid_at, insurance = found
    paid_on = paid_at.date()
    if requested_at < paid_at:
        raise InputError(
            f"order {order_id} was paid at {paid_at:%Y-%m-%d %H:%M:%S}; a return asked at "
            f"{requested_at:%Y-%m-%d %H:%M:%S}, before the payment, cannot be (check --asked-at)"
        )
    if insurance is None:
        return ClaimQuote(order_id, 0, None, "the order has no return-shipping insurance")
    alias = exp.TableAlias(this=exp.to_identifier("x"))
    facts = (
        exp.select("*")
        .from_(exp.Subquery(this=fact_relation(), alias=alias))
        .where(exp.condition("order_order_id = $order", dialect="duckdb"))
    )
    rule = _first_rule(con, book, facts, {"start": paid_on, "end": paid_on, "order": order_id})
    if rule is None:
        return ClaimQuote(order_id, 0, None, f"no insurance_terms rule covers {insurance}")
    shipped = con.execute(
        "SELECT min(event_at) FROM logistics_events WHERE order_id = ? AND event = 'shipped'",
        [order_id],
    ).fetchone()
    if shipped is None or shipped[0] is None:
        return ClaimQuote(order_id, 0, rule.id, "the order was never shipped")
    if requested_at < shipped[0]:
        raise InputError(
            f"order {order_id} was shipped at {shipped[0]:%Y-%m-%d %H:%M:%S}; a return asked "
            f"at {requested_at:%Y-%m-%d %H:%M:%S}, before the shipment, cannot be (nothing "
            "was sent to return; check --asked-at)"
        )
    days = (requested_at.date() - shipped[0].date()).days
    window = rule.effect.int("claim_days")
    if days > window:
        return ClaimQuote(
            order_id, 0, rule.id, f"asked {days} days after shipment (cover: {window} days)"
        )
    cap = rule.effect.int("claim_cap_fen")
    return ClaimQuote(order_id, min(freight_fen, cap), rule.id, f"covered up to {cap} fen")


def _shop_probe(insurance_type: str) -> exp.Query:
    """One row per shop: its shop columns, ``order.insurance_type`` set, the rest NULL."""
    shop_cols = {
        "shop_shop_id": "s.shop_id",
        "shop_industry": "s.industry",
        "shop_store_type": "s.store_type",
        "shop_store_subtype": "s.store_subtype",
        "shop_tags": "s.tags",
        "shop_entry_plan": "s.entry_plan",
        "shop_business_mode": "s.business_mode",
        "shop_region": "s.region",
        "shop_opened_date": "s.opened_date",
        "shop_age_days": "date_diff('day', s.opened_date, CAST($day AS DATE))",
        "order_paid_date": "CAST($day AS DATE)",
        "category_category_id": "c.category_id",
        "category_industry": "c.industry",
        "category_parent_id": "c.parent_id",
        "category_after_sales_days": "c.after_sales_days",
    }
    columns: list[exp.Expr] = []
    for column in (*CONDITION_COLUMNS, *SCORE_COLUMNS):
        name = column.fact_column
        if name == "order_insurance_type":
            value: exp.Expr = exp.Literal.string(insurance_type)
        elif name in shop_cols:
            value = exp.maybe_parse(shop_cols[name], dialect="duckdb")
        else:
            value = exp.Null()
        columns.append(exp.alias_(value, name))
    return (
        exp.select(*columns)
        .from_("shops AS s")
        .join("categories AS c", on="c.category_id = s.main_category_id", join_type="left")
        .where("s.shop_id = $shop")
    )


def merchant_eligibility(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    shop_id: str,
    insurance_type: str,
    joining_on: date,
) -> Eligibility:
    """May the shop switch ``insurance_type`` on, on ``joining_on``?"""
    if insurance_type not in INSURANCE_TYPES:
        raise InputError(
            f"unknown insurance type {insurance_type!r} (one of {', '.join(INSURANCE_TYPES)})"
        )
    shop = con.execute("SELECT business_mode FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    if shop is None:
        raise InputError(f"no shop {shop_id!r} in the warehouse")

    warning = ""

    def answer(ok: bool, rate: int | None, rule: str | None, why: str) -> Eligibility:
        if warning:
            why = f"{why} (warning: {warning})"
        return Eligibility(shop_id, insurance_type, ok, rate, rule, why, warning)

    if shop[0] in INELIGIBLE_MODES:
        return answer(False, None, None, f"{shop[0]} merchants cannot insure returns")
    rule = _first_rule(con, book, _shop_probe(insurance_type), {"shop": shop_id, "day": joining_on})
    if rule is None:
        return answer(False, None, None, f"no insurance_terms rule covers {insurance_type}")
    from_day = joining_on - timedelta(days=rule.effect.int("window_from_days"))
    to_day = joining_on - timedelta(days=rule.effect.int("window_to_days"))
    window = {"shop": shop_id, "from_day": from_day, "to_day": to_day}
    warning = _window_warning(con, from_day, to_day - timedelta(days=1))
    row = con.execute(RETURN_RATE, window).fetchone()
    shipped, returned = (int(row[0]), int(row[1])) if row else (0, 0)
    limit = rule.effect.int("max_return_rate_pct")
    if shipped == 0:
        return answer(True, None, rule.id, "no orders shipped in the window: nothing to exceed")
    # compare returned / shipped <= limit / 100 exactly, in integers
    ok = returned * 100 <= limit * shipped
    rate = (returned * 10_000) // shipped
    why = f"return rate {returned}/{shipped} {'within' if ok else 'above'} {limit}%"
    return answer(ok, rate, rule.id, why)
