"""Numbered pages on the console: a page that does not exist is said in the console's words.

The console has no ``--page`` option and no query parameters a person types: it has pager
links. A page past the last (a link that outlived the items it pointed at, or a number typed
into the address bar) is refused with how many pages there are and a button to the last one
(:func:`merchantry.console.render.error_page`), never with the command line's option name and
never as a silently empty list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from merchantry.kit.paging import (
    PageOutOfRange,
    Window,
    highest_page,
    numbered,
    page_count,
)

T = TypeVar("T")


def page_window(page: int, per_page: int) -> Window:
    """The window to read for ``page``; a page beyond any list's reach reads as one past the
    last, so that :func:`shown_page` can then name the real last page."""
    return numbered(min(page, highest_page(per_page)), per_page)


def shown_page(page: int, per_page: int, total: int, noun: str, param: str = "page") -> int:
    """``page`` when the list of ``total`` ``noun`` has it; :class:`PageOutOfRange` (with the
    count of pages, for the console's link to the last, and the query parameter ``param``
    that asked) otherwise."""
    pages = page_count(total, per_page)
    if page > pages:
        raise PageOutOfRange(
            f"there is no page {page}: {total:,} {noun} make {pages} page(s)",
            page=page,
            per_page=per_page,
            pages=pages,
            total=total,
            noun=noun,
            param=param,
        )
    return page


def page_of(
    items: Sequence[T], page: int, per_page: int, noun: str, param: str = "page"
) -> tuple[T, ...]:
    """The items of ``page`` of an in-memory list (refused past the last, as above)."""
    shown_page(page, per_page, len(items), noun, param)
    return page_window(page, per_page).take(items)
