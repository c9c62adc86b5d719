"""The consumer display value (消费者端展示分), in Python, for people and tests.

The stage computes the same mapping in SQL (:func:`merchantry.scoring.compute.display_sql`);
a test holds the two equal for every score from 50 to 100.

Douyin (platform-rules.md §1.2): the score is first rounded to whole points
(an assumption: the text's examples use whole scores), then

* 61–100: ``4.0 + ceil((S − 60) / 4) × 0.1`` (97–100 → 5.0, 61–64 → 4.1);
* 50–60: ``3.0 + (S − 50) × 0.1`` (60 → 4.0, 50 → 3.0).

Taobao shows its 3–5 score to one decimal.
"""

from __future__ import annotations

from merchantry.kit.money import div_round


def display_tenths(score_cp: int, mode: str = "douyin_stars") -> int:
    """Display value in tenths (48 = 4.8) of a score in hundredths of a point."""
    if mode == "tenths":
        return div_round(score_cp, 10)
    points = div_round(score_cp, 100)
    if points >= 61:
        return 40 + -(-(points - 60) // 4)
    if points >= 50:
        return 30 + (points - 50)
    return 30
