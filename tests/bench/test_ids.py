"""The ids bench: its representations hold the same digests, and a small run end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
from bench.report import parse

from bench import bench_ids

ROOT = Path(__file__).resolve().parents[2]


def test_each_representation_holds_the_digest_it_was_made_from() -> None:
    """Text, BLOB and UHUGEINT of the same md5 digest: the last two written back as hex are
    the text again (leading zeros included), so a join on either finds what a join on the
    text finds."""
    con = duckdb.connect()
    digests = "SELECT md5('e' || i) AS t FROM range(20000) AS r(i)"
    blob = bench_ids.REPRESENTATIONS["blob"].format("t")
    wide = bench_ids.REPRESENTATIONS["uhugeint"].format("t")
    [(lost, zeros)] = con.execute(
        f"SELECT count(*) FILTER (WHERE lower(hex({blob})) <> t "
        f"OR lpad(lower(hex({wide})), 32, '0') <> t), count(*) FILTER (WHERE t LIKE '0%') "
        f"FROM ({digests})"
    ).fetchall()
    assert lost == 0
    assert zeros > 0  # digests with a leading zero were among them


def test_a_small_run_counts_every_posting_on_every_side() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_ids", "--entries", "3000", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [result] = parse(done.stdout)
    assert result.bench == "bench_ids"
    assert result.rows == 9000
    sides = result.extra["sides"]
    assert isinstance(sides, dict)
    assert set(sides) == set(bench_ids.REPRESENTATIONS)
    for side in sides.values():
        assert (side["group_rows"], side["join_rows"], side["anti_rows"]) == (3000, 9000, 0)
        assert side["entries_write"] > 0
        assert side["postings_mib"] > 0
    assert result.ratio is not None
    assert result.ratio > 0
