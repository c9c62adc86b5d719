"""Service obligations with a deadline: the merchant's answer to a refund request.

Taobao/Tmall's flash-sale rule (docs/sources.md#tb-flash-sale) gives the merchant **5
business hours** to answer a refund request, unless the instant refund before shipment
(未发货秒退) applies. The ``refund_response`` rule states the hours and the business-day
calendar (which hours count is not published: the shipped calendar is an assumption).

:func:`~merchantry.kit.businessdays.add_business_hours` is the calendar (the one the
settlement's working days use too); :func:`refund_response` says, for one after-sales
case, when the answer was due and whether it came late. The data has no separate "answered"
event: the case's close (approval, rejection or withdrawal) is taken as the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import duckdb

from merchantry.fees.holds import first_rule_for_order
from merchantry.kit.businessdays import BusinessDay, add_business_hours
from merchantry.kit.errors import InputError
from merchantry.rulebook.model import Rulebook

F: Final = "f"

CASE: Final = """
SELECT a.order_id, a.requested_at, a.closed_at, CAST(o.paid_at AS DATE) AS paid_on
FROM after_sales AS a JOIN orders AS o USING (order_id)
WHERE a.case_id = $case
"""


@dataclass(frozen=True, slots=True)
class RefundResponse:
    """When a refund request had to be answered, and whether it was."""

    case_id: str
    rule_id: str | None
    """The ``refund_response`` rule that applies; None when none does (no deadline)."""
    requested_at: datetime
    due_at: datetime | None
    answered_at: datetime | None
    """The case's close; None while it is open."""
    late: bool | None
    """True: answered after the deadline, or still open past it; None: no deadline applies
    or the deadline is still ahead (open case)."""


def refund_response(
    con: duckdb.DuckDBPyConnection, book: Rulebook, case_id: str, *, now: datetime | None = None
) -> RefundResponse:
    """The deadline of after-sales case ``case_id`` under ``book`` and whether it was met
    (``now``: the moment an open case is judged at; without it an open case is not judged)."""
    found = con.execute(CASE, {"case": case_id}).fetchone()
    if found is None:
        raise InputError(f"no after-sales case {case_id!r} in the warehouse")
    order_id, requested_at, closed_at, paid_on = found
    rule = first_rule_for_order(con, book, "refund_response", str(order_id), paid_on)
    if rule is None:
        return RefundResponse(case_id, None, requested_at, None, closed_at, None)
    effect = rule.effect
    calendar = BusinessDay(
        effect.int("opens_hour"), effect.int("closes_hour"), effect.int("weekdays_only")
    )
    due = add_business_hours(requested_at, effect.int("business_hours"), calendar)
    if closed_at is not None:
        late: bool | None = closed_at > due
    elif now is not None and now > due:
        late = True
    else:
        late = None
    return RefundResponse(case_id, rule.id, requested_at, due, closed_at, late)
