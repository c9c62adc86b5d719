"""The chart of accounts and how fee lines map onto it.

Sign convention (one rule, everywhere): a posting's ``amount_fen`` is what the
account *receives*; a negative amount is what it gives. The legs of every entry
sum to zero, so the sum of every balance in the journal is always zero, and
"what buyers paid" can be traced to the fen into every other account
(``docs/ledger.md``, "Money is conserved").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import sqlglot.expressions as exp


class Account(StrEnum):
    """A ledger account. Per-shop and per-creator accounts carry the owner in ``party``."""

    BUYERS = "buyers"
    """Buyers' money outside the platform: goes negative by what buyers paid, back up by refunds
    and compensation."""
    MERCHANT_PENDING = "merchant_pending"
    """A shop's goods payment not yet settled (待结算): payments in, fees out, until the order's
    settlement date."""
    MERCHANT_AVAILABLE = "merchant_available"
    """A shop's settled money (可提现), payable to the merchant; negative means the shop owes."""
    MERCHANT_HELD = "merchant_held"
    """A shop's settled money the platform holds back (安装冻结: the installation hold; 冻结货款:
    a repeat listing offence's goods-payment freeze, :mod:`merchantry.listings.measures`),
    released to ``merchant_available`` when the hold ends
    (:mod:`merchantry.ledger.install_holds`)."""
    MERCHANT_DEPOSIT = "merchant_deposit"
    """A shop's deposit (保证金) held by the platform."""
    MERCHANT_FUNDS = "merchant_funds"
    """The merchant's own money outside the platform: deposits paid in before the data window."""
    PAYOUTS_CLEARING = "payouts_clearing"
    """Withdrawals to the merchant's bank (hook: no withdrawal events in the data model yet)."""
    CREATOR_PAYABLE = "creator_payable"
    """Affiliate commission owed to a creator, net of the creator service fee, not yet settled."""
    CREATOR_AVAILABLE = "creator_available"
    """Settled commission, payable to the creator."""
    CREATOR_RESERVE = "creator_reserve"
    """Settled commission held back as the creator's reserve (账户预留金) for after-sales
    clawbacks, released to ``creator_available`` when its hold ends."""
    CREATOR_FROZEN = "creator_frozen"
    """A creator's commission frozen after a confirmed creator violation (违规冻结), released
    to ``creator_available`` when the freeze ends."""
    COLONEL_PAYABLE = "colonel_payable"
    """Colonel (团长) service fees owed to colonels, net of the colonel's technical service fee,
    not yet settled. The data names no colonel: one party ('') for all of them."""
    COLONEL_AVAILABLE = "colonel_available"
    """Settled colonel service fees, payable to the colonels."""
    COLONEL_RESERVE = "colonel_reserve"
    """Settled colonel fees held back as the colonel's reserve (账户预留金, the creator's rule:
    5% for 15 days), released to ``colonel_available`` when its hold ends."""
    PLATFORM_FEE_REVENUE = "platform_fee_revenue"
    """Technical service fees from merchants, creators and colonels (net of fee refunds)."""
    PLATFORM_ADS_REVENUE = "platform_ads_revenue"
    """Promotion (ad) fees billed against goods payments (net of promotion-fee refunds)."""
    PLATFORM_SUBSIDY = "platform_subsidy"
    """Money the platform funds: coupon subsidies, premiums it gifts, compensation it bears,
    rewards. Goes negative by what it spends."""
    PROGRAM_COUPONS = "program_coupons"
    """Programme coupons (traffic, 随心推, commission discount) a shop holds and has not spent:
    the platform owes them until they are used or expire (``ledger/rewards.py``)."""
    PLATFORM_INSURANCE = "platform_insurance"
    """Return-shipping insurance (运费险) premiums received."""
    PLATFORM_PENALTIES = "platform_penalties"
    """Deposit deductions for violations."""
    LOGISTICS_CLAIMS = "logistics_claims"
    """Compensation borne by carriers (responsible party: logistics)."""


MERCHANT_ACCOUNTS: Final = (
    Account.MERCHANT_PENDING,
    Account.MERCHANT_AVAILABLE,
    Account.MERCHANT_DEPOSIT,
)
"""The accounts a merchant statement shows."""

PLATFORM_ACCOUNT_BY_FEE_KIND: Final[dict[str, Account]] = {
    "technical_service_fee": Account.PLATFORM_FEE_REVENUE,
    "fee_refund": Account.PLATFORM_FEE_REVENUE,
    "creator_service_fee": Account.PLATFORM_FEE_REVENUE,
    "affiliate_commission": Account.PLATFORM_FEE_REVENUE,
    "colonel_service_fee": Account.PLATFORM_FEE_REVENUE,
    "colonel_technical_fee": Account.PLATFORM_FEE_REVENUE,
    "promotion_fee": Account.PLATFORM_ADS_REVENUE,
    "promotion_fee_refund": Account.PLATFORM_ADS_REVENUE,
    "insurance_premium": Account.PLATFORM_INSURANCE,
    "coupon_subsidy": Account.PLATFORM_SUBSIDY,
}
"""Which platform account the platform side of each fee kind books to."""

REFUND_FEE_KINDS: Final = ("fee_refund", "promotion_fee_refund")
"""Fee kinds that accrue on the refund date (posted in ``fee_refund`` entries)."""


class PostingRule(StrEnum):
    """The ledger's own posting rules, named on legs no rulebook rule decides."""

    PAYMENT = "ledger.payment"
    """The buyer's payment goes into the shop's pending goods payment."""
    REFUND = "ledger.refund"
    """An approved refund goes back to the buyer from the shop's goods payment."""
    COMPENSATION = "ledger.compensation"
    """Compensation paid to the buyer by the responsible party."""
    DEPOSIT_OPENING = "ledger.deposit-opening"
    """A deposit paid before the data window, taken as the amount owed at the first close."""
    REWARD = "ledger.reward"
    """A programme reward credited to the shop."""


def role_account_sql(role: exp.Expr, fee_kind: exp.Expr) -> exp.Expr:
    """SQL: the account a fee line's payer or payee books to (``merchant``/``creator``/
    ``colonel`` are resolved to pending or available by date elsewhere, so they come back
    unchanged)."""
    platform = exp.Case(this=fee_kind.copy())
    for kind, account in PLATFORM_ACCOUNT_BY_FEE_KIND.items():
        platform = platform.when(exp.Literal.string(kind), exp.Literal.string(account.value))
    return (
        exp.Case(this=role.copy())
        .when(exp.Literal.string("platform"), platform)
        .when(exp.Literal.string("buyer"), exp.Literal.string(Account.BUYERS.value))
        .else_(role.copy())
    )
