"""Which rulebook a simulation prices, by name *and* content, before anything runs.

Stored results (fee lines, ``rulebook_rules``, the simulator's runs) are filed under a
rulebook's name. Three mistakes would file one rulebook's results under another's name, or
silently replace what is stored:

* a candidate copied from ``douyin-2026.yaml`` into ``my-candidate.yaml`` still says
  ``rulebook: douyin-2026``: its fee lines would replace the shipped rulebook's;
* a candidate named like a rulebook in another folder (``--rulebook-dir`` shadowing a shipped
  one) with other content;
* the same name run again after its content changed.

:func:`preflight` refuses the first two with the fix spelled out, and the third unless the
caller asks to ``replace``: it compares the rulebook with what the warehouse holds for the
name (``sim_rulebooks``, the full content the simulator recorded; else ``rulebook_rules``, the
rules the fee stage recorded) and says what differs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb

from merchantry.kit.errors import Conflict, InputError
from merchantry.kit.ids import stable_key
from merchantry.rulebook import Rulebook, check_file, load_rulebook
from merchantry.rulebook.library import SUFFIXES, search_dirs
from merchantry.rulebook.registry import describe_effect
from merchantry.store.warehouse import table_exists

SHOWN_DIFFERENCES: Final = 8


def content_of(book: Rulebook) -> dict[str, Any]:
    """Everything in a resolved rulebook that decides money (and its titles), as plain data."""
    return {
        "effective": [str(book.effective_from), str(book.effective_to or "")],
        "parameters": {p.name: p.value for p in book.parameters},
        "rules": {
            r.id: {
                "title": r.title,
                "when": " ".join(r.when.split()),
                "effect": {"kind": r.effect.kind, **dict(r.effect.values)},
                "priority": r.priority,
                "stacking": r.stacking.value,
            }
            for r in book.rules
        },
    }


def digest(content: dict[str, Any]) -> str:
    """A short stable fingerprint of a rulebook's content."""
    return stable_key("rulebook", json.dumps(content, sort_keys=True, ensure_ascii=False))[:16]


def differences(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What changed from ``stored`` to ``current``, one phrase each, rules first."""
    found: list[str] = []
    old_rules, new_rules = stored.get("rules", {}), current.get("rules", {})
    for rule_id in sorted(set(old_rules) | set(new_rules)):
        old, new = old_rules.get(rule_id), new_rules.get(rule_id)
        if old is None:
            found.append(f"rule {rule_id} added")
        elif new is None:
            found.append(f"rule {rule_id} removed")
        else:
            for key in ("effect", "when", "priority", "stacking", "title"):
                if key in old and old[key] != new.get(key):
                    found.append(f"rule {rule_id}: {key} {_show(old[key])} → {_show(new[key])}")
    old_params, new_params = stored.get("parameters"), current.get("parameters", {})
    if old_params is not None:
        for name in sorted(set(old_params) | set(new_params)):
            if old_params.get(name) != new_params.get(name):
                found.append(
                    f"parameter {name}: {old_params.get(name, 'absent')} → "
                    f"{new_params.get(name, 'absent')}"
                )
    if "effective" in stored and stored["effective"] != current.get("effective"):
        found.append(f"effective window {stored['effective']} → {current.get('effective')}")
    return found


def _show(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return repr(value)


@dataclass(frozen=True, slots=True)
class Identity:
    """A rulebook a simulation prices: its name, its content and that content's digest."""

    name: str
    content: dict[str, Any] | None
    """``None`` when the rulebook is not on the search path (fee lines alone are compared)."""

    @property
    def digest(self) -> str:
        return "" if self.content is None else digest(self.content)


def _files_named(name: str, dirs: Sequence[Path]) -> list[Path]:
    found = []
    for folder in search_dirs(dirs):
        for suffix in SUFFIXES:
            path = Path(folder) / f"{name}{suffix}"
            if path.is_file():
                found.append(path)
    return found


def _file_content(path: Path, dirs: Sequence[Path]) -> str:
    """What a file means (its resolved content), or its bytes when it does not check."""
    book, _ = check_file(path, dirs)
    if book is None:
        return path.read_text(encoding="utf-8", errors="replace")
    return json.dumps(content_of(book), sort_keys=True)


def _check_name(name: str, dirs: Sequence[Path]) -> Rulebook | None:
    """The rulebook ``name``, refused when its file declares another name (by
    :func:`load_rulebook`) or when another folder holds a different rulebook of that name."""
    files = _files_named(name, dirs)
    if not files:
        return None
    book = load_rulebook(name, dirs)  # refuses a file whose `rulebook:` is another name
    if len({_file_content(p, dirs) for p in files}) > 1:
        others = ", ".join(str(p) for p in files[1:])
        raise InputError(
            f"two different rulebooks are named {name!r}: {files[0]} and {others}; their results "
            f"would be stored under one name. Fix: give the candidate its own name, e.g. "
            f"rename {files[0]} to {name}-candidate{files[0].suffix} and set "
            f"`rulebook: {name}-candidate` in it"
        )
    return book


def rules_table_view(book: Rulebook) -> dict[str, Any]:
    """The part of a rulebook's content the fee stage records in ``rulebook_rules``."""
    return {
        "rules": {
            r.id: {
                "title": r.title,
                "when": " ".join(r.when.split()),
                "effect": describe_effect(r.effect),
                "priority": r.priority,
                "stacking": r.stacking.value,
            }
            for r in book.rules
        }
    }


def _stored(
    con: duckdb.DuckDBPyConnection, name: str, book: Rulebook
) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """What the warehouse holds for ``name``: (where, stored content, the current content in
    the same shape), or ``None``."""
    if table_exists(con, "sim_rulebooks"):
        row = con.execute("SELECT content FROM sim_rulebooks WHERE rulebook = ?", [name]).fetchone()
        if row:
            return (
                "recorded by an earlier simulation",
                dict(json.loads(str(row[0]))),
                content_of(book),
            )
    if table_exists(con, "rulebook_rules"):
        rows = con.execute(
            "SELECT rule_id, title, condition, effect, priority, stacking FROM rulebook_rules "
            "WHERE rulebook = ?",
            [name],
        ).fetchall()
        if rows:
            rules = {
                str(rule_id): {
                    "title": str(title),
                    "when": " ".join(str(when).split()),
                    "effect": str(effect),
                    "priority": int(priority),
                    "stacking": str(stacking),
                }
                for rule_id, title, when, effect, priority, stacking in rows
            }
            return "whose fee lines the warehouse holds", {"rules": rules}, rules_table_view(book)
    return None


def check_rulebook(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rulebook_dirs: Sequence[Path] = (),
    *,
    replace: bool = False,
    use_existing_fees: bool = False,
) -> Identity:
    """Check one rulebook's name and stored content before a stage files results under it.

    Raises ``InputError`` for a name that is not its file's or that two rulebooks share, and
    ``Conflict`` when the warehouse holds results of the same name computed from other
    content (unless ``replace``; never with ``use_existing_fees``, which would price the old
    content under the new name). ``merchantry fees`` and the simulator both call it.
    """
    book = _check_name(name, rulebook_dirs)
    current = None if book is None else content_of(book)
    if book is not None:
        stored = _stored(con, name, book)
        if stored is not None:
            where, content, now = stored
            changed = differences(content, now)
            if changed and (use_existing_fees or not replace):
                shown = "; ".join(changed[:SHOWN_DIFFERENCES]) + (
                    f"; and {len(changed) - SHOWN_DIFFERENCES} more"
                    if len(changed) > SHOWN_DIFFERENCES
                    else ""
                )
                fix = (
                    "run without --use-existing-fees to price the current content"
                    if use_existing_fees
                    else f"re-run with --replace to replace the stored results of {name!r}, "
                    f"or give the changed rulebook its own name (`rulebook: {name}-v2` in "
                    f"{name}-v2.yaml)"
                )
                raise Conflict(f"rulebook {name!r} is not the one {where}: {shown}. Fix: {fix}")
    return Identity(name, current)


def preflight(
    con: duckdb.DuckDBPyConnection,
    baseline: str,
    candidate: str,
    rulebook_dirs: Sequence[Path] = (),
    *,
    replace: bool = False,
    use_existing_fees: bool = False,
) -> tuple[Identity, Identity]:
    """:func:`check_rulebook` for both rulebooks of a simulation, before anything runs."""
    first, second = (
        check_rulebook(
            con, name, rulebook_dirs, replace=replace, use_existing_fees=use_existing_fees
        )
        for name in (baseline, candidate)
    )
    return first, second


def record(con: duckdb.DuckDBPyConnection, identity: Identity) -> None:
    """Remember the content the warehouse's results for ``identity.name`` were computed from."""
    if identity.content is None:
        return
    con.execute("DELETE FROM sim_rulebooks WHERE rulebook = ?", [identity.name])
    con.execute(
        "INSERT INTO sim_rulebooks VALUES (?, ?, ?, now())",
        [
            identity.name,
            identity.digest,
            json.dumps(identity.content, sort_keys=True, ensure_ascii=False),
        ],
    )
