"""Read one rulebook file into raw, located parts, collecting every problem.

This is the first pass: shape, names, dates, provenance. What depends on the
parent rulebook (parameters used by conditions, overrides) is checked when the
chain is resolved (:mod:`merchantry.rulebook.checker`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from merchantry.kit.errors import Diagnostic, Severity
from merchantry.rulebook.library import NAME_PATTERN
from merchantry.rulebook.limits import MAX_FILE_BYTES, PARAMETER_LIMIT, PRIORITY_RANGE
from merchantry.rulebook.model import Parameter, Provenance
from merchantry.rulebook.yamlcheck import decode_utf8, read_yaml
from merchantry.rulebook.yamlsource import LineList, LineMap

TOP_KEYS: Final = (
    "rulebook",
    "title",
    "platform",
    "effective",
    "extends",
    "parameters",
    "rules",
    "disable",
    "note",
)
RULE_KEYS: Final = (
    "id",
    "title",
    "when",
    "effect",
    "priority",
    "stacking",
    "source",
    "assumption",
    "note",
    "override",
)
PARAM_KEYS: Final = ("value", "title", "source", "assumption", "note")
ID_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
DEFAULT_PRIORITY: Final = 100


@dataclass(frozen=True, slots=True)
class RawRule:
    """A rule as written, before its condition and effect are checked."""

    id: str
    title: str
    when: str
    when_line: int
    when_is_block: bool
    effect: Any
    effect_line: int
    priority: int
    stacking: str | None
    provenance: Provenance
    override: bool
    line: int


@dataclass(slots=True)
class RawRulebook:
    """One file's contents, located."""

    path: Path
    name: str
    title: str
    effective_from: date | None
    effective_to: date | None
    extends: str | None
    extends_line: int
    parameters: list[Parameter] = field(default_factory=list)
    rules: list[RawRule] = field(default_factory=list)
    disable: list[tuple[str, int]] = field(default_factory=list)
    parameter_lines: dict[str, int] = field(default_factory=dict)
    platform: str = ""
    """The marketplace the rulebook is written for (``platform:``; empty when not said)."""


class Reporter:
    """Collects diagnostics for one file."""

    def __init__(self, path: Path) -> None:
        self.source = str(path)
        self.diagnostics: list[Diagnostic] = []

    def error(
        self,
        line: int | None,
        code: str,
        message: str,
        hint: str = "",
        column: str | None = None,
        *,
        warning: bool = False,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(
                self.source,
                line,
                code,
                message,
                hint,
                column,
                Severity.WARNING if warning else Severity.ERROR,
            )
        )


def did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    """A hint naming the closest option; the case of the letters does not count
    (``DOUYIN-2026`` finds ``douyin-2026``)."""
    same_case = [o for o in options if o.lower() == word.lower()]
    if same_case:
        return f"did you mean {same_case[0]!r}?"
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def _unknown_keys(node: LineMap, known: tuple[str, ...], where: str, rep: Reporter) -> None:
    for key in node:
        if key not in known:
            hint = did_you_mean(key, known) or "known keys: " + ", ".join(known)
            rep.error(
                node.line_of(key), "unknown-key", f"unknown key {key!r} in {where}", hint, key
            )
    for key, line in node.duplicates:
        rep.error(line, "duplicate-key", f"key {key!r} is written twice in {where}")


def _provenance(node: LineMap, what: str, rep: Reporter) -> Provenance:
    source = node.get("source")
    assumption = node.get("assumption", False)
    note = node.get("note") or ""
    if not isinstance(assumption, bool):
        rep.error(
            node.line_of("assumption"),
            "bad-assumption",
            f"{what}: assumption must be true or false",
        )
        assumption = False
    if source is not None and (not isinstance(source, str) or not source.strip()):
        rep.error(
            node.line_of("source"),
            "bad-source",
            f"{what}: source must be a URL or section reference",
        )
        source = None
    if not source and not assumption:
        rep.error(
            node.line,
            "missing-provenance",
            f"{what} has neither a source nor `assumption: true`",
            "cite platform-rules.md (URL/section) or mark it `assumption: true` with a note",
        )
    if assumption and not str(note).strip():
        rep.error(
            node.line_of("assumption"),
            "assumption-needs-note",
            f"{what} is an assumption without a note",
            "say what was assumed and why",
        )
    return Provenance(str(source or ""), bool(assumption), str(note))


def _date(node: LineMap, key: str, rep: Reporter) -> date | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        rep.error(
            node.line_of(key),
            "bad-date",
            f"effective.{key} {value!r} is not a date",
            "write YYYY-MM-DD, e.g. 2026-01-08",
            f"effective.{key}",
        )
        return None


def _parse_parameters(node: Any, line: int, rep: Reporter) -> list[Parameter]:
    if node is None:
        return []
    if not isinstance(node, LineMap):
        rep.error(
            line,
            "bad-parameters",
            "`parameters` must be a mapping of name -> {value, source|assumption}",
        )
        return []
    result = []
    for name, spec in node.items():
        where = f"parameter {name!r}"
        if not isinstance(spec, LineMap):
            rep.error(
                node.line_of(name),
                "bad-parameter",
                f"{where} must be a mapping with `value` and `source` or `assumption: true`",
            )
            continue
        _unknown_keys(spec, PARAM_KEYS, where, rep)
        value = spec.get("value")
        if not isinstance(value, int) or isinstance(value, bool):
            rep.error(
                spec.line_of("value"),
                "bad-parameter",
                f"{where} needs an integer `value` (fen, bp, days...)",
            )
            continue
        if abs(value) > PARAMETER_LIMIT:
            rep.error(
                spec.line_of("value"),
                "out-of-range",
                f"{where} = {value} is outside -{PARAMETER_LIMIT:,}..{PARAMETER_LIMIT:,}",
                "parameters are amounts (fen), rates (bp), days or counts; none is that large",
                "value",
            )
            continue
        result.append(
            Parameter(str(name), value, _provenance(spec, where, rep), str(spec.get("title") or ""))
        )
    return result


def _parse_rule(node: Any, line: int, rep: Reporter) -> RawRule | None:
    if not isinstance(node, LineMap):
        rep.error(line, "bad-rule", "each rule must be a mapping with id, title, when, effect")
        return None
    rule_id = node.get("id")
    where = f"rule {rule_id!r}" if rule_id else f"rule at line {node.line}"
    _unknown_keys(node, RULE_KEYS, where, rep)
    ok = True
    if rule_id is None or rule_id == "":
        rep.error(node.line, "bad-rule-id", f"{where} has no id", "add e.g. `id: tsf.base.apparel`")
        ok = False
    elif not isinstance(rule_id, str) or not ID_PATTERN.match(rule_id):
        rep.error(
            node.line_of("id"),
            "bad-rule-id",
            f"{where}: id must be lower-case letters, digits, '.', '_' or '-'",
            "e.g. tsf.base.apparel",
        )
        ok = False
    title = node.get("title")
    if not isinstance(title, str) or not title.strip():
        rep.error(
            node.line_of("title"),
            "missing-title",
            f"{where} needs a plain-words title",
            "it is shown in reports and explanations",
        )
        ok = False
    when = node.get("when", "TRUE")
    if isinstance(when, bool):
        when = "TRUE" if when else "FALSE"
    if not isinstance(when, str):
        rep.error(node.line_of("when"), "bad-condition", f"{where}: when must be SQL text")
        ok = False
    if "effect" not in node:
        rep.error(
            node.line,
            "missing-effect",
            f"{where} has no effect",
            "e.g. effect: {kind: base_rate, rate_bp: 500}",
        )
        ok = False
    priority = node.get("priority", DEFAULT_PRIORITY)
    low, high = PRIORITY_RANGE
    if not isinstance(priority, int) or isinstance(priority, bool):
        rep.error(
            node.line_of("priority"),
            "bad-priority",
            f"{where}: priority must be an integer (lower comes first)",
        )
        ok = False
    elif not low <= priority <= high:
        rep.error(
            node.line_of("priority"),
            "out-of-range",
            f"{where}: priority {priority} is outside {low:,}..{high:,}",
            "priorities only order rules: 10, 100, 900 are enough",
            "priority",
        )
        ok = False
    stacking = node.get("stacking")
    override = node.get("override", False)
    provenance = _provenance(node, where, rep)
    if not ok:
        return None
    return RawRule(
        id=str(rule_id),
        title=str(title).strip(),
        when=str(when),
        when_line=node.value_lines.get("when", node.line),
        when_is_block="when" in node.block_scalars,
        effect=node.get("effect"),
        effect_line=node.line_of("effect"),
        priority=int(priority),
        stacking=None if stacking is None else str(stacking),
        provenance=provenance,
        override=bool(override),
        line=node.line,
    )


def _empty_list(line: int) -> LineList:
    empty = LineList()
    empty.line, empty.item_lines = line, []
    return empty


def parse_file(path: Path) -> tuple[RawRulebook | None, list[Diagnostic]]:
    """Read and shape-check one rulebook file; every problem is reported, none raised."""
    rep = Reporter(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            rep.error(
                None,
                "too-large",
                f"{path.name} is {size:,} bytes; a rulebook may have at most {MAX_FILE_BYTES:,}",
                "split it: a child rulebook can `extends` its parent",
            )
            return None, rep.diagnostics
        text, problem = decode_utf8(path.read_bytes(), path.name)
    except OSError as err:
        rep.error(None, "unreadable", f"cannot read {path}: {err.strerror}")
        return None, rep.diagnostics
    if text is None:
        rep.error(None, "unreadable", problem)
        return None, rep.diagnostics
    data, unreadable = read_yaml(text, rep.source, code="yaml-syntax")
    if unreadable is not None:
        return None, [*rep.diagnostics, unreadable]
    if not isinstance(data, LineMap):
        rep.error(1, "bad-rulebook", "a rulebook file is a mapping (rulebook:, title:, rules:)")
        return None, rep.diagnostics
    _unknown_keys(data, TOP_KEYS, "the rulebook", rep)
    name = data.get("rulebook")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        rep.error(
            data.line_of("rulebook"),
            "bad-name",
            "`rulebook` must be a lower-case name like douyin-2026",
        )
        name = path.stem
    elif name != path.stem:
        rep.error(
            data.line_of("rulebook"),
            "name-mismatch",
            f"rulebook {name!r} is in file {path.name}",
            f"rename the file to {name}.yaml",
            warning=True,
        )
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        rep.error(data.line_of("title"), "missing-title", "the rulebook needs a title")
    start = end = None
    effective = data.get("effective")
    if not isinstance(effective, LineMap) or "from" not in effective:
        rep.error(
            data.line_of("effective"),
            "bad-date",
            "`effective` needs `from` (and optionally `to`)",
            "effective: {from: 2026-01-08, to: 2026-12-31}",
        )
    else:
        _unknown_keys(effective, ("from", "to"), "effective", rep)
        start, end = _date(effective, "from", rep), _date(effective, "to", rep)
        if start and end and end < start:
            rep.error(
                effective.line_of("to"),
                "bad-date",
                f"effective window ends ({end}) before it starts ({start})",
            )
    extends = data.get("extends")
    if extends is not None and not isinstance(extends, str):
        rep.error(data.line_of("extends"), "unknown-parent", "`extends` names one rulebook")
        extends = None
    elif extends is not None and not NAME_PATTERN.fullmatch(extends):
        rep.error(
            data.line_of("extends"),
            "bad-parent",
            f"`extends` must name a rulebook, not a path: {extends!r}",
            "write the parent's `rulebook:` name (e.g. douyin-2025); it is looked up next to "
            "this file, in --rulebook-dir folders and among the shipped rulebooks",
        )
        extends = None
    raw = RawRulebook(path, name, str(title or ""), start, end, extends, data.line_of("extends"))
    platform = data.get("platform")
    if platform is not None and (not isinstance(platform, str) or not platform.strip()):
        rep.error(
            data.line_of("platform"),
            "bad-platform",
            "`platform` names the marketplace the rulebook is for",
            "platform: taobao (the warehouse's marketplace_id)",
        )
    elif platform is not None:
        raw.platform = platform.strip()
    raw.parameters = _parse_parameters(data.get("parameters"), data.line_of("parameters"), rep)
    declared = data.get("parameters")
    if isinstance(declared, LineMap):
        raw.parameter_lines = {str(k): declared.line_of(str(k)) for k in declared}
    rules = data.get("rules", _empty_list(data.line))
    if not isinstance(rules, LineList):
        rep.error(data.line_of("rules"), "bad-rule", "`rules` must be a list")
    else:
        seen: dict[str, int] = {}
        for item, line in zip(rules, rules.item_lines, strict=True):
            rule = _parse_rule(item, line, rep)
            if rule is None:
                continue
            if rule.id in seen:
                rep.error(
                    rule.line,
                    "duplicate-rule-id",
                    f"rule id {rule.id!r} is used twice (first at line {seen[rule.id]})",
                    "give each rule its own id",
                )
                continue
            seen[rule.id] = rule.line
            raw.rules.append(rule)
    disable = data.get("disable", _empty_list(data.line))
    if isinstance(disable, LineList):
        raw.disable = [(str(v), ln) for v, ln in zip(disable, disable.item_lines, strict=True)]
    else:
        rep.error(data.line_of("disable"), "bad-disable", "`disable` must be a list of rule ids")
    return raw, rep.diagnostics
