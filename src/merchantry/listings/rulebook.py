"""The listing rulebook: YAML -> checked, immutable rules, or diagnostics with file/line/field.

A listing rulebook (``rulebooks/listings/*.yaml``) is its own effect family: each rule names a
detector (``kind``), its source in the rule centre, the outcome at publication and on a live
listing, and, when it records a violation, the ``violations`` kind and points. It lives in its own
folder, like the customer-service rulebooks, so the fee/score compiler never reads it.
:func:`check_listing_rulebook` returns every problem at once; :func:`load_listing_rulebook`
raises them as one :class:`~merchantry.kit.errors.InputError`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from merchantry.kit.errors import Diagnostic, InputError, has_errors
from merchantry.model.tables import VIOLATION_KINDS
from merchantry.rulebook.library import NAME_PATTERN
from merchantry.rulebook.yamlcheck import read_yaml, shipped_folder, shipped_names
from merchantry.rulebook.yamlsource import LineList, LineMap

DEFAULT_RULEBOOK: Final = "listings-2026"


class RuleKind(StrEnum):
    """The detectors a listing rule can name (one per kind of violation)."""

    MATERIAL_CLAIM = "material_claim"
    """The title names a material the stated composition lacks (or a purity it lacks)."""
    ORIGIN_CLAIM = "origin_claim"
    """A produce title names a place in another province than the one it ships from."""
    COUNT_CLAIM = "count_claim"
    """The title claims more pieces/sheets/bags than the stated count."""
    ABSOLUTE_TERMS = "absolute_terms"
    """The title or a creator caption uses a forbidden absolute word (最, 第一, 国家级…)."""
    SUBSIDY_LABEL = "subsidy_label"
    """The national-subsidy (国补) label on a product outside the programme."""
    UNAUTHORISED_BRAND = "unauthorised_brand"
    """A brand named or declared without the shop's authorisation on record."""
    PRICE_BELOW_BAND = "price_below_band"
    """A branded listing priced far below the brand's usual band (counterfeit suspicion)."""
    COPIED_LISTING = "copied_listing"
    """A near-duplicate of another shop's earlier listing (title or main image)."""
    CAPTION_CLAIM = "caption_claim"
    """A creator video caption claims what the listing's attributes contradict (a material,
    an origin, a count, the 国补 subsidy)."""


class Outcome(StrEnum):
    """What happens to a listing that breaks a rule."""

    BLOCK = "block"
    """Publication refused until the listing is fixed (pre-publish check)."""
    WARN = "warn"
    """The merchant is told; the listing stays (or is published)."""
    TAKE_DOWN = "take_down"
    """A live listing is taken off sale (商品下架)."""
    BAN = "ban"
    """A live listing is banned (商品封禁): off sale and not to be published again. Only an
    escalation step gives it (a repeat offence in the same scene)."""


PUBLISH_OUTCOMES: Final = (Outcome.BLOCK, Outcome.WARN)
LIVE_OUTCOMES: Final = (Outcome.TAKE_DOWN, Outcome.WARN)
STEP_OUTCOMES: Final = (Outcome.TAKE_DOWN, Outcome.BAN)
RECORDED_OUTCOMES: Final = (Outcome.TAKE_DOWN, Outcome.BAN)
"""Live outcomes that record the rule's violation (a warning records none)."""


@dataclass(frozen=True, slots=True)
class Source:
    ref: str
    """Rule-centre entry id (douyin-rule-centre-catalogue.json)."""
    title: str


@dataclass(frozen=True, slots=True)
class WordList:
    """A published, versioned list of forbidden words."""

    name: str
    version: str
    words: frozenset[str]
    prefixes: tuple[str, ...]
    """A token starting with one of these (最美, 第一名) is a hit unless exempt."""
    exempt: frozenset[str]
    """Honest words containing a listed word (最近, 第一次): never hits."""
    source: Source


class RestrictionKind(StrEnum):
    """A measure against the shop (not one listing) that an escalation step imposes."""

    PRESALE_CLOSED = "presale_closed"
    """关闭预售权限: the shop may not publish presale listings (the pre-publish check blocks
    a listing marked presale)."""
    SUSPENDED = "suspended"
    """停业整顿: the shop may publish nothing (the pre-publish check blocks every listing) and
    its goods are withheld from recommendations."""
    CLOSED = "closed"
    """店铺清退: the shop is cleared out: as suspended, for good."""


SHOP_BLOCKING: Final = (RestrictionKind.SUSPENDED, RestrictionKind.CLOSED)
"""Restrictions under which the shop may publish nothing and is not recommended."""


@dataclass(frozen=True, slots=True)
class Restriction:
    kind: RestrictionKind
    days: int | None
    """How long from the offence; None: for good (永久)."""


@dataclass(frozen=True, slots=True)
class Penalty:
    """违约金: a share of the violating listing's settled sales over the days before the
    offence, within bounds, deducted from the shop's deposit."""

    rate_bp: int
    basis_days: int
    min_fen: int
    max_fen: int

    def amount(self, sales_fen: int) -> int:
        """``rate_bp`` of ``sales_fen`` (half up, at line level), held within the bounds."""
        share = (sales_fen * self.rate_bp * 2 + 10_000) // 20_000
        return max(self.min_fen, min(self.max_fen, share))


@dataclass(frozen=True, slots=True)
class Freeze:
    """冻结违规商品货款: the violating listing's goods payments over the ``basis_days`` before
    the offence, held from the shop's settled money for ``days``, then released."""

    basis_days: int
    days: int


@dataclass(frozen=True, slots=True)
class EscalationStep:
    from_offence: int
    """The step applies from this offence in the same scene (1 = the first)."""
    outcome: Outcome
    measures: str
    """The platform's measures at this step, as the source names them."""
    restrictions: tuple[Restriction, ...] = ()
    """Shop restrictions the step imposes (``shop_restrictions``)."""
    penalty: Penalty | None = None
    """The penalty deducted from the deposit (``deposit_penalty`` entries)."""
    freeze: Freeze | None = None
    """The goods payments frozen (``goods_freeze`` and ``goods_freeze_release`` entries)."""


@dataclass(frozen=True, slots=True)
class Escalation:
    """A ladder of outcomes by how many violations a shop has in one scene (one rule)."""

    name: str
    window_days: int
    """Offences older than this many days before an offence do not count towards it."""
    steps: tuple[EscalationStep, ...]
    """Ascending ``from_offence``; the first starts at 1."""
    source: Source
    assumption: bool = False
    why: str = ""

    def step(self, offence: int) -> EscalationStep:
        return [s for s in self.steps if s.from_offence <= offence][-1]


@dataclass(frozen=True, slots=True)
class ListingRule:
    rule_id: str
    kind: RuleKind
    title: str
    source: Source
    at_publish: Outcome
    when_live: Outcome
    points: int
    violation: str | None
    """Kind of the ``violations`` row recorded (None: no violation, only the outcome)."""
    params: Mapping[str, Any] = field(default_factory=dict)
    word_list: str | None = None
    assumption: bool = False
    why: str = ""
    escalation: Escalation | None = None
    """Repeat offences escalate the live outcome (``escalations`` of the rulebook)."""

    def outcome(self, live: bool) -> Outcome:
        return self.when_live if live else self.at_publish


@dataclass(frozen=True, slots=True)
class ListingRulebook:
    name: str
    title: str
    effective_from: date
    rules: tuple[ListingRule, ...]
    word_lists: Mapping[str, WordList]
    places: Mapping[str, str]
    """Place (province, city, producing area) -> its province."""
    path: str

    def rule(self, kind: RuleKind) -> ListingRule | None:
        return next((r for r in self.rules if r.kind is kind), None)


def shipped_listing_dir() -> Path:
    """Folder of the shipped listing rulebooks."""
    return shipped_folder("listings")


class _Reporter:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[Diagnostic] = []

    def error(
        self, line: int | None, field_path: str, code: str, message: str, hint: str = ""
    ) -> None:
        self.items.append(Diagnostic(self.source, line, code, message, hint, field_path))


_TOP_KEYS: Final = frozenset(
    {"rulebook", "title", "effective", "word_lists", "places", "escalations", "rules"}
)
_RULE_KEYS: Final = frozenset(
    {
        "id",
        "kind",
        "title",
        "source",
        "violation",
        "points",
        "at_publish",
        "when_live",
        "params",
        "word_list",
        "escalation",
        "assumption",
        "why",
    }
)


def _text(m: LineMap, key: str, where: str, rep: _Reporter, required: bool = True) -> str | None:
    value = m.get(key)
    if value is None:
        if required:
            rep.error(m.line, f"{where}.{key}", "missing-field", f"{where}: `{key}` is required")
        return None
    if not isinstance(value, str) or not value.strip():
        rep.error(
            m.line_of(key), f"{where}.{key}", "bad-type", f"{where}.{key} must be a non-empty text"
        )
        return None
    return value


def _source(m: LineMap, where: str, rep: _Reporter) -> Source | None:
    raw = m.get("source")
    if not isinstance(raw, LineMap):
        rep.error(
            m.line_of("source"),
            f"{where}.source",
            "missing-source",
            f"{where}: every rule and word list needs `source: {{ref, title}}`",
            "the rule-centre entry id and title the rule encodes",
        )
        return None
    ref = _text(raw, "ref", f"{where}.source", rep)
    title = _text(raw, "title", f"{where}.source", rep)
    return Source(str(ref), str(title)) if ref and title else None


def _words(m: LineMap, key: str, where: str, rep: _Reporter) -> tuple[str, ...]:
    raw = m.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(w, str) and w for w in raw):
        rep.error(
            m.line_of(key), f"{where}.{key}", "bad-type", f"{where}.{key} must be a list of words"
        )
        return ()
    return tuple(raw)


def _provenance(m: LineMap, where: str, rep: _Reporter) -> tuple[bool, str]:
    assumption = m.get("assumption", False)
    if not isinstance(assumption, bool):
        rep.error(
            m.line_of("assumption"),
            f"{where}.assumption",
            "bad-type",
            f"{where}.assumption must be true or false",
        )
        return False, ""
    why = m.get("why", "")
    if assumption and (not isinstance(why, str) or not why.strip()):
        rep.error(
            m.line_of("assumption"),
            f"{where}.why",
            "assumption-without-why",
            f"{where}: `assumption: true` needs `why` (what is assumed and on what ground)",
        )
    return assumption, str(why or "")


def _escalation(name: str, m: Any, line: int, rep: _Reporter) -> Escalation | None:
    where = f"escalations.{name}"
    if not isinstance(m, LineMap):
        rep.error(line, where, "bad-type", f"{where} must be a mapping")
        return None
    source = _source(m, where, rep)
    window = m.get("window_days")
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        rep.error(
            m.line_of("window_days"),
            f"{where}.window_days",
            "bad-value",
            f"{where}.window_days must be a whole number of days, at least 1",
        )
        window = None
    raw = m.get("steps")
    steps: list[EscalationStep] = []
    bad_steps: set[int] = set()
    items: list[tuple[Any, int]] = []
    if not isinstance(raw, LineList) or not raw:
        rep.error(m.line_of("steps"), f"{where}.steps", "bad-type", f"{where}.steps: a list")
    else:
        items = list(zip(raw, raw.item_lines, strict=True))
    for k, (step, step_line) in enumerate(items):
        at = f"{where}.steps[{k}]"
        start = step.get("from") if isinstance(step, LineMap) else None
        outcome = step.get("outcome") if isinstance(step, LineMap) else None
        measures = step.get("measures") if isinstance(step, LineMap) else None
        previous = steps[-1].from_offence if steps else 0
        if not isinstance(start, int) or isinstance(start, bool) or start <= previous:
            rep.error(
                step_line,
                f"{at}.from",
                "bad-step",
                f"{at}.from must be a whole number above the step before ({previous})",
            )
        elif not steps and start != 1:
            rep.error(step_line, f"{at}.from", "bad-step", f"{at}: the first step is from 1")
        elif outcome not in {o.value for o in STEP_OUTCOMES}:
            rep.error(
                step_line,
                f"{at}.outcome",
                "bad-outcome",
                f"{at}.outcome: {outcome!r} is not one of {', '.join(STEP_OUTCOMES)}",
            )
        elif not isinstance(measures, str) or not measures.strip():
            rep.error(step_line, f"{at}.measures", "missing-field", f"{at}: `measures` needed")
        else:
            assert isinstance(step, LineMap)
            restrictions = _restrictions(step, step_line, at, rep)
            penalty = _penalty(step, step_line, at, rep)
            freeze = _freeze(step, step_line, at, rep)
            if restrictions is None or penalty is False or freeze is False:
                bad_steps.add(k)
                restrictions, penalty, freeze = (), None, None
            steps.append(
                EscalationStep(
                    start,
                    Outcome(outcome),
                    measures,
                    restrictions,
                    penalty if isinstance(penalty, Penalty) else None,
                    freeze if isinstance(freeze, Freeze) else None,
                )
            )
    assumption, why = _provenance(m, where, rep)
    if source is None or window is None or len(steps) != len(items) or not steps or bad_steps:
        return None
    return Escalation(name, window, tuple(steps), source, assumption, why)


_STEP_KEYS: Final = frozenset({"from", "outcome", "measures", "restrictions", "penalty", "freeze"})


def _whole(m: LineMap, key: str, at: str, rep: _Reporter, line: int, low: int = 0) -> int | None:
    value = m.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        rep.error(
            m.line_of(key) or line,
            f"{at}.{key}",
            "bad-value",
            f"{at}.{key} must be a whole number, at least {low}",
        )
        return None
    return value


def _restrictions(
    step: LineMap, line: int, at: str, rep: _Reporter
) -> tuple[Restriction, ...] | None:
    """The step's ``restrictions`` (``[{kind, days}]``; no ``days``: for good), or None when
    one is wrong (each problem reported)."""
    for key in sorted(set(step) - _STEP_KEYS):
        rep.error(
            step.line_of(key) or line,
            f"{at}.{key}",
            "unknown-field",
            f"{at}: unknown field `{key}`",
            "known: " + ", ".join(sorted(_STEP_KEYS)),
        )
    raw = step.get("restrictions", [])
    if not isinstance(raw, list):
        rep.error(line, f"{at}.restrictions", "bad-type", f"{at}.restrictions: a list")
        return None
    found: list[Restriction] = []
    ok = not (set(step) - _STEP_KEYS)
    for k, item in enumerate(raw):
        where = f"{at}.restrictions[{k}]"
        kind = item.get("kind") if isinstance(item, LineMap) else None
        if kind not in {r.value for r in RestrictionKind}:
            rep.error(
                line,
                f"{where}.kind",
                "unknown-restriction",
                f"{where}: unknown restriction {kind!r}",
                "known: " + ", ".join(r.value for r in RestrictionKind),
            )
            ok = False
            continue
        assert isinstance(item, LineMap)
        days = None
        if "days" in item:
            days = _whole(item, "days", where, rep, line, low=1)
            if days is None:
                ok = False
                continue
        found.append(Restriction(RestrictionKind(kind), days))
    return tuple(found) if ok else None


def _penalty(step: LineMap, line: int, at: str, rep: _Reporter) -> Penalty | bool | None:
    """The step's ``penalty``; None without one; False when it is wrong (reported)."""
    raw = step.get("penalty")
    if raw is None:
        return None
    where = f"{at}.penalty"
    if not isinstance(raw, LineMap):
        rep.error(line, where, "bad-type", f"{where}: a mapping (rate_bp, basis_days, min/max)")
        return False
    values = [
        _whole(raw, "rate_bp", where, rep, line, low=1),
        _whole(raw, "basis_days", where, rep, line, low=1),
        _whole(raw, "min_fen", where, rep, line),
        _whole(raw, "max_fen", where, rep, line, low=1),
    ]
    rate, days, low, high = values
    if rate is None or days is None or low is None or high is None:
        return False
    if low > high:
        rep.error(
            raw.line_of("min_fen") or line,
            f"{where}.min_fen",
            "bad-value",
            f"{where}: min_fen {low} is above max_fen {high}",
        )
        return False
    return Penalty(rate, days, low, high)


def _freeze(step: LineMap, line: int, at: str, rep: _Reporter) -> Freeze | bool | None:
    """The step's ``freeze`` (``{basis_days, days}``); None without one; False when wrong."""
    raw = step.get("freeze")
    if raw is None:
        return None
    where = f"{at}.freeze"
    if not isinstance(raw, LineMap):
        rep.error(line, where, "bad-type", f"{where}: a mapping (basis_days, days)")
        return False
    for key in sorted(set(raw) - {"basis_days", "days"}):
        rep.error(
            raw.line_of(key) or line,
            f"{where}.{key}",
            "unknown-field",
            f"{where}: unknown field `{key}`",
            "known: basis_days, days",
        )
        return False
    basis = _whole(raw, "basis_days", where, rep, line, low=1)
    days = _whole(raw, "days", where, rep, line, low=1)
    if basis is None or days is None:
        return False
    return Freeze(basis, days)


def _word_list(name: str, m: Any, line: int, rep: _Reporter) -> WordList | None:
    where = f"word_lists.{name}"
    if not isinstance(m, LineMap):
        rep.error(line, where, "bad-type", f"{where} must be a mapping")
        return None
    version = m.get("version")
    if not isinstance(version, str) or not version:
        rep.error(
            m.line_of("version"),
            f"{where}.version",
            "missing-version",
            f"{where}: a published list needs a `version` text",
        )
    source = _source(m, where, rep)
    _provenance(m, where, rep)
    words = _words(m, "words", where, rep)
    if not words:
        rep.error(m.line_of("words"), f"{where}.words", "empty-list", f"{where}.words is empty")
    exempt = _words(m, "exempt", where, rep)
    clash = sorted(set(words) & set(exempt))
    if clash:
        rep.error(
            m.line_of("exempt"),
            f"{where}.exempt",
            "exempt-and-forbidden",
            f"{where}: {', '.join(clash)} both forbidden and exempt",
        )
    if source is None or not isinstance(version, str):
        return None
    return WordList(
        name,
        version,
        frozenset(words),
        _words(m, "prefixes", where, rep),
        frozenset(exempt),
        source,
    )


def _rule(
    m: Any,
    line: int,
    index: int,
    lists: Mapping[str, WordList],
    rep: _Reporter,
    ladders: Mapping[str, Escalation] | None = None,
) -> ListingRule | None:
    where = f"rules[{index}]"
    if not isinstance(m, LineMap):
        rep.error(line, where, "bad-type", f"{where} must be a mapping")
        return None
    for key in sorted(set(m) - _RULE_KEYS):
        rep.error(
            m.line_of(key),
            f"{where}.{key}",
            "unknown-field",
            f"{where}: unknown field `{key}`",
            "known: " + ", ".join(sorted(_RULE_KEYS)),
        )
    rule_id = _text(m, "id", where, rep)
    where = f"rules[{index}] ({rule_id})" if rule_id else where
    title = _text(m, "title", where, rep)
    kind_text = _text(m, "kind", where, rep)
    kind = None
    if kind_text is not None:
        try:
            kind = RuleKind(kind_text)
        except ValueError:
            rep.error(
                m.line_of("kind"),
                f"{where}.kind",
                "unknown-kind",
                f"{where}: unknown kind {kind_text!r}",
                "known: " + ", ".join(k.value for k in RuleKind),
            )
    source = _source(m, where, rep)
    outcomes: dict[str, Outcome] = {}
    for key, allowed in (("at_publish", PUBLISH_OUTCOMES), ("when_live", LIVE_OUTCOMES)):
        text = _text(m, key, where, rep)
        if text is None:
            continue
        if text not in {o.value for o in allowed}:
            rep.error(
                m.line_of(key),
                f"{where}.{key}",
                "bad-outcome",
                f"{where}.{key}: {text!r} is not one of {', '.join(allowed)}",
            )
            continue
        outcomes[key] = Outcome(text)
    points = m.get("points", 0)
    if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= 100:
        rep.error(
            m.line_of("points"),
            f"{where}.points",
            "bad-points",
            f"{where}.points must be a whole number 0..100",
        )
        points = 0
    violation = m.get("violation")
    if violation is not None and violation not in VIOLATION_KINDS:
        rep.error(
            m.line_of("violation"),
            f"{where}.violation",
            "unknown-violation",
            f"{where}.violation: {violation!r} is no violations kind",
            "known: " + ", ".join(VIOLATION_KINDS),
        )
    if violation is None and points:
        rep.error(
            m.line_of("points"),
            f"{where}.points",
            "points-without-violation",
            f"{where}: points need a `violation` kind to be recorded under",
        )
    params = m.get("params", LineMap())
    if not isinstance(params, dict):
        rep.error(
            m.line_of("params"), f"{where}.params", "bad-type", f"{where}.params must be a mapping"
        )
        params = {}
    claims = params.get("claims", [])
    claimable = ("material_claim", "origin_claim", "count_claim", "subsidy_label")
    if kind is RuleKind.CAPTION_CLAIM and (
        not isinstance(claims, list) or any(c not in claimable for c in claims)
    ):
        rep.error(
            params.line_of("claims") if isinstance(params, LineMap) else m.line_of("params"),
            f"{where}.params.claims",
            "bad-value",
            f"{where}.params.claims must list claim kinds a caption is held to",
            "known: " + ", ".join(claimable),
        )
    creator_kind = params.get("creator_violation") if isinstance(params, dict) else None
    if creator_kind is not None and (kind is not RuleKind.CAPTION_CLAIM or not creator_kind):
        rep.error(
            params.line_of("creator_violation") if isinstance(params, LineMap) else line,
            f"{where}.params.creator_violation",
            "bad-value",
            f"{where}.params.creator_violation: only a caption_claim rule records a creator "
            "violation, and it names the kind as text",
        )
    word_list = m.get("word_list")
    if kind is RuleKind.ABSOLUTE_TERMS and word_list not in lists:
        rep.error(
            m.line_of("word_list"),
            f"{where}.word_list",
            "unknown-word-list",
            f"{where}: word_list {word_list!r} is not declared under word_lists",
            "declared: " + ", ".join(lists),
        )
    ladder_name = m.get("escalation")
    ladder = None
    if ladder_name is not None:
        ladder = (ladders or {}).get(str(ladder_name))
        if ladder is None:
            rep.error(
                m.line_of("escalation"),
                f"{where}.escalation",
                "unknown-escalation",
                f"{where}: escalation {ladder_name!r} is not declared under escalations",
                "declared: " + ", ".join(ladders or {}),
            )
        elif violation is None or outcomes.get("when_live") is not ladder.steps[0].outcome:
            rep.error(
                m.line_of("escalation"),
                f"{where}.escalation",
                "bad-escalation",
                f"{where}: an escalated rule records a violation and its first step's outcome "
                "is its when_live outcome",
            )
    assumption, why = _provenance(m, where, rep)
    if rule_id is None or title is None or kind is None or source is None or len(outcomes) < 2:
        return None
    return ListingRule(
        rule_id,
        kind,
        title,
        source,
        outcomes["at_publish"],
        outcomes["when_live"],
        int(points),
        None if violation is None else str(violation),
        dict(params),
        None if word_list is None else str(word_list),
        assumption,
        why,
        ladder,
    )


def _places(raw: Any, line: int, rep: _Reporter) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, LineMap):
        rep.error(line, "places", "bad-type", "places must map a province to its places")
        return {}
    result: dict[str, str] = {}
    for province, places in raw.items():
        if not isinstance(places, list) or not all(isinstance(p, str) for p in places):
            rep.error(
                raw.line_of(province),
                f"places.{province}",
                "bad-type",
                f"places.{province} must be a list of place names",
            )
            continue
        for place in (province, *places):
            if result.get(place, province) != province:
                rep.error(
                    raw.line_of(province),
                    f"places.{province}",
                    "place-in-two-provinces",
                    f"{place} is listed under {result[place]} and {province}",
                )
            result[place] = province
    return result


def check_listing_rulebook(
    text: str, source: str
) -> tuple[ListingRulebook | None, list[Diagnostic]]:
    """Parse and check one listing rulebook; every problem found, each with its line and field."""
    rep = _Reporter(source)
    doc, unreadable = read_yaml(text, source)
    if unreadable is not None:
        return None, [unreadable]
    if not isinstance(doc, LineMap):
        rep.error(1, "", "bad-type", "a listing rulebook is a mapping (rulebook, rules, …)")
        return None, rep.items
    for key in sorted(set(doc) - _TOP_KEYS):
        rep.error(
            doc.line_of(key),
            key,
            "unknown-field",
            f"unknown top-level field `{key}`",
            "known: " + ", ".join(sorted(_TOP_KEYS)),
        )
    name = _text(doc, "rulebook", "rulebook", rep)
    if name is not None and not NAME_PATTERN.fullmatch(name):
        rep.error(
            doc.line_of("rulebook"),
            "rulebook",
            "bad-name",
            f"rulebook name {name!r} must be lower case letters, digits and dashes",
        )
    effective = doc.get("effective")
    start = effective.get("from") if isinstance(effective, dict) else None
    if not isinstance(start, date):
        rep.error(
            doc.line_of("effective"),
            "effective.from",
            "bad-date",
            "effective.from must be a date (YYYY-MM-DD)",
        )
    lists_raw = doc.get("word_lists", LineMap())
    lists: dict[str, WordList] = {}
    if isinstance(lists_raw, LineMap):
        for list_name, body in lists_raw.items():
            checked = _word_list(list_name, body, lists_raw.line_of(list_name), rep)
            if checked is not None:
                lists[list_name] = checked
    places = _places(doc.get("places"), doc.line_of("places"), rep)
    ladders_raw = doc.get("escalations", LineMap())
    ladders: dict[str, Escalation] = {}
    if isinstance(ladders_raw, LineMap):
        for ladder_name, body in ladders_raw.items():
            ladder = _escalation(ladder_name, body, ladders_raw.line_of(ladder_name), rep)
            if ladder is not None:
                ladders[ladder_name] = ladder
    raw_rules = doc.get("rules")
    rules: list[ListingRule] = []
    if not isinstance(raw_rules, LineList) or not raw_rules:
        rep.error(
            doc.line_of("rules"),
            "rules",
            "no-rules",
            "a listing rulebook needs a non-empty `rules` list",
        )
    else:
        seen: dict[str, int] = {}
        for index, (item, line) in enumerate(zip(raw_rules, raw_rules.item_lines, strict=True)):
            rule = _rule(item, line, index, lists, rep, ladders)
            if rule is None:
                continue
            if rule.rule_id in seen:
                rep.error(
                    line,
                    f"rules[{index}].id",
                    "duplicate-id",
                    f"rule id {rule.rule_id} also on line {seen[rule.rule_id]}",
                )
            seen[rule.rule_id] = line
            rules.append(rule)
    if has_errors(rep.items) or name is None or not isinstance(start, date):
        return None, rep.items
    title = doc.get("title") or name
    return ListingRulebook(name, str(title), start, tuple(rules), lists, places, source), rep.items


def load_listing_rulebook_file(path: Path) -> ListingRulebook:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(
            f"{path}: cannot read the listing rulebook ({err.strerror or err})"
        ) from None
    book, problems = check_listing_rulebook(text, str(path))
    if book is None:
        raise InputError(f"{path}: the listing rulebook has {len(problems)} problem(s)", problems)
    return book


@functools.cache
def _load_named(name: str, folder: Path) -> ListingRulebook:
    return load_listing_rulebook_file(folder / f"{name}.yaml")


def load_listing_rulebook(name_or_path: str = DEFAULT_RULEBOOK) -> ListingRulebook:
    """A shipped listing rulebook by name, or a file by path; cached per name."""
    if NAME_PATTERN.fullmatch(name_or_path):
        folder = shipped_listing_dir()
        if not (folder / f"{name_or_path}.yaml").is_file():
            known = ", ".join(shipped_names(folder))
            raise InputError(f"no listing rulebook {name_or_path!r}; shipped: {known}")
        return _load_named(name_or_path, folder)
    return load_listing_rulebook_file(Path(name_or_path))
