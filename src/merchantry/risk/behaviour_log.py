"""Reading a buyer behaviour log: Alibaba's public UserBehavior layout and its usual variants.

The original file has no header and five columns: user, item, category, behaviour
(``pv``, ``fav``, ``cart``, ``buy``) and unix seconds. Exports of it differ, and every
difference used to turn into a silent empty or wrong answer, so this reader settles each
one from the file itself and says what it settled:

* plain or gzip-compressed (by the file's first bytes, whatever its name); a gzip stream
  that ends early is refused naming the file and the last line read;
* comma, tab, semicolon or bar separated;
* with a header line (the columns are then found by name, in any order) or without one (the
  columns must then be in the UserBehavior order; a file whose content puts the timestamp or
  the behaviour elsewhere is refused, naming where they seem to be);
* behaviours in any letter case (``PV``, ``Buy``);
* timestamps in unix seconds, unix milliseconds, or a date and time (``2017-11-25 09:01:10``,
  ``T`` or space; one with a UTC offset is converted to UTC, one without is taken as
  written). The form is decided from the file's first rows; a value that is not in that form
  is set aside, never read in another one.

A line that cannot be an event (too few fields, no user or item, an unknown behaviour, a
timestamp not in the file's form, bytes that are not UTF-8) is set aside, counted by reason
with its first line numbers; the caller reports them. A file from which no event is read is
refused with those reasons, never answered with zeros.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Final

import duckdb
import pyarrow as pa

from merchantry.kit.errors import InputError, NotFound
from merchantry.store.sql import fill_sql

BEHAVIOURS: Final = ("pv", "fav", "cart", "buy")
ROLES: Final = ("user", "item", "category", "behaviour", "timestamp")
"""The five columns of the UserBehavior layout, in its order."""
REQUIRED: Final = ("user", "item", "behaviour", "timestamp")
HEADER_NAMES: Final[dict[str, str]] = {
    **dict.fromkeys(("user_id", "userid", "user", "uid", "buyer_id", "account"), "user"),
    **dict.fromkeys(("item_id", "itemid", "item", "product_id", "sku_id"), "item"),
    **dict.fromkeys(("category_id", "categoryid", "category", "cat_id", "cat"), "category"),
    **dict.fromkeys(
        ("behavior", "behaviour", "behavior_type", "behaviour_type", "action", "event", "type"),
        "behaviour",
    ),
    **dict.fromkeys(
        ("timestamp", "ts", "time", "time_stamp", "datetime", "happened_at", "event_time", "at"),
        "timestamp",
    ),
}
"""Header names (lower case) that identify each column."""
DELIMITERS: Final = (",", "\t", ";", "|")
SAMPLE_LINES: Final = 1_000
"""Lines read first to settle the separator, the header and the timestamp form."""
CHUNK: Final = 200_000
FIRST_LINES: Final = 5
"""Line numbers kept per reason for the report."""
EXAMPLES: Final = 3

_SECONDS_RANGE: Final = (946_684_800, 4_102_444_800)
"""2000-01-01 to 2100-01-01 in unix seconds: what a behaviour log's seconds can be."""
_NUMBER: Final = re.compile(r"\d+(\.\d+)?")
_EPOCH: Final = datetime(1970, 1, 1)


class TimeForm(StrEnum):
    """How a log writes when an event happened."""

    SECONDS = "unix seconds"
    """Seconds since 1970-01-01 UTC, as the public UserBehavior file."""
    MILLISECONDS = "unix milliseconds"
    """Milliseconds since 1970-01-01 UTC (Java and JavaScript exports)."""
    DATETIME = "date and time"
    """``YYYY-MM-DD HH:MM:SS`` (or with ``T``), as a spreadsheet writes it."""


class SetAsideReason(StrEnum):
    """Why a line is not read as an event."""

    SHORT = "too few fields"
    """The line has fewer fields than the log's columns (a cut or garbage line)."""
    NO_ID = "no user or item"
    """The user or item field is empty."""
    BEHAVIOUR = "unknown behaviour"
    """The behaviour is not pv, fav, cart or buy (in any letter case)."""
    TIMESTAMP = "timestamp not readable"
    """The timestamp is not in the form the file's first rows use."""
    ENCODING = "not UTF-8 text"
    """The line's bytes do not decode as UTF-8."""


@dataclass(slots=True)
class _Tally:
    rows: int = 0
    lines: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def add(self, line: int, example: str) -> None:
        self.rows += 1
        if len(self.lines) < FIRST_LINES:
            self.lines.append(line)
        if example and example not in self.examples and len(self.examples) < EXAMPLES:
            self.examples.append(example)


@dataclass(frozen=True, slots=True)
class SetAside:
    """Lines set aside for one reason: how many, the first line numbers, example values."""

    reason: SetAsideReason
    rows: int
    first_lines: tuple[int, ...]
    examples: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(f"{n:,}" for n in self.first_lines)
        more = f" (the first {len(self.first_lines)})" if self.rows > len(self.first_lines) else ""
        examples = ", ".join(repr(e) for e in self.examples)
        values = f" ({examples})" if examples else ""
        if self.reason is SetAsideReason.ENCODING:
            values = f" ({', '.join(self.examples)})" if self.examples else ""
        plural = "lines" if self.rows > 1 else "line"
        return f"{self.rows:,} {self.reason.value}{values} at {plural} {shown}{more}"


@dataclass(frozen=True, slots=True)
class LogReading:
    """What was read from a behaviour log and how."""

    path: str
    events: int
    """Lines read as events."""
    lines: int
    """Data lines in the file (header and blank lines not counted)."""
    header: bool
    columns: tuple[int, ...]
    """1-based column of user, item, behaviour, timestamp."""
    delimiter: str
    time_form: TimeForm
    set_aside: tuple[SetAside, ...]

    @property
    def set_aside_rows(self) -> int:
        return sum(s.rows for s in self.set_aside)

    def layout(self) -> str:
        """The layout read, in words (shown to the user so a misread is visible)."""
        sep = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}[self.delimiter]
        where = ", ".join(f"{role} {n}" for role, n in zip(REQUIRED, self.columns, strict=True))
        header = "header line" if self.header else "no header"
        return f"{header}, {sep}-separated; columns {where}; timestamps in {self.time_form}"


def _open(path: Path) -> BinaryIO:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line without its end) of a plain or gzip file."""
    number = 0
    try:
        with _open(path) as handle:
            for number, raw in enumerate(handle, start=1):
                yield number, raw.rstrip(b"\r\n")
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise InputError(
            f"{path}: the gzip stream is cut or damaged after line {number:,} ({err}); "
            "the file is incomplete (an interrupted download or copy?): nothing was read"
        ) from None


def _decode(number: int, raw: bytes) -> str | UnicodeDecodeError:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return err
    return text.lstrip("\ufeff") if number == 1 else text


def _bad_byte(err: UnicodeDecodeError) -> str:
    return f"byte 0x{err.object[err.start]:02x} at position {err.start + 1}"


def _fields(text: str, delimiter: str) -> list[str]:
    return [f.strip().strip('"').strip() for f in text.split(delimiter)]


def _form_of(value: str) -> TimeForm | None:
    if _NUMBER.fullmatch(value):
        number = float(value)
        low, high = _SECONDS_RANGE
        if low <= number < high:
            return TimeForm.SECONDS
        if low * 1000 <= number < high * 1000:
            return TimeForm.MILLISECONDS
        return None
    if "-" in value and len(value) >= 10:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return None
        return TimeForm.DATETIME
    return None


def _micros(value: str, form: TimeForm) -> int | None:
    """Microseconds since 1970 of ``value`` read in ``form``; ``None`` when it is not."""
    if _form_of(value) is not form:
        return None
    if form is TimeForm.DATETIME:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return (moment - _EPOCH) // timedelta(microseconds=1)
    scale = 1_000_000 if form is TimeForm.SECONDS else 1_000
    return round(float(value) * scale)


def _is_behaviour(value: str) -> bool:
    return value.lower() in BEHAVIOURS


def _share(rows: list[list[str]], index: int, test: Callable[[str], object]) -> float:
    """Share of ``rows`` whose field ``index`` passes ``test``."""
    if not rows:
        return 0.0
    return sum(1 for r in rows if index < len(r) and test(r[index])) / len(rows)


@dataclass(frozen=True, slots=True)
class _Layout:
    delimiter: str
    header: bool
    columns: tuple[int, int, int, int]
    """0-based column of user, item, behaviour, timestamp."""
    form: TimeForm


def _refuse_moved_columns(path: Path, rows: list[list[str]]) -> None:
    """Refuse a headerless file whose behaviours or timestamps sit in another column than
    the UserBehavior order's (user, item and category could not then be told apart)."""
    width = max(len(r) for r in rows)
    behaviour_at = [i for i in range(width) if _share(rows, i, _is_behaviour) >= 0.5]
    stamp_at = [i for i in range(width) if _share(rows, i, _form_of) >= 0.5]
    moved = (behaviour_at and 3 not in behaviour_at) or (stamp_at and 4 not in stamp_at)
    if not moved:
        return
    seen = "; ".join(
        f"{what} in column {', '.join(str(i + 1) for i in where)}"
        for what, where in (("behaviours", behaviour_at), ("timestamps", stamp_at))
        if where
    )
    raise InputError(
        f"{path}: the file has no header line and its columns are not in the UserBehavior "
        f"order (1 user, 2 item, 3 category, 4 behaviour, 5 timestamp): the first lines hold "
        f"{seen}. Add a header line naming the columns (e.g. "
        "user_id,item_id,category_id,behavior,timestamp) so they can be found by name"
    )


def _settle_layout(path: Path, sample: list[tuple[int, str]]) -> _Layout:
    """Separator, header, columns and timestamp form from the file's first lines."""
    best = max(
        DELIMITERS, key=lambda d: sum(1 for _, t in sample if len(t.split(d)) >= len(REQUIRED))
    )
    wide = sum(1 for _, t in sample if len(t.split(best)) >= len(REQUIRED))
    if wide == 0:
        number, text = sample[0]
        raise InputError(
            f"{path}: not a behaviour log: no line of the first {len(sample):,} has 4 or more "
            f"fields (line {number}: {text[:80]!r}); expected 5 comma-separated columns "
            "(user, item, category, behaviour, timestamp; tabs, semicolons or bars also do), "
            "or a header line naming at least the user, item, behaviour and timestamp"
        )
    first_number, first_text = sample[0]
    first = [f.lower() for f in _fields(first_text, best)]
    named = [HEADER_NAMES.get(f) for f in first]
    header = sum(1 for n in named if n) >= 2
    rows = [_fields(t, best) for _, t in (sample[1:] if header else sample)]
    if not rows:
        raise InputError(f"{path}: the file has a header line and no events")
    if header:
        missing = [role for role in REQUIRED if role not in named]
        doubled = sorted({n for n in named if n and named.count(n) > 1})
        if missing or doubled:
            problem = (
                f"no column for the {', '.join(missing)}"
                if missing
                else f"more than one column for the {', '.join(doubled)}"
            )
            raise InputError(
                f"{path}: line {first_number} is a header naming {', '.join(map(repr, first))}, "
                f"but there is {problem}; name the columns user_id, item_id, category_id, "
                "behavior, timestamp (other known names: " + ", ".join(sorted(HEADER_NAMES)) + ")"
            )
        user, item, behaviour, stamp = (named.index(role) for role in REQUIRED)
        columns = (user, item, behaviour, stamp)
    else:
        columns = (0, 1, 3, 4)
        if _share(rows, 3, _is_behaviour) < 0.5 or _share(rows, 4, _form_of) < 0.5:
            _refuse_moved_columns(path, rows)
    stamp = columns[3]
    forms = Counter(f for r in rows if stamp < len(r) and (f := _form_of(r[stamp])) is not None)
    if not forms:
        example = next((r[stamp] for r in rows if stamp < len(r) and r[stamp]), "")
        raise InputError(
            f"{path}: column {stamp + 1} (timestamp) holds no timestamp this reader knows in "
            f"the first {len(rows):,} lines (e.g. {example!r}); expected unix seconds "
            "(1511544070), unix milliseconds (1511544070000) or a date and time "
            "(2017-11-25 09:01:10)"
        )
    return _Layout(best, header, columns, forms.most_common(1)[0][0])


_CREATE: Final = """
CREATE OR REPLACE TEMP TABLE p_name (
    user_id VARCHAR, item_id VARCHAR, behavior VARCHAR, happened_at TIMESTAMP
)
"""
_SCHEMA: Final = pa.schema(
    [
        ("user_id", pa.string()),
        ("item_id", pa.string()),
        ("behavior", pa.string()),
        ("happened_at", pa.timestamp("us")),
    ]
)


def _flush(con: duckdb.DuckDBPyConnection, name: str, columns: list[list[object]]) -> None:
    if not columns[0]:
        return
    chunk = pa.Table.from_arrays(
        [pa.array(c) for c in columns[:3]]
        + [pa.array(columns[3], pa.int64()).cast(pa.timestamp("us"))],
        schema=_SCHEMA,
    )
    con.register("_behaviour_chunk", chunk)
    try:
        con.execute(fill_sql("INSERT INTO p_name SELECT * FROM _behaviour_chunk", p_name=name))
    finally:
        con.unregister("_behaviour_chunk")
    for c in columns:
        c.clear()


def read_behaviour_log(
    con: duckdb.DuckDBPyConnection, path: Path, *, name: str = "_behaviour"
) -> LogReading:
    """Load the log at ``path`` into temp table ``name`` (user_id, item_id, behavior,
    happened_at); lines that cannot be events are set aside and counted by reason."""
    path = Path(path)
    if not path.exists():
        raise NotFound(f"behaviour log not found: {path}")
    if not path.is_file():
        raise InputError(f"{path} is a folder, not a behaviour log file")
    lines = _lines(path)
    tallies: dict[SetAsideReason, _Tally] = {}

    def aside(reason: SetAsideReason, number: int, example: str = "") -> None:
        tallies.setdefault(reason, _Tally()).add(number, example)

    sample: list[tuple[int, str]] = []
    for number, raw in lines:
        if not raw.strip():
            continue
        text = _decode(number, raw)
        if isinstance(text, UnicodeDecodeError):
            aside(SetAsideReason.ENCODING, number, _bad_byte(text))
            continue
        sample.append((number, text))
        if len(sample) >= SAMPLE_LINES:
            break
    if not sample:
        if tallies:
            raise InputError(
                f"{path}: no event read: no line is UTF-8 text ({tallies[SetAsideReason.ENCODING]})"
            )
        raise InputError(f"{path}: the file is empty: no events")
    layout = _settle_layout(path, sample)
    con.execute(fill_sql(_CREATE, p_name=name))
    user_at, item_at, behaviour_at, stamp_at = layout.columns
    width = max(layout.columns) + 1
    columns: list[list[object]] = [[], [], [], []]
    users, items, behaviours, moments = columns
    events = 0

    def take(number: int, text: str) -> None:
        nonlocal events
        values = _fields(text, layout.delimiter)
        if len(values) < width:
            aside(SetAsideReason.SHORT, number, text[:40])
            return
        user, item = values[user_at], values[item_at]
        if not user or not item:
            aside(SetAsideReason.NO_ID, number)
            return
        behaviour = values[behaviour_at].lower()
        if behaviour not in BEHAVIOURS:
            aside(SetAsideReason.BEHAVIOUR, number, values[behaviour_at][:40])
            return
        moment = _micros(values[stamp_at], layout.form)
        if moment is None:
            aside(SetAsideReason.TIMESTAMP, number, values[stamp_at][:40])
            return
        users.append(user)
        items.append(item)
        behaviours.append(behaviour)
        moments.append(moment)
        events += 1
        if len(users) >= CHUNK:
            _flush(con, name, columns)

    for number, text in sample[1:] if layout.header else sample:
        take(number, text)
    for number, raw in lines:
        if not raw.strip():
            continue
        decoded = _decode(number, raw)
        if isinstance(decoded, UnicodeDecodeError):
            aside(SetAsideReason.ENCODING, number, _bad_byte(decoded))
            continue
        take(number, decoded)
    _flush(con, name, columns)
    set_aside = tuple(
        SetAside(reason, t.rows, tuple(t.lines), tuple(t.examples))
        for reason, t in sorted(tallies.items(), key=lambda kv: -kv[1].rows)
    )
    data_lines = events + sum(s.rows for s in set_aside)
    reading = LogReading(
        str(path),
        events,
        data_lines,
        layout.header,
        tuple(i + 1 for i in layout.columns),
        layout.delimiter,
        layout.form,
        set_aside,
    )
    reasons = "; ".join(str(s) for s in set_aside)
    if events == 0:
        raise InputError(
            f"{path}: no event read from {data_lines:,} lines ({reading.layout()}): {reasons}"
        )
    if reading.set_aside_rows * 2 > data_lines:
        raise InputError(
            f"{path}: {reading.set_aside_rows:,} of {data_lines:,} lines could not be read as "
            f"events ({reading.layout()}): {reasons}. The file is probably in another layout "
            f"or encoding; fix it rather than judge the {events:,} lines left"
        )
    return reading
