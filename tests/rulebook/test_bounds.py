"""`rulebook check` refuses the parameters a stage reads by name when they are out of range
or out of order, at the parameter's line, and the stages hold the same ranges."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import InputError
from merchantry.ledger.deposits import REVIEW_DAY_PARAMETER
from merchantry.reco.settings import BoostSettings, SimilaritySettings
from merchantry.risk.settings import RiskSettings
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.bounds import PARAMETER_BOUNDS, bound_of
from merchantry.rulebook.checker import check_file
from merchantry.scoring.inputs import PARAMETER_DEFAULTS

PARENTS = {
    "douyin-2025": "2025-01-01",
    "douyin-score-2026-05": "2026-05-07",
    "taobao-score-2026": "2026-01-01",
    "risk-2026": "2026-01-01",
    "reco-2026": "2026-01-01",
}


def child(folder: Path, parent: str, **values: int) -> Path:
    """A child of a shipped rulebook that sets ``values``, one parameter a line."""
    lines = [
        "rulebook: mine",
        "title: a child that moves parameters",
        f"extends: {parent}",
        f"effective: {{from: {PARENTS[parent]}}}",
        "parameters:",
    ]
    for name, value in values.items():
        lines += [f"  {name}:", f"    value: {value}", "    assumption: true", "    note: a test"]
    path = folder / "mine.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def line_of(path: Path, name: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(f"  {name}:") + 1


@pytest.mark.parametrize(
    ("parent", "name", "refused", "accepted"),
    [
        # a deposit review day every month has: the 1st to the 28th
        ("douyin-2025", "deposit_review_day", [0, 29, 31, -1], [1, 28]),
        # hours of the day
        ("douyin-score-2026-05", "pickup_clock_after_hour", [24, -1], [0, 23]),
        ("douyin-score-2026-05", "review_clock_start_hour", [25], [0, 9]),
        ("taobao-score-2026", "service_last_hour", [24], [23]),
        # a behaviour score and a share
        ("risk-2026", "ring_flag_score", [101, -5], [0, 100]),
        ("risk-2026", "brushing_blind_share_pct", [120], [100]),
        ("risk-2026", "ring_identifier_max_buyers", [1, 0], [2]),
        # similarity per mille, permutations, a window
        ("reco-2026", "lsh_threshold_pm", [0, 1001], [1, 1000]),
        ("reco-2026", "minhash_permutations", [8, 1024], [16, 512]),
        ("reco-2026", "window_days_apparel", [-1], [0, 365]),
        ("reco-2026", "boost_total_cap_bp", [10_000], [9_999]),
    ],
)
def test_out_of_range_parameters_are_refused_at_their_line(
    tmp_path: Path, parent: str, name: str, refused: list[int], accepted: list[int]
) -> None:
    for value in refused:
        path = child(tmp_path, parent, **{name: value})
        book, found = check_file(path)
        assert book is None, (name, value)
        hits = [d for d in found if d.code == "parameter-range"]
        assert len(hits) == 1, (name, value, found)
        assert hits[0].source == str(path)
        assert hits[0].line == line_of(path, name)
        assert f"parameter {name} is {value}" in hits[0].message
        assert hits[0].column == "parameters"
    for value in accepted:
        book, found = check_file(child(tmp_path, parent, **{name: value}))
        assert book is not None, (name, value, found)
        assert not [d for d in found if d.code == "parameter-range"]


@pytest.mark.parametrize(
    ("parent", "values", "reported_at", "words"),
    [
        (
            "douyin-score-2026-05",
            {"service_first_hour": 20, "service_last_hour": 9},
            "service_last_hour",
            "service hours run from the first to the last",
        ),
        (
            "risk-2026",
            {"model_grade_2_bp": 400},  # below grade 1's 500 in the parent
            "model_grade_2_bp",
            "grades rise",
        ),
        ("risk-2026", {"integrity_level_c_points": 10}, "integrity_level_c_points", "level C"),
        ("reco-2026", {"boost_signal_cap_bp": 1_600}, "boost_signal_cap_bp", "half"),
        ("reco-2026", {"tier_good_min_score": 95}, "tier_good_min_score", "excellent"),
    ],
)
def test_pairs_out_of_order_are_refused(
    tmp_path: Path, parent: str, values: dict[str, int], reported_at: str, words: str
) -> None:
    path = child(tmp_path, parent, **values)
    book, found = check_file(path)
    hits = [d for d in found if d.code == "parameter-range"]
    assert book is None
    assert len(hits) == 1, found
    assert words in hits[0].message
    # reported in the child, which moved one of the pair, at that parameter's line
    assert (hits[0].source, hits[0].line) == (str(path), line_of(path, reported_at))


def test_a_value_out_of_range_is_not_also_reported_out_of_order(tmp_path: Path) -> None:
    """Hour 30 is one mistake, not also `service_first_hour after service_last_hour`."""
    _, found = check_file(child(tmp_path, "douyin-score-2026-05", service_first_hour=30))
    hits = [d for d in found if d.code == "parameter-range"]
    assert [d.message.split(": ")[0] for d in hits] == [
        "rulebook mine, parameter service_first_hour is 30"
    ]


def test_the_command_names_the_file_line_and_range(tmp_path: Path) -> None:
    path = child(tmp_path, "douyin-2025", deposit_review_day=0)
    result = CliRunner().invoke(app, ["rulebook", "check", str(path)], env={"COLUMNS": "200"})
    printed = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert f"mine.yaml:{line_of(path, 'deposit_review_day')}" in printed
    assert "deposit_review_day is 0: a deposit review day (a day every month has) is 1 to 28" in (
        printed
    )


def test_a_stage_refuses_an_order_the_checker_cannot_see(tmp_path: Path) -> None:
    """A rulebook that declares only the first service hour, after the default last one:
    the checker sees one value, the score stage fills in the default and refuses the pair."""
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / "lone.yaml").write_text(
        "rulebook: lone\ntitle: lone\neffective: {from: 2026-01-01}\n"
        "parameters:\n  service_first_hour:\n    value: 23\n    assumption: true\n"
        "    note: a test\nrules: []\n",
        encoding="utf-8",
    )
    book = load_rulebook("lone", (folder,))
    with pytest.raises(InputError, match="service_first_hour \\(23\\) must be at most"):
        book.refuse_problems({**PARAMETER_DEFAULTS, **book.parameter_values})


def test_every_parameter_a_stage_reads_by_name_has_a_range() -> None:
    """A stage parameter added without a range would pass `rulebook check` whatever its
    value: this names it. The reco boosts' signed weights are held by the caps instead."""
    signed_weights = {
        f.name
        for f in dataclasses.fields(BoostSettings)
        if f.name.startswith("boost_content") or (f.name.endswith("_bp") and "cap" not in f.name)
    }
    read_by_name = {
        REVIEW_DAY_PARAMETER,
        *PARAMETER_DEFAULTS,
        *(f.name for f in dataclasses.fields(RiskSettings) if f.name != "rulebook"),
        *(f.name for f in dataclasses.fields(SimilaritySettings)),
        *(f.name for f in dataclasses.fields(BoostSettings) if f.name not in signed_weights),
    }
    assert sorted(n for n in read_by_name if bound_of(n) is None) == []
    assert bound_of("window_days_some_new_industry") is not None
    assert set(PARAMETER_BOUNDS) <= read_by_name  # no range for a parameter nothing reads
