"""One YAML loader for every rulebook family: the same problems, the same way of loading."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from merchantry.cs.rules import load_rules as load_cs
from merchantry.cs.rules import parse_rules as parse_cs
from merchantry.kit.errors import Diagnostic, InputError, NotFound
from merchantry.listings.rulebook import check_listing_rulebook
from merchantry.programs.rulebook import load_programme, parse_programme
from merchantry.rulebook.parse import parse_file
from merchantry.rulebook.yamlcheck import (
    Report,
    known_keys,
    load_named,
    mapping,
    read_yaml,
    shipped_folder,
    shipped_names,
)
from merchantry.seeding.rules import load_rules as load_seeding
from merchantry.seeding.rules import parse_rules as parse_seeding

Parse = Callable[[str, str], tuple[Any, list[Diagnostic]]]

FAMILIES: dict[str, Parse] = {
    "cs": parse_cs,
    "seeding": parse_seeding,
    "programs": parse_programme,
    "listings": check_listing_rulebook,
}

ALIAS_BOMB = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
BROKEN = "name: x\n  title: [unclosed\n"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_refuses_broken_yaml_with_its_line(family: str) -> None:
    book, problems = FAMILIES[family](BROKEN, "broken.yaml")
    assert book is None
    assert [(p.code, p.source) for p in problems] == [("bad-yaml", "broken.yaml")]
    assert problems[0].line == 2
    assert problems[0].message.startswith("not valid YAML: ")


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_refuses_aliases_before_expanding_them(family: str) -> None:
    book, problems = FAMILIES[family](ALIAS_BOMB, "bomb.yaml")
    assert book is None
    assert len(problems) == 1
    assert problems[0].line == 2


def test_the_main_checker_reads_yaml_through_the_same_loader(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    book, problems = parse_file(path)
    assert book is None
    assert [(p.code, p.line) for p in problems] == [("yaml-syntax", 2)]


def test_mapping_and_keys_report_every_problem() -> None:
    doc, problem = read_yaml("a: 1\nb: 2\na: 3\nzz: 4\n", "t.yaml")
    assert problem is None
    rep = Report("t.yaml")
    root = mapping(doc, "the rulebook", 1, rep)
    assert root is not None
    known_keys(root, ("a", "c"), ("b",), "rulebook", rep)
    assert [(d.code, d.line) for d in rep.found] == [
        ("duplicate-key", 3),
        ("missing-key", 1),
        ("unknown-key", 4),
    ]
    assert mapping([1], "rules", 7, rep) is None
    assert rep.found[-1].code == "not-a-mapping"


@pytest.mark.parametrize(
    ("load", "family"),
    [(load_cs, "cs"), (load_seeding, "seeding"), (load_programme, "programs")],
)
def test_unknown_names_list_the_shipped_ones(load: Callable[[str], Any], family: str) -> None:
    shipped = shipped_names(shipped_folder(family))
    assert shipped
    with pytest.raises(NotFound, match="no-such-book") as refused:
        load("no-such-book")
    assert all(name in str(refused.value) for name in shipped)
    assert load(shipped[0]) is not None


def test_a_file_with_problems_is_refused_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(InputError, match="has 1 problem") as refused:
        load_named(str(path), tmp_path, "seeding rulebook", parse_seeding)
    assert [d.code for d in refused.value.diagnostics] == ["bad-yaml"]
