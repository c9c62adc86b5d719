"""A rulebook's digest is its content, not where it was read from.

The close marks (``ledger.daily.period_digest``) and the stage digests
(``service.stages.rulebook_digest``) hash a rulebook's ``repr``. Moving an install (or
copying the rulebooks to another folder) must not change them, or every closed day would
look changed and be closed again; an edit to a number must.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from merchantry.ledger.daily import period_digest
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.library import shipped_dir
from merchantry.service.stages import rulebook_digest
from merchantry.store.warehouse import connect, ensure_schema

NAME = "douyin-2026"


def _copy(to: Path) -> Path:
    shutil.copytree(shipped_dir(), to)
    return to


def test_moved_rulebook_has_the_same_digests(tmp_path: Path) -> None:
    shipped = load_rulebook(NAME)
    moved = load_rulebook(NAME, [_copy(tmp_path / "elsewhere")])
    assert moved.source_file != shipped.source_file  # really read from the copy
    assert rulebook_digest(moved) == rulebook_digest(shipped)
    con = connect(tmp_path / "w.duckdb")
    ensure_schema(con)
    day = date(2026, 3, 4)
    for daily in (True, False):
        assert period_digest(con, moved, day, day, daily=daily) == period_digest(
            con, shipped, day, day, daily=daily
        )


def test_an_edited_number_changes_the_digest(tmp_path: Path) -> None:
    folder = _copy(tmp_path / "edited")
    path = next(p for p in folder.iterdir() if p.stem == NAME)
    text = path.read_text(encoding="utf-8")
    old = "rate_bp: 400}"
    assert old in text, old
    path.write_text(text.replace(old, "rate_bp: 401}", 1), encoding="utf-8")
    shipped = load_rulebook(NAME)
    edited = load_rulebook(NAME, [folder])
    assert rulebook_digest(edited) != rulebook_digest(shipped)
