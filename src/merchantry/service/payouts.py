"""Payout webhooks after a close: one ``payout.scheduled`` event per shop and payout day.

The close writes the payout schedule (``order_payouts``); :func:`announce_payouts`
reads it back by day and shop (:func:`merchantry.ledger.payouts.list_payouts`) and
queues the events in the operational database's webhook outbox, which the service's
dispatcher sends (signed, retried, logged). Each event's message id is fixed by what
it says (shop, day, status, orders, amount), so a close run again over the same
period queues nothing new, and a payout whose figures changed is announced again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
from sqlalchemy import Engine

from merchantry.ledger.payouts import PayoutRow, list_payouts
from merchantry.ops.webhooks import enqueue_once

EVENT = "payout.scheduled"


def payout_data(row: PayoutRow) -> dict[str, Any]:
    """The event's ``data``: the day, the shop, settled or scheduled, orders and amount."""
    return {
        "settle_on": row.settle_on.isoformat() if row.settle_on else None,
        "shop_id": row.shop_id,
        "status": row.status,
        "orders": row.orders,
        "amount_fen": row.amount_fen,
    }


def payout_key(row: PayoutRow) -> str:
    """What fixes a payout event's message id: shop, day, status, orders and amount. The
    close's announcement and an operator's manual resend of the same payout share it, so a
    receiver sees one message id however often it is sent."""
    return f"{row.shop_id}|{row.settle_on}|{row.status}|{row.orders}|{row.amount_fen}"


def announce_payouts(engine: Engine, con: duckdb.DuckDBPyConnection, since: date) -> int:
    """Queue the payouts the schedule holds from ``since`` on; how many deliveries."""
    rows = [r for r in list_payouts(con, start=since) if r.settle_on is not None]
    events = [(r.shop_id, payout_data(r), payout_key(r)) for r in rows]
    with engine.begin() as conn:
        return enqueue_once(conn, EVENT, events)
