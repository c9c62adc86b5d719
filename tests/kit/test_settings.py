"""The marketplace setting: every amount in its currency, every time in its zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from merchantry.kit.errors import InputError
from merchantry.kit.money import currency_symbol, format_fen
from merchantry.kit.settings import (
    BRL,
    CNY,
    DEFAULT_MARKETPLACE,
    OLIST,
    Marketplace,
    active_marketplace,
    currency,
    showing,
)
from merchantry.store.warehouse import connect, read_marketplace


@pytest.mark.parametrize(
    ("money", "minor", "shown"),
    [
        (CNY, 123_456, "¥1,234.56"),
        (CNY, -5, "-¥0.05"),
        (BRL, 123_456, "R$1,234.56"),
        (BRL, 100, "R$1.00"),
        (BRL, -1_000_001, "-R$10,000.01"),
    ],
)
def test_amounts_show_in_their_own_currency(money: object, minor: int, shown: str) -> None:
    assert format_fen(minor, money) == shown  # type: ignore[arg-type]


def test_the_shown_marketplace_sets_the_currency_of_every_amount() -> None:
    assert format_fen(990) == "¥9.90"
    with showing(OLIST):
        assert format_fen(990) == "R$9.90"
        assert currency_symbol() == "R$"
    assert active_marketplace() is DEFAULT_MARKETPLACE
    assert format_fen(990) == "¥9.90"


def test_a_stored_local_time_becomes_an_instant_in_the_marketplace_zone() -> None:
    local = datetime(2018, 5, 1, 12, 0)
    assert OLIST.instant(local).astimezone(UTC) == datetime(2018, 5, 1, 15, 0, tzinfo=UTC)
    assert DEFAULT_MARKETPLACE.instant(local).astimezone(UTC) == datetime(
        2018, 5, 1, 4, 0, tzinfo=UTC
    )


def test_unknown_currencies_and_zones_are_refused_by_name() -> None:
    with pytest.raises(InputError, match=r"'EUR'.*CNY, BRL"):
        currency("EUR")
    with pytest.raises(InputError, match=r"'Mars/Olympus' is not an IANA time zone"):
        _ = Marketplace("x", "x", CNY, "Mars/Olympus").zone


def _with_marketplaces(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    con = connect(path)
    con.executemany("INSERT INTO marketplace VALUES (?, ?, ?, ?)", rows)
    con.close()


def test_a_warehouse_names_its_marketplace_and_opening_it_shows_that_currency(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    assert read_marketplace(con) == DEFAULT_MARKETPLACE
    con.close()
    _with_marketplaces(db, [("olist", "Olist (Brazil)", "BRL", "America/Sao_Paulo")])
    con = connect(db, read_only=True)
    assert read_marketplace(con) == OLIST
    assert format_fen(250) == "R$2.50"
    con.close()


def test_two_marketplaces_in_one_warehouse_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _with_marketplaces(
        db,
        [
            ("olist", "Olist (Brazil)", "BRL", "America/Sao_Paulo"),
            ("douyin", "Douyin", "CNY", "Asia/Shanghai"),
        ],
    )
    with pytest.raises(InputError, match=r"2 marketplaces \(douyin \(CNY.*olist \(BRL"):
        connect(db)
    # The file itself is untouched and still readable for repair.
    assert duckdb.connect(str(db)).execute("SELECT count(*) FROM marketplace").fetchall() == [(2,)]


def test_a_warehouse_with_an_unknown_zone_is_refused_by_name(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _with_marketplaces(db, [("x", "X", "CNY", "Asia/Atlantis")])
    with pytest.raises(InputError, match=r"'Asia/Atlantis' is not an IANA time zone"):
        connect(db)
