"""Pytest glue for the hostile corpus: one test per case of a class, through the command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.hostile import Case, corpus, run_case

SLOW = {"field-beyond-our-limit", "long-field-many-lines"}


def cases_of(klass: str) -> list[object]:
    """The corpus cases of one class, as pytest parameters (the big ones marked slow)."""
    found = [c for c in corpus() if c.klass == klass]
    assert found, f"no hostile case of class {klass}"
    return [
        pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.name in SLOW else [])
        for c in found
    ]


def assert_accounted(case: Case, tmp_path: Path) -> None:
    """Every row of the case's file read as fed and stored or quarantined (or the file
    refused, naming it); no traceback; the checked values not garbled."""
    outcome = run_case(case, tmp_path)
    assert not outcome.failures, "\n".join(outcome.failures)
    assert outcome.accounted == case.fed
