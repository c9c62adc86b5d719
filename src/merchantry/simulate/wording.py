"""How the simulator words its figures, in the platforms' style, Chinese and English.

Platform announcements say "commission waivers saved merchants ¥X; promotion-fee
refunds returned ¥Y". These helpers turn a policy line's saving into such a
sentence and give segment values readable bilingual labels.
"""

from __future__ import annotations

from typing import Final

from merchantry.kit.money import format_fen
from merchantry.report.names import SEGMENT_DIMENSIONS, SEGMENTS, Vocabulary, humanize, label
from merchantry.simulate.result import LineSaving

REFUND_KINDS: Final = frozenset({"fee_refund", "promotion_fee_refund"})
"""Fee kinds whose lines give money back rather than waive a charge."""

DIMENSION_LABELS: Final = {code: name.label for code, name in SEGMENT_DIMENSIONS.items()}
"""How the simulator splits merchants, in the order the report shows them (names from
:mod:`merchantry.report.names`)."""


def segment_label(segment: str) -> str:
    """Bilingual label of a segment value (a tenure, size, store type or scene, or an
    industry); a code the registry does not know shows as it is."""
    if segment in SEGMENTS:
        return label(Vocabulary.SEGMENT, segment)
    return label(Vocabulary.INDUSTRY, segment)


def line_sentence(line: LineSaving) -> str:
    """One policy line's effect, e.g. ``商品卡免佣 / Product-card waiver: 为商家节省 ¥4.40 …``."""
    amount = format_fen(abs(line.saving_fen))
    if line.saving_fen < 0:
        verb = f"商家多支出 {amount} · cost merchants {amount} more"
    elif line.fee_kinds and REFUND_KINDS.issuperset(line.fee_kinds):
        # Only a line made of refunds gives money back; a waiver whose line also
        # touches fee refunds (less fee, so less to refund) still saves.
        verb = f"为商家返还 {amount} · returned {amount} to merchants"
    else:
        verb = f"为商家节省 {amount} · saved merchants {amount}"
    return f"{humanize(line.title)}: {verb} ({line.orders:,} orders, {line.shops:,} shops)"


def merchants_phrase(saving_fen: int) -> str:
    """Merchants' side of a headline, never a negative saving: "merchants save ¥X",
    "merchants pay ¥X more" or "merchants pay the same"."""
    if saving_fen > 0:
        return f"merchants save {format_fen(saving_fen)}"
    if saving_fen < 0:
        return f"merchants pay {format_fen(-saving_fen)} more"
    return "merchants pay the same"


def platform_phrase(giveup_fen: int) -> str:
    """The platform's side: "the platform gives up ¥X", "the platform collects ¥X more" or
    "the platform's net is unchanged"."""
    if giveup_fen > 0:
        return f"the platform gives up {format_fen(giveup_fen)}"
    if giveup_fen < 0:
        return f"the platform collects {format_fen(-giveup_fen)} more"
    return "the platform's net is unchanged"


def merchants_phrase_zh(saving_fen: int) -> str:
    """Chinese twin of :func:`merchants_phrase`."""
    if saving_fen > 0:
        return f"商家节省 {format_fen(saving_fen)}"
    if saving_fen < 0:
        return f"商家多付 {format_fen(-saving_fen)}"
    return "商家支出不变"


def platform_phrase_zh(giveup_fen: int) -> str:
    """Chinese twin of :func:`platform_phrase`."""
    if giveup_fen > 0:
        return f"平台让利 {format_fen(giveup_fen)}"
    if giveup_fen < 0:
        return f"平台多收 {format_fen(-giveup_fen)}"
    return "平台净收入不变"
