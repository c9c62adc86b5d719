"""The journal's index of shops (``journal_shops``): which closes posted each shop.

The deposit stage opens a shop's deposit in the first close that posts anything for it,
so it asks, for each shop owing a deposit and not opened, whether another close posted
the shop. Asked of ``journal_entries`` that reads the shop of every entry ever posted, on
every day a shop joins. The index answers it from a row or two per shop: a shop posted by
one close has that close's row, a shop posted by several has two of them (any two
distinct ones say "another close than this one" for every close). :func:`index_shops`
keeps it in the close's transaction, after its entries and before its checks: from the
entries past the close's mark on the warehouse, by the close's key where tables have no row
ids (on Spark). The close checks that every shop it posted is indexed, and ``merchantry
ledger-check`` that the index agrees with the entries.
"""

from __future__ import annotations

from typing import Final

import duckdb

from merchantry.ledger.overturns import CLOSE_KEY_PREFIX
from merchantry.store.sql import fill_sql, parse, run_sql

NEW_SHOPS_OF: Final = """
INSERT INTO journal_shops BY NAME
SELECT shop_id, min(close_key) AS close_key
FROM p_new
WHERE shop_id IS NOT NULL AND close_key IS NOT NULL
  AND shop_id NOT IN (SELECT shop_id FROM journal_shops)
GROUP BY shop_id
"""
"""Shops the index has no row for, with the first (by key) of the closes that posted them in
``p_new``."""

SECOND_CLOSES_OF: Final = """
INSERT INTO journal_shops BY NAME
SELECT n.shop_id, min(n.close_key) AS close_key
FROM (
  SELECT DISTINCT shop_id, close_key FROM p_new
  WHERE shop_id IS NOT NULL AND close_key IS NOT NULL
) AS n
JOIN (
  SELECT shop_id, min(close_key) AS close_key FROM journal_shops
  GROUP BY shop_id HAVING count(*) = 1
) AS one ON one.shop_id = n.shop_id
WHERE n.close_key <> one.close_key
GROUP BY n.shop_id
"""
"""Shops the index knows from one close only that another close posted in ``p_new``: a
second row (after :data:`NEW_SHOPS_OF`, which gave a new shop its first)."""

SINCE: Final = "SELECT shop_id, close_key FROM journal_entries WHERE rowid >= $entries_from"
"""The entries appended since a close's mark (the warehouse's close)."""

BY_KEY: Final = (
    "SELECT shop_id, close_key FROM journal_entries"
    " WHERE close_key = $close_key OR starts_with(close_key, $overturn)"
)
"""The entries a close posted, found by its key and the overturns' (where tables have no
row ids, the close on Spark: every entry of the key, which indexes the same shops)."""

NEW_SHOPS: Final = fill_sql(NEW_SHOPS_OF, p_new=parse(SINCE))
SECOND_CLOSES: Final = fill_sql(SECOND_CLOSES_OF, p_new=parse(SINCE))
NEW_SHOPS_BY_KEY: Final = fill_sql(NEW_SHOPS_OF, p_new=parse(BY_KEY))
SECOND_CLOSES_BY_KEY: Final = fill_sql(SECOND_CLOSES_OF, p_new=parse(BY_KEY))


def index_shops(con: duckdb.DuckDBPyConnection, entries_from: int | None, close_key: str) -> None:
    """Add to ``journal_shops`` the shops and closes of the entries appended since row
    ``entries_from`` (inside the close's transaction), or, with ``None`` (an engine without
    row ids), of every entry of ``close_key`` and of the overturns."""
    if entries_from is None:
        keyed = {"close_key": close_key, "overturn": CLOSE_KEY_PREFIX}
        run_sql(con, NEW_SHOPS_BY_KEY, keyed)
        run_sql(con, SECOND_CLOSES_BY_KEY, keyed)
        return
    params = {"entries_from": entries_from}
    run_sql(con, NEW_SHOPS, params)
    run_sql(con, SECOND_CLOSES, params)
