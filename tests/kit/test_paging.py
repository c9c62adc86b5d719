"""Paging: every item on exactly one page, clear errors outside the bounds, totals kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.kit.errors import InputError
from merchantry.kit.paging import (
    API_WORDS,
    MAX_OFFSET,
    MAX_PER_PAGE,
    PageOutOfRange,
    PastLast,
    page_count,
    paginate,
    settle_page,
    window,
)

lists = st.lists(st.integers(), max_size=300)
sizes = st.integers(min_value=1, max_value=60)


@settings(deadline=None, max_examples=60)
@given(items=lists, per_page=sizes)
def test_the_pages_of_a_list_are_the_list(items: list[int], per_page: int) -> None:
    pages = [paginate(items, n, per_page) for n in range(1, page_count(len(items), per_page) + 1)]
    assert [x for p in pages for x in p.items] == items
    assert all(p.total == len(items) for p in pages)
    assert all(len(p.items) == per_page for p in pages[:-1])  # only the last may be short
    assert len(pages[-1].items) <= per_page
    for number, p in enumerate(pages, start=1):
        start = (number - 1) * per_page  # where this page's items begin in the list
        assert p.items == tuple(items[start : start + per_page])
        assert (p.first, p.last) == ((start + 1, start + len(p.items)) if p.items else (0, 0))


@settings(deadline=None, max_examples=60)
@given(per_page=sizes)
def test_an_empty_list_is_one_empty_page_with_its_total(per_page: int) -> None:
    shown = paginate([], 1, per_page)
    assert (shown.items, shown.total, shown.pages, shown.first, shown.last) == ((), 0, 1, 0, 0)


@settings(deadline=None, max_examples=60)
@given(items=lists, per_page=sizes, beyond=st.integers(min_value=1, max_value=1000))
def test_a_page_past_the_last_is_refused_naming_the_count_or_shown_as_the_last(
    items: list[int], per_page: int, beyond: int
) -> None:
    pages = page_count(len(items), per_page)
    asked = pages + beyond
    with pytest.raises(PageOutOfRange) as refused:
        paginate(items, asked, per_page, noun="cases")
    assert str(refused.value) == (
        f"--page {asked} is past the last: {len(items):,} cases make {pages} page(s) of "
        f"{per_page} (the last is --page {pages})"
    )
    assert (refused.value.page, refused.value.pages, refused.value.total) == (
        asked,
        pages,
        len(items),
    )
    with pytest.raises(PageOutOfRange) as in_api_words:
        paginate(items, asked, per_page, noun="cases", words=API_WORDS)
    assert str(in_api_words.value).startswith(f"query parameter `page` {asked} is past the last")
    assert "--" not in str(in_api_words.value)
    last = paginate(items, asked, per_page, past_last=PastLast.LAST)
    assert last.page == pages
    assert last.items == tuple(items[(pages - 1) * per_page :])


@settings(deadline=None, max_examples=60)
@given(page=st.integers(max_value=0), per_page=sizes)
def test_page_zero_and_negative_pages_are_refused(page: int, per_page: int) -> None:
    with pytest.raises(InputError, match=f"--page must be from 1 to .*, not {page:,}"):
        paginate([1, 2, 3], page, per_page)


@settings(deadline=None, max_examples=60)
@given(per_page=st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_PER_PAGE + 1)))
def test_page_sizes_outside_the_bounds_are_refused(per_page: int) -> None:
    with pytest.raises(InputError, match=f"--per-page must be from 1 to {MAX_PER_PAGE:,}"):
        paginate([1], 1, per_page)
    with pytest.raises(InputError, match=f"limit must be from 1 to {MAX_PER_PAGE:,}"):
        window(0, per_page)


@settings(deadline=None, max_examples=60)
@given(per_page=st.integers(min_value=1, max_value=MAX_PER_PAGE), huge=st.integers(min_value=1))
def test_a_page_starting_beyond_the_largest_offset_is_refused(per_page: int, huge: int) -> None:
    page = MAX_OFFSET // per_page + 1 + huge
    with pytest.raises(InputError, match="--page must be from 1 to"):
        settle_page(page, per_page, 10**12)


@settings(deadline=None, max_examples=60)
@given(items=lists, offset=st.integers(min_value=0, max_value=MAX_OFFSET), limit=sizes)
def test_a_window_past_the_end_is_empty_and_inside_it_is_the_slice(
    items: list[int], offset: int, limit: int
) -> None:
    taken = window(offset, limit).take(items)
    assert list(taken) == items[offset : offset + limit]
    if offset >= len(items):
        assert taken == ()


@settings(deadline=None, max_examples=60)
@given(offset=st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_OFFSET + 1)))
def test_offsets_outside_the_bounds_are_refused(offset: int) -> None:
    with pytest.raises(InputError, match=f"offset must be from 0 to {MAX_OFFSET:,}"):
        window(offset, 10)


@settings(deadline=None, max_examples=60)
@given(total=st.integers(min_value=0, max_value=10**15), per_page=sizes)
def test_page_count_covers_the_total_with_no_empty_page(total: int, per_page: int) -> None:
    pages = page_count(total, per_page)
    assert pages >= 1
    assert (pages - 1) * per_page < max(total, 1) <= pages * per_page
