"""A request time converts to platform time or is refused with a reason, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from merchantry.api.times import platform_time
from merchantry.kit.errors import InputError


def test_a_time_with_no_platform_local_time_is_refused_by_name() -> None:
    # the fuzzer's case: one minute east of UTC on the first day a date can be
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(minutes=1)))
    with pytest.raises(InputError, match="has no platform local time"):
        platform_time(early)
    assert platform_time(datetime(2026, 3, 1, 2, tzinfo=UTC)) == datetime(2026, 3, 1, 10)
