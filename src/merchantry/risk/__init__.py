"""Risk control for after-sales: rings, integrity file, image forensics, decisions, cases.

Data flow:

* ``orders`` identifiers -> :mod:`rings` (components with a hub cap, behaviour
  scores) -> ``risk_rings``, ``risk_ring_members``, ``risk_identifier_hubs``;
* ``after_sales`` + history -> :mod:`features` (point-in-time, no leakage) ->
  :mod:`rules` (the risk rulebook's signals and bands) + :mod:`model`
  (gradient boosting, versioned file) -> :mod:`decisions` -> ``risk_decisions``
  in batch, or :func:`decide` for one request;
* abuse events -> :mod:`integrity` (decayed points, levels A/B/C; merchants see
  only a level) and flagged requests -> :mod:`cases` (state machine, audit
  trail, appeals; overturned journal entries recorded in the warehouse's
  ``overturned_entries`` for the ledger to reverse), in the operational SQL
  database through SQLAlchemy;
* evidence photos -> :mod:`images` (perceptual hashes, EXIF, provenance marks).
"""
