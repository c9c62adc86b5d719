"""Return diagnosis use cases: what `merchantry diagnose returns` and the ``/returns`` routes
call, so neither front end holds domain logic.

Data flow: the warehouse (read-only) -> :func:`merchantry.returns.diagnosis.diagnose_returns`
(rates, causes, fixes, per-SKU weeks) or, for the weekly series alone, the order counts
without classifying a single case (:func:`weekly_series`).

On demand, not a runner stage: a diagnosis is asked for one shop (or SKU), one period and
one fee rulebook at a time, reads only tables the stages have already written, and writes
nothing; a stage would have to classify every case of every shop for every period someone
might ask about, and store results that go stale with each ingest. The runner's staleness
check therefore never has anything of it to re-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from merchantry.kit.errors import NotFound
from merchantry.kit.paging import window
from merchantry.returns import data
from merchantry.returns.classify import TextModel
from merchantry.returns.diagnosis import (
    ClassifiedCase,
    ReturnDiagnosis,
    SkuSeries,
    diagnose_returns,
    sku_series,
)
from merchantry.returns.report import write_report
from merchantry.returns.stats import FDR


@dataclass(frozen=True, slots=True)
class CasePage:
    """A page of a shop's classified after-sales cases."""

    total: int
    items: tuple[ClassifiedCase, ...]


def _check_scope(con: duckdb.DuckDBPyConnection, shop_id: str, sku_id: str | None) -> None:
    """:class:`NotFound` for an unknown shop, or a SKU the shop does not sell (without saying
    whose it is)."""
    if con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchone() is None:
        raise NotFound(f"no shop {shop_id!r} in the warehouse")
    if sku_id is not None:
        owner = con.execute("SELECT shop_id FROM products WHERE sku_id = ?", [sku_id]).fetchone()
        if owner is None:
            raise NotFound(f"SKU {sku_id} does not exist in the warehouse")
        if owner[0] != shop_id:
            raise NotFound(f"SKU {sku_id} is not sold by shop {shop_id}")


def shop_diagnosis(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    sku_id: str | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    fees_rulebook: str | None = None,
    model: TextModel | None = None,
    fdr: float = FDR,
) -> ReturnDiagnosis:
    """The shop's (or its SKU's) diagnosis over payment days ``[start, end)``."""
    _check_scope(con, shop_id, sku_id)
    return diagnose_returns(
        con,
        shop_id,
        sku_id,
        start=start,
        end=end,
        fees_rulebook=fees_rulebook,
        model=model,
        fdr=fdr,
    )


def shop_cases(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    sku_id: str | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CasePage:
    """The shop's own cases (not withdrawn) in case-id order, each with its cause and the
    quoted evidence, ``limit`` from ``offset``."""
    d = shop_diagnosis(con, shop_id, sku_id, start=start, end=end)
    own = [c for c in d.findings.cases if c.case.shop_id == shop_id]
    return CasePage(len(own), window(offset, limit).take(own))


def weekly_series(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    sku_id: str | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
) -> tuple[date, date, list[SkuSeries]]:
    """The period read and each SKU of the shop (or the one SKU) week by week against its
    category's rates at other shops; no case is classified, so it is cheap."""
    _check_scope(con, shop_id, sku_id)
    first, last = data.period(con, start, end)
    counts = data.week_counts(con, first, last, categories_of=shop_id)
    scope = {sku_id} if sku_id is not None else {c.sku_id for c in counts if c.shop_id == shop_id}
    return first, last, sku_series(counts, scope, shop_id)


def shop_name(con: duckdb.DuckDBPyConnection, shop_id: str) -> str | None:
    row = con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    return str(row[0]) if row and row[0] is not None else None


def shop_report(con: duckdb.DuckDBPyConnection, diagnosis: ReturnDiagnosis, out: Path) -> Path:
    """Write the diagnosis's HTML report (charts included) to ``out``."""
    return write_report(diagnosis, out, shop_name=shop_name(con, diagnosis.shop_id))
