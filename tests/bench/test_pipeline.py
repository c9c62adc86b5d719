"""The end-to-end pipeline bench at a tiny size: every stage ran, and their rows agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from bench.report import parse

from bench import bench_pipeline


def _tiny_run(scratch: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    size = ["--orders", "1500", "--days", "3", "--heartbeat", "600"]
    bench_pipeline.main([*size, "--scratch", str(scratch), "--keep"])
    return json.loads((scratch / "results.json").read_text()), capsys.readouterr().out


@pytest.mark.slow
def test_every_stage_runs_and_their_rows_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record, out = _tiny_run(tmp_path, capsys)
    stages = record["stages"]
    assert list(stages) == list(bench_pipeline.STAGES)

    generated, ingested = stages["generate"], stages["ingest"]
    assert generated["orders"] > 1000
    assert ingested["orders"] == generated["orders"]
    assert ingested["rows_in"] == ingested["rows_out"] == generated["rows_out"]
    assert ingested["detail"]["quarantined"] == 0

    fees, close = stages["fees:douyin-2026"], stages["close:douyin-2026"]
    assert fees["rows_out"] > 0
    assert close["rows_in"] == fees["rows_out"]
    assert close["rows_out"] > 0
    assert close["detail"]["unbalanced_entries"] == 0
    assert stages["risk:decisions"]["rows_out"] == stages["risk:decisions"]["rows_in"]

    for name in ("generate", "ingest", "fees:douyin-2026", "close:douyin-2026"):
        base = stages[name]["baseline"]
        assert base["rows"] == stages[name]["rows_out"], name  # the same rows, plainly
    for name, stage in stages.items():
        assert stage["wall"] > 0
        assert stage["cpu"] > 0
        assert stage["peak_mib"] > 0, name

    # The warehouse the stages wrote holds what they reported.
    con = duckdb.connect(str(tmp_path / "pipeline.duckdb"), read_only=True)
    try:
        orders = con.execute("SELECT count(*) FROM orders").fetchone()
        lines = con.execute("SELECT count(*) FROM fee_lines").fetchone()
        postings = con.execute("SELECT count(*), sum(amount_fen) FROM journal_postings").fetchone()
        unbalanced = con.execute(
            "SELECT count(*) FROM (SELECT entry_id FROM journal_postings GROUP BY entry_id "
            "HAVING sum(amount_fen) <> 0)"
        ).fetchone()
        scored = con.execute("SELECT count(*) FROM shop_scores").fetchone()
    finally:
        con.close()
    assert orders == (generated["orders"],)
    assert lines == (fees["rows_out"],)
    assert postings == (close["rows_out"], 0)
    assert unbalanced == (0,)
    assert scored == (stages[bench_pipeline.STAGES[2]]["rows_out"],)

    # One result line per stage for ``python -m bench``'s table.
    results = parse(out)
    assert [r.bench for r in results] == [f"pipeline {name}" for name in bench_pipeline.STAGES]
    assert all(r.rows == stages[r.bench.split(" ", 1)[1]]["rows_out"] for r in results)


def test_disagreeing_stages_are_named() -> None:
    agree: dict[str, dict[str, Any]] = {
        "generate": {"orders": 10, "rows_out": 50},
        "ingest": {"orders": 10, "rows_in": 50, "rows_out": 50, "detail": {"quarantined": 0}},
        "fees:douyin-2026": {"rows_out": 30},
        "close:douyin-2026": {"rows_in": 30, "rows_out": 90, "detail": {"unbalanced_entries": 0}},
    }
    assert bench_pipeline.checks(agree) == []
    lost = {**agree, "ingest": {**agree["ingest"], "orders": 9}}
    assert bench_pipeline.checks(lost) == ["orders ingested 9 ≠ generated 10"]
    short = {**agree, "ingest": {**agree["ingest"], "rows_in": 49, "rows_out": 49}}
    assert bench_pipeline.checks(short) == ["rows ingested 49 ≠ generated 50"]
    unbalanced = {
        **agree,
        "close:douyin-2026": {**agree["close:douyin-2026"], "detail": {"unbalanced_entries": 2}},
    }
    assert bench_pipeline.checks(unbalanced) == ["2 unbalanced journal entries"]
    no_lines = {**agree, "fees:douyin-2026": {"rows_out": 0}}
    assert "no fee lines" in bench_pipeline.checks(no_lines)
