"""The marketplace's settings: its currency and its time zone.

One typed object, :class:`Marketplace`, says which money and which clock a
warehouse's figures are in. Amounts are stored as integers in the currency's
minor unit (the ``*_fen`` columns: fen for CNY, centavos for BRL) and times as
the marketplace's local wall-clock time; the marketplace's zone turns a stored
time into an instant (``event_at AT TIME ZONE zone`` in the warehouse,
:meth:`Marketplace.instant` here). Money is shown in the marketplace's
currency only: an Olist figure prints ``R$``, never ``¥``.

The warehouse keeps the settings in its ``marketplace`` table (one row);
``merchantry.store.warehouse`` reads them. A warehouse without that row is a
Chinese marketplace (:data:`DEFAULT_MARKETPLACE`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from merchantry.kit.errors import InputError


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency as Merchantry stores and shows it."""

    code: str
    """ISO 4217 code."""
    symbol: str
    """Prefix shown before an amount (``¥``, ``R$``)."""
    minor_per_major: int
    """Minor units per major unit (100 fen per yuan, 100 centavos per real)."""
    minor_name: str
    """Name of the minor unit the ``*_fen`` columns hold."""

    def format(self, minor: int) -> str:
        """``123456`` -> ``"¥1,234.56"`` / ``"R$1,234.56"``; negative amounts keep their sign."""
        sign = "-" if minor < 0 else ""
        whole, part = divmod(abs(minor), self.minor_per_major)
        digits = len(str(self.minor_per_major - 1))
        return f"{sign}{self.symbol}{whole:,}.{part:0{digits}d}"


CNY: Final = Currency("CNY", "¥", 100, "fen")
BRL: Final = Currency("BRL", "R$", 100, "centavo")

CURRENCIES: Final[dict[str, Currency]] = {c.code: c for c in (CNY, BRL)}
"""Currencies a marketplace may use, by ISO code."""


@dataclass(frozen=True, slots=True)
class Marketplace:
    """Which marketplace a warehouse holds: its currency and its clock."""

    marketplace_id: str
    name: str
    currency: Currency
    time_zone: str
    """IANA zone of every stored time (times are stored as local wall-clock time)."""

    @property
    def zone(self) -> ZoneInfo:
        """The zone, looked up in the system's time-zone database when first needed."""
        return time_zone(self.time_zone)

    def instant(self, local: datetime) -> datetime:
        """A stored (naive, local) time as an aware instant in the marketplace's zone."""
        return local.replace(tzinfo=self.zone)

    def money(self, minor: int) -> str:
        """An amount in minor units, shown in the marketplace's currency."""
        return self.currency.format(minor)


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; an unknown name is an input error naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"{name!r} is not an IANA time zone known to this system "
            "(e.g. Asia/Shanghai, America/Sao_Paulo)"
        ) from None


def currency(code: str) -> Currency:
    """The currency called ``code``; an unknown code is an input error naming the known ones."""
    try:
        return CURRENCIES[code]
    except KeyError:
        known = ", ".join(CURRENCIES)
        raise InputError(f"unknown currency {code!r}; known currencies: {known}") from None


DOUYIN: Final = Marketplace("douyin", "抖音电商 Douyin e-commerce", CNY, "Asia/Shanghai")
TAOBAO: Final = Marketplace("taobao", "淘宝/天猫 Taobao/Tmall", CNY, "Asia/Shanghai")
OLIST: Final = Marketplace("olist", "Olist (Brazil)", BRL, "America/Sao_Paulo")

MARKETPLACES: Final[dict[str, Marketplace]] = {m.marketplace_id: m for m in (DOUYIN, TAOBAO, OLIST)}
"""The marketplaces Merchantry knows out of the box."""

DEFAULT_MARKETPLACE: Final = DOUYIN
"""A warehouse that names no marketplace is a Chinese one: CNY, Asia/Shanghai."""

_ACTIVE: ContextVar[Marketplace] = ContextVar("merchantry_marketplace", default=DEFAULT_MARKETPLACE)


def active_marketplace() -> Marketplace:
    """The marketplace whose figures are being shown (set by :func:`use_marketplace` or
    :func:`showing`; a Chinese marketplace until then)."""
    return _ACTIVE.get()


def use_marketplace(marketplace: Marketplace) -> None:
    """Show money in ``marketplace``'s currency from now on in this context.

    ``merchantry.store.warehouse.connect`` calls it with the warehouse's own
    marketplace, so a command shows the currency of the warehouse it opened.
    """
    _ACTIVE.set(marketplace)


@contextmanager
def showing(marketplace: Marketplace) -> Iterator[Marketplace]:
    """Show money in ``marketplace``'s currency inside the block.

    Front ends wrap a command that reads a warehouse in this, so every amount the
    command prints or renders carries the warehouse's currency.
    """
    token = _ACTIVE.set(marketplace)
    try:
        yield marketplace
    finally:
        _ACTIVE.reset(token)
