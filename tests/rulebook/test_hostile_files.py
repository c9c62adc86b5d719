"""Rulebook files as a new user's editor may save them: tabs, the wrong encoding, an empty
file, only comments, a Windows line ending and byte-order mark. `rulebook check` and every
command loading a rulebook say what is wrong with the file and where (line, column), never a
traceback, never a rulebook that silently means nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app

GOOD = """rulebook: mine
title: A rulebook of my own
platform: douyin
effective: {from: 2026-01-01}
extends: douyin-2026
rules:
  - id: my.rate
    title: A flat rate for cross-border shops
    priority: 10
    when: shop.business_mode = 'cross_border'
    effect: {kind: base_rate, rate_bp: 500}
    source: docs/sources.md#dy-tsf-table
"""


def _check(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["rulebook", "check", str(path)], env={"COLUMNS": "300"})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


Write = Callable[[Path], None]
CASES: list[tuple[str, Write, tuple[str, ...]]] = [
    (
        "tab-indent",
        lambda p: p.write_text(GOOD.replace("    title: A flat", "\ttitle: A flat")),
        ("mine.yaml:8", "a tab at line 8, column 1", "never tabs"),
    ),
    (
        "tab-after-colon",
        lambda p: p.write_text(GOOD.replace("title: A rulebook", "title:\tA rulebook")),
        ("mine.yaml:2", "a tab at line 2, column 7"),
    ),
    ("zero-bytes", lambda p: p.write_bytes(b""), ("mine.yaml:1", "the file is empty")),
    ("only-comments", lambda p: p.write_text("# to do\n"), ("only comments",)),
    (
        "saved-as-gbk",
        lambda p: p.write_bytes(GOOD.replace("A flat rate", "统一费率").encode("gbk")),
        ("is not UTF-8 text", "at line 8, column", "save the file as UTF-8"),
    ),
    (
        "saved-as-utf16",
        lambda p: p.write_bytes(GOOD.encode("utf-16")),
        ("is UTF-16 text", "save it as UTF-8"),
    ),
]


@pytest.mark.parametrize(("name", "write", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_damaged_rulebook_file_is_named_with_line_and_reason(
    tmp_path: Path, name: str, write: Write, words: tuple[str, ...]
) -> None:
    path = tmp_path / "mine.yaml"
    write(path)
    code, text = _check(path)
    assert code == 1, text
    for word in words:
        assert word in text, (name, text)


def test_windows_line_endings_and_a_byte_order_mark_are_read_as_the_same_rulebook(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    code, text = _check(path)
    assert code == 0, text


def test_a_damaged_rulebook_in_a_folder_is_refused_by_the_command_that_loads_it(
    tmp_path: Path,
) -> None:
    """Not only `rulebook check`: a command loading it by name says the same, with the line."""
    (tmp_path / "mine.yaml").write_text(GOOD.replace("    priority: 10", "\tpriority: 10"))
    result = CliRunner().invoke(
        app, ["rulebook", "explain", "mine", "--rulebook-dir", str(tmp_path)]
    )
    text = " ".join(result.output.split())
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    assert "mine.yaml:9" in text, text
    assert "a tab at line 9, column 1" in text, text
