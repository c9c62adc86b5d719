"""What ingest tells a user about rows and files it did not take: the reason for each
quarantined row in an ingest that succeeds, a header split by another separator, a workbook
or another file type named after a table."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from merchantry.ingest import ingest_dir
from merchantry.ingest.pipeline import QUARANTINE_FILES_SHOWN
from merchantry.kit.errors import InputError
from merchantry.store.warehouse import connect
from tests.ingest.dataset import valid_dataset, write_csv, write_dataset_csv
from tests.ingest.hostile import run_cli


def test_a_quarantined_row_is_named_with_its_reason_though_the_ingest_succeeds(
    tmp_path: Path,
) -> None:
    """One order's money written with a thousands separator: the ingest succeeds (one bad row
    of four is under the share), and it says which file, how many rows, the reason, the row,
    the column and the value, and where every quarantined row is kept; the command prints it."""
    data = valid_dataset()
    data["orders"][1]["goods_fen"] = "3,090"
    directory = write_dataset_csv(tmp_path / "in", data)
    con = connect(tmp_path / "w.duckdb")
    try:
        report = ingest_dir(con, directory, progress=False, max_bad_share=0.5)
        [(ingest_id,)] = con.execute("SELECT DISTINCT ingest_id FROM quarantine").fetchall()
    finally:
        con.close()
    [said] = [w for w in report.warnings if "rows for orders quarantined" in w]
    first, reason, kept = said.split("\n")
    assert first == f"{directory / 'orders.csv'}: 1 of 4 rows for orders quarantined"
    assert reason.strip() == (
        "1 row(s) bad_integer, first row 2 column goods_fen: "
        "goods_fen '3,090' is not a whole number of fen"
    )
    assert f"quarantine table (ingest_id '{ingest_id}')" in kept
    assert "--quarantine-file writes them to CSV" in kept
    # the order's parcel events wait for it: their own warning, not counted as faulty rows
    assert [w for w in report.warnings if "rows wait for a missing parent" in w]
    assert not [w for w in report.warnings if "logistics_events.csv:" in w]

    code, output = run_cli(
        ["ingest", str(directory), "--db", str(tmp_path / "cli.duckdb"), "--no-progress"]
    )
    assert code == 0, output
    assert "bad_integer" in output
    assert "'3,090'" in output


def test_rows_that_only_wait_for_a_parent_get_no_warning_of_faults(tmp_path: Path) -> None:
    data = valid_dataset()
    data["orders"] = data["orders"][1:]  # its events now wait for it
    directory = write_dataset_csv(tmp_path / "in", data)
    con = connect(tmp_path / "w.duckdb")
    try:
        report = ingest_dir(con, directory, progress=False)
    finally:
        con.close()
    assert report.quarantined > 0
    assert [w for w in report.warnings if "rows wait for a missing parent" in w]
    assert not [w for w in report.warnings if "quarantined" in w.split("\n")[0]]


def test_the_files_named_are_capped_and_the_rest_counted(tmp_path: Path) -> None:
    """More files with bad rows than are named one by one: the rest in one line, with their
    rows; the pointer to the quarantine table closes the last warning."""
    data = valid_dataset()
    directory = write_dataset_csv(tmp_path / "in", data)
    files = QUARANTINE_FILES_SHOWN + 3
    template = dict(data["categories"][0])
    for n in range(files):
        bad = {**template, "category_id": f"x{n}", "after_sales_days": "seven"}
        good = {**template, "category_id": f"y{n}"}
        write_csv(directory / f"categories-{n:05d}.csv", "categories", [good, bad])
    con = connect(tmp_path / "w.duckdb")
    try:
        report = ingest_dir(con, directory, progress=False, max_bad_share=0.5)
    finally:
        con.close()
    named = [w for w in report.warnings if "rows for categories quarantined" in w]
    assert len(named) == QUARANTINE_FILES_SHOWN
    assert all("after_sales_days" in w for w in named)
    assert report.warnings[-1].startswith("3 more files with quarantined rows (3 rows)")
    assert "quarantine table" in report.warnings[-1]


@pytest.mark.parametrize(
    ("line", "said"), [('"category_id";"name"', "';'"), ('"category_id"\t"name"', "a tab")]
)
def test_a_quoted_header_split_by_another_separator_says_which(
    tmp_path: Path, line: str, said: str
) -> None:
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "categories.csv").write_text(f'{line}\n"c1";"x"\n', encoding="utf-8")
    con = connect(tmp_path / "w.duckdb")
    try:
        with pytest.raises(InputError) as raised:
            ingest_dir(con, directory, progress=False)
    finally:
        con.close()
    text = str(raised.value)
    assert "cannot read the header of" in text
    assert f"its names are separated by {said}; CSV files must use commas" in text


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("reviews.xlsx", "names the table reviews, but a .xlsx file (an Excel workbook)"),
        ("orders-00002.tsv", "names the table orders, but a .tsv file is not read"),
        ("Reviews", "names the table reviews, but a file without an extension"),
        ("notes.txt", "file name names no table"),
    ],
)
def test_a_file_of_another_type_named_after_a_table_says_what_to_save(
    tmp_path: Path, name: str, said: str
) -> None:
    directory = write_dataset_csv(tmp_path / "in", valid_dataset())
    (directory / name).write_bytes(b"PK\x03\x04 not a table file")
    con = connect(tmp_path / "w.duckdb")
    try:
        report = ingest_dir(con, directory, progress=False)
    finally:
        con.close()
    [unknown] = report.unknown
    assert said in unknown.reason
    if "names the table" in said:
        stem = name.split(".")[0]
        assert f"save it as {stem}.csv (UTF-8, comma-separated)" in unknown.reason


@pytest.mark.parametrize(
    ("name", "unpack"),
    [
        ("export.zip", "unzip {d}/export.zip -d {d}/export"),
        ("orders-2026-03.tar.gz", "tar -xzf {d}/orders-2026-03.tar.gz -C {d}/orders-2026-03"),
        ("dump.7z", "7z x {d}/dump.7z -o{d}/dump"),
    ],
)
def test_an_input_of_archives_only_is_refused_before_a_warehouse_is_made(
    tmp_path: Path, name: str, unpack: str
) -> None:
    """An export that came as an archive: before, "unknown file … names no table", "nothing
    to ingest", an empty warehouse made and exit 0."""
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / name).write_bytes(b"PK\x03\x04 an archive")
    db = tmp_path / "w.duckdb"
    for given in (directory, directory / name):  # the folder, or the archive itself
        code, output = run_cli(["ingest", str(given), "--db", str(db), "--no-progress"])
        assert code == 2, output
        assert "nothing to ingest" in output
        assert f"{name}: an archive (" in output
        assert unpack.format(d=directory) in output
        assert "Traceback" not in output
        assert not db.exists()


def test_a_folder_of_only_unread_entries_names_each_and_an_empty_folder_is_still_fine(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "in"
    (directory / "sub").mkdir(parents=True)
    (directory / "orders.xlsx").write_bytes(b"PK\x03\x04")
    (directory / "README.md").write_text("notes", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    code, output = run_cli(["ingest", str(directory), "--db", str(db), "--no-progress"])
    assert code == 2, output
    for said in (
        "README.md: file name names no table",
        "orders.xlsx: names the table orders, but a .xlsx file (an Excel workbook)",
        "sub: a folder: ingest reads the files of one folder",
    ):
        assert said in " ".join(output.split()), output
    assert not db.exists()

    empty = tmp_path / "today"  # no new files today: not a mistake
    empty.mkdir()
    code, output = run_cli(["ingest", str(empty), "--db", str(db), "--no-progress"])
    assert code == 0, output
    assert "nothing to ingest" in output

    beside = write_dataset_csv(tmp_path / "both", valid_dataset())  # an archive beside files
    (beside / "export.zip").write_bytes(b"PK\x03\x04")
    code, output = run_cli(["ingest", str(beside), "--db", str(db), "--no-progress"])
    assert code == 0, output
    assert "export.zip:anarchive(.zip)" in "".join(output.split())  # however it wraps


def test_a_zip_of_the_olist_csvs_is_answered_with_the_folder_and_the_format(
    tmp_path: Path,
) -> None:
    """Kaggle hands the Olist dataset out as one zip, often with the CSVs under a folder."""
    archive = tmp_path / "brazilian-ecommerce.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in ("olist_orders_dataset.csv", "olist_sellers_dataset.csv"):
            z.writestr(f"data/{name}", "a,b\n1,2\n")
    db = tmp_path / "w.duckdb"
    for args in (["--format", "olist", str(archive)], [str(archive)]):
        code, output = run_cli(["ingest", *args, "--db", str(db), "--no-progress"])
        flat = "".join(output.split())
        assert code == 2, output
        assert f"unzip{archive}-d{tmp_path / 'brazilian-ecommerce'}" in flat
        assert f"merchantryingest--formatolist{tmp_path / 'brazilian-ecommerce' / 'data'}" in flat
        assert not db.exists()

    tables = tmp_path / "export.zip"  # a zip of table files: plain ingest of where they land
    with zipfile.ZipFile(tables, "w") as z:
        z.writestr("orders.csv", "order_id\n")
        z.writestr("shops.csv", "shop_id\n")
    code, output = run_cli(["ingest", str(tables), "--db", str(db), "--no-progress"])
    flat = "".join(output.split())
    assert code == 2, output
    assert f"(`merchantryingest{tmp_path / 'export'}`)" in flat
