"""The journal's index of shops (``journal_shops``): which closes posted each shop.

The deposit stage opens a shop's deposit in the first close of a period that posts
anything for it, so it asks, for each shop owing a deposit and not opened, whether another
close posted the shop. Entries posted apart from a period's close (an overturn's reversal,
a listing penalty, a withdrawal, programme rewards posted on their own: their keys begin
with one of :data:`~merchantry.model.outputs.APART_KEY_PREFIXES`) are not indexed: a shop
that only such entries name is still opened by its first close. Asked of
``journal_entries`` that reads the shop of every entry ever posted, on every day a shop
joins. The index answers it from a row or two per shop: a shop posted by
one close has that close's row, a shop posted by several has two of them (any two
distinct ones say "another close than this one" for every close). The journal keeps it as
it keeps ``journal_movements``: every insert of entries (:mod:`merchantry.ledger.journal`:
new entries, reversals) adds their shops in the same transaction, from the same rows, on
whichever engine posts. Every close checks that each shop it posted is indexed, and
``merchantry ledger-check`` that the index agrees with the entries
(:data:`merchantry.ledger.check.SHOPS_DISAGREE`).
"""

from __future__ import annotations

from typing import Final

from merchantry.store.sql import fill_sql
from merchantry.store.warehouse import by_a_period_close

INDEX_SHOPS_OF: Final = fill_sql(
    """
INSERT INTO journal_shops BY NAME
SELECT shop_id, close_key FROM (
  SELECT n.shop_id, n.close_key, coalesce(i.closes, 0) AS had,
         row_number() OVER (PARTITION BY n.shop_id ORDER BY n.close_key) AS nth
  FROM (
    SELECT DISTINCT shop_id, close_key FROM p_new
    WHERE shop_id IS NOT NULL AND close_key IS NOT NULL AND p_by_a_close
  ) AS n
  LEFT JOIN (
    SELECT shop_id, count(*) AS closes, min(close_key) AS first_key, max(close_key) AS last_key
    FROM journal_shops
    WHERE shop_id IN (SELECT shop_id FROM p_new)
    GROUP BY shop_id
  ) AS i ON i.shop_id = n.shop_id
  WHERE i.shop_id IS NULL OR (n.close_key <> i.first_key AND n.close_key <> i.last_key)
) AS added
WHERE had + nth <= 2
""",
    p_by_a_close=by_a_period_close(),
    p_new="p_new",  # left for the caller to fill
)
"""Add the shops and closes of ``p_new`` (rows of ``shop_id``, ``close_key``: entries being
posted) to the index: for each shop, the closes it does not hold yet, first by key, until it
holds two (a shop with two already is left alone; a row's shop or close missing, or a close
key of entries posted apart from a period's close (:data:`~merchantry.model.outputs.
APART_KEY_PREFIXES`): nothing)."""
