"""Scoring: experience scores (Douyin 商家体验分, Taobao 真实体验分) from rulebooks.

Data flow: event tables -> :mod:`.inputs` (shops × dates grid, window sums of
every measure by running sums of deltas; indicators defined in
:mod:`.indicators`) -> :mod:`.compute` (tiers, floors, weights, bonuses,
deductions, stage, clamp, display; one SQL statement compiled from the score
rulebook's rules, grouped by :mod:`.rules`) -> :mod:`.series` (``shop_scores``,
``shop_score_indicators``, ``shop_score_adjustments``) -> :mod:`.gates`
(``shop_gates``, ``service_rankings``). :mod:`.diagnosis` re-runs stage B for
one shop with one raw value replaced. Platforms differ only in their rulebooks.
"""

from merchantry.scoring.display import display_tenths
from merchantry.scoring.stage import ScoreRunSummary, score_shops

__all__ = ["ScoreRunSummary", "display_tenths", "score_shops"]
