"""A money command given no ``--rulebook`` runs the warehouse's rulebook, and says so.

Before, ``close``, ``run`` and the deposit commands ran douyin-2026 whatever the warehouse
held and ``fees`` demanded the option: a Taobao marketplace that computed its fees under
taobao-2026 and then ran ``merchantry close`` got a ledger under Douyin's rules (and a fee
run of douyin-2026 it never asked for), without a word.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.rulebook.checker import check_file
from merchantry.rulebook.library import shipped_dir
from merchantry.store.warehouse import connect
from tests.ledger.bulk import fill

PERIOD = ("--from", "2026-03-01", "--to", "2026-03-10")


def _warehouse(path: Path, marketplace: str | None = None) -> Path:
    con = connect(path)
    try:
        fill(con, orders=120, shops=6)
        if marketplace is not None:
            con.execute("DELETE FROM marketplace")
            con.execute(
                "INSERT INTO marketplace VALUES (?, ?, 'CNY', 'Asia/Shanghai')",
                [marketplace, marketplace.title()],
            )
    finally:
        con.close()
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def _rulebooks(db: Path, table: str) -> list[str]:
    con = connect(db)
    try:
        rows = con.execute(f"SELECT DISTINCT rulebook FROM {table} ORDER BY 1").fetchall()
    finally:
        con.close()
    return [str(r[0]) for r in rows]


def test_a_close_after_fees_under_another_rulebook_closes_under_that_rulebook(
    tmp_path: Path,
) -> None:
    db = str(_warehouse(tmp_path / "w.duckdb"))
    code, _, err = _run("fees", "--rulebook", "taobao-2026", *PERIOD, "--db", db)
    assert code == 0, err

    code, out, err = _run("close", *PERIOD, "--db", db)
    assert code == 0, err
    assert "running taobao-2026, the rulebook the fee lines of 2026-03-01..2026-03-10" in err
    assert "close taobao-2026" in out
    assert _rulebooks(Path(db), "journal_entries") == ["taobao-2026"]
    assert _rulebooks(Path(db), "fee_lines") == ["taobao-2026"]  # no douyin run behind it

    # the next commands follow the journal: the fee stage, the deposit look-up, the runner
    code, out, err = _run("fees", *PERIOD, "--db", db)
    assert code == 0, err
    assert "running taobao-2026, the rulebook of this warehouse's last close" in err
    assert "(2026-03-01..2026-03-10)" in err
    code, out, err = _run("close", *PERIOD, "--db", db)
    assert code == 0, err
    assert "0 reversed" in out  # the same rulebook again: nothing turned over
    assert _rulebooks(Path(db), "journal_entries") == ["taobao-2026"]


def test_a_rulebook_given_is_run_without_a_note_and_switches_the_journal(tmp_path: Path) -> None:
    db = str(_warehouse(tmp_path / "w.duckdb"))
    code, _, err = _run("close", *PERIOD, "--rulebook", "taobao-2026", "--db", db)
    assert code == 0, err
    assert "note:" not in err
    code, out, err = _run("close", *PERIOD, "--rulebook", "douyin-2026", "--db", db)
    assert code == 0, err
    assert "note:" not in err
    assert "close douyin-2026" in out
    assert "reversal" in out  # a switch the user asked for turns the journal over


def test_a_new_douyin_warehouse_runs_the_default_silently(tmp_path: Path) -> None:
    db = str(_warehouse(tmp_path / "w.duckdb"))
    code, out, err = _run("close", *PERIOD, "--db", db)
    assert code == 0, err
    assert "note:" not in err
    assert "close douyin-2026" in out


def test_a_taobao_warehouse_runs_the_rulebook_written_for_taobao(tmp_path: Path) -> None:
    db = str(_warehouse(tmp_path / "w.duckdb", marketplace="taobao"))
    code, _out, err = _run("close", *PERIOD, "--db", db)
    assert code == 0, err
    assert "running taobao-2026, the fee rulebook written for this warehouse's marketplace" in err
    assert _rulebooks(Path(db), "journal_entries") == ["taobao-2026"]


def test_a_marketplace_with_no_rulebook_of_its_own_runs_the_default_and_says_so(
    tmp_path: Path,
) -> None:
    db = str(_warehouse(tmp_path / "w.duckdb", marketplace="olist"))
    code, _out, err = _run("fees", *PERIOD, "--db", db)
    assert code == 0, err
    assert "running douyin-2026, the default: no fee rulebook is written for" in err
    assert "olist (none says `platform: olist`)" in err


def test_a_marketplace_with_two_rulebooks_is_asked_which(tmp_path: Path) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    text = (shipped_dir() / "taobao-2026.yaml").read_text(encoding="utf-8")
    for name in ("acme-2026", "acme-2027"):
        (folder / f"{name}.yaml").write_text(
            text.replace("rulebook: taobao-2026", f"rulebook: {name}").replace(
                "platform: taobao", "platform: acme"
            ),
            encoding="utf-8",
        )
    db = str(_warehouse(tmp_path / "w.duckdb", marketplace="acme"))
    code, out, err = _run("close", *PERIOD, "--db", db, "--rulebook-dir", str(folder))
    assert code == 2, out + err
    assert "marketplace, acme, has 2 fee rulebooks: acme-2026, acme-2027" in err
    assert "Traceback" not in err
    assert _rulebooks(Path(db), "journal_entries") == []  # nothing posted

    (folder / "acme-2027.yaml").unlink()  # one left: it is the one run
    code, out, err = _run("close", *PERIOD, "--db", db, "--rulebook-dir", str(folder))
    assert code == 0, err
    assert "running acme-2026" in err
    assert _rulebooks(Path(db), "journal_entries") == ["acme-2026"]


def test_a_platform_that_is_not_a_name_is_refused_at_its_line(tmp_path: Path) -> None:
    text = (shipped_dir() / "taobao-2026.yaml").read_text(encoding="utf-8")
    path = tmp_path / "taobao-2026.yaml"
    path.write_text(text.replace("platform: taobao", "platform: [taobao, tmall]"), "utf-8")
    book, diagnostics = check_file(path)
    assert book is None
    [bad] = [d for d in diagnostics if d.code == "bad-platform"]
    assert bad.line == text.splitlines().index("platform: taobao") + 1


def test_every_shipped_money_rulebook_says_its_platform() -> None:
    from merchantry.service.choice import written_for

    assert written_for("taobao") == ["taobao-2026"]
    assert {"douyin-2025", "douyin-2026"} <= set(written_for("douyin"))


def test_a_score_command_given_no_rulebook_takes_the_marketplaces_and_then_the_stored_one(
    tmp_path: Path,
) -> None:
    db = str(_warehouse(tmp_path / "w.duckdb", marketplace="taobao"))
    code, _, err = _run("score", "--date", "2026-03-01", "--db", db)  # before taobao-score
    assert code == 2
    assert "no score rulebook is written for this warehouse's marketplace, taobao, in " in err
    assert "force on 2026-03-01" in err
    assert "douyin-score-2026-07" in err  # the ones there are, named

    code, _, err = _run("score", "--date", "2026-03-20", "--db", db)
    assert code == 0, err
    assert "running taobao-score-2026, the score rulebook written for this warehouse's" in err
    assert _rulebooks(Path(db), "shop_scores") == ["taobao-score-2026"]

    report = tmp_path / "scores.html"
    code, _out, err = _run("score-report", "--date", "2026-03-20", "--db", db, "--out", str(report))
    assert code == 0, err
    assert "running taobao-score-2026, the score rulebook of the scores stored for 2026-03-20" in (
        err
    )
    assert report.stat().st_size > 0


def test_a_report_over_two_stored_score_rulebooks_asks_which_unless_one_is_the_default(
    tmp_path: Path,
) -> None:
    db = str(_warehouse(tmp_path / "w.duckdb"))
    day = ("--date", "2026-03-10", "--db", db)
    for name in ("taobao-score-2026", "douyin-score-2026-09-listings"):
        code, _, err = _run("score", *day, "--rulebook", name)
        assert code == 0, err
    code, _, err = _run("score-report", *day, "--out", str(tmp_path / "r.html"))
    assert code == 2
    assert "the scores stored for 2026-03-10 are 2: douyin-score-2026-09-listings, " in err
    assert "taobao-score-2026; give --rulebook with one of them" in err

    code, _, err = _run("score", *day)  # the score runs: the same two
    assert code == 2
    assert "this warehouse's score runs are 2: douyin-score-2026-09-listings, taobao-" in err

    code, _, err = _run("score", *day, "--rulebook", "douyin-score-2026-07")
    assert code == 0, err
    code, _, err = _run("score", *day)  # the runner's default among them now
    assert code == 0, err
    assert "running douyin-score-2026-07, the default among this warehouse's score runs" in err
    code, _, err = _run("score-report", *day, "--out", str(tmp_path / "r.html"))
    assert code == 0, err
    assert "running douyin-score-2026-07, the default among the scores stored" in err


def test_a_douyin_day_with_no_score_rulebook_in_force_runs_the_default_and_says_so(
    tmp_path: Path,
) -> None:
    db = str(_warehouse(tmp_path / "w.duckdb"))
    code, _out, err = _run("score", "--date", "2026-03-10", "--db", db)
    assert code == 0, err
    assert "running douyin-score-2026-07, the default: none of douyin's score rulebooks is " in err
    assert _rulebooks(Path(db), "shop_scores") == ["douyin-score-2026-07"]


def test_rulebook_list_says_what_each_rulebook_is_for(tmp_path: Path) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / "broken.yaml").write_text("rulebook: broken\ntitle: x\n", encoding="utf-8")
    code, out, err = _run("rulebook", "list", "--rulebook-dir", str(folder))
    assert code == 0, err
    rows = {line.split("│")[0].strip(): line for line in out.splitlines() if "│" in line}
    assert "taobao" in rows["taobao-2026"]
    assert "close, fees" in rows["taobao-2026"]
    assert "2026-01-01" in rows["taobao-2026"]
    assert "score" in rows["douyin-score-2026-05"]
    assert "│ 2026-05-07 │ 2026-07-13 │" in rows["douyin-score-2026-05"]
    assert "does not check" in rows["broken"]

    code, out, _ = _run("rulebook", "list", "--names")
    assert code == 0
    assert "taobao-2026" in out.splitlines()


def test_the_assistant_quotes_the_warehouses_fee_rulebook(tmp_path: Path) -> None:
    """A Taobao warehouse's assistant quoted Douyin's settlement terms when not told."""
    db = str(_warehouse(tmp_path / "w.duckdb", marketplace="taobao"))
    con = connect(Path(db))
    try:
        [(shop,)] = con.execute("SELECT min(shop_id) FROM shops").fetchall()
    finally:
        con.close()
    ask = ("cs", "ask", "什么时候结算", "--shop", str(shop), "--on", "2026-03-20", "--db", db)
    code, out, err = _run(*ask)
    assert code == 0, err
    assert "running taobao-2026, the fee rulebook written for this warehouse's marketplace" in err
    assert "taobao-2026" in out
    assert "douyin-2026" not in out

    db = str(_warehouse(tmp_path / "d.duckdb"))  # a Douyin one: the one in force, no note
    code, out, err = _run(*ask[:-1], db)
    assert code == 0, err
    assert "note:" not in err
    assert "douyin-2026" in out


def test_a_what_if_fee_run_is_never_taken_for_the_warehouses_rulebook(tmp_path: Path) -> None:
    db = str(_warehouse(tmp_path / "w.duckdb"))
    code, out, err = _run(
        "fees",
        "--rulebook",
        "taobao-2026",
        *PERIOD,
        "--set",
        "business_day_opens_hour=8",
        "--db",
        db,
    )
    assert code == 0, err
    assert "what-if: taobao-2026 with" in out
    [what_if] = _rulebooks(Path(db), "fee_lines")
    assert what_if.startswith("taobao-2026-set-")

    code, out, err = _run("close", *PERIOD, "--db", db)  # a Douyin warehouse: its default
    assert code == 0, err
    assert "note:" not in err
    assert _rulebooks(Path(db), "journal_entries") == ["douyin-2026"]


def test_run_keeps_the_warehouses_rulebooks_fresh(tmp_path: Path) -> None:
    """`merchantry run` in a Taobao warehouse scored under Douyin's score rulebook and closed
    under Douyin's fees when not told; now both are Taobao's, and it says so."""
    db = str(_warehouse(tmp_path / "w.duckdb", marketplace="taobao"))
    period = ("--from", "2026-03-01", "--to", "2026-03-20")
    code, _, err = _run("run", *period, "--db", db)
    assert code == 0, err
    assert "running taobao-2026, the fee rulebook written for this warehouse's marketplace" in err
    assert "--score-rulebook not given: running taobao-score-2026" in err
    assert _rulebooks(Path(db), "journal_entries") == ["taobao-2026"]
    assert _rulebooks(Path(db), "shop_scores") == ["taobao-score-2026"]

    plain = str(_warehouse(tmp_path / "d.duckdb"))  # a Douyin one: the runner's defaults, quiet
    code, _out, err = _run("run", *period, "--db", plain)
    assert code == 0, err
    assert "note:" not in err
    assert _rulebooks(Path(plain), "shop_scores") == ["douyin-score-2026-07"]
