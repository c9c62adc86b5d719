"""The creator seeding incentive (种草激励): watch → search → pay attribution and payouts.

Data flow: ``creator_videos``, ``video_views``, ``searches``, ``orders``, ``after_sales``
→ :func:`~merchantry.seeding.attribution.attribute` under a seeding rulebook
(:mod:`merchantry.seeding.rules`, ``rulebooks/seeding/``) → ``seeding_attributions``,
``seeding_payouts``, ``seeding_clawbacks`` → the close posts payouts and clawbacks
(``merchantry.ledger.seeding``) → the daily report (:mod:`merchantry.seeding.report`).
Method and figures: ``docs/seeding.md``.
"""

from merchantry.seeding.attribution import AttributionSummary, attribute
from merchantry.seeding.rules import SeedingRules, load_rules

__all__ = ["AttributionSummary", "SeedingRules", "attribute", "load_rules"]
