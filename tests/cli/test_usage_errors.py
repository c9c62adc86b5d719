"""Every unknown option and misspelled command, anywhere in the command tree, is answered
with the close spellings and what the command or group offers: walked over the whole tree
of the real `merchantry` app, so a new command is covered the day it is added."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.cli.options import option_names

ROOT: Any = typer.main.get_command(app)


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield from _walk(sub, (*path, name))


TREE = list(_walk(ROOT, ()))
GROUPS = [(path, c) for path, c in TREE if hasattr(c, "commands")]
COMMANDS = [(path, c) for path, c in TREE if not hasattr(c, "commands")]


def _ids(items: list[tuple[tuple[str, ...], Any]]) -> list[str]:
    return [" ".join(path) or "merchantry" for path, _ in items]


def usage_error(*args: str) -> str:
    """The message of the usage error the real command tree raises for ``args`` (parsed as
    `merchantry` parses them; the printed form is checked once below)."""
    with pytest.raises(typer.TyperException) as caught:
        ROOT.main(list(args), prog_name="merchantry", standalone_mode=False)
    assert getattr(caught.value, "exit_code", None) == 2
    return str(caught.value.format_message())


def _options(path: tuple[str, ...], command: Any) -> list[str]:
    ctx = command.make_context(" ".join(("merchantry", *path)), ["--help"], resilient_parsing=True)
    return option_names(command, ctx)


def test_the_tree_is_walked_whole():
    """The walk reaches nested groups and the commands inside them (not only the root's)."""
    paths = {" ".join(p) for p, _ in TREE}
    assert {"programs status", "risk cases list", "rulebook check", "fees"} <= paths
    assert len(COMMANDS) > 40


@pytest.mark.parametrize(("path", "command"), COMMANDS + GROUPS, ids=_ids(COMMANDS + GROUPS))
def test_an_unknown_option_lists_every_option_of_that_command(path: tuple[str, ...], command: Any):
    text = usage_error(*path, "--zqxjvw")
    where = " ".join(("merchantry", *path))
    assert f"No such option --zqxjvw for `{where}`" in text, text
    listed = text.split("Its options: ", 1)[1]
    for option in _options(path, command):
        assert option in listed, (option, text)
    assert "Did you mean" not in text, text  # nothing is close to it


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=_ids(COMMANDS))
def test_a_misspelled_option_is_answered_with_the_right_spelling(
    path: tuple[str, ...], command: Any
):
    """Drop one letter of the command's longest option: the message names the real one."""
    options = [o for o in _options(path, command) if o != "--help"]
    if not options:
        pytest.skip(f"{' '.join(path)} has no options but --help")
    option = max(options, key=len)
    typo = option[:-2] + option[-1]
    assert typo not in options
    text = usage_error(*path, typo)
    assert f"No such option {typo}" in text, text
    assert "Did you mean" in text, text
    assert option in text.split("Did you mean", 1)[1], text


@pytest.mark.parametrize(("path", "group"), GROUPS, ids=_ids(GROUPS))
def test_an_unknown_command_lists_the_commands_of_that_group(path: tuple[str, ...], group: Any):
    names = sorted(n for n, c in group.commands.items() if not c.hidden)
    first = names[0]
    for given, suggested in ((first + "x", True), ("zzzqqq", False)):
        text = usage_error(*path, given)
        assert f"No such command '{given}'" in text, text
        assert ("Did you mean" in text) is suggested, text
        assert text.rstrip(".").endswith(", ".join(names)), text


def test_the_command_line_prints_the_explanation_and_exits_2():
    """Through the app as `merchantry` runs it: one message with the options, no traceback."""
    result = CliRunner().invoke(app, ["programs", "status", "--from", "x"], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(line.strip(" │╭╮╰╯─") for line in result.output.splitlines())
    assert "No such option --from for `merchantry programs status`" in text, text
    assert "Its options: --shop, --db, --help" in text, text


def test_an_option_given_the_right_way_is_still_accepted():
    """The explanation is for mistakes only: `--help` of a nested command still works."""
    result = CliRunner().invoke(app, ["programs", "status", "--help"])
    assert result.exit_code == 0, result.output
    assert "--shop" in result.output


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=_ids(COMMANDS))
def test_a_date_option_shows_the_form_to_type_not_a_strptime_pattern(
    path: tuple[str, ...], command: Any
):
    """``--from <%Y-%m-%d>`` asked the reader to know Python's strptime: every command's help,
    as printed, names what to type for a day or a moment (``YYYY-MM-DD``) wherever it asks
    for one."""
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"}, color=False)
    assert shown.exit_code == 0, shown.output
    for pattern in ("%Y", "%H", "<datetime>"):
        assert pattern not in shown.output, shown.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["generate", "--shops", "abc"],
            "Invalid value for '--shops': 'abc' is not a whole number",
        ),
        (["generate", "--shops", "0"], "Invalid value for '--shops': 0 is less than 1, the least"),
        (
            ["withdraw", "--shop", "S1", "--on", "2026-03-01", "--amount-fen", "12.50"],
            "'12.50' is not a whole number (amounts are whole fen)",
        ),
        (["close", "--from", "31/03/2026", "--to", "2026-03-31"], "'31/03/2026' is not a date"),
        (["close", "--from", "2026-02-30", "--to", "2026-03-31"], "written YYYY-MM-DD"),
        (["risk", "integrity", "--as-of", "noon"], "'noon' is not a date written YYYY-MM-DD["),
        (["risk", "cases", "list", "--sort", "newest"], "'newest' is not one of 'risk',"),
    ],
)
def test_a_refused_value_is_named_and_the_refusal_is_in_words(args: list[str], said: str):
    """Typer checks values with pydantic, whose words (``Value error, …``, ``Input should be a
    valid integer, unable to parse string as an integer``, a strptime pattern) name neither
    the value nor what to type; every refusal says both."""
    text = " ".join(usage_error(*args).split())
    assert said in text
    for words in ("Input should", "Value error", "%Y", "unable to parse"):
        assert words not in text


@pytest.mark.parametrize(
    ("args", "meant"),
    [
        (["generate", "out"], "`--out out`"),
        (["close", "2026-03-01", "2026-03-31"], "`--from 2026-03-01 --to 2026-03-31`"),
        (["close", "--from", "2026-03-01", "2026-03-31"], "`--to 2026-03-31`"),
        (["deposit", "S0001", "--at", "2026-03-01"], "`--shop S0001`"),
    ],
)
def test_bare_words_given_for_required_options_are_paired_with_them(
    args: list[str], meant: str
) -> None:
    said = usage_error(*args)
    assert said.startswith("Missing option")  # what was missing is still said first
    assert "takes options, not bare words" in said
    assert f"Did you mean {meant}?" in said


def test_a_missing_option_with_no_bare_word_says_only_what_is_missing() -> None:
    assert usage_error("generate", "--shops", "5") == "Missing option '--out'."
