"""The check over the close's statements: nothing it runs is refused today, and a real
untranslatable construct would be, by name, before anything opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode, InputError
from merchantry.ledger import annual, postings
from merchantry.spark.engine import SparkEngine, parse_engine
from merchantry.spark.portable import UnportableSQL
from merchantry.spark.session import SparkUnavailable, java_missing, start
from merchantry.spark.unported import require_portable, stage_problems


def test_the_close_scan_finds_nothing_left_to_refuse() -> None:
    """Templates are checked as the close fills them (the sales legs' placeholder was a
    list item, not a column), macro definitions where they are called (the leg macro's
    struct only ever runs inside a list of legs): nothing the close runs is refused."""
    assert stage_problems("close") == []


def test_the_close_scan_reads_filled_templates() -> None:
    """The sales statement is checked with its fee legs in place: the routing macros the
    legs call are expanded, not left for Spark as unknown functions."""
    filled = postings.filled_statements()["STAGE_SALES"]
    assert "p_fee_legs" not in filled
    assert "LEDGER_ROLE(" in filled.upper()  # the legs are there, to be expanded and checked
    assert "ledger.postings.STAGE_SALES" not in "\n".join(stage_problems("close"))


def test_the_close_scan_names_a_real_untranslatable_construct(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        annual,
        "PROBE_SQL",
        "SELECT shop_id, any_value(rule_id), date_diff('week', a, b) FROM t GROUP BY shop_id",
        raising=False,
    )
    monkeypatch.setattr(
        postings,
        "filled_statements",
        lambda: {"STAGE_SALES": "SELECT arg_max(order_id, amount_fen) FROM ledger_schedule"},
    )
    problems = stage_problems("close")
    assert problems == [
        "ledger.postings.STAGE_SALES: ARGMAX",
        "ledger.annual.PROBE_SQL: ANYVALUE, date_diff('week', …)",
    ]
    with pytest.raises(UnportableSQL, match=r"close stage on Spark"):
        require_portable("close")


def test_the_close_command_refuses_before_opening_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(annual, "PROBE_SQL", "SELECT DISTINCT ON (a) b FROM t", raising=False)
    db = tmp_path / "absent.duckdb"
    args = ["close", "--from", "2026-03-01", "--to", "2026-03-02", "--db", str(db)]
    result = CliRunner().invoke(app, [*args, "--engine", "spark"], env={"COLUMNS": "200"})
    assert result.exit_code == ExitCode.PROBLEMS_FOUND, result.output
    assert "the close stage on Spark" in result.output
    assert "ledger.annual.PROBE_SQL: DISTINCT ON" in result.output
    assert not db.exists()


def test_missing_java_is_named_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    reason = java_missing()
    assert reason is not None
    assert "scripts/ensure-system-packages.sh" in reason
    with pytest.raises(SparkUnavailable, match="Java"):
        start("local[1]")


def test_engine_values() -> None:
    assert parse_engine("duckdb") is None
    assert parse_engine("spark") == SparkEngine(master="local[2]")
    cluster = parse_engine("spark://head:7077")
    assert cluster is not None
    assert cluster.master == "spark://head:7077"
    with pytest.raises(InputError, match="--spark-tables and --spark-out need"):
        parse_engine("duckdb", tables=Path("tables"))
    for master in ("local", "local[4]", "local[*]", "local[4,3]", "local-cluster[2,1,1024]"):
        assert parse_engine(master) == SparkEngine(master=master)
    for master in ("spark://a:7077,b:7077", "yarn", "k8s://https://api.example:6443"):
        assert parse_engine(master) == SparkEngine(master=master)


def test_an_engine_that_is_no_master_url_is_refused_before_any_jvm_starts() -> None:
    """Spark itself refuses a master it does not know only after starting a JVM, with a
    Java stack trace on the terminal; the option is checked first, naming what it takes
    and the nearest value a typo was meant to be."""
    told = {
        "foo": None,
        "sprak": "spark",
        "duckbd": "duckdb",
        "local[0]": None,
        "local[two]": None,
        "spark://head": None,
        "mesos://head:5050": None,
        "Local[2]": None,
    }
    for value, near in told.items():
        with pytest.raises(InputError) as caught:
            parse_engine(value)
        message = str(caught.value)
        assert f"--engine {value!r} is neither duckdb, spark nor a Spark master URL" in message
        assert "local[N], spark://HOST:PORT, yarn or k8s://HOST:PORT" in message
        if near is not None:
            assert f"(did you mean {near}?)" in message
