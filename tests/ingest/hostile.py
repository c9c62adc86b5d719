"""A corpus of hostile input files, several variants per class, and the accounting of each.

Each :class:`Case` writes the valid dataset plus one hostile file (or a hostile
option) into a directory and says how many data rows that file feeds. Running
it through the real command must leave every row accounted for: the file's
rows are read exactly as fed (no row invented or lost) and each is stored or
quarantined with a reason; or the whole file is refused with a message naming
it and nothing committed. No traceback, ever; values it checks are stored
exactly as meant (not garbled).

Run the whole corpus and print the figures::

    .venv/bin/python -m tests.ingest.hostile
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import MerchantryError
from tests.ingest.dataset import Rows, valid_dataset, write_csv, write_dataset_csv

Check = Callable[[duckdb.DuckDBPyConnection], list[str]]
"""Looks at the warehouse after the run; returns what is wrong (empty: fine)."""


@dataclass
class Case:
    """One hostile input: what to write, how many rows it feeds, what must hold after."""

    name: str
    klass: str
    file: str
    """The hostile file's name (in the input directory)."""
    fed: int
    """Data rows the hostile file holds, as its writer meant them."""
    build: Callable[[Path], None]
    """Writes the hostile file into the input directory (already holding the valid dataset)."""
    args: list[str] = field(default_factory=list)
    names_file: bool = True
    """A refusal names the file (not for a refused option)."""
    alone: bool = False
    """Only the hostile file is in the directory (not the valid dataset)."""
    refused: bool = False
    """The whole file must be refused (exit 1 or 2, naming it, nothing committed)."""
    checks: list[Check] = field(default_factory=list)
    says: list[str] = field(default_factory=list)
    """Fragments the command's output must hold (warnings)."""


@dataclass
class Outcome:
    case: Case
    exit_code: int
    output: str
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def accounted(self) -> int:
        if self.case.refused and not self.failures:
            return self.case.fed
        return self.accepted + self.quarantined if self.read == self.case.fed else 0


def run_cli(args: list[str]) -> tuple[int, str]:
    """The command in-process, as ``merchantry.cli.main.main`` runs it: a Merchantry error
    is a clean exit with its code; any other exception is a traceback (code -1)."""
    result = CliRunner().invoke(app, args)
    output = result.output
    if result.exception is None or isinstance(result.exception, SystemExit):
        return result.exit_code, output
    if isinstance(result.exception, MerchantryError):
        return result.exception.exit_code, output + f"\nerror: {result.exception}"
    assert result.exc_info is not None
    trace = "".join(traceback.format_exception(*result.exc_info))
    return -1, output + "\nTraceback (most recent call last):\n" + trace


def run_case(case: Case, root: Path) -> Outcome:
    directory = root / "in"
    write_dataset_csv(directory, valid_dataset())
    if case.alone:
        for path in directory.iterdir():
            if path.name != "creators.csv":
                path.unlink()
    case.build(directory)
    db = root / "w.duckdb"
    args = ["ingest", str(directory), "--db", str(db), "--no-progress", *case.args]
    code, output = run_cli(args)
    outcome = Outcome(case, code, output)
    if code == -1 or "Traceback" in output:
        outcome.failures.append("traceback:\n" + output[-3000:])
        return outcome
    target = str(directory / case.file)
    if case.refused:
        if code not in (1, 2):
            outcome.failures.append(f"expected a refusal (exit 1 or 2), got exit {code}")
        if case.names_file and case.file not in output.replace("\n", ""):
            outcome.failures.append(f"the refusal does not name {case.file}: {output[-500:]}")
        if db.exists():
            con = duckdb.connect(str(db), read_only=True)
            try:
                stored = con.execute(
                    "SELECT count(*) FROM ingest_files WHERE path = ?", [target]
                ).fetchone()
                if stored and stored[0]:
                    outcome.failures.append("a refused file was recorded as ingested")
            finally:
                con.close()
        flat = " ".join(output.split())
        outcome.failures += [f"the output does not say {f!r}" for f in case.says if f not in flat]
        return outcome
    if code != 0:
        outcome.failures.append(f"exit {code}: {output[-800:]}")
        return outcome
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = con.execute(
            "SELECT coalesce(sum(rows_read), 0), coalesce(sum(accepted), 0), "
            "coalesce(sum(quarantined), 0) FROM ingest_files WHERE path = ?",
            [target],
        ).fetchone()
        assert found is not None
        outcome.read, outcome.accepted, outcome.quarantined = (int(v) for v in found)
        if outcome.read != case.fed:
            outcome.failures.append(f"read {outcome.read} rows, the file holds {case.fed}")
        rows = con.execute(
            "SELECT row_number, reason, message FROM quarantine WHERE source_file = ?", [target]
        ).fetchall()
        numbers = [int(r[0]) for r in rows]
        if len(set(numbers)) != len(numbers) or any(not 1 <= n <= case.fed for n in numbers):
            outcome.failures.append(f"quarantine row numbers out of range: {sorted(numbers)}")
        if len(numbers) != outcome.quarantined:
            outcome.failures.append("quarantine table and counts disagree")
        if any(not r[1] or not r[2] for r in rows):
            outcome.failures.append("a quarantined row without reason or message")
        for check in case.checks:
            outcome.failures += check(con)
        flat = " ".join(output.split())
        outcome.failures += [f"the output does not say {f!r}" for f in case.says if f not in flat]
    finally:
        con.close()
    return outcome


# --- writers ------------------------------------------------------------------------------

CREATOR_HEADER = "creator_id,name,tier,followers"


def _creators(directory: Path, body: str, encoding: str = "utf-8", name: str = "") -> None:
    (directory / "creators.csv").unlink()
    data = (CREATOR_HEADER + "\n" + body).encode(encoding)
    (directory / (name or "creators.csv")).write_bytes(data)


def _bytes(directory: Path, name: str, data: bytes) -> None:
    stem = name.split(".")[0].split("-")[0].lower()
    plain = directory / f"{stem}.csv"
    if plain.exists():
        plain.unlink()
    (directory / name).write_bytes(data)


def stored(table: str, key: str, column: str, expected: object) -> Check:
    """The stored value of ``column`` for key ``key`` must be exactly ``expected``."""

    def check(con: duckdb.DuckDBPyConnection) -> list[str]:
        keys = {"creators": "creator_id", "shops": "shop_id", "orders": "order_id"}
        row = con.execute(
            f'SELECT "{column}" FROM {table} WHERE "{keys.get(table, "id")}" = ?', [key]
        ).fetchone()
        got = None if row is None else row[0]
        if got != expected:
            return [f"{table} {key}.{column}: stored {got!r}, expected {expected!r}"]
        return []

    return check


def quarantined_as(*reasons: str) -> Check:
    """Every listed reason appears among the quarantined rows."""

    def check(con: duckdb.DuckDBPyConnection) -> list[str]:
        found = {str(r[0]) for r in con.execute("SELECT reason FROM quarantine").fetchall()}
        missing = [r for r in reasons if r not in found]
        return [f"no row quarantined as {r} (found {sorted(found)})" for r in missing]

    return check


def not_stored(table: str, key_column: str, key: str) -> Check:
    def check(con: duckdb.DuckDBPyConnection) -> list[str]:
        row = con.execute(f'SELECT count(*) FROM {table} WHERE "{key_column}" = ?', [key])
        found = row.fetchone()
        return [f"{table} {key!r} was stored"] if found and found[0] else []

    return check


def _order_rows(**changes: dict[str, str]) -> Rows:
    rows = valid_dataset()["orders"]
    for row in rows:
        row.update(changes.get(row["order_id"], {}))
    return rows


def _orders(directory: Path, rows: Rows) -> None:
    write_csv(directory / "orders.csv", "orders", rows)


# --- the corpus ---------------------------------------------------------------------------

LONG = "长" * 70_000  # 210,000 bytes in UTF-8: beyond csv's default 131,072-character limit


def corpus() -> list[Case]:
    """Every case, several per class."""
    cases: list[Case] = []
    add = cases.append

    # CSV header: repeated, empty, case and spaces.
    add(
        Case(
            "header-repeated-same",
            "csv-header",
            "creators.csv",
            2,
            lambda d: _bytes(
                d,
                "creators.csv",
                ("creator_id,name,tier,followers,name\ncr1,甲,A,1,甲\ncr2,乙,B,2,乙\n").encode(),
            ),
            checks=[stored("creators", "cr2", "name", "乙")],
        )
    )
    add(
        Case(
            "header-repeated-differ",
            "csv-header",
            "creators.csv",
            2,
            lambda d: _bytes(
                d,
                "creators.csv",
                ("creator_id,name,tier,followers,name\ncr1,甲,A,1,甲\ncr2,乙,B,2,丙\n").encode(),
            ),
            checks=[quarantined_as("repeated_column"), not_stored("creators", "creator_id", "cr2")],
        )
    )
    add(
        Case(
            "header-empty-name-empty-values",
            "csv-header",
            "creators.csv",
            2,
            lambda d: _bytes(
                d, "creators.csv", b"creator_id,name,tier,followers,\ncr1,a,A,1,\ncr2,b,B,2,\n"
            ),
            checks=[stored("creators", "cr2", "followers", 2)],
        )
    )
    add(
        Case(
            "header-empty-name-with-value",
            "csv-header",
            "creators.csv",
            3,
            lambda d: _bytes(
                d,
                "creators.csv",
                b"creator_id,,name,tier,followers\ncr1,,a,A,1\ncr2,x,b,B,2\ncr3,,c,C,3\n",
            ),
            checks=[quarantined_as("unknown_column"), stored("creators", "cr3", "name", "c")],
        )
    )
    add(
        Case(
            "header-case-and-spaces",
            "csv-header",
            "creators.csv",
            1,
            lambda d: _bytes(
                d, "creators.csv", "\ufeff Creator_ID ,NAME,Tier,followers\ncr1,a,A,1\n".encode()
            ),
            checks=[stored("creators", "cr1", "name", "a")],
        )
    )
    add(
        Case(
            "header-semicolons",
            "csv-header",
            "creators.csv",
            2,
            lambda d: _bytes(
                d, "creators.csv", b"creator_id;name;tier;followers\ncr1;a;A;1\ncr2;b;B;2\n"
            ),
            args=["--max-bad-share", "1"],
            checks=[quarantined_as("missing_column")],
        )
    )

    # CSV: fields longer than the csv module's limit, quotes that never close.
    add(
        Case(
            "long-field-one-line",
            "csv-long",
            "creators.csv",
            3,
            lambda d: _creators(d, f'cr1,"{LONG}",A,1\ncr2,b,B,2\ncr3,c,C,3\n'),
            checks=[
                stored("creators", "cr1", "name", LONG),
                stored("creators", "cr3", "name", "c"),
            ],
        )
    )
    add(
        Case(
            "long-field-many-lines",
            "csv-long",
            "creators.csv",
            2,
            lambda d: _creators(d, 'cr1,"' + ("行\n" * 60_000) + '",A,1\ncr2,b,B,2\n'),
            checks=[
                stored("creators", "cr1", "name", "行\n" * 60_000),
                stored("creators", "cr2", "name", "b"),
            ],
        )
    )
    add(
        Case(
            "field-beyond-our-limit",
            "csv-long",
            "creators.csv",
            2,
            lambda d: _creators(d, 'cr1,"' + "x" * (9 << 20) + '",A,1\ncr2,b,B,2\n'),
            args=["--max-bad-share", "1"],
            checks=[quarantined_as("malformed_row"), stored("creators", "cr2", "name", "b")],
        )
    )
    add(
        Case(
            "quote-never-closes-mid-file",
            "csv-long",
            "creators.csv",
            4,
            lambda d: _creators(d, 'cr1,a,A,1\ncr2,"b,B,2\ncr3,c,C,3\ncr4,d,D,4\n'),
            checks=[quarantined_as("malformed_row"), stored("creators", "cr4", "name", "d")],
        )
    )
    add(
        Case(
            "quote-closes-far-later",
            "csv-long",
            "creators.csv",
            5,
            lambda d: _creators(d, 'cr1,a,A,1\ncr2,"b,B,2\ncr3,c,C,3\ncr4,"d,D,4\ncr5,e,A,5\n'),
            args=["--max-bad-share", "1"],
            checks=[stored("creators", "cr3", "name", "c"), stored("creators", "cr5", "name", "e")],
        )
    )
    add(
        Case(
            "quoted-newline-legit",
            "csv-long",
            "creators.csv",
            2,
            lambda d: _creators(d, 'cr1,"第一行\n第二行",A,1\ncr2,b,B,2\n'),
            checks=[stored("creators", "cr1", "name", "第一行\n第二行")],
        )
    )
    add(
        Case(
            "old-mac-line-endings",
            "csv-long",
            "creators.csv",
            2,
            lambda d: _bytes(
                d, "creators.csv", (CREATOR_HEADER + "\rcr1,a,A,1\rcr2,b,B,2\r").encode()
            ),
            checks=[stored("creators", "cr2", "followers", 2)],
        )
    )

    add(
        Case(
            "form-feed-and-line-separator-in-text",
            "csv-long",
            "creators.csv",
            2,
            lambda d: _creators(d, "cr1,a\x0cb\u2028c,A,1\r\ncr2,xy,B,2\n"),
            checks=[stored("creators", "cr1", "name", "a\x0cb\u2028c")],
        )
    )
    add(
        Case(
            "upper-case-file-name",
            "csv-header",
            "Creators.CSV",
            1,
            lambda d: _bytes(d, "Creators.CSV", (CREATOR_HEADER + "\ncr1,a,A,1\n").encode()),
            checks=[stored("creators", "cr1", "name", "a")],
        )
    )

    # Encodings.
    add(
        Case(
            "gbk-file",
            "encoding",
            "creators.csv",
            2,
            lambda d: _creators(d, "cr1,达人甲,A,1\ncr2,达人乙,B,2\n", "gbk"),
            checks=[stored("creators", "cr2", "name", "达人乙")],
        )
    )
    add(
        Case(
            "gbk-one-bad-byte",
            "encoding",
            "creators.csv",
            3,
            lambda d: _bytes(
                d,
                "creators.csv",
                (CREATOR_HEADER + "\n").encode()
                + "cr1,达人甲,A,1\n".encode("gbk")
                + b"cr2,\xff\xff,B,2\n"
                + "cr3,达人丙,C,3\n".encode("gbk"),
            ),
            checks=[quarantined_as("broken_encoding"), stored("creators", "cr3", "name", "达人丙")],
        )
    )
    add(
        Case(
            "mixed-utf8-and-gbk",
            "encoding",
            "creators.csv",
            3,
            lambda d: _bytes(
                d,
                "creators.csv",
                (CREATOR_HEADER + "\n").encode()
                + "cr1,达人甲,A,1\n".encode("gbk")
                + "cr2,达人乙,B,2\n".encode()
                + "cr3,达人丙,C,3\n".encode("gbk"),
            ),
            says=["creators.csv mixes encodings"],
            checks=[
                stored("creators", "cr1", "name", "达人甲"),
                stored("creators", "cr2", "name", "达人乙"),
            ],
        )
    )
    add(
        Case(
            "cp1252-refused",
            "encoding",
            "creators.csv",
            2,
            lambda d: _creators(d, "cr1,Café Noël,A,1\ncr2,Müller Straße,B,2\n", "cp1252"),
            args=["--max-bad-share", "1"],
            checks=[
                quarantined_as("unknown_encoding"),
                not_stored("creators", "creator_id", "cr1"),
            ],
        )
    )
    add(
        Case(
            "cp1252-given",
            "encoding",
            "creators.csv",
            2,
            lambda d: _creators(d, "cr1,Café Noël,A,1\ncr2,Müller Straße,B,2\n", "cp1252"),
            args=["--encoding", "cp1252"],
            alone=True,
            checks=[stored("creators", "cr1", "name", "Café Noël")],
        )
    )
    add(
        Case(
            "cp1252-default-refusal-exits-1",
            "encoding",
            "creators.csv",
            2,
            lambda d: _creators(d, "cr1,Café,A,1\ncr2,Noël,B,2\n", "cp1252"),
            refused=True,
        )
    )
    add(
        Case(
            "utf16-refused",
            "encoding",
            "creators.csv",
            1,
            lambda d: _creators(d, "cr1,甲,A,1\n", "utf-16"),
            refused=True,
        )
    )
    add(
        Case(
            "gb18030-four-byte",
            "encoding",
            "creators.csv",
            2,
            lambda d: _creators(d, "cr1,㐀店,A,1\ncr2,小店,B,2\n", "gb18030"),
            checks=[stored("creators", "cr2", "name", "小店")],
        )
    )

    for codec, text_ in (
        ("big5", "cr1,達人甲,A,1\ncr2,達人乙,B,2\n"),
        ("shift_jis", "cr1,クリエイター,A,1\ncr2,テスト,B,2\n"),
    ):
        add(
            Case(
                f"{codec}-refused",
                "encoding",
                "creators.csv",
                2,
                (lambda c, t: lambda d: _creators(d, t, c))(codec, text_),
                args=["--max-bad-share", "1"],
                says=["--encoding"],
                checks=[quarantined_as("unknown_encoding")],
            )
        )
    add(
        Case(
            "big5-given",
            "encoding",
            "creators.csv",
            2,
            lambda d: _creators(d, "cr1,達人甲,A,1\ncr2,達人乙,B,2\n", "big5"),
            args=["--encoding", "big5"],
            alone=True,
            checks=[stored("creators", "cr1", "name", "達人甲")],
        )
    )
    add(
        Case(
            "unknown-encoding-name",
            "encoding",
            "creators.csv",
            1,
            lambda d: _creators(d, "cr1,a,A,1\n"),
            args=["--encoding", "klingon"],
            refused=True,
            names_file=False,
            says=["klingon"],
        )
    )

    # gzip.
    good_gz = gzip.compress(
        (CREATOR_HEADER + "\n" + "".join(f"cr{i},n{i},A,{i}\n" for i in range(1, 2001))).encode()
    )
    add(
        Case(
            "gzip-truncated",
            "gzip",
            "creators.csv.gz",
            2000,
            lambda d: _bytes(d, "creators.csv.gz", good_gz[: len(good_gz) // 2]),
            refused=True,
        )
    )
    add(
        Case(
            "gzip-not-gzip",
            "gzip",
            "creators.csv.gz",
            1,
            lambda d: _bytes(d, "creators.csv.gz", (CREATOR_HEADER + "\ncr1,a,A,1\n").encode()),
            refused=True,
        )
    )
    add(
        Case(
            "gzip-corrupt-crc",
            "gzip",
            "creators.csv.gz",
            2000,
            lambda d: _bytes(d, "creators.csv.gz", good_gz[:-8] + b"\0" * 8),
            refused=True,
        )
    )
    add(
        Case(
            "gzip-fine",
            "gzip",
            "creators.csv.gz",
            2000,
            lambda d: _bytes(d, "creators.csv.gz", good_gz),
            checks=[stored("creators", "cr2000", "followers", 2000)],
        )
    )

    good_jsonl = gzip.compress(
        "".join(
            json.dumps(
                {"creator_id": f"cr{i}", "name": "甲", "tier": "A", "followers": i},
                ensure_ascii=False,
            )
            + "\n"
            for i in range(1, 2001)
        ).encode()
    )
    add(
        Case(
            "jsonl-gzip-truncated",
            "gzip",
            "creators.jsonl.gz",
            2000,
            lambda d: _bytes(d, "creators.jsonl.gz", good_jsonl[: len(good_jsonl) // 2]),
            refused=True,
        )
    )
    add(
        Case(
            "jsonl-gzip-fine",
            "gzip",
            "creators.jsonl.gz",
            2000,
            lambda d: _bytes(d, "creators.jsonl.gz", good_jsonl),
            checks=[stored("creators", "cr7", "followers", 7)],
        )
    )

    # Timestamps as spreadsheets write them, and impossible ones.
    from datetime import datetime

    def paid(order: str, value: str) -> Callable[[Path], None]:
        return lambda d: _orders(d, _order_rows(**{order: {"paid_at": value}}))

    add(
        Case(
            "time-spreadsheet-slashes",
            "time",
            "orders.csv",
            4,
            paid("o1", "2025/3/1 8:05"),
            checks=[stored("orders", "o1", "paid_at", datetime(2025, 3, 1, 8, 5))],
        )
    )
    add(
        Case(
            "time-no-seconds-T",
            "time",
            "orders.csv",
            4,
            paid("o1", "2025-03-01T08:05"),
            checks=[stored("orders", "o1", "paid_at", datetime(2025, 3, 1, 8, 5))],
        )
    )
    add(
        Case(
            "time-24h",
            "time",
            "orders.csv",
            4,
            paid("o4", "2025-03-03 24:00:00"),
            checks=[quarantined_as("bad_timestamp"), not_stored("orders", "order_id", "o4")],
        )
    )
    add(
        Case(
            "time-year-zero",
            "time",
            "orders.csv",
            4,
            paid("o4", "0000-01-01 00:00:00"),
            checks=[quarantined_as("bad_timestamp")],
        )
    )
    add(
        Case(
            "time-us-order",
            "time",
            "orders.csv",
            4,
            paid("o4", "3/3/2025 20:15"),
            checks=[quarantined_as("bad_timestamp")],
        )
    )
    add(
        Case(
            "time-leap-second",
            "time",
            "orders.csv",
            4,
            paid("o4", "2025-03-03 23:59:60"),
            checks=[quarantined_as("bad_timestamp")],
        )
    )
    add(
        Case(
            "time-with-zone",
            "time",
            "orders.csv",
            4,
            paid("o4", "2025-03-03T20:15:00+08:00"),
            checks=[quarantined_as("bad_timestamp")],
        )
    )

    # JSON values.
    def jsonl(name: str, lines: list[str]) -> Callable[[Path], None]:
        def build(d: Path) -> None:
            stem = name.split(".")[0]
            (d / f"{stem}.csv").unlink()
            (d / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

        return build

    creator = {"creator_id": "cr1", "name": "甲", "tier": "A", "followers": 1}
    add(
        Case(
            "json-repeated-key",
            "json",
            "creators.jsonl",
            2,
            jsonl(
                "creators.jsonl",
                [
                    json.dumps(creator, ensure_ascii=False),
                    '{"creator_id": "cr2", "name": "乙", "name": "丙", "tier": "B", '
                    '"followers": 2}',
                ],
            ),
            checks=[quarantined_as("repeated_column"), not_stored("creators", "creator_id", "cr2")],
        )
    )
    add(
        Case(
            "json-object-in-text",
            "json",
            "creators.jsonl",
            2,
            jsonl(
                "creators.jsonl",
                [
                    json.dumps(creator, ensure_ascii=False),
                    '{"creator_id": "cr2", "name": {"zh": "乙"}, "tier": "B", "followers": 2}',
                ],
            ),
            checks=[quarantined_as("structured_value")],
        )
    )
    add(
        Case(
            "json-array-in-text",
            "json",
            "creators.jsonl",
            2,
            jsonl(
                "creators.jsonl",
                [
                    json.dumps(creator, ensure_ascii=False),
                    '{"creator_id": "cr2", "name": ["乙"], "tier": "B", "followers": 2}',
                ],
            ),
            checks=[quarantined_as("structured_value")],
        )
    )
    add(
        Case(
            "json-lone-surrogate",
            "json",
            "creators.jsonl",
            2,
            jsonl(
                "creators.jsonl",
                [
                    json.dumps(creator, ensure_ascii=False),
                    '{"creator_id": "cr2", "name": "\\ud800", "tier": "B", "followers": 2}',
                ],
            ),
            checks=[quarantined_as("bad_json")],
        )
    )
    add(
        Case(
            "json-deep-nesting",
            "json",
            "creators.jsonl",
            2,
            jsonl(
                "creators.jsonl",
                [
                    json.dumps(creator, ensure_ascii=False),
                    '{"creator_id": "cr2", "name": '
                    + "[" * 5000
                    + "]" * 5000
                    + ', "tier": "B", "followers": 2}',
                ],
            ),
            checks=[quarantined_as("structured_value")],
        )
    )

    shop = dict(valid_dataset()["shops"][0])

    def shops_jsonl(tags: object) -> Callable[[Path], None]:
        row: dict[str, object] = {**shop, "shop_id": "s1", "tags": tags}
        other: dict[str, object] = {**valid_dataset()["shops"][1], "tags": ["rural"]}
        return jsonl(
            "shops.jsonl",
            [json.dumps(row, ensure_ascii=False), json.dumps(other, ensure_ascii=False)],
        )

    products = valid_dataset()["products"]

    def products_jsonl(refs: object) -> Callable[[Path], None]:
        first: dict[str, object] = {**products[0], "price_fen": 5900, "image_refs": refs}
        second: dict[str, object] = {**products[1], "price_fen": 5900, "image_refs": None}
        return jsonl("products.jsonl", [json.dumps(first), json.dumps(second)])

    add(
        Case(
            "list-element-with-bar",
            "list",
            "products.jsonl",
            2,
            products_jsonl(["a|b", "c"]),
            checks=[lambda con: _list_is(con, "k1", ["a|b", "c"])],
        )
    )
    add(
        Case(
            "list-with-null",
            "list",
            "products.jsonl",
            2,
            products_jsonl(["a", None]),
            args=["--max-bad-share", "1"],
            checks=[quarantined_as("bad_list")],
        )
    )
    add(
        Case(
            "list-nested",
            "list",
            "products.jsonl",
            2,
            products_jsonl([["a"], ["b"]]),
            args=["--max-bad-share", "1"],
            checks=[quarantined_as("bad_list")],
        )
    )
    add(
        Case(
            "list-empty",
            "list",
            "products.jsonl",
            2,
            products_jsonl([]),
            checks=[lambda con: _list_is(con, "k1", [])],
        )
    )
    add(
        Case(
            "list-tags-choice",
            "list",
            "shops.jsonl",
            2,
            shops_jsonl(["rural", "vip"]),
            args=["--max-bad-share", "1"],
            checks=[quarantined_as("bad_choice")],
        )
    )

    add(
        Case(
            "json-money-as-float",
            "json",
            "products.jsonl",
            2,
            lambda d: jsonl(
                "products.jsonl",
                [
                    json.dumps({**products[0], "price_fen": 59.0, "image_refs": None}),
                    json.dumps({**products[1], "price_fen": 5900, "image_refs": None}),
                ],
            )(d),
            checks=[quarantined_as("bad_integer")],
        )
    )
    add(
        Case(
            "json-bom-and-crlf",
            "json",
            "creators.jsonl",
            2,
            lambda d: _bytes(
                d,
                "creators.jsonl",
                "\ufeff".encode()
                + b"\r\n".join(
                    json.dumps({**creator, "creator_id": f"cr{i}"}, ensure_ascii=False).encode()
                    for i in (1, 2)
                )
                + b"\r\n",
            ),
            checks=[stored("creators", "cr2", "name", "甲")],
        )
    )

    # Parquet: raw bytes, structures.
    def parquet(name: str, table: pa.Table) -> Callable[[Path], None]:
        def build(d: Path) -> None:
            (d / f"{name}.csv").unlink()
            pq.write_table(table, d / f"{name}.parquet")

        return build

    def creators_table(names: pa.Array) -> pa.Table:
        return pa.table(
            {
                "creator_id": pa.array(["cr1", "cr2"]),
                "name": names,
                "tier": pa.array(["A", "B"]),
                "followers": pa.array([1, 2], pa.int32()),
            }
        )

    add(
        Case(
            "parquet-binary-strings",
            "parquet",
            "creators.parquet",
            2,
            parquet(
                "creators",
                creators_table(pa.array(["达人甲".encode(), "乙".encode()], pa.binary())),
            ),
            checks=[stored("creators", "cr1", "name", "达人甲")],
        )
    )
    add(
        Case(
            "parquet-binary-bad-bytes",
            "parquet",
            "creators.parquet",
            2,
            parquet(
                "creators", creators_table(pa.array([b"\xff\xfe", "乙".encode()], pa.binary()))
            ),
            checks=[quarantined_as("broken_encoding"), stored("creators", "cr2", "name", "乙")],
        )
    )
    add(
        Case(
            "parquet-struct-in-text",
            "parquet",
            "creators.parquet",
            2,
            parquet(
                "creators",
                creators_table(pa.array([{"zh": "甲"}, None], pa.struct([("zh", pa.string())]))),
            ),
            args=["--max-bad-share", "1"],
            checks=[quarantined_as("structured_value")],
        )
    )
    add(
        Case(
            "parquet-zoned-times",
            "parquet",
            "orders.parquet",
            4,
            lambda d: _orders_parquet(d, zoned=True),
            checks=[stored("orders", "o1", "paid_at", datetime(2025, 3, 1, 10, 0))],
        )
    )

    # Ids that only look alike.
    def shop_id(value: str) -> Callable[[Path], None]:
        def build(d: Path) -> None:
            rows = valid_dataset()["shops"]
            rows.append({**rows[0], "shop_id": value})
            write_csv(d / "shops.csv", "shops", rows)

        return build

    add(
        Case(
            "id-trailing-space",
            "ids",
            "shops.csv",
            3,
            shop_id("s1 "),
            checks=[quarantined_as("bad_id")],
        )
    )
    add(
        Case(
            "id-zero-width",
            "ids",
            "shops.csv",
            3,
            shop_id("s\u200b1"),
            checks=[quarantined_as("bad_id")],
        )
    )
    add(
        Case(
            "id-nbsp", "ids", "shops.csv", 3, shop_id("s\u00a01"), checks=[quarantined_as("bad_id")]
        )
    )
    add(
        Case(
            "id-case-only",
            "ids",
            "shops.csv",
            3,
            shop_id("S1"),
            checks=[stored("shops", "S1", "name", "小店1")],
            says=["differ from other stored ones only in case"],
        )
    )

    # Money at the edge.
    def amounts(goods: str) -> Callable[[Path], None]:
        return lambda d: _orders(d, _order_rows(o3={"goods_fen": goods, "amount_paid_fen": goods}))

    add(
        Case(
            "money-bigint-max",
            "money",
            "orders.csv",
            4,
            amounts(str(2**63 - 1)),
            checks=[quarantined_as("above_maximum"), stored("orders", "o1", "goods_fen", 5900)],
        )
    )
    add(
        Case(
            "money-beyond-bigint",
            "money",
            "orders.csv",
            4,
            amounts(str(2**64)),
            checks=[quarantined_as("bad_integer")],
        )
    )
    add(
        Case(
            "money-identity-overflow",
            "money",
            "orders.csv",
            4,
            lambda d: _orders(
                d,
                _order_rows(
                    o4={"goods_fen": str(2**62), "shipping_fen": str(2**62), "amount_paid_fen": "1"}
                ),
            ),
            checks=[quarantined_as("above_maximum")],
        )
    )
    add(
        Case(
            "money-at-bound",
            "money",
            "orders.csv",
            4,
            amounts("1000000000"),
            checks=[stored("orders", "o3", "goods_fen", 1_000_000_000)],
        )
    )

    # Empty and header-only files hold no rows: nothing to refuse.
    add(
        Case(
            "empty-csv",
            "redelivery",
            "violations.csv",
            0,
            lambda d: _bytes(d, "violations.csv", b""),
            says=["violations.csv: the file is empty"],
        )
    )
    add(
        Case(
            "empty-jsonl-gz",
            "redelivery",
            "violations.jsonl.gz",
            0,
            lambda d: _bytes(d, "violations.jsonl.gz", gzip.compress(b"")),
        )
    )
    add(
        Case(
            "header-only",
            "redelivery",
            "violations.csv",
            0,
            lambda d: _bytes(d, "violations.csv", b"violation_id,shop_id,kind,occurred_at\n"),
        )
    )

    # Re-delivery.
    add(
        Case(
            "same-bytes-two-tables",
            "redelivery",
            "violations.csv",
            2,
            _same_bytes,
            args=["--max-bad-share", "1"],
            checks=[_both_read],
        )
    )
    return cases


SHARED = (
    b"shop_id,day,ad_product,spend_fen,violation_id,kind,occurred_at,order_id\n"
    b"s1,2025-03-01,search_ads,100,,,,\n"
    b"s1,,,,v1,brushing,2025-03-02 10:00:00,\n"
)


def _same_bytes(directory: Path) -> None:
    (directory / "violations.csv").write_bytes(SHARED)
    (directory / "ad_spend.csv").write_bytes(SHARED)


def _both_read(con: duckdb.DuckDBPyConnection) -> list[str]:
    found = con.execute(
        "SELECT table_name, rows_read, accepted FROM ingest_files "
        "WHERE table_name IN ('violations', 'ad_spend') ORDER BY 1"
    ).fetchall()
    expected = [("ad_spend", 2, 1), ("violations", 2, 1)]
    return [] if found == expected else [f"identical files for two tables: {found}"]


def _list_is(con: duckdb.DuckDBPyConnection, sku: str, expected: list[str]) -> list[str]:
    row = con.execute("SELECT image_refs FROM products WHERE sku_id = ?", [sku]).fetchone()
    got = None if row is None else row[0]
    return [] if got == expected else [f"products {sku}.image_refs: {got!r} != {expected!r}"]


def _orders_parquet(directory: Path, zoned: bool) -> None:
    from datetime import UTC, datetime, timedelta

    rows = valid_dataset()["orders"]
    (directory / "orders.csv").unlink()
    data: dict[str, pa.Array] = {}
    for name in rows[0]:
        values = [r[name] or None for r in rows]
        if name == "paid_at":
            shanghai = [datetime.fromisoformat(v or "") - timedelta(hours=8) for v in values]
            stamps = [t.replace(tzinfo=UTC) for t in shanghai]
            data[name] = pa.array(stamps, pa.timestamp("us", tz="UTC" if zoned else None))
        else:
            data[name] = pa.array(values, pa.string())
    pq.write_table(pa.table(data), directory / "orders.parquet")


def main() -> int:
    cases = corpus()
    outcomes: list[Outcome] = []
    for case in cases:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                outcome = run_case(case, Path(tmp))
            except Exception:
                outcome = Outcome(case, -1, traceback.format_exc(), failures=["runner crashed"])
        outcomes.append(outcome)
        status = "ok" if not outcome.failures else "FAIL"
        print(
            f"{status:4} {case.klass:12} {case.name:34} fed {case.fed:5} "
            f"accounted {outcome.accounted:5} exit {outcome.exit_code}"
        )
        for failure in outcome.failures:
            print("     - " + failure.replace("\n", "\n       ")[-1500:])
    fed = sum(o.case.fed for o in outcomes)
    accounted = sum(o.accounted for o in outcomes)
    failed = sum(1 for o in outcomes if o.failures)
    print(
        f"\n{len(outcomes)} hostile inputs, {fed:,} rows fed, {accounted:,} accounted for, "
        f"{failed} failing"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
