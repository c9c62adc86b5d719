"""Mutation check: every confirmed number of the shipped money rulebooks, moved one step up
and one step down in a copy of the rulebooks, must make a pin fail.

A *confirmed number* is an integer in the effect of a rule without ``assumption: true``, an
integer literal other than 0 in such a rule's condition (``> 0`` is the condition's shape, not
a platform number), a parameter without ``assumption: true``, or a
date literal in the condition of any rule that names a source (a dated rule's date is the
sourced part even when its amount is assumed). One step is 1 (bp, fen, day, hour) or one
day for a date. A mutant the rulebook checker refuses (e.g. a count moved below its
minimum) counts as caught by the checker, not by a pin.

Each mutant first runs only the pins that name its rule (the fee cases whose ``pins`` is the
rule, the deposit and experience-deposit cases of that rule), in a fresh warehouse for each
rulebook the change reaches; a failure there counts only if the same narrowed pins pass on the
shipped rulebooks (checked once per rule and worker). Only a mutant those pins do not catch
runs the whole pin group of every rulebook it reaches, as before, so a mutant is reported as
surviving exactly when the full pins miss it. Too slow for every CI run (minutes on two busy
cores), so the sweep runs only when asked::

    PYTHONPATH=. .venv/bin/python -m tests.rulebook.test_pins_mutation 2 > /tmp/money.log

(two worker processes; one line per mutation, then the tally and every survivor with file,
rule id, field and direction; ``--only RULEBOOK[:RULE-PREFIX]`` restricts the sweep and
``--resume LOG`` keeps the verdicts an interrupted sweep printed), or
``MERCHANTRY_MUTATIONS=1 .venv/bin/pytest tests/rulebook/test_pins_mutation.py -s``.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import duckdb
import pytest

from merchantry.kit.errors import MerchantryError
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.library import shipped_dir
from merchantry.store.warehouse import ensure_schema
from tests.rulebook.test_pins_fees import FEE_CASES, PERIODS, fee_failures
from tests.rulebook.test_pins_ledger import FOCUSED, GROUPS

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
GROUP_OF_PARAMETER: Final = {"param.deposit_review_day": "deposits"}
"""Pin group that exercises each ledger-side parameter; every other parameter is the fees'."""
COST_ORDER: Final = (
    "fees",
    "refund_response",
    "annual",
    "settlement",
    "creator_holds",
    "installation",
    "insurance",
    "advance",
    "deposits",
    "experience",
)
"""Pin groups from the cheapest to run to the dearest (the sweep runs them in this order, so
an interrupted sweep has covered the most mutants; ``--resume`` picks up the rest)."""
KNOWN_SURVIVORS: Final = {
    "douyin-2025:deposit.pre-cut.tier-1:when DATE 2025-06-08 -1",
    "douyin-2025:deposit.pre-cut.tier-2:when DATE 2025-06-08 -1",
    "douyin-2025:deposit.pre-cut.tier-3:when DATE 2025-06-08 -1",
    "douyin-2026:tsf.channel.fashion-toys-pets:when DATE 2026-07-15 +1",
    "douyin-2025:aff.plan.colonel:max_rate_bp 9000 +1",
}
"""Mutants no pin can kill, with the reason. The June 2025 deposit cut is dated to the month
and deposit amounts change only on a review day (the 8th), so moving the cut from the 8th to the
7th changes nothing any review sees. Moving the 5% categories' supplement start to 07-16 leaves
07-15's orders to the catch-all supplement (``tsf.channel.default``, an assumption), which is the
same 5%: the amount cannot differ. The colonel plan's creator ceiling (90%) sits under its
own "creator plus colonel fee at most 90%" bound (``with_colonel_max_bp``), and a colonel fee
is never negative, so a creator ceiling of 90.01% can never be reached."""

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
    rule: str = ""
    """The rule id (``param.<name>`` for a parameter)."""
    field: str = ""
    """The effect field, ``when``, ``when DATE`` or ``value``."""
    step: int = 0

    @property
    def label(self) -> str:
        return self.target

    @property
    def where(self) -> str:
        """File, rule id, field and direction, for the survivors' list."""
        way = "up" if self.step > 0 else "down"
        return f"{self.rulebook}.yaml  {self.rule}  {self.field} {self.old} -> {self.new} ({way})"


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
            group = (
                GROUP_OF_KIND.get(kinds[0], "fees")
                if kinds
                else GROUP_OF_PARAMETER.get(name, "fees")
            )

            def add(
                target: str,
                i: int,
                column: int,
                old: str,
                new: str,
                book: str = rulebook,
                kind_group: str = group,
                rule: str = name,
            ) -> None:
                field, step = target.rsplit(":", 1)[1].rsplit(" ", 2)[0::2]
                found.append(
                    Mutation(book, target, i, column, old, new, kind_group, rule, field, int(step))
                )

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


def _mutated_folder(mutation: Mutation, tmp: str) -> Path:
    """Copies of the shipped rulebooks in ``tmp`` with the one number changed."""
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
    return folder


_TEMPLATE: list[Path] = []
"""A warehouse file with every table made, once per process (see :func:`_fresh_warehouse`)."""


def _fresh_warehouse(folder: Path) -> duckdb.DuckDBPyConnection:
    """An empty warehouse in ``folder``, copied from one made once per process: making the
    ~60 tables costs seconds on a busy machine, copying the file milliseconds."""
    if not _TEMPLATE:
        where = Path(tempfile.mkdtemp(prefix="merchantry-schema-"))
        atexit.register(shutil.rmtree, where, True)
        con = duckdb.connect(str(where / "schema.duckdb"))
        try:
            ensure_schema(con)
        finally:
            con.close()
        _TEMPLATE.append(where / "schema.duckdb")
    target = folder / f"w{uuid.uuid4().hex}.duckdb"
    shutil.copy(_TEMPLATE[0], target)
    con = duckdb.connect(str(target))
    con.execute("SET threads TO 1")  # the sweep runs several processes on two cores
    return con


def _pins(group: str, rulebook: str, dirs: Sequence[Path], only: str | None) -> list[str]:
    """The failures of one pin group under one rulebook, narrowed to ``only``'s cases, in a
    fresh warehouse."""
    if group == "fees" and rulebook not in PERIODS:
        return []
    with tempfile.TemporaryDirectory(prefix="merchantry-pins-") as tmp:
        con = _fresh_warehouse(Path(tmp))
        try:
            if group == "fees":
                return fee_failures(con, [rulebook], dirs, only)
            if only is not None:
                return FOCUSED[group](con, [rulebook], dirs, only)
            return GROUPS[group](con, [rulebook], dirs)
        finally:
            con.close()


def _narrowed(mutation: Mutation, rulebook: str) -> bool:
    """Whether the mutant's group can be narrowed to its rule's own cases under ``rulebook``."""
    if mutation.group == "fees":
        return any(c.rulebook == rulebook and c.pins == mutation.rule for c in FEE_CASES)
    return mutation.group in FOCUSED


_BASELINE: dict[tuple[str, str, str], list[str]] = {}
"""Narrowed pins' failures on the shipped rulebooks, per (group, rulebook, rule): a narrowed
run catches a mutant only if it passes unmutated."""


def _baseline_passes(group: str, rulebook: str, rule: str) -> bool:
    key = (group, rulebook, rule)
    if key not in _BASELINE:
        _BASELINE[key] = _pins(group, rulebook, (), rule)
    return not _BASELINE[key]


def run_mutation(mutation: Mutation) -> Outcome:
    """Apply one mutation in a copy of the shipped rulebooks and run the pins it reaches:
    first those that name its rule, then (if they pass) every pin of its group."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = _mutated_folder(mutation, tmp)
        reached = CHILDREN[mutation.rulebook]
        try:  # the changed rulebook first; those extending it only if the narrowed pins pass
            load_rulebook(mutation.rulebook, (folder,))
            for rulebook in reached:
                if not _narrowed(mutation, rulebook):
                    continue
                failures = _pins(mutation.group, rulebook, (folder,), mutation.rule)
                if failures and _baseline_passes(mutation.group, rulebook, mutation.rule):
                    return Outcome(mutation, "pin", failures[0])
            for name in reached:
                load_rulebook(name, (folder,))
        except MerchantryError as error:
            return Outcome(mutation, "checker", str(error).splitlines()[0])
        for rulebook in reached:  # one at a time: the first failing pin settles it
            failures = _pins(mutation.group, rulebook, (folder,), None)
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
    lines += [
        f"  survived: {o.mutation.where}"
        + ("  [known: see KNOWN_SURVIVORS]" if o.mutation.label in KNOWN_SURVIVORS else "")
        for o in outcomes
        if o.verdict == "survived"
    ]
    return "\n".join(lines)


def test_a_survivor_is_reported_with_file_rule_field_and_direction() -> None:
    by_label = {m.label: m for m in mutations()}
    up = by_label["douyin-2025:tsf.base.phone-topup:rate_bp 30 +1"]
    assert up.where == "douyin-2025.yaml  tsf.base.phone-topup  rate_bp 30 -> 31 (up)"
    day = by_label["douyin-2026:tsf.channel.beauty:when DATE 2026-07-15 -1"]
    assert (
        day.where
        == "douyin-2026.yaml  tsf.channel.beauty  when DATE 2026-07-15 -> 2026-07-14 (down)"
    )
    assert set(KNOWN_SURVIVORS) <= set(by_label)
    text = report([Outcome(up, "survived", ""), Outcome(day, "pin", "x")])
    assert text.splitlines()[1] == f"  survived: {up.where}"


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
    reason="the mutation sweep takes minutes: set MERCHANTRY_MUTATIONS=1 to run it",
)
def test_every_confirmed_number_is_pinned() -> None:
    workers = int(os.environ.get("MERCHANTRY_MUTATION_WORKERS", "2"))
    outcomes = sweep(mutations(), workers)
    print("\n" + report(outcomes))
    survived = {o.mutation.label for o in outcomes if o.verdict == "survived"}
    assert survived <= KNOWN_SURVIVORS, report(outcomes)


def main(argv: Sequence[str]) -> int:
    """``python -m tests.rulebook.test_pins_mutation [WORKERS] [--only BOOK[:RULE-PREFIX]]``."""
    args = list(argv)
    only = ""
    if "--only" in args:
        at = args.index("--only")
        only = args[at + 1]
        del args[at : at + 2]
    done: dict[str, Outcome] = {}
    if "--resume" in args:  # verdicts already printed by an earlier (interrupted) sweep
        at = args.index("--resume")
        earlier = Path(args[at + 1]).read_text(encoding="utf-8").splitlines()
        del args[at : at + 2]
        labels = {m.label: m for m in mutations()}
        for line in earlier:
            verdict, _, rest = line.partition(" ")
            label, _, detail = rest.strip().partition("  ")
            if verdict in ("pin", "checker", "survived") and label in labels:
                done[label] = Outcome(labels[label], verdict, detail.strip())
    workers = int(args[0]) if args else 1
    chosen = [m for m in mutations() if f"{m.rulebook}:{m.rule}".startswith(only)]
    chosen.sort(key=lambda m: COST_ORDER.index(m.group))  # cheap groups first (stable)
    print(report(sweep(chosen, workers, done)), flush=True)
    return 0


def sweep(
    chosen: list[Mutation], workers: int, done: dict[str, Outcome] | None = None
) -> list[Outcome]:
    """Each chosen mutation's outcome over ``workers`` processes, one line each as it comes
    (``done``: outcomes an interrupted sweep already printed)."""
    from concurrent.futures import ProcessPoolExecutor

    done = done or {}
    results = [done[m.label] for m in chosen if m.label in done]
    for outcome in results:
        print(f"{outcome.verdict:9} {outcome.mutation.label}  {outcome.detail[:120]}", flush=True)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for outcome in pool.map(run_mutation, [m for m in chosen if m.label not in done]):
            results.append(outcome)
            print(
                f"{outcome.verdict:9} {outcome.mutation.label}  {outcome.detail[:120]}", flush=True
            )
    return results


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
