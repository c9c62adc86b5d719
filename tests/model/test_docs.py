"""docs/data-model.md is generated from the model; it must match what the code declares."""

from __future__ import annotations

from pathlib import Path

from merchantry.model import docs
from merchantry.model.outputs import OUTPUT_TABLES
from merchantry.model.tables import TABLES, TABLES_BY_NAME

ROOT = Path(__file__).resolve().parents[2]


def test_committed_data_model_doc_is_current() -> None:
    committed = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert committed == docs.render(), (
        "docs/data-model.md is stale: run `python -m merchantry.model.docs > docs/data-model.md`"
    )


def test_every_reference_points_at_a_declared_key() -> None:
    for table in TABLES:
        for col in table.columns:
            if col.references is None:
                continue
            target_name, target_col = col.references.split(".")
            target = TABLES_BY_NAME[target_name]
            assert target.primary_key == (target_col,), f"{table.name}.{col.name}"
            assert target_name == table.name or target_name in table.load_after, (
                f"{table.name} references {target_name} but does not load after it"
            )


def test_tables_load_after_their_dependencies() -> None:
    seen: set[str] = set()
    for table in TABLES:
        assert set(table.load_after) <= seen, table.name
        seen.add(table.name)


def test_every_money_column_is_in_fen_and_every_table_has_a_chinese_term() -> None:
    for table in (*TABLES, *OUTPUT_TABLES):
        assert table.term_zh, table.name
        for col in table.columns:
            if col.is_money:
                assert col.unit == "fen", f"{table.name}.{col.name}"
                assert col.name.endswith("_fen"), f"{table.name}.{col.name}"
