"""Mutation check: every confirmed number of the shipped money rulebooks, moved one step up
and one step down in a copy of the rulebooks, must make a pin fail.

A *confirmed number* is an integer in the effect of a rule without ``assumption: true``, an
integer literal other than 0 in such a rule's condition (``> 0`` is the condition's shape, not
a platform number), a parameter without ``assumption: true``, or a
date literal in the condition of any rule that names a source (a dated rule's date is the
sourced part even when its amount is assumed). One step is 1 (bp, fen, day, hour) or one
day for a date. A mutant the rulebook checker refuses (e.g. a count moved below its
minimum) counts as caught by the checker, not by a pin.

It takes about half an hour on two busy cores, too long for every CI run, so the test runs
only when asked::

    MERCHANTRY_MUTATIONS=1 .venv/bin/pytest tests/rulebook/test_pins_mutation.py -s

or ``PYTHONPATH=. python -m tests.rulebook.test_pins_mutation 2`` (two worker processes) for the
report alone, one line per mutation.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import pytest

from merchantry.kit.errors import MerchantryError
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.library import shipped_dir
from tests.rulebook.test_pins_fees import PERIODS, fee_failures_in_fresh_warehouse
from tests.rulebook.test_pins_ledger import ledger_failures_in_fresh_warehouse

MONEY_RULEBOOKS: Final = ("douyin-2025", "douyin-2026", "douyin-2022-new-merchant", "taobao-2026")
CHILDREN: Final = {
    "douyin-2025": ("douyin-2025", "douyin-2026", "douyin-2022-new-merchant"),
    "douyin-2026": ("douyin-2026",),
    "douyin-2022-new-merchant": ("douyin-2022-new-merchant",),
    "taobao-2026": ("taobao-2026",),
}
"""The rulebooks a change to each file reaches (itself and those extending it)."""
GROUP_OF_KIND: Final = {
    "settlement_days": "settlement",
    "settlement_delay": "settlement",
    "commission_settlement_days": "settlement",
    "deposit_tier": "deposits",
    "deposit_terms": "deposits",
    "experience_deposit": "experience",
    "insurance_terms": "insurance",
    "annual_fee": "annual",
    "installation_hold": "installation",
    "commission_reserve": "creator_holds",
    "commission_freeze": "creator_holds",
    "advance_deposit": "advance",
    "refund_response": "refund_response",
}
"""Pin group that exercises each ledger-side effect kind; every other kind is a fee kind."""
KNOWN_SURVIVORS: Final = {
    "douyin-2025:deposit.pre-cut.tier-1:when DATE 2025-06-08 -1",
    "douyin-2025:deposit.pre-cut.tier-2:when DATE 2025-06-08 -1",
    "douyin-2025:deposit.pre-cut.tier-3:when DATE 2025-06-08 -1",
    "douyin-2026:tsf.channel.fashion-toys-pets:when DATE 2026-07-15 +1",
}
"""Mutants no pin can kill, with the reason. The June 2025 deposit cut is dated to the month
and deposit amounts change only on a review day (the 8th), so moving the cut from the 8th to the
7th changes nothing any review sees. Moving the 5% categories' supplement start to 07-16 leaves
07-15's orders to the catch-all supplement (``tsf.channel.default``, an assumption), which is the
same 5%: the amount cannot differ."""

RULE_START = re.compile(r"^  - id: (\S+)")
PARAM_START = re.compile(r"^  ([a-z_]+):\s*$")
INT_FIELD = re.compile(r"\b([a-z_]+):\s*(-?\d+)\b")
DATE_LITERAL = re.compile(r"DATE '(\d{4}-\d{2}-\d{2})'")
NUMBER = re.compile(r"(?<![\w.])(\d+)(?![\w.])")
QUOTED = re.compile(r"'[^']*'")
KIND = re.compile(r"kind:\s*([a-z_]+)")


@dataclass(frozen=True, slots=True)
class Mutation:
    """One edit: replace ``old`` at ``line``:``column`` of ``rulebook`` by ``new``."""

    rulebook: str
    target: str
    line: int
    column: int
    old: str
    new: str
    group: str

    @property
    def label(self) -> str:
        return self.target


def _blocks(lines: list[str]) -> Iterator[tuple[str, str, int, int]]:
    """(section, name, first line, end line) of each rule and parameter block."""
    section, name, first = "", "", -1
    for i, line in enumerate([*lines, ""]):
        top = bool(line) and not line.startswith(" ") and not line.startswith("#")
        rule = RULE_START.match(line)
        param = PARAM_START.match(line) if section == "parameters" else None
        if (top or rule or param or i == len(lines)) and first >= 0:
            yield section, name, first, i
            first = -1
        if top:
            section = line.split(":", 1)[0]
        if rule and section == "rules":
            name, first = rule.group(1), i
        elif param:
            name, first = f"param.{param.group(1)}", i


def _key_lines(lines: list[str], first: int, end: int, key: str) -> list[int]:
    """The lines of a rule's ``key:`` value (a flow mapping or folded text may wrap)."""
    found = []
    inside = False
    depth = 0  # open braces of a flow mapping: its wrapped lines start with a field name
    for i in range(first, end):
        stripped = lines[i].lstrip()
        starts_key = re.match(r"^(?:- )?[a-z_]+:", stripped) is not None
        if stripped.startswith(f"{key}:") or stripped.startswith(f"- {key}:"):
            inside = True
        elif starts_key and depth == 0:
            inside = False
        if inside:
            found.append(i)
            depth += stripped.count("{") - stripped.count("}")
    return found


def mutations(folder: Path | None = None) -> list[Mutation]:
    """Every one-step mutation of a confirmed number in the money rulebooks."""
    folder = folder or shipped_dir()
    found: list[Mutation] = []
    for rulebook in MONEY_RULEBOOKS:
        lines = (folder / f"{rulebook}.yaml").read_text(encoding="utf-8").splitlines()
        for section, name, first, end in _blocks(lines):
            block = lines[first:end]
            assumed = any(re.match(r"^\s+assumption:\s*true", x) for x in block)
            sourced = any(re.match(r"^\s+source:", x) for x in block)
            kinds = [m.group(1) for x in block for m in [KIND.search(x)] if m]
            group = GROUP_OF_KIND.get(kinds[0], "fees") if kinds else "fees"

            def add(
                target: str,
                i: int,
                column: int,
                old: str,
                new: str,
                book: str = rulebook,
                kind_group: str = group,
            ) -> None:
                found.append(Mutation(book, target, i, column, old, new, kind_group))

            where = f"{rulebook}:{name}"
            if section == "parameters":
                for i in range(first, end):
                    match = re.search(r"value:\s*(\d+)", lines[i])
                    if match and not assumed:
                        value = int(match.group(1))
                        for step in (1, -1):
                            label = f"{where}:value {value} {step:+d}"
                            add(label, i, match.start(1), match.group(1), str(value + step))
                continue
            for i in _key_lines(lines, first, end, "effect") if not assumed else []:
                for match in INT_FIELD.finditer(lines[i]):
                    field, value = match.group(1), int(match.group(2))
                    for step in (1, -1):
                        label = f"{where}:{field} {value} {step:+d}"
                        add(label, i, match.start(2), match.group(2), str(value + step))
            for i in _key_lines(lines, first, end, "when"):
                text = lines[i]
                if sourced:
                    for match in DATE_LITERAL.finditer(text):
                        day = date.fromisoformat(match.group(1))
                        for step in (1, -1):
                            new = (day + timedelta(days=step)).isoformat()
                            label = f"{where}:when DATE {day} {step:+d}"
                            add(label, i, match.start(1), match.group(1), new)
                if not assumed:
                    blanked = QUOTED.sub(lambda m: " " * len(m.group(0)), text)
                    blanked = blanked.replace("when:", "     ")
                    for match in NUMBER.finditer(blanked):
                        value = int(match.group(1))
                        if value == 0:  # `x > 0` is the condition's shape, not a number
                            continue
                        for step in (1, -1):
                            label = f"{where}:when {value} {step:+d}"
                            add(label, i, match.start(1), match.group(1), str(value + step))
    return found


@dataclass(frozen=True, slots=True)
class Outcome:
    mutation: Mutation
    verdict: str
    """``pin`` (a pin failed), ``checker`` (the rulebook was refused) or ``survived``."""
    detail: str


def run_mutation(mutation: Mutation) -> Outcome:
    """Apply one mutation in a copy of the shipped rulebooks and run the pins it reaches."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for path in shipped_dir().glob("*.yaml"):
            shutil.copy(path, folder / path.name)
        target = folder / f"{mutation.rulebook}.yaml"
        lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
        line = lines[mutation.line]
        end = mutation.column + len(mutation.old)
        assert line[mutation.column : end] == mutation.old, mutation
        lines[mutation.line] = line[: mutation.column] + mutation.new + line[end:]
        target.write_text("".join(lines), encoding="utf-8")
        reached = CHILDREN[mutation.rulebook]
        try:
            for name in reached:
                load_rulebook(name, (folder,))
        except MerchantryError as error:
            return Outcome(mutation, "checker", str(error).splitlines()[0])
        for rulebook in reached:  # one at a time: the first failing pin settles it
            if mutation.group == "fees":
                runs = [rulebook] if rulebook in PERIODS else []
                failures = fee_failures_in_fresh_warehouse(runs, (folder,)) if runs else []
            else:
                group = mutation.group
                failures = ledger_failures_in_fresh_warehouse(group, [rulebook], (folder,))
            if failures:
                return Outcome(mutation, "pin", failures[0])
        return Outcome(mutation, "survived", "")


def report(outcomes: list[Outcome]) -> str:
    caught = sum(o.verdict != "survived" for o in outcomes)
    by_pin = sum(o.verdict == "pin" for o in outcomes)
    lines = [
        f"{len(outcomes)} mutations of confirmed numbers; {caught} caught "
        f"({by_pin} by a pin, {caught - by_pin} refused by the checker); "
        f"{len(outcomes) - caught} survived"
    ]
    lines += [f"  survived: {o.mutation.label}" for o in outcomes if o.verdict == "survived"]
    return "\n".join(lines)


def test_mutations_cover_every_money_rulebook_number_kind() -> None:
    """The mutation list itself: rates, dates and ledger numbers all appear."""
    labels = [m.label for m in mutations()]
    assert "douyin-2025:tsf.base.phone-topup:rate_bp 30 +1" in labels
    assert "douyin-2026:tsf.channel.beauty:when DATE 2026-07-15 -1" in labels
    assert "douyin-2025:deposit.tier-2:gmv_from_fen 5000001 -1" in labels
    assert "douyin-2026:settle.long-after-sales:when 30 +1" in labels
    assert "douyin-2025:param.waiver_floor_bp:value 60 +1" in labels
    assert "douyin-2026:hold.installation:ship_cap_fen 30000 -1" in labels  # wrapped effect
    assert not [x for x in labels if "creator.fee.unrated" in x]  # an assumption


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("MERCHANTRY_MUTATIONS"),
    reason="the mutation check takes about half an hour: set MERCHANTRY_MUTATIONS=1 to run it",
)
def test_every_confirmed_number_is_pinned() -> None:
    outcomes = [run_mutation(m) for m in mutations()]
    print("\n" + report(outcomes))
    survived = {o.mutation.label for o in outcomes if o.verdict == "survived"}
    assert survived <= KNOWN_SURVIVORS, report(outcomes)


if __name__ == "__main__":
    import sys
    from concurrent.futures import ProcessPoolExecutor

    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    results = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for outcome in pool.map(run_mutation, mutations()):
            results.append(outcome)
            print(
                f"{outcome.verdict:9} {outcome.mutation.label}  {outcome.detail[:120]}", flush=True
            )
    print(report(results))
