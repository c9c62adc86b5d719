"""Paging: one place for the arithmetic every list uses (case queues, statements, API lists).

Two ways to ask for part of a list, both checked here and nowhere else:

* a **numbered page** (``page`` from 1, ``per_page`` items on each): the command line and
  the console. A page past the last is refused, naming how many pages there are, or
  (``past_last=LAST``) shown as the last page, for a console link that outlived its items.
  An empty list has one page, empty, with its total 0.
* a **window** (``offset`` items skipped, at most ``limit`` shown): the API. A window past
  the end is an empty page with the true total, never an error.

Sizes are bounded (:data:`MAX_PER_PAGE`, :data:`MAX_OFFSET`) so that no request reaches a
database as an offset it cannot hold; a value outside the bounds is an
:class:`~merchantry.kit.errors.InputError` naming the option and the allowed range.

Each surface names the page in its own words (:class:`PagingWords`): the command line
``--page``, the API its query parameter ``page``. A page out of range is a
:class:`PageOutOfRange` that carries the numbers, so the console can say it its own way (a
link to the last page) instead of showing an option it does not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Generic, TypeVar

from merchantry.kit.errors import InputError

T = TypeVar("T")

MAX_PER_PAGE: Final = 10_000
"""The most items one page or window may ask for."""

MAX_OFFSET: Final = 10_000_000
"""The most items a request may skip (a window's offset, a numbered page's start)."""


@dataclass(frozen=True, slots=True)
class PagingWords:
    """How a surface names the page number and the page size in its messages."""

    page: str
    per_page: str


CLI_WORDS: Final = PagingWords("--page", "--per-page")
API_WORDS: Final = PagingWords("query parameter `page`", "query parameter `per_page`")


class PageOutOfRange(InputError):
    """A numbered page that does not exist: past the last one (``pages`` known) or beyond any
    list's reach (``pages`` is ``None``: refused before the list was counted)."""

    def __init__(
        self,
        message: str,
        *,
        page: int,
        per_page: int,
        pages: int | None,
        total: int | None,
        noun: str,
        param: str = "page",
    ) -> None:
        super().__init__(message)
        self.page, self.per_page, self.pages, self.total, self.noun = (
            page,
            per_page,
            pages,
            total,
            noun,
        )
        self.param = param
        """The query parameter that asked for the page (a console page with two lists has
        one per list)."""


class PastLast(StrEnum):
    """What a numbered page beyond the last one gets."""

    REFUSE = "refuse"
    """An input error naming how many pages there are (the command line)."""
    LAST = "last"
    """The last page instead (a console link that outlived the items it pointed at)."""


@dataclass(frozen=True, slots=True)
class Window:
    """``limit`` items from ``offset`` (0-based): what a query asks its database for."""

    offset: int
    limit: int

    def take(self, items: Sequence[T]) -> tuple[T, ...]:
        """The window's items of an in-memory list (empty past its end)."""
        return tuple(items[self.offset : self.offset + self.limit])


def window(offset: int, limit: int) -> Window:
    """A checked window: ``limit`` 1..MAX_PER_PAGE, ``offset`` 0..MAX_OFFSET."""
    _check_range("limit", limit, 1, MAX_PER_PAGE)
    _check_range("offset", offset, 0, MAX_OFFSET)
    return Window(offset, limit)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items make, ``per_page`` a page (at least 1: an empty list
    is one empty page)."""
    if total < 0 or per_page < 1:
        raise ValueError(f"page_count needs total >= 0 and per_page >= 1: {total}, {per_page}")
    return max(1, -(-total // per_page))


def highest_page(per_page: int) -> int:
    """The highest page number a list of ``per_page`` items a page can be asked for."""
    return MAX_OFFSET // per_page + 1


def numbered(
    page: int, per_page: int, *, words: PagingWords = CLI_WORDS, noun: str = "items"
) -> Window:
    """The window of a numbered page, checked: page from 1, page size 1..MAX_PER_PAGE, and
    the page's first item within MAX_OFFSET (named as ``words`` names them)."""
    _check_range(words.per_page, per_page, 1, MAX_PER_PAGE)
    if not 1 <= page <= highest_page(per_page):
        raise PageOutOfRange(
            f"{words.page} must be from 1 to {highest_page(per_page):,}, not {page:,}",
            page=page,
            per_page=per_page,
            pages=None,
            total=None,
            noun=noun,
        )
    return Window((page - 1) * per_page, per_page)


def settle_page(
    page: int,
    per_page: int,
    total: int,
    *,
    noun: str = "items",
    past_last: PastLast = PastLast.REFUSE,
    words: PagingWords = CLI_WORDS,
) -> int:
    """The page to show, once the total is known: ``page`` itself, or the last page when it
    is past the end and ``past_last`` says so; otherwise a :class:`PageOutOfRange` that says
    how many pages ``total`` ``noun`` make."""
    numbered(page, per_page, words=words, noun=noun)
    pages = page_count(total, per_page)
    if page <= pages:
        return page
    if past_last is PastLast.LAST:
        return pages
    raise PageOutOfRange(
        f"{words.page} {page} is past the last: {total:,} {noun} make {pages} page(s) of "
        f"{per_page} (the last is {words.page} {pages})",
        page=page,
        per_page=per_page,
        pages=pages,
        total=total,
        noun=noun,
    )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One numbered page of a list and where it sits in the whole."""

    items: tuple[T, ...]
    total: int
    """Items in the whole list, on every page."""
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def first(self) -> int:
        """1-based position of the page's first item (0 when there are none)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """1-based position of the page's last item (0 when there are none)."""
        return self.first + len(self.items) - 1 if self.items else 0


def paginate(
    items: Sequence[T],
    page: int,
    per_page: int,
    *,
    noun: str = "items",
    past_last: PastLast = PastLast.REFUSE,
    words: PagingWords = CLI_WORDS,
) -> Page[T]:
    """A numbered page of an in-memory list (see :func:`settle_page`)."""
    shown = settle_page(page, per_page, len(items), noun=noun, past_last=past_last, words=words)
    return Page(numbered(shown, per_page).take(items), len(items), shown, per_page)


def _check_range(option: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InputError(f"{option} must be from {low:,} to {high:,}, not {value:,}")
