"""Compile a checked rulebook into the fee stage's one set-based query.

Shape (each step is ``SELECT f.*, <new columns> FROM <previous> AS f``, so every
compiled condition, rewritten onto ``f``, works at every step)::

    facts  -> match    each condition tested once: first-match index per rule group,
                       one boolean per waiver (shared AND terms hoisted)
           -> rules    the deciding rule of each kind and its number
           -> rates    technical service fee rate, stacked waivers, commission
           -> waived   best waiver per order, promotion fee, creator fee
           -> amounts  every line's amount and baseline, rounded once (kit.money)
           -> per order (MATERIALIZED, only the columns lines read)
           -> lines    one UNION ALL branch per fee kind, keeping matched, non-zero lines

Everything is a sqlglot tree; no SQL text is glued. Kinds without rules in the
rulebook produce no branch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import sqlglot.expressions as exp

from merchantry.fees.compiler import Compiler, F, Value, col, num, step, text
from merchantry.kit.errors import InputError
from merchantry.kit.money import BP_PER_UNIT, apply_rate_sql, div_round_sql, pro_rata_sql
from merchantry.rulebook.effects import Stacking
from merchantry.rulebook.facts import fact_relation, fact_sql
from merchantry.rulebook.model import Rule, Rulebook

LINE_COLUMNS: Final = (
    ("fee_kind", "VARCHAR"),
    ("payer", "VARCHAR"),
    ("payee", "VARCHAR"),
    ("base_fen", "BIGINT"),
    ("rate_bp", "INTEGER"),
    ("amount_fen", "BIGINT"),
    ("baseline_fen", "BIGINT"),
    ("rule_id", "VARCHAR"),
    ("waiver_rule_id", "VARCHAR"),
    ("accrued_on", "DATE"),
)


def _floor_or_multiply(rule: Rule, rate: exp.Expr) -> exp.Expr:
    """The rate after one fee waiver; never above ``rate``."""
    effect = rule.effect
    if effect.text("mode") == "floor":
        return exp.func("least", rate.copy(), num(effect.int("rate_bp")))
    floor = num(effect.int("min_rate_bp"))
    if effect.text("mode") == "subtract":
        scaled: exp.Expr = exp.Sub(this=rate.copy(), expression=num(effect.int("rate_bp")))
    else:
        scaled = div_round_sql(
            exp.Mul(this=rate.copy(), expression=num(effect.int("factor_bp"))), num(BP_PER_UNIT)
        )
    cut = exp.func("least", rate.copy(), exp.func("greatest", floor.copy(), scaled))
    return exp.Case().when(exp.LTE(this=rate.copy(), expression=floor), rate.copy()).else_(cut)


def _fee_base(rule: Rule) -> exp.Expr:
    paid, coupon = col("order_amount_paid_fen"), col("order_platform_coupon_fen")
    if rule.effect.text("fee_base") == "without_shipping":
        goods = exp.Sub(this=col("order_goods_fen"), expression=col("order_merchant_coupon_fen"))
        return exp.func("greatest", goods, num(0))
    return exp.Add(this=paid, expression=coupon)


def _commission_rate(rule: Rule) -> exp.Expr:
    """The commission rate of an order: fixed, or the offered rate held inside the plan's
    allowed range (``min_rate_bp``..``max_rate_bp``)."""
    effect = rule.effect
    rate = effect.text("rate")
    if rate == "fixed":
        return num(effect.int("rate_bp"))
    offered: exp.Expr = col("order_commission_rate_bp")
    if rate == "ad_period":
        offered = exp.func("coalesce", col("order_ad_commission_rate_bp"), offered)
    low, high = effect.int("min_rate_bp"), effect.int("max_rate_bp")
    held = offered.copy()
    if high < 10_000:
        held = exp.func("least", held, num(high))
    if low > 0:
        held = exp.func("greatest", held, num(low))
    if "with_colonel_max_bp" in {k for k, _ in effect.values}:
        room = exp.Sub(
            this=num(effect.int("with_colonel_max_bp")),
            expression=exp.func("coalesce", col("order_colonel_rate_bp"), num(0)),
        )
        held = exp.func("least", held, exp.func("greatest", room, num(0)))
    # least/greatest skip NULLs: an order without an offered rate stays without one
    return exp.Case().when(offered.is_(exp.Null()), exp.Null()).else_(held)


def rules_step(c: Compiler) -> list[tuple[str, exp.Expr]]:
    """The number of the rule that decides each kind (its id is looked up per line)."""
    base = c.rules("base_rate")
    supp_first = c.rules("channel_supplement", Stacking.FIRST)
    supp_add = c.rules("channel_supplement", Stacking.ADD)
    out: list[tuple[str, exp.Expr]] = [
        ("tsf_base_bp", c.first(base, lambda r: num(r.effect.int("rate_bp")))),
        ("tsf_base_fen", c.first(base, _fee_base)),
        (
            "tsf_supp_bp",
            exp.Add(
                this=exp.func("coalesce", c.first(supp_first, _rate), num(0)),
                expression=c.added(supp_add, _rate),
            ),
        ),
    ]
    aff = c.rules("affiliate_commission")
    out += [("aff_rate_bp", c.first(aff, _commission_rate))]
    csf = c.rules("creator_service_fee")
    out += [("csf_rate_bp", c.first(csf, _rate))]
    promo = c.rules("promotion_fee")
    net = c.first(promo, lambda r: exp.Boolean(this=r.effect.text("billing") == "net_deal"))
    out += [("promo_net", net)]
    for kind, prefix, field in (
        ("promotion_fee_refund", "prefund", "share_bp"),
        ("insurance_premium", "ins", "premium_fen"),
        ("coupon_subsidy", "coupon", "share_bp"),
    ):
        rules = c.rules(kind)
        out += [(f"{prefix}_{field}", c.first(rules, _field(field)))]
    refund = c.rules("fee_refund")
    in_period = c.first(refund, lambda r: exp.Boolean(this=r.effect.text("basis") == "in_period"))
    out += [("frefund_in_period", in_period)]
    return out + colonel_rules(c)


def colonel_rules(c: Compiler) -> list[tuple[str, exp.Expr]]:
    """The colonel (团长) fee's rate: the order's colonel rate when a ``colonel_service_fee``
    rule matched and the sale has one, and the platform's share of the fee (no columns for a
    rulebook without such rules)."""
    colonel = c.rules("colonel_service_fee")
    if not colonel:
        return []
    rate = exp.Case().when(c.matched("colonel_service_fee"), col("order_colonel_rate_bp"))
    return [
        ("colonel_rate_bp", rate),
        ("colonel_platform_bp", c.first(colonel, _field("platform_rate_bp"))),
    ]


def colonel_amounts() -> list[tuple[str, exp.Expr]]:
    """The colonel fee on the commission base (rounded once) and the colonel's technical
    service fee on it (rounded once, from the rounded fee), both in one step."""
    fee = apply_rate_sql(col("aff_base_fen"), col("colonel_rate_bp"))
    return [
        ("colonel_fee_fen", fee),
        ("colonel_tech_fen", apply_rate_sql(fee.copy(), col("colonel_platform_bp"))),
    ]


def _field(name: str) -> Value:
    """The integer effect field ``name`` of a rule, as a literal."""

    def value(rule: Rule) -> exp.Expr:
        return num(rule.effect.int(name))

    return value


def _rate(rule: Rule) -> exp.Expr:
    return num(rule.effect.int("rate_bp"))


def rates_step(c: Compiler) -> list[tuple[str, exp.Expr]]:
    """The undiscounted rate, then ``stack`` waivers applied in precedence order."""
    rate: exp.Expr = exp.Add(this=col("tsf_base_bp"), expression=col("tsf_supp_bp"))
    stacked: exp.Expr = rate.copy()
    stack = c.rules("fee_waiver", Stacking.STACK)
    for rule in stack:
        stacked = exp.Case().when(c.flag(rule), _floor_or_multiply(rule, stacked)).else_(stacked)
    last_stack: exp.Expr = exp.Null()
    for rule in stack:
        last_stack = exp.Case().when(c.flag(rule), num(c.waiver_position(rule))).else_(last_stack)
    commission = apply_rate_sql(
        exp.func(
            "greatest",
            exp.Sub(this=col("order_goods_fen"), expression=col("order_merchant_coupon_fen")),
            num(0),
        ),
        col("aff_rate_bp"),
    )
    charged = (
        exp.Case()
        .when(exp.and_(col("promo_net"), col("order_is_instant_refund")), num(0))
        .else_(col("order_ad_cost_fen"))
    )
    return [
        ("tsf_rate_bp", rate),
        ("tsf_stacked_bp", stacked),
        ("tsf_stack_i", last_stack),
        (
            "aff_base_fen",
            exp.func(
                "greatest",
                exp.Sub(this=col("order_goods_fen"), expression=col("order_merchant_coupon_fen")),
                num(0),
            ),
        ),
        ("aff_amount_fen", commission),
        ("promo_charged_fen", charged),
    ]


def _lowest(
    c: Compiler,
    kind: str,
    current: exp.Expr,
    candidate: Callable[[Rule, exp.Expr], exp.Expr],
    label: Callable[[Rule], exp.Expr] = lambda r: text(r.id),
) -> tuple[exp.Expr, exp.Expr]:
    """(lowest value, id of the ``best`` rule that gave it) among matching ``best`` rules.

    ``current`` is the value before them; a candidate never raises it (``least``,
    which skips NULLs, i.e. rules that did not match).
    """
    best = c.rules(kind, Stacking.BEST)
    if not best:
        return current, exp.Null()
    candidates = [exp.Case().when(c.flag(r), candidate(r, current)) for r in best]
    final = exp.func("least", current.copy(), *candidates)
    winner = exp.Case()
    for rule in best:
        hit = exp.and_(c.flag(rule), exp.EQ(this=candidate(rule, current), expression=final.copy()))
        winner = winner.when(hit, label(rule))
    return final, winner


def _promo_waived(rule: Rule, charged: exp.Expr) -> exp.Expr:
    waived = apply_rate_sql(charged, num(rule.effect.int("share_bp")))
    return exp.Sub(this=charged.copy(), expression=waived)


def waived_step(c: Compiler) -> list[tuple[str, exp.Expr]]:
    """Best technical-fee waiver; promotion-fee waivers; the creator service fee."""
    tsf_final, tsf_winner = _lowest(
        c,
        "fee_waiver",
        col("tsf_stacked_bp"),
        _floor_or_multiply,
        lambda r: num(c.waiver_position(r)),
    )
    lowered = exp.LT(this=col("tsf_stacked_bp"), expression=col("tsf_rate_bp"))
    stack_id = exp.Case().when(lowered, col("tsf_stack_i"))
    charged: exp.Expr = col("promo_charged_fen")
    stacked_ids: exp.Expr = exp.Null()
    for rule in c.rules("promotion_fee_waiver", Stacking.STACK):
        stacked_ids = exp.Case().when(c.flag(rule), text(rule.id)).else_(stacked_ids)
        charged = exp.Case().when(c.flag(rule), _promo_waived(rule, charged)).else_(charged)
    promo_final, promo_winner = _lowest(c, "promotion_fee_waiver", charged, _promo_waived)
    dropped = exp.LT(this=col("promo_charged_fen"), expression=col("order_ad_cost_fen"))
    promo_waiver = exp.func(
        "coalesce",
        exp.Case().when(exp.LT(this=promo_final.copy(), expression=charged.copy()), promo_winner),
        exp.Case().when(
            exp.LT(this=charged.copy(), expression=col("promo_charged_fen")), stacked_ids
        ),
        exp.Case().when(dropped, c.rule_of("promotion_fee")),
    )
    return [
        ("tsf_final_bp", tsf_final),
        (
            "tsf_waiver_i",
            exp.func(
                "coalesce",
                exp.Case().when(
                    exp.LT(this=tsf_final.copy(), expression=col("tsf_stacked_bp")), tsf_winner
                ),
                stack_id,
            ),
        ),
        ("promo_amount_fen", promo_final),
        ("promo_waiver_rule", promo_waiver),
        ("csf_amount_fen", apply_rate_sql(col("aff_amount_fen"), col("csf_rate_bp"))),
        *(colonel_amounts() if c.rules("colonel_service_fee") else []),
    ]


def amounts_step() -> list[tuple[str, exp.Expr]]:
    """Every line's amount and baseline, each rounded once (kit.money)."""
    paid = col("order_amount_paid_fen")
    refunded = exp.Case().when(col("frefund_in_period"), col("order_refunded_in_period_fen"))
    refunded = refunded.else_(col("order_refunded_fen"))
    promo_refund = pro_rata_sql(col("promo_amount_fen"), col("order_refunded_fen"), paid)
    return [
        ("tsf_amount_fen", apply_rate_sql(col("tsf_base_fen"), col("tsf_final_bp"))),
        ("tsf_baseline_fen", apply_rate_sql(col("tsf_base_fen"), col("tsf_rate_bp"))),
        ("frefund_part_fen", refunded),
        (
            "prefund_amount_fen",
            exp.Neg(this=exp.paren(apply_rate_sql(promo_refund, col("prefund_share_bp")))),
        ),
        (
            "coupon_amount_fen",
            apply_rate_sql(col("order_platform_coupon_fen"), col("coupon_share_bp")),
        ),
    ]


def refunds_step() -> list[tuple[str, exp.Expr]]:
    """Fee-refund amounts, computed once per order (lines and filters read the columns)."""
    return [
        ("frefund_amount_fen", _neg_pro_rata("tsf_amount_fen")),
        ("frefund_baseline_fen", _neg_pro_rata("tsf_baseline_fen")),
    ]


def _neg_pro_rata(amount: str) -> exp.Expr:
    share = pro_rata_sql(col(amount), col("frefund_part_fen"), col("order_amount_paid_fen"))
    return exp.Neg(this=exp.paren(share))


def _line(values: dict[str, exp.Expr]) -> dict[str, exp.Expr]:
    """Every line column, typed, in ``LINE_COLUMNS`` order (NULL where not given)."""
    return {name: exp.cast(values.get(name, exp.Null()), t) for name, t in LINE_COLUMNS}


def line_values(c: Compiler) -> list[dict[str, exp.Expr]]:
    """The columns of each fee kind's line, for every kind the rulebook has rules for."""
    paid_on, refund_on = col("order_paid_date"), col("order_refunded_on")
    merchant, platform, creator = text("merchant"), text("platform"), text("creator")
    lines: list[dict[str, exp.Expr]] = []

    def add(kind: str, needs: str, present: exp.Expr, **values: exp.Expr) -> None:
        """A line kind: its columns, and ``present``, the cheap test that it exists."""
        if c.rules(needs):
            lines.append({**_line({"fee_kind": text(kind), **values}), "present": present})

    add(
        "technical_service_fee",
        "base_rate",
        c.matched("base_rate"),
        payer=merchant,
        payee=platform,
        base_fen=col("tsf_base_fen"),
        rate_bp=col("tsf_final_bp"),
        amount_fen=col("tsf_amount_fen"),
        baseline_fen=col("tsf_baseline_fen"),
        rule_id=c.rule_of("base_rate"),
        waiver_rule_id=c.waiver_id(col("tsf_waiver_i")),
        accrued_on=paid_on,
    )
    add(
        "affiliate_commission",
        "affiliate_commission",
        c.matched("affiliate_commission"),
        payer=merchant,
        payee=creator,
        base_fen=col("aff_base_fen"),
        rate_bp=col("aff_rate_bp"),
        amount_fen=col("aff_amount_fen"),
        baseline_fen=col("aff_amount_fen"),
        rule_id=c.rule_of("affiliate_commission"),
        accrued_on=paid_on,
    )
    add(
        "creator_service_fee",
        "creator_service_fee",
        exp.and_(c.matched("affiliate_commission"), c.matched("creator_service_fee")),
        payer=creator,
        payee=platform,
        base_fen=col("aff_amount_fen"),
        rate_bp=col("csf_rate_bp"),
        amount_fen=col("csf_amount_fen"),
        baseline_fen=col("csf_amount_fen"),
        rule_id=exp.Case().when(
            c.rule_of("affiliate_commission").is_(exp.Null()).not_(),
            c.rule_of("creator_service_fee"),
        ),
        accrued_on=paid_on,
    )
    colonel_lines(c, add)
    add(
        "promotion_fee",
        "promotion_fee",
        c.matched("promotion_fee"),
        payer=merchant,
        payee=platform,
        base_fen=col("order_ad_cost_fen"),
        amount_fen=col("promo_amount_fen"),
        baseline_fen=col("order_ad_cost_fen"),
        rule_id=c.rule_of("promotion_fee"),
        waiver_rule_id=col("promo_waiver_rule"),
        accrued_on=paid_on,
    )
    add(
        "promotion_fee_refund",
        "promotion_fee_refund",
        exp.and_(c.matched("promotion_fee"), c.matched("promotion_fee_refund")),
        payer=merchant,
        payee=platform,
        base_fen=col("promo_amount_fen"),
        rate_bp=col("prefund_share_bp"),
        amount_fen=col("prefund_amount_fen"),
        baseline_fen=col("prefund_amount_fen"),
        rule_id=exp.Case().when(
            c.rule_of("promotion_fee").is_(exp.Null()).not_(), c.rule_of("promotion_fee_refund")
        ),
        accrued_on=refund_on,
    )
    add(
        "insurance_premium",
        "insurance_premium",
        exp.and_(col("order_insured_by").is_(exp.Null()).not_(), c.matched("insurance_premium")),
        payer=col("order_insured_by"),
        payee=platform,
        amount_fen=col("ins_premium_fen"),
        baseline_fen=col("ins_premium_fen"),
        rule_id=exp.Case().when(
            col("order_insured_by").is_(exp.Null()).not_(), c.rule_of("insurance_premium")
        ),
        accrued_on=paid_on,
    )
    add(
        "coupon_subsidy",
        "coupon_subsidy",
        c.matched("coupon_subsidy"),
        payer=platform,
        payee=merchant,
        base_fen=col("order_platform_coupon_fen"),
        rate_bp=col("coupon_share_bp"),
        amount_fen=col("coupon_amount_fen"),
        baseline_fen=col("coupon_amount_fen"),
        rule_id=c.rule_of("coupon_subsidy"),
        accrued_on=paid_on,
    )
    add(
        "fee_refund",
        "fee_refund",
        exp.and_(c.matched("base_rate"), c.matched("fee_refund")),
        payer=merchant,
        payee=platform,
        base_fen=col("tsf_amount_fen"),
        amount_fen=col("frefund_amount_fen"),
        baseline_fen=col("frefund_baseline_fen"),
        rule_id=exp.Case().when(
            c.rule_of("base_rate").is_(exp.Null()).not_(), c.rule_of("fee_refund")
        ),
        waiver_rule_id=c.waiver_id(col("tsf_waiver_i")),
        accrued_on=refund_on,
    )
    return lines


def colonel_lines(c: Compiler, add: Callable[..., None]) -> None:
    """The colonel (团长) fee lines of a colonel-plan sale with an affiliate commission:
    merchant → colonel at the order's colonel rate on the commission base, and colonel →
    platform (its technical service fee). Refunds claw both back like the commission
    (``merchantry.ledger.postings``)."""
    sale = exp.and_(
        c.matched("affiliate_commission"),
        c.matched("colonel_service_fee"),
        col("order_colonel_rate_bp").is_(exp.Null()).not_(),
    )
    rule = exp.Case().when(sale.copy(), c.rule_of("colonel_service_fee"))
    add(
        "colonel_service_fee",
        "colonel_service_fee",
        sale,
        payer=text("merchant"),
        payee=text("colonel"),
        base_fen=col("aff_base_fen"),
        rate_bp=col("colonel_rate_bp"),
        amount_fen=col("colonel_fee_fen"),
        baseline_fen=col("colonel_fee_fen"),
        rule_id=rule,
        accrued_on=col("order_paid_date"),
    )
    add(
        "colonel_technical_fee",
        "colonel_service_fee",
        sale.copy(),
        payer=text("colonel"),
        payee=text("platform"),
        base_fen=col("colonel_fee_fen"),
        rate_bp=col("colonel_platform_bp"),
        amount_fen=col("colonel_tech_fen"),
        baseline_fen=col("colonel_tech_fen"),
        rule_id=rule.copy(),
        accrued_on=col("order_paid_date"),
    )


def compile_fee_query(rulebook: Rulebook) -> exp.Select:
    """The SELECT producing ``fee_lines`` rows for orders paid in ``$start``..``$end``."""
    c = Compiler(rulebook)
    steps: list[tuple[str, list[tuple[str, exp.Expr]]]] = [
        ("fee_rules", rules_step(c)),
        ("fee_rates", rates_step(c)),
        ("fee_waived", waived_step(c)),
        ("fee_amounts", amounts_step()),
        ("fee_refunds", refunds_step()),
    ]
    kinds = line_values(c)
    steps.insert(0, ("fee_match", c.match_step()))
    needed = {"order_order_id", "shop_shop_id", "order_paid_date"}
    for values in kinds:
        for value in values.values():
            needed.update(node.name for node in value.find_all(exp.Column))
    per_order = exp.select(*[col(name) for name in sorted(needed)]).from_(
        exp.alias_(exp.to_table(steps[-1][0]), F, table=True)
    )
    query: exp.Query | None = None
    for values in kinds:
        present = values.pop("present")
        select = exp.select(
            exp.alias_(text(rulebook.name), "rulebook", quoted=True),
            exp.alias_(col("order_order_id"), "order_id", quoted=True),
            exp.alias_(col("shop_shop_id"), "shop_id", quoted=True),
            *[exp.alias_(v, name, quoted=True) for name, v in values.items()],
            # the order's payment day, on every line (a refund line accrues later): the
            # column a run's delete and totals filter on, so they read that run's days only
            exp.alias_(col("order_paid_date"), "paid_on", quoted=True),
        ).from_(exp.alias_(exp.to_table("fee_per_order"), F, table=True))
        select = select.where(
            exp.and_(
                present,
                exp.or_(
                    exp.NEQ(this=values["amount_fen"].copy(), expression=num(0)),
                    exp.NEQ(this=values["baseline_fen"].copy(), expression=num(0)),
                ),
            )
        )
        query = select if query is None else exp.union(query, select, distinct=False)
    if query is None:
        raise InputError(f"rulebook {rulebook.name!r} has no rule that produces a fee line")
    outer = exp.select(exp.Star()).from_(exp.alias_(exp.Subquery(this=query), "lines", table=True))
    # the fact relation with only the columns some step or line reads (and only the joins
    # those need: a rulebook reading no score drops the score series' ASOF join)
    reads = set(needed)
    for _, columns in steps:
        for _, value in columns:
            reads.update(node.name for node in value.find_all(exp.Column))
    facts = [e.alias_or_name for e in fact_relation().expressions]
    previous: exp.Expr = exp.Subquery(this=fact_sql(columns=[c for c in facts if c in reads]))
    for name, columns in steps:
        outer = outer.with_(name, as_=step(previous, columns), copy=False)
        previous = exp.to_table(name)
    # One materialized row per order with only the columns the lines read; each fee
    # kind is then a cheap filtered branch of a UNION ALL.
    return outer.with_("fee_per_order", as_=per_order, materialized=True, copy=False)
