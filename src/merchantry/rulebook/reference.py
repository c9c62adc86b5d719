"""Reference tables for ``docs/rulebooks.md``, generated from the declarations.

The condition columns, effect kinds, allowed functions and check codes are
written once in code; this module renders them as Markdown and a test keeps the
document's generated sections equal to it (``python -m merchantry.rulebook.reference``
prints them).
"""

from __future__ import annotations

from typing import Final

from merchantry.rulebook.bounds import ORDERS, PARAMETER_BOUNDS, PREFIX_BOUNDS
from merchantry.rulebook.columns import CONDITION_COLUMNS, GATE_COLUMNS, SCORE_COLUMNS
from merchantry.rulebook.condition import ALLOWED_FUNCTIONS
from merchantry.rulebook.registry import EFFECT_KINDS

CHECK_CODES: Final[dict[str, str]] = {
    "yaml-syntax": "The file is not valid YAML.",
    "unreadable": "The file cannot be read.",
    "bad-rulebook": "The file is not a mapping.",
    "unknown-key": "A key the format does not know (with a did-you-mean).",
    "duplicate-key": "The same key is written twice in one mapping.",
    "bad-name": "`rulebook` is missing or not a lower-case name.",
    "name-mismatch": "Warning: `rulebook` differs from the file name.",
    "missing-title": "The rulebook or a rule has no plain-words title.",
    "bad-date": "`effective` is missing, a date is not a date, or `to` is before `from`.",
    "unknown-parent": "`extends` names a rulebook that cannot be found (the file's own mistakes "
    "are still reported; what only the parent could settle is not).",
    "extends-cycle": "The `extends` chain loops back on itself.",
    "bad-parameters": "`parameters` is not a mapping.",
    "bad-parameter": "A parameter has no integer `value`.",
    "bad-rule": "A rule is not a mapping, or `rules` is not a list.",
    "bad-rule-id": "A rule id is missing or has characters other than a-z 0-9 . _ -.",
    "duplicate-rule-id": "Two rules share an id (in one file, or a child redefines a parent "
    "rule without `override: true`).",
    "unknown-override": "`override: true` on a rule no parent defines.",
    "unknown-rule": "`disable` names a rule that is not in force.",
    "bad-disable": "`disable` is not a list.",
    "missing-provenance": "A rule or parameter has neither `source` nor `assumption: true`.",
    "assumption-needs-note": "`assumption: true` without a `note` saying what was assumed.",
    "bad-assumption": "`assumption` is not true/false.",
    "bad-source": "`source` is empty or not text.",
    "bad-priority": "`priority` is not an integer.",
    "bad-stacking": "`stacking` is not one the effect kind allows.",
    "missing-effect": "A rule has no `effect`.",
    "bad-effect": "`effect` is not a mapping with `kind`.",
    "unknown-effect": "The effect kind is not registered (with a did-you-mean).",
    "bad-effect-field": "An effect field the kind does not have, or fields that do not fit "
    "together (e.g. a multiply waiver without `factor_bp`).",
    "missing-effect-field": "A required effect field is missing.",
    "bad-effect-value": "An effect field has the wrong type or an unknown choice.",
    "out-of-range": "A number is outside its field's range (e.g. a rate above 10,000 bp).",
    "unknown-parameter": "An effect field or `param.x` names an undeclared parameter, or a "
    "child declares a parameter no parent has and no rule uses (a misspelt override).",
    "parameter-range": "A parameter a stage reads by name is outside its range (an hour of 30, "
    "a deposit review day of 0) or out of order with its pair (service hours that run "
    "backwards); see Parameters stages read.",
    "bad-condition": "`when` is not text.",
    "condition-syntax": "`when` does not parse as one SQL expression.",
    "statement-separator": "`;` or more than one statement in `when`.",
    "comment-not-allowed": "A comment inside `when` (comments can hide statements).",
    "subquery": "A subquery (`SELECT`, `EXISTS`, `IN (SELECT …)`) in `when`.",
    "table-reference": "A table or schema-qualified name in `when`.",
    "unknown-column": "A column not in the condition columns (with a did-you-mean).",
    "unknown-function": "A function not on the allowlist.",
    "bad-cast": "A cast to a type not on the allowlist.",
    "unsupported-construct": "Any other SQL construct the checker does not allow.",
    "unknown-value": "A text literal compared with an enumerated column is not one of its "
    "values (e.g. `order.scene = 'livestream'`).",
    "not-boolean": "The condition is evidently not true/false (e.g. `order.goods_fen + 1`).",
    "yaml-alias": "A YAML alias (`*name`): refused anywhere in the file (alias bombs).",
    "too-deep": "YAML nested deeper than the limit (see Limits).",
    "too-large": "The file is larger than the limit (see Limits).",
    "bad-parent": "`extends` is not a rulebook name (a path, or upper-case letters).",
    "bad-platform": "`platform` is not a marketplace id (a list, a number, or empty).",
    "condition-too-deep": "A condition nests deeper than the limit (parentheses, NOT, CASE).",
    "condition-too-long": "A condition longer than the limit, or an AND/OR chain with too many "
    "operands.",
    "runtime-cast": "The condition fails when run: a cast that cannot succeed for values the "
    "column holds (found by the trial run).",
    "runtime-division-by-zero": "The condition fails when run: division or modulo by a value "
    "that can be zero.",
    "runtime-overflow": "The condition fails when run: arithmetic beyond its integer type for "
    "values the data may hold.",
    "runtime-date-part": "The condition fails when run: an unknown date part "
    "(`date_diff('fortnight', …)`).",
    "runtime-error": "The condition fails when run for another reason (the message says which).",
    "gate-column": "A rule other than a gate (`score_gate`, `score_peer_gate`) reads a "
    "gate-only column (`shop.violations_30d`, `shop.has_counterfeit_record`, "
    "`shop.severe_violations_180d`): only the "
    "scoring stage's gate step computes them.",
    "title-placeholder": "A `{placeholder}` in a title names no effect field or parameter.",
    "title-number": "Warning: a number the title states (a percentage, ¥ amount or days) is not "
    "the rule's.",
}
"""Every diagnostic code the rulebook checker emits, with its meaning."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def columns_table() -> str:
    rows = ["| column | type | meaning | values |", "|---|---|---|---|"]
    for c in (*CONDITION_COLUMNS, *SCORE_COLUMNS, *GATE_COLUMNS):
        meaning = c.description + (" *(derived)*" if c.derived else "")
        values = ", ".join(f"`{v}`" for v in c.choices)
        rows.append(f"| `{c.name}` | {c.type.value} | {_cell(meaning)} | {values} |")
    return "\n".join(rows)


def effects_table() -> str:
    rows = [
        "| kind | what it does | fields | stacking (default first) | fee line |",
        "|---|---|---|---|---|",
    ]
    for kind in EFFECT_KINDS.values():
        fields = "<br>".join(
            f"`{f.name}`"
            + ("" if f.required else f" (optional, default {f.default})")
            + (": " + " / ".join(f"`{c}`" for c in f.choices) if f.choices else "")
            for f in kind.fields
        )
        stacking = ", ".join(f"`{s.value}`" for s in kind.stackings)
        line = f"`{kind.fee_kind}`" if kind.fee_kind else "- (later stage)"
        rows.append(f"| `{kind.name}` | {_cell(kind.summary)} | {fields} | {stacking} | {line} |")
    return "\n".join(rows)


def functions_list() -> str:
    return ", ".join(f"`{name}`" for name in sorted(ALLOWED_FUNCTIONS.values()))


def codes_table() -> str:
    rows = ["| code | meaning |", "|---|---|"]
    rows += [f"| `{code}` | {_cell(text)} |" for code, text in CHECK_CODES.items()]
    return "\n".join(rows)


def parameters_table() -> str:
    rows = ["| parameter | what it is | range |", "|---|---|---|"]
    named = [*PARAMETER_BOUNDS.items(), *((f"{p}…", b) for p, b in PREFIX_BOUNDS.items())]
    for name, bound in named:
        low = "" if bound.low is None else f"{bound.low:,}"
        high = "" if bound.high is None else f"{bound.high:,}"
        rows.append(f"| `{name}` | {_cell(bound.what)} | {low} .. {high} |")
    rows.append("")
    rows.append("and in order:")
    rows.append("")
    for order in ORDERS:
        scaled = f"{order.times} × " if order.times != 1 else ""
        relation = "<" if order.strict else "≤"
        rows.append(f"* {scaled}`{order.lesser}` {relation} `{order.greater}`: {_cell(order.why)}")
    return "\n".join(rows)


SECTIONS: Final = {
    "parameters": parameters_table,
    "columns": columns_table,
    "effects": effects_table,
    "functions": functions_list,
    "codes": codes_table,
}


def render(section: str) -> str:
    """The generated Markdown of one section, wrapped in its markers."""
    return f"<!-- generated:{section} -->\n{SECTIONS[section]()}\n<!-- /generated:{section} -->"


if __name__ == "__main__":
    for name in SECTIONS:
        print(render(name), end="\n\n")
