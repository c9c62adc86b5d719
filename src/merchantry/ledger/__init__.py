"""The ledger stage: an append-only double-entry journal, settlement, deposits, statements.

Data flow: orders, logistics events, after-sales cases, violations and the fee
stage's ``fee_lines`` -> :func:`close_period` (one transaction) -> the schedule
``order_payouts`` and the journal (``journal_entries`` + ``journal_postings``)
-> :func:`shop_statement`, :func:`list_payouts`, :func:`check_journal`. Every
balance is a sum of postings. See ``docs/ledger.md``.
"""

from merchantry.ledger.accounts import Account, PostingRule
from merchantry.ledger.close import CloseSummary, KindCount, close_key, close_period, close_rulebook
from merchantry.ledger.journal import PostResult, entry_id, logical_key
from merchantry.ledger.overturns import apply_overturns, overturn_reversals

__all__ = [
    "Account",
    "CloseSummary",
    "KindCount",
    "PostResult",
    "PostingRule",
    "apply_overturns",
    "close_key",
    "close_period",
    "close_rulebook",
    "entry_id",
    "logical_key",
    "overturn_reversals",
]
