"""Same arguments, same bytes; another seed, another market; chunking changes nothing."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from merchantry.model.tables import TABLES
from merchantry.synth import FORMATS, generate, output
from tests.synth.market import digests


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_arguments_give_byte_identical_files(tmp_path: Path, fmt: str) -> None:
    first = generate(tmp_path / "a", shops=30, days=4, seed=3, fmt=fmt, progress=False)
    second = generate(tmp_path / "b", shops=30, days=4, seed=3, fmt=fmt, progress=False)

    assert first.rows == second.rows
    assert digests(first.out) == digests(second.out)
    assert len(digests(first.out)) == len(TABLES) + 15  # every table, every truth file


def test_a_different_seed_gives_different_data(tmp_path: Path) -> None:
    one = generate(tmp_path / "a", shops=30, days=4, seed=3, progress=False)
    other = generate(tmp_path / "b", shops=30, days=4, seed=4, progress=False)

    differing = {
        name for name, digest in digests(one.out).items() if digests(other.out)[name] != digest
    }
    assert {"shops.parquet", "products.parquet", "orders.parquet"} <= differing


def test_a_longer_run_starts_with_the_same_orders(tmp_path: Path) -> None:
    """Each day draws from its own stream: day 2 does not depend on how many days follow."""
    short = generate(tmp_path / "short", shops=30, days=2, seed=9, progress=False)
    long = generate(tmp_path / "long", shops=30, days=4, seed=9, progress=False)

    short_orders = pq.read_table(short.out / "orders.parquet")
    long_orders = pq.read_table(long.out / "orders.parquet")
    assert long_orders.slice(0, short_orders.num_rows).equals(short_orders)
    assert long_orders.num_rows > short_orders.num_rows


def test_write_chunk_size_does_not_change_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = generate(tmp_path / "whole", shops=30, days=3, seed=5, progress=False)
    monkeypatch.setattr(output, "BUFFER_ROWS", 20)
    chunked = generate(tmp_path / "chunked", shops=30, days=3, seed=5, progress=False)

    for name in ("orders", "logistics_events", "after_sales"):
        with pq.ParquetFile(chunked.out / f"{name}.parquet") as chunked_file:
            assert chunked_file.metadata.num_row_groups > 1
            rows = chunked_file.read()
        assert rows.equals(pq.read_table(whole.out / f"{name}.parquet"))
