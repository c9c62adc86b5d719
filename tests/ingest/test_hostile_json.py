"""Hostile input, class `json`: each case of `tests.ingest.hostile`, through the command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.hostile import Case
from tests.ingest.hostile_cases import assert_accounted, cases_of


@pytest.mark.parametrize("case", cases_of("json"))
def test_every_row_is_accounted_for_and_nothing_is_garbled(case: Case, tmp_path: Path):
    assert_accounted(case, tmp_path)
