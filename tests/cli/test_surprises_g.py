"""Surprises an auditor found in the serve, keys, inbox, cs, reco, seeding, fees, run and
ledger commands: each is now one clear refusal with a documented exit code, never an answer
from an empty or a wrong database."""

from __future__ import annotations

from pathlib import Path

import pytest
import uvicorn

from merchantry.kit.errors import ExitCode
from merchantry.ops import open_ops
from merchantry.store.warehouse import connect
from tests.cli.test_errors import MARCH, db, refused, run
from tests.markets import ingested_market

__all__ = ["db"]  # the fixture, shared


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    """A warehouse with its tables and no rows (what `ingest` of nothing leaves)."""
    path = tmp_path / "e.duckdb"
    connect(path).close()
    return path


@pytest.fixture
def ops(tmp_path: Path) -> str:
    """An operational database that exists (migrated)."""
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    open_ops(url).dispose()
    return url


@pytest.fixture
def no_uvicorn(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """`uvicorn.run` replaced: the calls `serve` made (it would serve forever)."""
    calls: list[dict[str, object]] = []
    for name in ("MERCHANTRY_OPS_URL", "MERCHANTRY_WAREHOUSE"):  # serve sets them for workers
        monkeypatch.setenv(name, "")  # recorded, so the value serve sets is undone too
        monkeypatch.delenv(name)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    return calls


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated marketplace with agents and sessions, ingested; read only."""
    return ingested_market(tmp_path_factory.mktemp("g-market"), shops=4, days=6, seed=7)


# --- 1. no command but ingest makes a warehouse


def test_inbox_drain_refuses_a_missing_warehouse(tmp_path: Path, ops: str) -> None:
    missing = tmp_path / "nope.duckdb"
    text = refused(
        run("inbox", "drain", "--db", str(missing), "--ops-db", ops),
        ExitCode.NOT_FOUND,
        f"no warehouse at {missing}",
        "merchantry ingest",
    )
    assert "inbox empty" not in text
    assert not missing.exists()


def test_serve_refuses_a_missing_warehouse(
    tmp_path: Path, ops: str, no_uvicorn: list[dict[str, object]]
) -> None:
    missing = tmp_path / "nope.duckdb"
    refused(
        run("serve", "--db", str(missing), "--ops-db", ops),
        ExitCode.NOT_FOUND,
        f"no warehouse at {missing}",
    )
    assert not no_uvicorn
    assert not missing.exists()


def test_serve_starts_with_a_warehouse(db: Path, ops: str, no_uvicorn: list[dict[str, object]]):
    result = run("serve", "--db", str(db), "--ops-db", ops, "--port", "8123")
    assert result.exit_code == 0, result.output
    assert [call["port"] for call in no_uvicorn] == [8123]


# --- 2. a typo'd operational database is not made empty and read


@pytest.mark.parametrize(
    "command",
    [
        ("keys", "list"),
        ("keys", "revoke", "k1"),
        ("risk", "cases", "list"),
        ("risk", "cases", "show", "C1"),
        ("inbox", "drain"),
    ],
)
def test_a_missing_ops_db_is_refused_by_commands_that_read_it(
    tmp_path: Path, db: Path, command: tuple[str, ...]
) -> None:
    typo = tmp_path / "typo.sqlite"
    extra = ("--db", str(db)) if command[0] == "inbox" else ()
    text = refused(
        run(*command, *extra, "--ops-db", f"sqlite:///{typo}"),
        ExitCode.NOT_FOUND,
        f"no operational database at {typo}",
        "merchantry keys create",
    )
    for answer in ("0 keys", "no cases", "inbox empty"):
        assert answer not in text
    assert not typo.exists()


def test_a_missing_outbox_is_refused_naming_the_option(tmp_path: Path, db: Path) -> None:
    typo = tmp_path / "typo.sqlite"
    refused(
        run("run", *MARCH, "--db", str(db), "--only", "fees", "--outbox", str(typo)),
        ExitCode.NOT_FOUND,
        f"--outbox {typo}",
        "no operational database",
    )
    assert not typo.exists()


def test_keys_create_still_makes_the_ops_db(tmp_path: Path) -> None:
    target = tmp_path / "new.sqlite"
    result = run("keys", "create", "--role", "operator", "--ops-db", f"sqlite:///{target}")
    assert result.exit_code == 0, result.output
    assert target.is_file()
    listed = run("keys", "list", "--ops-db", f"sqlite:///{target}")
    assert listed.exit_code == 0, listed.output
    assert "1 keys" in listed.output


# --- 3. serve's port


@pytest.mark.parametrize("port", ["99999", "0"])
def test_serve_refuses_a_port_out_of_range(
    db: Path, ops: str, no_uvicorn: list[dict[str, object]], port: str
) -> None:
    refused(
        run("serve", "--db", str(db), "--ops-db", ops, "--port", port),
        ExitCode.INPUT,
        "--port",
        port,
    )
    assert not no_uvicorn


# --- 4. unknown ids


def test_keys_create_checks_the_shop_against_the_warehouse(db: Path, ops: str) -> None:
    refused(
        run(
            "keys",
            "create",
            "--role",
            "merchant",
            "--shop",
            "S999",
            "--db",
            str(db),
            "--ops-db",
            ops,
        ),
        ExitCode.NOT_FOUND,
        "no shop 'S999'",
        "did you mean 'S1'",
    )
    assert "0 keys" in run("keys", "list", "--ops-db", ops).output
    ok = run(
        "keys", "create", "--role", "merchant", "--shop", "S1", "--db", str(db), "--ops-db", ops
    )
    assert ok.exit_code == 0, ok.output


def test_keys_create_lists_the_roles(ops: str) -> None:
    assert "operator|merchant|integrator" in run("keys", "create", "--help").output
    refused(
        run("keys", "create", "--role", "boss", "--ops-db", ops),
        ExitCode.INPUT,
        "'operator', 'merchant', 'integrator'",
    )


def test_cs_ask_refuses_an_unknown_buyer(db: Path) -> None:
    refused(
        run("cs", "ask", "where is my order", "--shop", "S1", "--buyer", "NOBODY", "--db", str(db)),
        ExitCode.NOT_FOUND,
        "buyer 'NOBODY' has no orders",
        "did you mean 'B1'",
    )


@pytest.mark.parametrize("command", ["boost", "filter"])
def test_reco_boost_and_filter_refuse_an_unknown_buyer_alike(
    db: Path, tmp_path: Path, command: str
) -> None:
    candidates = tmp_path / "c.csv"
    candidates.write_text("sku_id\nK1\n", encoding="utf-8")
    given = ("--sku", "K1") if command == "boost" else ("--candidates", str(candidates))
    refused(
        run("reco", command, *given, "--buyer", "NOBODY", "--db", str(db)),
        ExitCode.NOT_FOUND,
        "buyer 'NOBODY' has no orders in the warehouse",
        "did you mean 'B1'",
    )


ROUTE = ("cs", "route", "--intent", "presale", "--at", "2026-10-03 14:00")


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        (("--industry", "nosuch"), ExitCode.INPUT, ("--industry 'nosuch'", "apparel")),
        (("--language", "xx"), ExitCode.INPUT, ("--language 'xx'", "zh")),
        (("--load", "NOAGENT=3"), ExitCode.NOT_FOUND, ("'NOAGENT'", "-kf1")),
    ],
)
def test_cs_route_refuses_unknown_values_with_the_choices(
    market: Path, extra: tuple[str, ...], code: ExitCode, words: tuple[str, ...]
) -> None:
    shop = "S000001"
    refused(run(*ROUTE, "--shop", shop, "--db", str(market), *extra), code, *words)
    fine = run(*ROUTE, "--shop", shop, "--db", str(market), "--language", "zh")
    assert fine.exit_code == 0, fine.output


# --- 5. empty warehouses and empty periods


def test_payouts_after_a_close_that_posted_nothing_says_so(empty_db: Path) -> None:
    closed = run("close", "--from", "2026-10-01", "--to", "2026-10-05", "--db", str(empty_db))
    assert closed.exit_code == 0, closed.output
    result = run("payouts", "--db", str(empty_db))
    text = " ".join(result.output.split())
    assert "the start" not in text
    assert "the end" not in text
    assert "posted nothing" in text


def test_payouts_without_a_period_names_none(db: Path) -> None:
    assert run("close", *MARCH, "--db", str(db)).exit_code == 0
    text = " ".join(run("payouts", "--db", str(db)).output.split())
    assert "no payouts" in text
    assert "the start" not in text  # no period given: none is named


def test_cs_evaluate_refuses_a_warehouse_without_shops(empty_db: Path) -> None:
    text = refused(
        run("cs", "evaluate", "--db", str(empty_db)), ExitCode.INPUT, "no shops to build questions"
    )
    assert "0 questions" not in text


def test_seeding_run_refuses_a_warehouse_without_orders(empty_db: Path) -> None:
    refused(
        run("seeding", "run", "--from", "2026-10-01", "--to", "2026-10-05", "--db", str(empty_db)),
        ExitCode.INPUT,
        "nothing to attribute",
    )


def test_fees_refuses_a_period_without_orders_naming_the_data_days(db: Path) -> None:
    text = refused(
        run(
            "fees",
            "--rulebook",
            "douyin-2026",
            "--from",
            "2030-01-01",
            "--to",
            "2030-01-31",
            "--db",
            str(db),
        ),
        ExitCode.INPUT,
        "no orders were paid in 2030-01-01..2030-01-31",
        "2026-03-02..2026-03-02",
    )
    assert "fee kind" not in text  # no empty table


def test_run_warns_on_stderr(db: Path) -> None:
    result = run(
        "run", "--from", "2030-01-01", "--to", "2030-01-31", "--db", str(db), "--only", "fees"
    )
    assert result.exit_code == 0, result.output
    assert "no orders were paid" in " ".join(result.stderr.split())
    assert "warning" not in result.stdout


# --- 6. output paths


def test_an_out_under_a_file_says_the_parent_is_a_file(db: Path) -> None:
    args = ("statement", "--shop", "S1", *MARCH, "--db", str(db))
    refused(
        run(*args, "--out", str(db / "x.csv")),
        ExitCode.INPUT,
        f"{db} is a file, not a folder",
    )
    refused(
        run(*args, "--format", "html", "--out", str(db / "x.html")),
        ExitCode.INPUT,
        f"{db} is a file, not a folder",
    )


@pytest.mark.skipif(not Path("/proc/1").is_dir(), reason="needs /proc")
def test_an_out_the_file_system_refuses_is_an_input_error(db: Path) -> None:
    refused(
        run("statement", "--shop", "S1", *MARCH, "--db", str(db), "--out", "/proc/1/x.csv"),
        ExitCode.INPUT,
        "/proc/1/x.csv",
    )


# --- 7. the option the user gave is named


def test_run_names_the_outbox_option(db: Path) -> None:
    text = refused(
        run("run", *MARCH, "--db", str(db), "--outbox", "mysql://x"),
        ExitCode.INPUT,
        "--outbox 'mysql://x'",
    )
    assert "--ops-db" not in text


def test_run_redirects_a_fee_rulebook_given_as_score_rulebook(db: Path) -> None:
    refused(
        run("run", *MARCH, "--db", str(db), "--score-rulebook", "douyin-2026"),
        ExitCode.INPUT,
        "`merchantry run --score-rulebook` needs score rules",
        "merchantry fees --rulebook douyin-2026",
        "douyin-score-2026-07",
    )


# --- 8. cosmetic


def test_an_empty_file_is_not_a_merchantry_warehouse(tmp_path: Path) -> None:
    zero = tmp_path / "zero.duckdb"
    zero.touch()
    text = refused(run("payouts", "--db", str(zero)), ExitCode.INPUT, "not a Merchantry warehouse")
    assert "IO Error" not in text


def test_cs_staffing_names_the_inclusive_end(market: Path) -> None:
    text = refused(
        run(
            "cs",
            "staffing",
            "--shop",
            "S000001",
            "--from",
            "2030-01-01",
            "--to",
            "2030-01-05",
            "--db",
            str(market),
        ),
        ExitCode.NOT_FOUND,
        "from 2030-01-01 to 2030-01-05",
    )
    assert "2030-01-06" not in text


# --- Rich markup in data


@pytest.fixture
def bracketed_key(ops: str) -> str:
    made = run(
        "keys", "create", "--role", "operator", "--name", "desk [/x] [bold]b", "--ops-db", ops
    )
    assert made.exit_code == 0, made.output
    return ops


def test_a_key_name_with_brackets_is_printed_as_it_is(bracketed_key: str) -> None:
    result = run("keys", "list", "--ops-db", bracketed_key)
    assert result.exit_code == 0, result.output
    assert "desk [/x] [bold]b" in result.output
