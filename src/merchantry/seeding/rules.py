"""The seeding rulebook: YAML -> checked, immutable :class:`SeedingRules`.

A seeding rulebook is neither a fee nor a score rulebook (it attributes orders to videos),
so it has its own small checker in the same spirit as the others: every problem at once,
each a :class:`~merchantry.kit.errors.Diagnostic` with file and line, and every number and
choice carries its provenance (a ``source``, or ``assumption: true`` with a ``note``). The
shipped one lives in ``rulebooks/seeding/`` so the fee/score checker never reads it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from merchantry.kit.errors import Diagnostic, has_errors
from merchantry.model.seeding import MATCH_SCOPES, SPLIT_RULES
from merchantry.rulebook.yamlcheck import (
    Report,
    check_file,
    known_keys,
    load_named,
    mapping,
    read_yaml,
    shipped_folder,
)
from merchantry.rulebook.yamlsource import LineList, LineMap

DEFAULT_RULEBOOK: Final = "seeding-2026"

WINDOW_DAYS: Final = (1, 3, 7, 14)
"""The attribution windows Douyin's long-effect attribution offers (days)."""

PUBLISHED: Final = ("creators_joined", "creators_paid", "videos_paid", "daily_search_gmv_fen")
_RANGES: Final[dict[str, tuple[int, int]]] = {
    "hold_days": (0, 90),
    "settle_day_of_month": (1, 28),
    "max_per_order_fen": (0, 100_000_000),
    "max_per_creator_day_fen": (0, 10_000_000_000),
    "min_gmv_fen": (0, 10_000_000_000),
    "rate_bp": (0, 10_000),
}


@dataclass(frozen=True, slots=True)
class Setting:
    """A number or a choice of the rulebook with where it comes from."""

    value: int | str
    source: str
    assumption: bool
    note: str
    line: int


@dataclass(frozen=True, slots=True)
class Tier:
    """Orders whose GMV is at least ``min_gmv_fen`` (up to the next tier) earn ``rate_bp``."""

    id: str
    min_gmv_fen: int
    rate_bp: int
    line: int


@dataclass(frozen=True, slots=True)
class SeedingRules:
    """A checked seeding rulebook."""

    name: str
    title: str
    source_file: str
    effective_from: date
    match: str
    """``product`` or ``shop``: what the video, the search and the order share."""
    split: str
    """``last_touch``, ``first_touch`` or ``linear``."""
    view_window_days: int
    search_window_days: int
    hold_days: int
    max_per_order_fen: int
    max_per_creator_day_fen: int
    settle_day_of_month: int
    """Payouts of a month, net of its clawbacks, settle to the creator on this day of the
    next month (``seeding_settlements``)."""
    tiers: tuple[Tier, ...]
    """Ascending by ``min_gmv_fen``; the first starts at 0."""
    settings: tuple[tuple[str, Setting], ...]
    """Every number and choice with its dotted name (explanations, provenance tests)."""

    @property
    def digest(self) -> str:
        """A digest of the content that decides attributions and payouts (staleness)."""
        return hashlib.sha256(repr(self.settings).encode("utf-8")).hexdigest()[:16]

    def setting(self, name: str) -> Setting:
        return dict(self.settings)[name]


def _setting(
    node: LineMap,
    key: str,
    where: str,
    rep: Report,
    *,
    choices: Sequence[str | int] | None = None,
) -> Setting | None:
    """A ``{value, source}`` or ``{value, assumption: true, note}`` mapping, checked."""
    if key not in node:
        return None
    raw, line = node.get(key), node.line_of(key)
    if not isinstance(raw, LineMap):
        rep.error(
            line,
            "setting-without-provenance",
            f"{where}.{key} is a bare value; say where it comes from",
            "write {value: V, source: ...} or {value: V, assumption: true, note: ...}",
        )
        return None
    spec = mapping(raw, f"{where}.{key}", line, rep)
    if spec is None:
        return None
    for extra in set(spec) - {"value", "source", "assumption", "note"}:
        rep.error(spec.line_of(extra), "unknown-key", f"{where}.{key}: unknown key {extra!r}")
    value = spec.get("value")
    at = spec.line_of("value")
    if "value" not in spec:
        rep.error(spec.line, "missing-key", f"{where}.{key}: 'value' is missing")
        return None
    if choices is not None and value not in choices:
        rep.error(
            at,
            "bad-choice",
            f"{where}.{key} is {value!r}, not one of {', '.join(str(c) for c in choices)}",
        )
        return None
    if choices is None or all(isinstance(c, int) for c in choices):
        if not isinstance(value, int) or isinstance(value, bool):
            rep.error(at, "not-an-integer", f"{where}.{key}.value must be an integer")
            return None
        low, high = _RANGES.get(key, (0, 10**12))
        if not low <= value <= high:
            rep.error(at, "out-of-range", f"{where}.{key} is {value}, outside {low}..{high}")
            return None
    assumption = spec.get("assumption", False)
    source, note = spec.get("source", ""), spec.get("note", "")
    if not isinstance(assumption, bool):
        rep.error(spec.line_of("assumption"), "not-a-boolean", f"{where}.{key}.assumption")
        assumption = False
    if assumption and not (isinstance(note, str) and note.strip()):
        rep.error(
            spec.line,
            "assumption-without-note",
            f"{where}.{key} is an assumption without a note saying why",
            "add note: why this value was chosen and what an operator should set",
        )
    if not assumption and not (isinstance(source, str) and source.strip()):
        rep.error(
            spec.line,
            "number-without-source",
            f"{where}.{key} has neither a source nor an assumption: true",
        )
    assert isinstance(value, int | str)
    return Setting(value, str(source or ""), assumption, str(note or ""), at)


def _tiers(raw: Any, line: int, rep: Report) -> list[tuple[Tier, Setting, Setting]]:
    out: list[tuple[Tier, Setting, Setting]] = []
    if not isinstance(raw, LineList) or not raw:
        rep.error(line, "not-a-list", "payout.tiers must be a non-empty list")
        return out
    for item, at in zip(raw, raw.item_lines, strict=True):
        node = mapping(item, "tier", at, rep)
        if node is None:
            continue
        tier_id = node.get("id")
        where = f"payout.tiers.{tier_id or '?'}"
        known_keys(node, ("id", "min_gmv_fen", "rate_bp"), (), where, rep)
        if not isinstance(tier_id, str) or not tier_id.strip():
            rep.error(node.line_of("id"), "not-text", f"{where}.id must be non-empty text")
            continue
        low = _setting(node, "min_gmv_fen", where, rep)
        rate = _setting(node, "rate_bp", where, rep)
        if low is None or rate is None:
            continue
        out.append((Tier(tier_id, int(low.value), int(rate.value), at), low, rate))
    mins = [t.min_gmv_fen for t, _, _ in out]
    if out and mins[0] != 0:
        rep.error(out[0][0].line, "first-tier-not-zero", "the first tier must start at 0 fen")
    if mins != sorted(set(mins)):
        rep.error(line, "tiers-out-of-order", "tiers must ascend strictly by min_gmv_fen")
    ids = [t.id for t, _, _ in out]
    for tier, _, _ in out:
        if ids.count(tier.id) > 1:
            rep.error(tier.line, "duplicate-id", f"tier {tier.id} is declared more than once")
    return out


def parse_rules(text: str, source: str) -> tuple[SeedingRules | None, list[Diagnostic]]:
    """Check a seeding rulebook's text: the rules, or ``None`` and every problem found."""
    rep = Report(source)
    doc, unreadable = read_yaml(text, source)
    if unreadable is not None:
        return None, [unreadable]
    root = mapping(doc, "the rulebook", 1, rep)
    if root is None:
        return None, rep.found
    known_keys(
        root,
        ("name", "title", "effective_from", "source", "published", "attribution", "payout"),
        (),
        "rulebook",
        rep,
    )
    for key in ("name", "title", "source"):
        if not isinstance(root.get(key), str) or not str(root.get(key)).strip():
            rep.error(root.line_of(key), "not-text", f"rulebook.{key} must be non-empty text")
    effective = root.get("effective_from")
    if not isinstance(effective, date):
        rep.error(
            root.line_of("effective_from"), "bad-date", "effective_from must be a date (YYYY-MM-DD)"
        )
    settings: list[tuple[str, Setting]] = []

    def section(key: str, spec: dict[str, Sequence[str | int] | None]) -> dict[str, Setting]:
        node = mapping(root.get(key), key, root.line_of(key), rep) if key in root else None
        if node is None:
            return {}
        known_keys(node, tuple(spec), (), key, rep)
        found: dict[str, Setting] = {}
        for name, choices in spec.items():
            if name == "tiers":
                continue
            got = _setting(node, name, key, rep, choices=choices)
            if got is not None:
                found[name] = got
                settings.append((f"{key}.{name}", got))
        return found

    published = section("published", dict.fromkeys(PUBLISHED))
    attribution = section(
        "attribution",
        {
            "match": MATCH_SCOPES,
            "split": SPLIT_RULES,
            "view_window_days": WINDOW_DAYS,
            "search_window_days": WINDOW_DAYS,
        },
    )
    payout = section(
        "payout",
        {
            "hold_days": None,
            "max_per_order_fen": None,
            "max_per_creator_day_fen": None,
            "settle_day_of_month": None,
            "tiers": None,
        },
    )
    payout_node = root.get("payout")
    tiers = (
        _tiers(payout_node.get("tiers"), payout_node.line_of("tiers"), rep)
        if isinstance(payout_node, LineMap)
        else []
    )
    for tier, low, rate in tiers:
        settings += [
            (f"payout.tiers.{tier.id}.min_gmv_fen", low),
            (f"payout.tiers.{tier.id}.rate_bp", rate),
        ]
    views, searches = attribution.get("view_window_days"), attribution.get("search_window_days")
    if views and searches and int(searches.value) > int(views.value):
        rep.error(
            searches.line,
            "search-window-too-long",
            f"search_window_days ({searches.value}) is longer than view_window_days "
            f"({views.value}); the search comes after the view",
        )
    del published  # checked for provenance; pinned by tests, not used in the computation
    if has_errors(rep.found):
        return None, rep.found
    assert isinstance(effective, date)
    return SeedingRules(
        name=str(root["name"]),
        title=str(root["title"]),
        source_file=source,
        effective_from=effective,
        match=str(attribution["match"].value),
        split=str(attribution["split"].value),
        view_window_days=int(attribution["view_window_days"].value),
        search_window_days=int(attribution["search_window_days"].value),
        hold_days=int(payout["hold_days"].value),
        max_per_order_fen=int(payout["max_per_order_fen"].value),
        max_per_creator_day_fen=int(payout["max_per_creator_day_fen"].value),
        settle_day_of_month=int(payout["settle_day_of_month"].value),
        tiers=tuple(t for t, _, _ in tiers),
        settings=tuple(settings),
    ), rep.found


def check_rules_file(path: Path) -> tuple[SeedingRules | None, list[Diagnostic]]:
    """Check one seeding rulebook file."""
    return check_file(path, parse_rules)


def shipped_rules_dir() -> Path:
    """Folder of the shipped seeding rulebooks."""
    return shipped_folder("seeding")


def load_rules(name_or_path: str = DEFAULT_RULEBOOK) -> SeedingRules:
    """A seeding rulebook by shipped name or by file path; refused with every problem."""
    return load_named(name_or_path, shipped_rules_dir(), "seeding rulebook", parse_rules)
