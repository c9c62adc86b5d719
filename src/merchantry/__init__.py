"""Merchantry: an open merchant policy engine.

Rulebooks in; fees, ledger postings, payouts, scores, risk decisions, rewards and
reports out, with an answer to "why" for every figure.
"""

__version__ = "0.1.0"
