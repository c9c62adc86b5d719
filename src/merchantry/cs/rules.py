"""The routing rulebook: YAML -> checked, immutable :class:`RoutingRules`.

A customer-service rulebook is not a fee or score rulebook (its rules select agents, not rows),
so it has its own small checker in the same spirit: every problem at once, each a
:class:`~merchantry.kit.errors.Diagnostic` with the file and line, and every number carries its
provenance (a source, or ``assumption: true`` with a note). The shipped one lives in
``rulebooks/cs/`` so the fee/score checker, which reads ``rulebooks/*.yaml``, never sees it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from merchantry.kit.errors import Diagnostic, has_errors
from merchantry.model.cs import CERTIFICATION_KINDS, CREDENTIALS, CS_SKILLS
from merchantry.rulebook.yamlcheck import (
    Number,
    Report,
    check_file,
    known_keys,
    load_named,
    mapping,
    read_yaml,
    shipped_folder,
    text_value,
)
from merchantry.rulebook.yamlsource import LineList, LineMap

INTENTS: Final = ("presale", "order_status", "after_sale", "complaint")
"""What a consultation is about: a pre-sale question, where an order or parcel is, a return
or refund, a complaint."""

SKILL_MODES: Final = ("all", "any", "none")
"""How a routing step uses the needed skills: every one, at least one, or none at all."""

DEFAULT_RULEBOOK: Final = "cs-routing-2026"

_CERT_NUMBERS: Final = (
    "satisfaction_min_bp",
    "satisfaction_min_ratings",
    "response_3min_min_bp",
    "response_min_rounds",
    "check_day",
    "window_days",
    "online_from_hour",
    "online_to_hour",
)
_QUALITY_NUMBERS: Final = (
    "satisfaction_weight",
    "response_weight",
    "prior_ratings",
)
_REPLAY_NUMBERS: Final = (
    "seconds_per_round",
    "mismatch_delay_seconds",
    "mismatch_dissatisfaction_bp",
    "certified_relief_bp",
    "wait_tolerance_seconds",
    "wait_dissatisfaction_bp_per_minute",
)
_ASSISTANT_NUMBERS: Final = ("min_coverage_pct", "max_facts")
SCORE_PARAMETERS: Final = frozenset(
    {"reply_target_seconds", "unanswered_round_seconds", "service_first_hour", "service_last_hour"}
)
"""Numbers a routing rulebook may not hold: the score rulebook's parameters, which the
customer-service stages read from there (:mod:`merchantry.cs.conventions`), so that the two
cannot drift apart."""
_RANGES: Final[dict[str, tuple[int, int]]] = {
    "satisfaction_min_bp": (0, 10_000),
    "response_3min_min_bp": (0, 10_000),
    "satisfaction_min_ratings": (0, 100_000),
    "response_min_rounds": (0, 1_000_000),
    "check_day": (1, 28),
    "window_days": (1, 366),
    "online_from_hour": (0, 23),
    "online_to_hour": (1, 24),
    "satisfaction_weight": (0, 100),
    "response_weight": (0, 100),
    "prior_ratings": (0, 10_000),
    "after_seconds": (0, 86_400),
    "min_level": (1, 5),
    "seconds_per_round": (1, 3_600),
    "mismatch_delay_seconds": (0, 3_600),
    "mismatch_dissatisfaction_bp": (0, 10_000),
    "certified_relief_bp": (0, 10_000),
    "wait_tolerance_seconds": (0, 86_400),
    "wait_dissatisfaction_bp_per_minute": (0, 10_000),
    "min_coverage_pct": (1, 100),
    "max_facts": (1, 20),
}


@dataclass(frozen=True, slots=True)
class CertificationRule:
    """What a certification demands to be granted and to be kept."""

    kind: str
    title: str
    credentials: tuple[str, ...]
    numbers: dict[str, Number]

    def n(self, name: str) -> int:
        return self.numbers[name].value


@dataclass(frozen=True, slots=True)
class Need:
    """The skills (and certification) a consultation of some industries and intents needs."""

    id: str
    title: str
    industries: tuple[str, ...]
    """Empty: every industry."""
    intents: tuple[str, ...]
    skills: tuple[str, ...]
    certification: str | None
    line: int

    def matches(self, industry: str, intent: str) -> bool:
        return intent in self.intents and (not self.industries or industry in self.industries)


@dataclass(frozen=True, slots=True)
class Step:
    """One routing step: the requirements in force from ``after_seconds`` of waiting on."""

    id: str
    title: str
    after_seconds: int
    certified: bool
    skills: str
    """``all``, ``any`` or ``none`` of the needed skills."""
    min_level: int
    language: bool
    line: int


@dataclass(frozen=True, slots=True)
class RoutingRules:
    """A checked customer-service rulebook."""

    name: str
    title: str
    source_file: str
    effective_from: date
    certifications: dict[str, CertificationRule]
    needs: tuple[Need, ...]
    steps: tuple[Step, ...]
    quality: dict[str, Number]
    replay: dict[str, Number]
    assistant: dict[str, Number]

    def need_for(self, industry: str, intent: str) -> Need | None:
        """The first need matching the consultation, or ``None`` (any agent will do)."""
        for need in self.needs:
            if need.matches(industry, intent):
                return need
        return None

    def numbers(self) -> list[tuple[str, Number]]:
        """Every number with its dotted name (for explanations and provenance tests)."""
        out: list[tuple[str, Number]] = []
        for kind, cert in self.certifications.items():
            out += [(f"certifications.{kind}.{k}", v) for k, v in cert.numbers.items()]
        out += [(f"quality.{k}", v) for k, v in self.quality.items()]
        out += [(f"replay.{k}", v) for k, v in self.replay.items()]
        out += [(f"assistant.{k}", v) for k, v in self.assistant.items()]
        return out


def _number(node: LineMap, key: str, where: str, rep: Report) -> Number | None:
    raw = node.get(key)
    line = node.line_of(key)
    if key not in node:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        rep.error(
            line,
            "number-without-provenance",
            f"{where}.{key} is a bare number; say where it comes from",
            "write {value: N, source: ...} or {value: N, assumption: true, note: ...}",
        )
        return None
    spec = mapping(raw, f"{where}.{key}", line, rep)
    if spec is None:
        return None
    known_keys(spec, ("value",), ("source", "assumption", "note"), f"{where}.{key}", rep)
    value = spec.get("value")
    if not isinstance(value, int) or isinstance(value, bool):
        rep.error(
            spec.line_of("value"), "not-an-integer", f"{where}.{key}.value must be an integer"
        )
        return None
    low, high = _RANGES.get(key, (0, 10**9))
    if not low <= value <= high:
        rep.error(
            spec.line_of("value"),
            "out-of-range",
            f"{where}.{key} is {value}, outside {low}..{high}",
        )
    assumption = spec.get("assumption", False)
    source = spec.get("source", "")
    note = spec.get("note", "")
    if not isinstance(assumption, bool):
        rep.error(
            spec.line_of("assumption"),
            "not-a-boolean",
            f"{where}.{key}.assumption must be true or false",
        )
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
            f"{where}.{key} has neither a source nor assumption: true",
        )
    return Number(value, str(source or ""), assumption, str(note or ""), spec.line_of("value"))


def _numbers(node: LineMap, names: Sequence[str], where: str, rep: Report) -> dict[str, Number]:
    out: dict[str, Number] = {}
    for name in names:
        number = _number(node, name, where, rep)
        if number is not None:
            out[name] = number
    return out


def _words(
    node: LineMap,
    key: str,
    vocabulary: Sequence[str] | None,
    where: str,
    rep: Report,
    *,
    allow_empty: bool = False,
) -> tuple[str, ...]:
    raw = node.get(key)
    line = node.line_of(key)
    if not isinstance(raw, LineList) or not all(isinstance(v, str) for v in raw):
        rep.error(line, "not-a-list", f"{where}.{key} must be a list of names")
        return ()
    if not raw and not allow_empty:
        rep.error(line, "empty-list", f"{where}.{key} must name at least one value")
    if vocabulary is not None:
        for value, at in zip(raw, raw.item_lines, strict=True):
            if value not in vocabulary:
                rep.error(
                    at,
                    "unknown-name",
                    f"{where}.{key}: unknown {value!r}",
                    "known: " + ", ".join(vocabulary),
                )
    return tuple(raw)


def _certifications(raw: Any, line: int, rep: Report) -> dict[str, CertificationRule]:
    out: dict[str, CertificationRule] = {}
    if not isinstance(raw, LineList):
        rep.error(line, "not-a-list", "certifications must be a list")
        return out
    for item, at in zip(raw, raw.item_lines, strict=True):
        node = mapping(item, "certification", at, rep)
        if node is None:
            continue
        kind = node.get("kind")
        where = f"certifications.{kind}"
        known_keys(node, ("kind", "title", "credentials", *_CERT_NUMBERS), (), where, rep)
        if kind not in CERTIFICATION_KINDS:
            rep.error(
                node.line_of("kind"),
                "unknown-certification",
                f"unknown certification kind {kind!r}",
                "known: " + ", ".join(CERTIFICATION_KINDS),
            )
            continue
        if kind in out:
            rep.error(
                node.line_of("kind"), "duplicate-id", f"certification {kind} is declared twice"
            )
        numbers = _numbers(node, _CERT_NUMBERS, where, rep)
        hours = (numbers.get("online_from_hour"), numbers.get("online_to_hour"))
        if hours[0] and hours[1] and hours[1].value <= hours[0].value:
            rep.error(
                hours[1].line,
                "bad-hours",
                f"{where}: online_to_hour must be after online_from_hour",
            )
        out[str(kind)] = CertificationRule(
            kind=str(kind),
            title=text_value(node, "title", where, rep),
            credentials=_words(node, "credentials", CREDENTIALS, where, rep),
            numbers=numbers,
        )
    return out


def _needs(raw: Any, line: int, certs: dict[str, CertificationRule], rep: Report) -> list[Need]:
    out: list[Need] = []
    if not isinstance(raw, LineList) or not raw:
        rep.error(line, "not-a-list", "needs must be a non-empty list")
        return out
    seen: set[str] = set()
    for item, at in zip(raw, raw.item_lines, strict=True):
        node = mapping(item, "need", at, rep)
        if node is None:
            continue
        need_id = text_value(node, "id", "need", rep)
        where = f"needs.{need_id or '?'}"
        known_keys(
            node, ("id", "title", "industries", "intents", "skills"), ("certification",), where, rep
        )
        if need_id in seen:
            rep.error(node.line_of("id"), "duplicate-id", f"need {need_id} is declared twice")
        seen.add(need_id)
        cert = node.get("certification")
        if cert is not None and cert not in certs:
            rep.error(
                node.line_of("certification"),
                "unknown-certification",
                f"{where}: certification {cert!r} is not declared under certifications",
            )
        out.append(
            Need(
                id=need_id,
                title=text_value(node, "title", where, rep),
                industries=_words(node, "industries", None, where, rep, allow_empty=True),
                intents=_words(node, "intents", INTENTS, where, rep),
                skills=_words(node, "skills", CS_SKILLS, where, rep),
                certification=str(cert) if cert is not None else None,
                line=at,
            )
        )
    return out


def _steps(raw: Any, line: int, rep: Report) -> list[Step]:
    out: list[Step] = []
    if not isinstance(raw, LineList) or not raw:
        rep.error(line, "not-a-list", "steps must be a non-empty list")
        return out
    for item, at in zip(raw, raw.item_lines, strict=True):
        node = mapping(item, "step", at, rep)
        if node is None:
            continue
        step_id = text_value(node, "id", "step", rep)
        where = f"steps.{step_id or '?'}"
        known_keys(
            node,
            ("id", "title", "after_seconds", "certified", "skills", "min_level", "language"),
            (),
            where,
            rep,
        )
        numbers = _numbers(node, ("after_seconds", "min_level"), where, rep)
        flags = {}
        for flag in ("certified", "language"):
            value = node.get(flag)
            if not isinstance(value, bool):
                rep.error(
                    node.line_of(flag), "not-a-boolean", f"{where}.{flag} must be true or false"
                )
            flags[flag] = bool(value)
        mode = node.get("skills")
        if mode not in SKILL_MODES:
            rep.error(
                node.line_of("skills"),
                "bad-skill-mode",
                f"{where}.skills must be one of {', '.join(SKILL_MODES)}, not {mode!r}",
            )
        out.append(
            Step(
                id=step_id,
                title=text_value(node, "title", where, rep),
                after_seconds=numbers["after_seconds"].value if "after_seconds" in numbers else 0,
                certified=flags["certified"],
                skills=str(mode),
                min_level=numbers["min_level"].value if "min_level" in numbers else 1,
                language=flags["language"],
                line=at,
            )
        )
    ids = [s.id for s in out]
    for step in out:
        if ids.count(step.id) > 1:
            rep.error(step.line, "duplicate-id", f"step {step.id} is declared more than once")
    if out and out[0].after_seconds != 0:
        rep.error(
            out[0].line, "first-step-waits", f"the first step {out[0].id} must apply from 0 seconds"
        )
    for before, after in itertools.pairwise(out):
        if after.after_seconds <= before.after_seconds:
            rep.error(
                after.line,
                "steps-out-of-order",
                f"step {after.id} starts at {after.after_seconds} s, not after "
                f"{before.id} ({before.after_seconds} s)",
                "each step relaxes the one before it after a longer wait",
            )
    if out and (out[-1].skills != "none" or out[-1].certified):
        rep.error(
            out[-1].line,
            "no-fallback",
            f"the last step {out[-1].id} must accept any agent (skills: none, certified: false)",
        )
    return out


def _section(doc: LineMap, key: str, names: Sequence[str], rep: Report) -> dict[str, Number]:
    node = mapping(doc.get(key), key, doc.line_of(key), rep)
    if node is None:
        return {}
    moved = [k for k in node if k in SCORE_PARAMETERS]
    for name in moved:
        rep.error(
            node.line_of(name),
            "score-parameter",
            f"{key}.{name} is the score rulebook's parameter {name}: the customer-service "
            "stages read it from the score rulebook",
            "remove it here; set it in the score rulebook (or choose one with --score-rulebook)",
        )
    known_keys(node, names, moved, key, rep)
    return _numbers(node, names, key, rep)


def parse_rules(text: str, source: str) -> tuple[RoutingRules | None, list[Diagnostic]]:
    """Check a routing rulebook's text: the rules, or ``None`` and every problem found."""
    rep = Report(source)
    doc, unreadable = read_yaml(text, source)
    if unreadable is not None:
        return None, [unreadable]
    root = mapping(doc, "the rulebook", 1, rep)
    if root is None:
        return None, rep.found
    known_keys(
        root,
        (
            "name",
            "title",
            "effective_from",
            "certifications",
            "needs",
            "steps",
            "quality",
            "replay",
            "assistant",
        ),
        ("source",),
        "rulebook",
        rep,
    )
    effective = root.get("effective_from")
    if not isinstance(effective, date):
        rep.error(
            root.line_of("effective_from"), "bad-date", "effective_from must be a date (YYYY-MM-DD)"
        )
    certs = _certifications(root.get("certifications"), root.line_of("certifications"), rep)
    needs = _needs(root.get("needs"), root.line_of("needs"), certs, rep)
    steps = _steps(root.get("steps"), root.line_of("steps"), rep)
    quality = _section(root, "quality", _QUALITY_NUMBERS, rep)
    replay = _section(root, "replay", _REPLAY_NUMBERS, rep)
    assistant = _section(root, "assistant", _ASSISTANT_NUMBERS, rep)
    weights = [quality[k].value for k in ("satisfaction_weight", "response_weight") if k in quality]
    if len(weights) == 2 and sum(weights) != 100:
        rep.error(
            root.line_of("quality"),
            "weights-not-100",
            f"quality weights add up to {sum(weights)}, not 100",
        )
    if has_errors(rep.found):
        return None, rep.found
    assert isinstance(effective, date)
    return RoutingRules(
        name=text_value(root, "name", "rulebook", rep),
        title=text_value(root, "title", "rulebook", rep),
        source_file=source,
        effective_from=effective,
        certifications=certs,
        needs=tuple(needs),
        steps=tuple(steps),
        quality=quality,
        replay=replay,
        assistant=assistant,
    ), rep.found


def check_rules_file(path: Path) -> tuple[RoutingRules | None, list[Diagnostic]]:
    """Check one routing rulebook file."""
    return check_file(path, parse_rules)


def shipped_rules_dir() -> Path:
    """Folder of the shipped customer-service rulebooks."""
    return shipped_folder("cs")


def load_rules(name_or_path: str = DEFAULT_RULEBOOK) -> RoutingRules:
    """A routing rulebook by shipped name or by file path; refused with every problem."""
    return load_named(name_or_path, shipped_rules_dir(), "customer-service rulebook", parse_rules)
