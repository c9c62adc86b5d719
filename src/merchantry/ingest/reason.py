"""Why a row was quarantined: one stable code per kind of problem.

The codes are stored in the ``quarantine`` table and the quarantine file, so
they never change meaning; ``docs/ingestion.md`` lists them with examples.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """A reason code for a quarantined row."""

    MALFORMED_ROW = "malformed_row"
    """The CSV parser could not read the row (e.g. a stray quote or NUL byte)."""
    WRONG_FIELD_COUNT = "wrong_field_count"
    """A CSV row has more or fewer fields than the header: a truncated or merged line."""
    BROKEN_ENCODING = "broken_encoding"
    """The row holds bytes that are not valid in the file's text encoding."""
    UNKNOWN_ENCODING = "unknown_encoding"
    """The file's text encoding cannot be told (not UTF-8, not Chinese in GB18030): every
    row is quarantined rather than stored garbled; name the encoding with ``--encoding``."""
    BAD_JSON = "bad_json"
    """A JSONL line is not a JSON object."""
    MISSING_COLUMN = "missing_column"
    """The file lacks a declared column, so no row of it can be complete."""
    UNKNOWN_COLUMN = "unknown_column"
    """The row carries a column the model does not declare; accepting it would drop data."""
    REPEATED_COLUMN = "repeated_column"
    """A column named twice in a CSV header holds different values in the row, or a JSON
    object writes a key twice: which value is meant cannot be told."""
    STRUCTURED_VALUE = "structured_value"
    """A JSON object or array (or a Parquet struct, map or list) where the column holds text
    or a number; storing its text would hide the structure."""
    BAD_ID = "bad_id"
    """An id with spaces at its ends, control or invisible characters: it would be a new key
    that looks like an existing one."""
    NULL_VALUE = "null_value"
    """A required (non-nullable) value is empty."""
    BAD_INTEGER = "bad_integer"
    """An integer or money column holds something other than a whole number."""
    BAD_DATE = "bad_date"
    """A date column is not a valid ``YYYY-MM-DD`` date."""
    BAD_TIMESTAMP = "bad_timestamp"
    """A timestamp column is not a valid ``YYYY-MM-DD HH:MM:SS`` time."""
    BAD_BOOLEAN = "bad_boolean"
    """A boolean column holds something other than ``true`` or ``false``."""
    BAD_LIST = "bad_list"
    """A list value holding something other than text (a null, a number, a nested list)."""
    BAD_CHOICE = "bad_choice"
    """An enumerated column (or an element of a list column) is not one of its allowed values."""
    BELOW_MINIMUM = "below_minimum"
    """A number is under its declared minimum (e.g. a negative amount of money)."""
    ABOVE_MAXIMUM = "above_maximum"
    """A number is over its declared maximum (e.g. a rating of 6 stars)."""
    ROW_CHECK = "row_check"
    """A declared consistency rule over the row is false (e.g. the amount identity)."""
    TIME_ORDER = "time_order"
    """A time is before the time it must follow (in the row, or in its parent row)."""
    DUPLICATE_IN_FILE = "duplicate_in_file"
    """The primary key already appeared earlier in the same file."""
    DUPLICATE_IN_BATCH = "duplicate_in_batch"
    """The primary key already appeared in an earlier file of the same ingest."""
    DUPLICATE_IN_WAREHOUSE = "duplicate_in_warehouse"
    """The primary key is already stored in the warehouse from an earlier ingest."""
    MISSING_REFERENCE = "missing_reference"
    """A referenced row (the order's shop, a review's order...) exists neither in the
    warehouse nor among the accepted rows of this ingest."""
    SEQUENCE_ORDER = "sequence_order"
    """An event of a fixed sequence happened before an event that must precede it
    (e.g. delivered before shipped), counting events already stored."""
    NO_SALES = "no_sales"
    """An Olist product or seller that no order item names, or a customer no order names: the
    model has no place for it alone (a product is a SKU of the seller that sold it), so it is
    not loaded, and counted. Not a fault of the data: ``--max-bad-share`` does not count it."""
