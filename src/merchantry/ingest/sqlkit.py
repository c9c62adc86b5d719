"""Ingestion's names for the SQL kit (:mod:`merchantry.store.sql`), kept for callers.

Checks are easiest to read as SQL, so they are written as fixed templates whose
*names* (tables, columns) are placeholders spelled ``p_<name>``, filled through the
tree by :func:`merchantry.store.sql.fill` (here also called :func:`render`).
"""

from __future__ import annotations

from merchantry.store.sql import DIALECT, Sub, col, concat, fill, text, text_list, union_all
from merchantry.store.sql import to_sql as sql

render = fill

__all__ = [
    "DIALECT",
    "Sub",
    "col",
    "concat",
    "render",
    "sql",
    "text",
    "text_list",
    "union_all",
]
