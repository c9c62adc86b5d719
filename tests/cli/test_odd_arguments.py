"""A sweep over every command of the real CLI with odd but possible arguments.

The hand-written cases in ``test_errors.py`` pin the message for each known mistake. This sweep
looks for the unknown ones: for every option and argument of every command it tries values a
person or a script could type (a negative count, a number too large for any column, an
impossible date, an empty string, a control character, a folder where a file is expected) on a
small generated marketplace, and requires that each run ends as the CLI promises: a result, or
one message with a documented exit code. Never an internal error, never a traceback.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb
import pytest
import typer
from typer.core import TyperArgument, TyperGroup
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.ingest import ingest_dir
from merchantry.kit.errors import ExitCode
from merchantry.store.warehouse import connect
from merchantry.synth import generate

# Commands the sweep does not run: a server that never returns, the demo (minutes; its own
# tests), and the generator and trainer at sizes the sweep would pick (their own tests).
SKIPPED: Final = {"serve", "demo", "generate", "risk train", "cs evaluate", "reco replay"}

# Values typed in place of a well-formed one, by the kind of value the option takes.
ODD_NUMBERS: Final = ("-1", "99999999999999999999", "1.5")
ODD_REALS: Final = ("nan", "-inf")
ODD_DATES: Final = ("2026-02-30", "0001-01-01", "31/03/2026")
ODD_TEXT: Final = (" ", "'; DROP TABLE orders; --\u200b店铺💥")


@dataclass(frozen=True)
class Market:
    db: Path
    data: Path
    shop: str
    sku: str
    buyer: str
    order: str
    first: str
    last: str


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    root = tmp_path_factory.mktemp("odd-market")
    generate(root / "data", shops=8, days=20, seed=3, progress=False)
    db = root / "market.duckdb"
    con = connect(db)
    try:
        ingest_dir(con, root / "data", progress=False)
        shop, sku, buyer, order, first, last = _one(
            con,
            "SELECT any_value(shop_id), any_value(sku_id), any_value(buyer_id), "
            "any_value(order_id), min(paid_at)::DATE::VARCHAR, max(paid_at)::DATE::VARCHAR "
            "FROM orders",
        )
    finally:
        con.close()
    return Market(db, root / "data", shop, sku, buyer, order, first, last)


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def _leaves(group: TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from _leaves(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


ROOT: Final = typer.main.get_command(app)
assert isinstance(ROOT, TyperGroup)
COMMANDS: Final = {name: command for name, command in _leaves(ROOT) if name not in SKIPPED}


def _rulebook_for(command: str, option: str) -> str:
    if command.startswith("risk"):
        return "risk-2026"
    if command.startswith("reco"):
        return "reco-2026"
    if command.startswith("score") or command.startswith("diagnose score"):
        return "douyin-score-2026-07"
    if option == "--score-rulebook":
        return "douyin-score-2026-07"
    if option == "--baseline":
        return "douyin-2025"
    return "douyin-2026"


def _good_value(command: str, name: str, market: Market, work: Path) -> str:
    """A well-formed value for a parameter (by its name), so the odd one is the only odd one."""
    samples = work / "texts.csv"
    if not samples.exists():
        samples.write_text("id,text\n1,尺码偏小 退货\n2,质量很好\n", encoding="utf-8")
    good = {
        "--db": str(work / "market.duckdb"),
        "--ops-db": f"sqlite:///{work / 'ops.sqlite'}",
        "--shop": market.shop,
        "--sku": market.sku,
        "--buyer": market.buyer,
        "--order": market.order,
        "--from": market.first,
        "--to": market.last,
        "--date": market.last,
        "--at": f"{market.last}T12:00:00",
        "--on": market.last,
        "--as-of": market.last,
        "--asked-at": f"{market.last}T12:00:00",
        "--joining": market.first,
        "--amount-fen": "100",
        "--freight-fen": "800",
        "--type": "experience",
        "--in": str(samples),
        "--text-column": "text",
        "--out": str(work / "out"),
        "--truth": str(market.data / "truth"),
        "--candidates": "sku1,sku2",
        "--intent": "after_sales",
        "--role": "merchant",
        "--note": "checked",
        "--question": "运费险怎么赔",
        "directory": str(market.data),
        "files": "douyin-2026",
        "name": "douyin-2026",
        "case_id": "1",
        "key_id": "1",
        "question": "运费险怎么赔",
        "log": str(samples),
    }
    if name in ("--rulebook", "--score-rulebook", "--baseline", "--candidate"):
        return _rulebook_for(command, name)
    if command == "risk cases move" and name == "--to":
        return "upheld"
    if command == "withdraw" and name == "--type":
        return "experience"
    if command == "insurance-eligibility" and name == "--type":
        return "return"
    return good.get(name, "1")


def _key(param: Any) -> str:
    return param.name if isinstance(param, TyperArgument) else param.opts[0]


def _argv(
    command: str, market: Market, work: Path, odd_key: str | None = None, odd: str = ""
) -> list[str]:
    """The command's required parameters with good values, and ``odd_key`` set to ``odd``."""
    positional: list[str] = []
    options: list[str] = []
    for param in COMMANDS[command].params:
        key = _key(param)
        if key == odd_key:
            value = odd
        elif param.required:
            value = _good_value(command, key, market, work)
        else:
            continue
        if isinstance(param, TyperArgument):
            positional.append(value)
        else:
            options += [key, value]
    return [*positional, *options]


def _odd_values(param: Any) -> tuple[str, ...]:
    if getattr(param, "is_flag", False):
        return ()
    key = _key(param)
    kind = (param.metavar or "").upper() + " " + type(param.type_descriptor).__name__.upper()
    if key in ("--from", "--to", "--date", "--on", "--as-of", "--joining", "--start") or (
        "DATE" in kind
    ):
        return ODD_DATES
    if key in ("--at", "--asked-at"):
        return ("2026-03-01T24:00:00", "0001-01-01T00:00:00")
    if "FLOAT" in kind:
        return ODD_REALS
    if "INT" in kind:
        return ODD_NUMBERS
    if key in ("--db", "--out", "--in", "--truth", "--model", "--quarantine-file", "directory"):
        return ("/nonexistent/folder/x", ".")  # never /dev/null: a bug could replace it
    return ODD_TEXT


def _cases() -> Iterator[Any]:
    for command in sorted(COMMANDS):
        yield pytest.param(command, id=command.replace(" ", "-"))


@pytest.mark.slow
@pytest.mark.parametrize("command", list(_cases()))
def test_odd_arguments_end_in_an_answer_or_a_message(
    command: str, market: Market, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # files a command writes by default land here
    shutil.copy(market.db, tmp_path / "market.duckdb")
    failures: list[str] = []
    good = CliRunner().invoke(app, [*command.split(), *_argv(command, market, tmp_path)])
    for refused in ("Invalid value for", "Missing option", "Missing argument"):
        # else every odd value below would be refused for a good one's sake, and pass
        assert refused not in good.output, f"{command}: the good values are refused: {good.output}"
    for param in COMMANDS[command].params:
        key = _key(param)
        for odd in _odd_values(param):
            args = [*command.split(), *_argv(command, market, tmp_path, key, odd)]
            result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
            text = result.output
            crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
            if result.exit_code == ExitCode.INTERNAL or crashed or "Traceback" in text:
                failures.append(f"{command} {key}={odd!r}: exit {result.exit_code}: {text[-300:]}")
            elif result.exit_code == 0 and not text.strip() and not _wrote(tmp_path):
                failures.append(f"{command} {key}={odd!r}: exit 0 with no output")
            elif f"Invalid value for '{key}'" in text and not _plain_refusal(text, odd):
                failures.append(f"{command} {key}={odd!r}: refused in a parser's words: {text}")
    assert not failures, "\n".join(failures)


PARSER_WORDS: Final = ("Input should", "Value error", "%Y", "unable to parse", "validation error")


def _plain_refusal(text: str, odd: str) -> bool:
    """A refused value is named in the refusal, which says what was wrong in words, not in
    the wording of the library that parsed it."""
    flat = " ".join(text.replace("│", " ").split())
    return odd.strip() in flat and not any(words in flat for words in PARSER_WORDS)


def _wrote(work: Path) -> bool:
    return any(p.name != "market.duckdb" for p in work.iterdir())


def test_a_memory_limit_too_small_is_a_message_not_an_internal_error(
    market: Market, tmp_path: Path
) -> None:
    """A user who sets ``MERCHANTRY_MEMORY_LIMIT`` too low for their data is told which
    setting ran out and what to change, with the input-error exit code, never "internal
    error (a bug in Merchantry …)"."""
    shutil.copy(market.db, tmp_path / "market.duckdb")
    args = ["fees", "--rulebook", "douyin-2026", "--db", str(tmp_path / "market.duckdb")]
    args += ["--from", market.first, "--to", market.last]
    env = {"COLUMNS": "300", "MERCHANTRY_MEMORY_LIMIT": "2MB", "MERCHANTRY_THREADS": "1"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == ExitCode.INPUT, result.output
    assert "out of memory under MERCHANTRY_MEMORY_LIMIT=2MB" in result.output
    assert "internal error" not in result.output
    assert "Traceback" not in result.output
    roomy = CliRunner().invoke(app, args, env={"COLUMNS": "300"})  # the same run, default limit
    assert roomy.exit_code == 0, roomy.output


def test_a_memory_limit_too_small_to_open_the_warehouse_names_the_setting(
    market: Market, tmp_path: Path
) -> None:
    """A limit so small that DuckDB cannot even open the warehouse (``1KB``: a typo for
    ``1GB``) is told as the setting that ran out, not as DuckDB's bare allocation error."""
    shutil.copy(market.db, tmp_path / "market.duckdb")
    args = ["close", "--db", str(tmp_path / "market.duckdb")]
    args += ["--from", market.first, "--to", market.first]
    env = {"COLUMNS": "300", "MERCHANTRY_MEMORY_LIMIT": "1KB"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == ExitCode.INPUT, result.output
    assert "cannot open the warehouse" in result.output
    assert "out of memory under MERCHANTRY_MEMORY_LIMIT=1KB" in result.output
    assert "raise MERCHANTRY_MEMORY_LIMIT" in result.output
    assert "Traceback" not in result.output
