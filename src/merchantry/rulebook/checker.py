"""Resolve a rulebook's ``extends`` chain and check every rule in force.

``load_rulebook`` is what the stages call: it returns a :class:`Rulebook` or
raises :class:`InputError` carrying every diagnostic. ``check_files`` is what
``merchantry rulebook check`` calls: it returns the diagnostics of each file
(its parents' included), never raising for bad input.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import sqlglot.expressions as exp

from merchantry.kit.errors import Diagnostic, InputError, NotFound, has_errors
from merchantry.rulebook.bounds import bound_of, parameter_problems
from merchantry.rulebook.columns import GATE_COLUMN_NAMES, GATE_KINDS
from merchantry.rulebook.condition import check_condition
from merchantry.rulebook.effects import Effect, EffectValue, Stacking
from merchantry.rulebook.library import available_names, find_rulebook, search_dirs
from merchantry.rulebook.limits import field_maximum
from merchantry.rulebook.model import Parameter, Rule, Rulebook
from merchantry.rulebook.parse import RawRule, RawRulebook, Reporter, did_you_mean, parse_file
from merchantry.rulebook.registry import EFFECT_KINDS
from merchantry.rulebook.titles import disagreements
from merchantry.rulebook.titles import render as render_title
from merchantry.rulebook.trial import trial_run
from merchantry.rulebook.yamlsource import LineMap


@dataclass(frozen=True, slots=True)
class _Placed:
    """A raw rule with the file and rulebook it came from."""

    raw: RawRule
    origin: str
    path: Path


PARAMETER_NAME: Final = re.compile(r"[a-z_][a-z0-9_]*")
"""What a parameter's name looks like (an effect value of other text is a mistyped number)."""
_UNIT_HINTS: Final = {
    "bp": "a whole number of basis points (5% is 500)",
    "fen": "a whole number of fen (¥5 is 500)",
    "days": "a whole number of days",
    "hours": "a whole number of hours",
}


def _check_effect(
    raw: Any,
    line: int,
    where: str,
    params: Mapping[str, int],
    rep: Reporter,
    broken: Collection[str] = (),
) -> Effect | None:
    if not isinstance(raw, LineMap):
        rep.error(
            line,
            "bad-effect",
            f"{where}: effect must be a mapping with `kind`",
            "e.g. effect: {kind: base_rate, rate_bp: 500}",
        )
        return None
    kind_name = raw.get("kind")
    kind = EFFECT_KINDS.get(str(kind_name))
    if kind is None:
        hint = did_you_mean(str(kind_name), list(EFFECT_KINDS)) or (
            "known kinds: " + ", ".join(EFFECT_KINDS)
        )
        rep.error(
            raw.line_of("kind"),
            "unknown-effect",
            f"{where}: unknown effect kind {kind_name!r}",
            hint,
        )
        return None
    ok = True
    field_names = [f.name for f in kind.fields]
    for key in raw:
        if key != "kind" and kind.field_spec(key) is None:
            hint = did_you_mean(key, field_names) or "fields: " + ", ".join(field_names)
            rep.error(
                raw.line_of(key),
                "bad-effect-field",
                f"{where}: effect {kind.name} has no field {key!r}",
                hint,
                key,
            )
            ok = False
    values: dict[str, EffectValue] = {}
    for spec in kind.fields:
        value = raw.get(spec.name)
        at = raw.line_of(spec.name)
        if value is None:
            if spec.required:
                rep.error(
                    raw.line,
                    "missing-effect-field",
                    f"{where}: effect {kind.name} needs {spec.name!r} ({spec.description})",
                    column=spec.name,
                )
                ok = False
            elif spec.default is not None:
                values[spec.name] = spec.default
            continue
        if spec.is_text:
            if value not in spec.choices:
                rep.error(
                    at,
                    "bad-effect-value",
                    f"{where}: {spec.name} is {value!r}",
                    did_you_mean(str(value), spec.choices) or "one of: " + ", ".join(spec.choices),
                    spec.name,
                )
                ok = False
            else:
                values[spec.name] = str(value)
            continue
        if isinstance(value, str):
            if value in broken:  # declared with a value that is refused at its own line
                ok = False
                continue
            if value not in params and not PARAMETER_NAME.fullmatch(value):
                unit = _UNIT_HINTS.get(spec.name.rsplit("_", 1)[-1], "a whole number")
                rep.error(
                    at,
                    "bad-effect-value",
                    f"{where}: {spec.name} is {value!r}: write {unit}, or a parameter's name",
                    "",
                    spec.name,
                )
                ok = False
                continue
            if value not in params:
                rep.error(
                    at,
                    "unknown-parameter",
                    f"{where}: {spec.name} names unknown parameter {value!r}",
                    did_you_mean(value, list(params)) or "declare it under `parameters`",
                    spec.name,
                )
                ok = False
                continue
            named = f" (parameter {value!r})"
            value = params[value]
        else:
            named = ""
        if not isinstance(value, int) or isinstance(value, bool):
            rep.error(
                at,
                "bad-effect-value",
                f"{where}: {spec.name} must be an integer (got {value!r})",
                "money is in fen, rates in basis points",
                spec.name,
            )
            ok = False
            continue
        highest = field_maximum(spec)
        if not spec.minimum <= value <= highest:
            rep.error(
                at,
                "out-of-range",
                f"{where}: {spec.name} = {value}{named} is outside {spec.minimum:,}..{highest:,}",
                ("change the parameter's value under `parameters`: " if named else "")
                + "the range every stage can compute with (docs/rulebooks.md, Limits)",
                column=spec.name,
            )
            ok = False
            continue
        values[spec.name] = value
    for field_name, message in kind.check(values) if ok else []:
        rep.error(
            raw.line_of(field_name), "bad-effect-field", f"{where}: {message}", column=field_name
        )
        ok = False
    if not ok:
        return None
    return Effect(kind.name, tuple(values.items()))


def _check_rule(
    placed: _Placed, params: Mapping[str, int], rep: Reporter, broken: Collection[str] = ()
) -> Rule | None:
    """``broken``: parameters declared with a refused value (reported at their own line), so
    that a rule using one is not also told the parameter is unknown."""
    raw = placed.raw
    where = f"rule {raw.id!r}"
    tree, problems = check_condition(raw.when, {**dict.fromkeys(broken, 0), **params})
    first_line = raw.when_line + (1 if raw.when_is_block else 0)
    for problem in problems:
        rep.error(
            first_line + problem.line_offset,
            problem.code,
            f"{where}: {problem.message}",
            problem.hint,
            "when",
        )
    effect = _check_effect(raw.effect, raw.effect_line, where, params, rep, broken)
    if effect is None:
        return None
    kind = EFFECT_KINDS[effect.kind]
    stacking = kind.default_stacking
    if raw.stacking is not None:
        allowed = [s.value for s in kind.stackings]
        if raw.stacking not in allowed:
            rep.error(
                raw.line,
                "bad-stacking",
                f"{where}: stacking {raw.stacking!r} does not apply to {kind.name}",
                "allowed: " + ", ".join(allowed),
                "stacking",
            )
            return None
        stacking = Stacking(raw.stacking)
    if tree is None:
        return None
    if effect.kind not in GATE_KINDS:
        for column in tree.find_all(exp.Column):
            name = f"{column.table}.{column.name}"
            if name in GATE_COLUMN_NAMES:
                rep.error(
                    first_line,
                    "gate-column",
                    f"{where}: {name} is computed for gates only, not for {effect.kind} rules",
                    "write the condition as a score_gate rule, or use a stored column",
                    "when",
                )
                return None
    title, unknown = render_title(raw.title, effect, params)
    for placeholder in unknown:
        fields = [k for k, _ in effect.values] + [f"param.{p}" for p in params]
        rep.error(
            raw.line,
            "title-placeholder",
            f"{where}: the title's {placeholder} names no field of the effect and no parameter",
            did_you_mean(placeholder.strip("{}"), fields) or "fields: " + ", ".join(fields),
            "title",
        )
    literals = {
        int(n.this) for n in tree.find_all(exp.Literal) if not n.is_string and n.this.isdigit()
    }
    literals |= {
        params[c.name] for c in tree.find_all(exp.Column) if c.table == "param" and c.name in params
    }
    for sentence in disagreements(title, effect, frozenset(literals)):
        rep.error(
            raw.line,
            "title-number",
            f"{where}: {sentence}",
            "correct the title, or write the number as a placeholder, e.g. {rate_bp}, so it "
            "always follows the rule",
            "title",
            warning=True,
        )
    return Rule(
        raw.id,
        title,
        raw.when,
        effect,
        raw.priority,
        stacking,
        raw.provenance,
        placed.origin,
        str(placed.path),
        raw.line,
        tree,
    )


def _chain(
    path: Path, dirs: Sequence[Path], diagnostics: list[Diagnostic]
) -> list[RawRulebook] | None:
    """The file and its ancestors, root first; ``None`` when the chain is broken."""
    chain: list[RawRulebook] = []
    seen: list[str] = []
    current: Path | None = path
    while current is not None:
        raw, found = parse_file(current)
        diagnostics.extend(found)
        if raw is None:
            return None
        if raw.name in seen:
            cycle = " -> ".join([*seen, raw.name])
            diagnostics.append(
                Diagnostic(
                    str(chain[-1].path),
                    chain[-1].extends_line,
                    "extends-cycle",
                    f"extends cycle: {cycle}",
                    "a rulebook cannot extend itself, even indirectly",
                )
            )
            return None
        seen.append(raw.name)
        chain.append(raw)
        if raw.extends is None:
            break
        where = (raw.path.parent, *dirs)
        current = find_rulebook(raw.extends, where)
        if current is None:
            names = available_names(where)
            diagnostics.append(
                Diagnostic(
                    str(raw.path),
                    raw.extends_line,
                    "unknown-parent",
                    f"extends unknown rulebook {raw.extends!r}",
                    did_you_mean(raw.extends, names) or "available: " + ", ".join(names),
                )
            )
            diagnostics.extend(_own_problems(list(reversed(chain))))
            return None
    return list(reversed(chain))


_NEED_THE_PARENT: Final = frozenset(
    {"unknown-parameter", "unknown-override", "unknown-rule", "title-placeholder"}
)
"""Check codes that may only be saying "the missing parent would have declared this"."""


def _own_problems(found: list[RawRulebook]) -> list[Diagnostic]:
    """The problems of the rulebooks found before a missing parent that do not depend on
    it (a condition that does not parse, an unknown column, a rate out of range), so that
    correcting ``extends`` does not uncover a second round of errors."""
    scratch: list[Diagnostic] = []
    _resolve(found, scratch)
    return [d for d in scratch if d.code not in _NEED_THE_PARENT]


def _resolve(chain: list[RawRulebook], diagnostics: list[Diagnostic]) -> Rulebook | None:
    params: dict[str, Parameter] = {}
    placed: dict[str, _Placed] = {}
    introduced: list[tuple[RawRulebook, str, dict[str, Parameter]]] = []
    declared_in: dict[str, tuple[int, RawRulebook]] = {}
    for depth, raw in enumerate(chain):
        rep = Reporter(raw.path)
        for param in raw.parameters:
            if depth and param.name not in params:
                introduced.append((raw, param.name, dict(params)))
            params[param.name] = param
            declared_in[param.name] = (depth, raw)
        for rule in raw.rules:
            if rule.id in placed and not rule.override:
                rep.error(
                    rule.line,
                    "duplicate-rule-id",
                    f"rule {rule.id!r} is already defined in {placed[rule.id].origin}",
                    "add `override: true` to replace it, or pick a new id",
                )
                continue
            if rule.override and rule.id not in placed:
                rep.error(
                    rule.line,
                    "unknown-override",
                    f"rule {rule.id!r} overrides nothing",
                    did_you_mean(rule.id, list(placed)) or "remove `override: true`",
                )
                continue
            placed[rule.id] = _Placed(rule, raw.name, raw.path)
        for rule_id, line in raw.disable:
            if placed.pop(rule_id, None) is None:
                rep.error(
                    line,
                    "unknown-rule",
                    f"cannot disable unknown rule {rule_id!r}",
                    did_you_mean(rule_id, list(placed)),
                )
        diagnostics.extend(rep.diagnostics)
    values = {name: p.value for name, p in params.items()}
    diagnostics.extend(_out_of_range(values, declared_in))
    broken = {n for raw in chain for n in raw.parameter_lines} - set(values)
    rules: list[Rule] = []
    for item in placed.values():
        rep = Reporter(item.path)
        checked = _check_rule(item, values, rep, broken)
        diagnostics.extend(rep.diagnostics)
        if checked is not None:
            rules.append(checked)
    diagnostics.extend(_unused_parameters(introduced, rules, placed))
    leaf = chain[-1]
    if has_errors(diagnostics) or leaf.effective_from is None:
        return None
    diagnostics.extend(_trial(rules, placed, values))
    if has_errors(diagnostics):
        return None
    return Rulebook(
        leaf.name,
        leaf.title,
        str(leaf.path),
        leaf.effective_from,
        leaf.effective_to,
        tuple(r.name for r in reversed(chain)),
        tuple(params.values()),
        tuple(rules),
        next((raw.platform for raw in reversed(chain) if raw.platform), ""),
    )


def _out_of_range(
    values: Mapping[str, int], declared_in: Mapping[str, tuple[int, RawRulebook]]
) -> list[Diagnostic]:
    """A parameter a stage reads by name, set outside its range (or out of order with its
    pair), at the line of the file that sets it (of a pair, the one set last in the chain)."""
    found: list[Diagnostic] = []
    for problem in parameter_problems(values):
        name = max(reversed(problem.names), key=lambda n: declared_in[n][0])
        raw = declared_in[name][1]
        found.append(
            Diagnostic(
                str(raw.path),
                raw.parameter_lines.get(name),
                "parameter-range",
                f"rulebook {raw.name}, {problem.message}",
                problem.hint,
                "parameters",
            )
        )
    return found


def _unused_parameters(
    introduced: list[tuple[RawRulebook, str, dict[str, Parameter]]],
    rules: list[Rule],
    placed: Mapping[str, _Placed],
) -> list[Diagnostic]:
    """A child's parameter that no ancestor declares, no rule uses and no stage reads by name
    changes nothing: almost always a misspelt override (the parent's value stays in force,
    silently)."""
    used = {c.name for r in rules for c in r.condition.find_all(exp.Column) if c.table == "param"}
    for item in placed.values():
        effect = item.raw.effect
        if isinstance(effect, LineMap):
            used.update(str(v) for v in effect.values() if isinstance(v, str))
    found: list[Diagnostic] = []
    for raw, name, inherited in introduced:
        if name in used or bound_of(name) is not None:  # a stage reads it by name
            continue
        hint = did_you_mean(name, list(inherited))
        found.append(
            Diagnostic(
                str(raw.path),
                raw.parameter_lines.get(name),
                "unknown-parameter",
                f"parameter {name!r} overrides nothing: no parent rulebook declares it and no "
                "rule uses it, so it changes nothing",
                (hint + " (the parent's parameter)" if hint else "")
                or "parameters a parent declares: " + (", ".join(inherited) or "none"),
                "parameters",
            )
        )
    return found


def _trial(
    rules: list[Rule], placed: Mapping[str, _Placed], values: Mapping[str, int]
) -> list[Diagnostic]:
    """Each condition evaluated once on the trial relation: what would fail in a stage."""
    failures = trial_run([(r.id, r.condition, r.columns) for r in rules], values)
    found: list[Diagnostic] = []
    for failure in failures:
        item = placed[failure.rule_id]
        line = item.raw.when_line + (1 if item.raw.when_is_block else 0)
        found.append(
            Diagnostic(
                str(item.path),
                line,
                failure.code,
                f"rule {failure.rule_id!r}: {failure.message}",
                failure.hint,
                "when",
            )
        )
    return found


def check_file(path: Path, dirs: Sequence[Path] = ()) -> tuple[Rulebook | None, list[Diagnostic]]:
    """Check one file (and its parents); the rulebook is ``None`` when there are errors."""
    diagnostics: list[Diagnostic] = []
    chain = _chain(Path(path), search_dirs(dirs), diagnostics)
    rulebook = None if chain is None else _resolve(chain, diagnostics)
    return rulebook, list(dict.fromkeys(diagnostics))


def check_files(paths: Sequence[Path], dirs: Sequence[Path] = ()) -> list[Diagnostic]:
    """Every diagnostic of every file, each reported once."""
    found: list[Diagnostic] = []
    for path in paths:
        found.extend(check_file(path, dirs)[1])
    return list(dict.fromkeys(found))


_LOADED: dict[tuple[object, ...], Rulebook] = {}
"""Checked rulebooks by what they were read from (see :func:`_fingerprint`)."""
_LOADED_MAX = 64


def _fingerprint(name: str, where: Sequence[Path]) -> tuple[object, ...]:
    """The name, and the path and content digest of every YAML file that a rulebook (or
    a rulebook it extends) could be read from: a change to any of them means the
    rulebook is read and checked again."""
    files: list[tuple[str, str]] = []
    for folder in where:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")):
            try:
                digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            except OSError:
                continue
            files.append((str(path.resolve()), digest))
    return (name, tuple(str(Path(f).resolve()) for f in where), tuple(files))


def load_rulebook(name: str, dirs: Sequence[Path] = ()) -> Rulebook:
    """The named rulebook, checked and resolved; raises with every diagnostic if bad.

    A rulebook is immutable, so one read and checked before from the same, unchanged
    files is returned again (checking the biggest shipped score rulebook takes seconds).
    """
    where = search_dirs(dirs)
    key = _fingerprint(name, where)
    cached = _LOADED.get(key)
    if cached is not None:
        return cached
    rulebook = _load_rulebook(name, dirs, where)
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[key] = rulebook
    return rulebook


def _load_rulebook(name: str, dirs: Sequence[Path], where: Sequence[Path]) -> Rulebook:
    path = find_rulebook(name, where)
    if path is None:
        names = available_names(where)
        hint = did_you_mean(name, names)
        raise NotFound(
            f"no rulebook {name!r} in {', '.join(map(str, where))}"
            + (f"; {hint}" if hint else f"; available: {', '.join(names)}")
        )
    rulebook, diagnostics = check_file(path, dirs)
    if rulebook is None:
        raise InputError(f"rulebook {name!r} has errors", diagnostics)
    if rulebook.name != name:
        raise InputError(
            f"{path} declares `rulebook: {rulebook.name}`, so its results would be stored "
            f"under the name {rulebook.name}; set `rulebook: {name}` in {path.name} (or rename "
            f"the file to {rulebook.name}{path.suffix})"
        )
    return rulebook
