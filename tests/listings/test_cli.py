"""`merchantry listings`: a file batch with file/row/column errors, the pre-publish check of one
listing, the warehouse check, the report and the evaluation against planted truth."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category, add_shop

HEADER = [
    "sku_id",
    "shop_id",
    "title",
    "price_fen",
    "industry",
    "composition",
    "net_count",
    "count_unit",
]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)
    return path


def test_a_file_batch_finds_each_violation(tmp_path: Path) -> None:
    listings = write(
        tmp_path / "l.csv",
        [
            ["A", "S1", "羊绒围巾女冬季", "19900", "apparel", "腈纶:100", "", ""],
            ["B", "S1", "羊绒混纺围巾女冬季", "19900", "apparel", "羊绒:30;羊毛:70", "", ""],
            ["C", "S2", "原木抽纸300抽6包", "3900", "personal_care", "", "100", "抽"],
            ["D", "S2", "全网最低价面霜", "3900", "skincare", "", "", ""],
        ],
    )
    result = CliRunner().invoke(app, ["listings", "check", str(listings), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["findings"]
    assert [(f["sku_id"], f["kind"], f["outcome"]) for f in found] == [
        ("A", "material_claim", "block"),
        ("C", "count_claim", "block"),
        ("D", "absolute_terms", "block"),
    ]


def test_bad_input_names_file_row_and_column(tmp_path: Path) -> None:
    listings = write(
        tmp_path / "bad.csv",
        [
            ["A", "S1", "围巾", "lots", "apparel", "", "", ""],
            ["B", "S1", "", "100", "apparel", "羊绒", "", ""],
            ["C", "S1", "抽纸", "100", "apparel", "", "-3", ""],
        ],
    )
    result = CliRunner().invoke(app, ["listings", "check", str(listings)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "bad.csv:2" in text
    assert "price_fen" in text
    assert "'lots'" in text
    assert "bad.csv:3" in text
    assert "title is empty" in text
    assert "material:share" in text
    assert "bad.csv:4" in text
    assert "net_count" in text
    assert "Traceback" not in result.output


def test_unknown_and_missing_columns_are_reported(tmp_path: Path) -> None:
    listings = write(tmp_path / "cols.csv", [["A", "x"]], header=["sku_id", "colour"])
    result = CliRunner().invoke(app, ["listings", "check", str(listings)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "unknown column 'colour'" in text
    assert "column 'title' is required" in text


def test_prepublish_blocks_with_exit_1_and_lets_an_honest_listing_through(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    add_category(con)  # C1, apparel
    add_shop(con, "S1")
    con.close()
    blocked = CliRunner().invoke(
        app,
        ["listings", "check", "--shop", "S1", "--title", "纯羊绒大衣", "--composition", "羊毛:100",
         "--industry", "apparel", "--db", str(db), "--json"],
    )  # fmt: skip
    assert blocked.exit_code == 1, blocked.output
    assert json.loads(blocked.output)["decision"] == "block"
    honest = CliRunner().invoke(
        app,
        ["listings", "check", "--shop", "S1", "--title", "羊绒混纺大衣", "--composition",
         "羊绒:30;羊毛:70", "--industry", "apparel", "--db", str(db), "--json"],
    )  # fmt: skip
    assert honest.exit_code == 0, honest.output
    assert json.loads(honest.output) == {
        "decision": "publish",
        "findings": [],
        "refusals": [],
        "held": [],
    }


def test_warehouse_check_report_and_evaluation(tmp_path: Path, market: tuple[Path, Path]) -> None:
    _, original = market
    db = tmp_path / "m.duckdb"
    shutil.copy(original, db)
    runner = CliRunner()
    checked = runner.invoke(app, ["listings", "check", "--db", str(db)])
    assert checked.exit_code == 0, checked.output
    assert "written to listing_violations" in checked.output
    report = runner.invoke(app, ["listings", "report", "--db", str(db), "--json"])
    assert report.exit_code == 0, report.output
    body = json.loads(report.output)
    kinds = {row["key"] for row in body["by_kind"]}
    assert {"material_claim", "copied_listing", "unauthorised_brand"} <= kinds
    assert body["clusters"]
    assert len(body["clusters"][0][1]) == 2
    assert body["repeat_offenders"]
    table = runner.invoke(app, ["listings", "report", "--db", str(db)])
    assert "材质虚假" in table.output
    assert "关联店铺团伙" in table.output
    shop = body["by_shop"][0]["key"]
    one = runner.invoke(app, ["listings", "check", "--shop", shop, "--db", str(db), "--json"])
    assert one.exit_code == 0
    assert {f["shop_id"] for f in json.loads(one.output)["findings"]} == {shop}


def test_json_lines_and_an_authorisations_file(tmp_path: Path) -> None:
    lines = tmp_path / "l.jsonl"
    lines.write_text(
        '{"sku_id": "A", "shop_id": "S1", "title": "澜庭修护面霜", "price_fen": 9900}\n'
        '{"sku_id": "B", "shop_id": "S2", "title": "澜庭修护面霜", "price_fen": 9900}\n',
        encoding="utf-8",
    )
    auths = write(
        tmp_path / "a.csv",
        [["S1", "澜庭", "2020-01-01", ""]],
        ["shop_id", "brand", "valid_from", "valid_to"],
    )
    result = CliRunner().invoke(
        app, ["listings", "check", str(lines), "--authorisations", str(auths), "--json"]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["findings"]
    assert [(f["sku_id"], f["kind"]) for f in found] == [("B", "unauthorised_brand")]
    lines.write_text('{"sku_id": "A"\n', encoding="utf-8")
    broken = CliRunner().invoke(app, ["listings", "check", str(lines)])
    assert broken.exit_code == 2
    assert "l.jsonl:1" in broken.output
    assert "not JSON" in broken.output
    lines.write_text(
        '{"sku_id": "A", "shop_id": "S1", "title": "面霜", "price_fen": 9900}\n', encoding="utf-8"
    )
    bad_auth = write(
        tmp_path / "b.csv",
        [["S1", "澜庭", "soon", ""]],
        ["shop_id", "brand", "valid_from", "valid_to"],
    )
    refused = CliRunner().invoke(
        app, ["listings", "check", str(tmp_path / "l.jsonl"), "--authorisations", str(bad_auth)]
    )
    assert refused.exit_code == 2
    assert "b.csv:2" in refused.output
    assert "valid_from" in refused.output
