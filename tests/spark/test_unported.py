"""The check over the close's statements: nothing it runs is refused today, and a real
untranslatable construct would be, by name, before anything opens."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode, InputError
from merchantry.ledger import annual, postings
from merchantry.spark.engine import SparkEngine, parse_engine
from merchantry.spark.portable import UnportableSQL
from merchantry.spark.session import (
    SparkUnavailable,
    first_reason,
    java_missing,
    start,
    unreachable,
)
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


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_standalone_master_nobody_answers_is_named_before_spark_starts() -> None:
    """Spark retries an unreachable ``spark://`` master for a minute, printing Java stack
    traces, then fails with a stopped context's error; the port is tried first, for a few
    seconds, and the message names each address and why, with what to do."""
    port = _closed_port()
    master = f"spark://127.0.0.1:{port},127.0.0.1:{port}"
    reason = unreachable(master, seconds=2)
    assert reason is not None
    assert reason.startswith(f"cannot reach the Spark master {master}: 127.0.0.1:{port} (")
    assert reason.count(f"127.0.0.1:{port} (Connection refused)") == 2  # each address, why
    assert "--engine spark" in reason
    with pytest.raises(SparkUnavailable, match="cannot reach the Spark master"):
        start(f"spark://127.0.0.1:{port}")
    with socket.socket() as listening:  # a master that accepts the connection
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        address = f"127.0.0.1:{listening.getsockname()[1]}"
        assert unreachable(f"spark://{address}", seconds=2) is None
        assert unreachable(f"spark://127.0.0.1:{port},{address}", seconds=2) is None
    for other in ("local[2]", "yarn", "k8s://https://api:6443"):
        assert unreachable(other) is None


def test_a_spark_error_is_told_by_its_reason_not_its_java_stack() -> None:
    """What Py4J raises when a session cannot be made: its first line names the Java call,
    then the exception, then the stack; the message keeps the exception's line alone."""
    raised = RuntimeError(
        "An error occurred while calling None.org.apache.spark.sql.classic.SparkSession.\n"
        ": java.lang.IllegalStateException: Cannot call methods on a stopped SparkContext.\n"
        "This stopped SparkContext was created at:\n\n"
        "org.apache.spark.api.java.JavaSparkContext.<init>(JavaSparkContext.scala:59)\n"
    )
    assert first_reason(raised) == (
        "java.lang.IllegalStateException: Cannot call methods on a stopped SparkContext."
    )
    assert first_reason(RuntimeError("one line")) == "one line"
    assert first_reason(RuntimeError("")) == "RuntimeError"
