"""What every rulebook family's checker shares: reading the YAML, reporting, loading by name.

The fee/score/ledger/risk rulebooks (:mod:`.parse`) and the families with their own small
checkers (customer service, seeding, programmes, listings) read their files the same way:

* :func:`read_yaml` parses one document with :func:`~.yamlsource.load_located` and turns
  malformed YAML, an alias or too deep a nesting into one :class:`Diagnostic` with its line;
* :class:`Report` collects every problem (never raised one at a time);
  :func:`mapping`, :func:`known_keys` and :func:`text_value` are the checks every
  family makes on a mapping;
* :func:`check_file` reads a file (an unreadable one is a diagnostic) and
  :func:`load_named` finds a rulebook by path or by shipped name in its family's folder
  (:func:`shipped_folder`), refusing an unknown name with the shipped ones listed and a
  rulebook with problems with every problem attached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar

import yaml

from merchantry.kit.errors import Diagnostic, InputError, NotFound
from merchantry.rulebook.yamlsource import LineMap, YamlRefused, load_located

T = TypeVar("T")

BAD_YAML: Final = "bad-yaml"
"""The code of malformed YAML in the family checkers (the main checker says ``yaml-syntax``)."""


@dataclass(frozen=True, slots=True)
class Number:
    """A number of a rulebook with where it comes from (a ``source``, or ``assumption: true``
    with a ``note``) and the line it was written on."""

    value: int
    source: str
    assumption: bool
    note: str
    line: int


Check = Callable[[str, str], tuple[T | None, list[Diagnostic]]]
"""A family's checker: (text, source) -> the checked rulebook or None, and every problem."""


def read_yaml(text: str, source: str, code: str = BAD_YAML) -> tuple[Any, Diagnostic | None]:
    """The document, or the one problem that stops it being read (with its line): malformed
    YAML (a tab says where it is and that YAML indents with spaces), an alias, too deep a
    nesting, or a file with no document at all (empty, or only comments)."""
    if not text.lstrip("\ufeff").strip():
        empty = "empty" if not text else "blank (only white space)"
        return None, Diagnostic(source, 1, code, f"the file is {empty}: it holds no rulebook")
    try:
        document = load_located(text)
    except YamlRefused as refused:
        return None, Diagnostic(source, refused.line, refused.code, refused.message, refused.hint)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        problem = str(getattr(err, "problem", None) or err)
        if mark is not None and "'\\t'" in problem:
            return None, Diagnostic(
                source,
                line,
                code,
                f"not valid YAML: a tab at line {line}, column {mark.column + 1}",
                "YAML indents and separates with spaces, never tabs: replace the tab with spaces",
            )
        where = "" if mark is None else f" (line {line}, column {mark.column + 1})"
        return None, Diagnostic(source, line, code, f"not valid YAML: {problem}{where}")
    if document is None:
        return None, Diagnostic(
            source, 1, code, "the file holds only comments: it holds no rulebook"
        )
    return document, None


_BYTE_ORDER_MARKS: Final = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def decode_utf8(raw: bytes, name: str) -> tuple[str | None, str]:
    """A rulebook file's text, or why it is not UTF-8 text: the encoding its byte-order mark
    names, or the first bad byte with its line and column (a file saved as GBK, say)."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            return (
                None,
                f"{name} is {encoding} text (its byte-order mark says so); save it as UTF-8",
            )
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError as err:
        before = raw[: err.start]
        line = before.count(b"\n") + 1
        column = err.start - (before.rfind(b"\n") + 1) + 1
        return None, (
            f"{name} is not UTF-8 text: byte 0x{raw[err.start]:02x} at line {line}, column "
            f"{column} ({err.reason}); save the file as UTF-8 (a file saved as GBK or GB18030 "
            "reads like this)"
        )


class Report:
    """Every problem found in one rulebook, in the order found."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[Diagnostic] = []

    def error(
        self, line: int | None, code: str, message: str, hint: str = "", where: str = ""
    ) -> None:
        self.found.append(Diagnostic(self.source, line, code, message, hint, where or None))

    def add(self, problem: Diagnostic) -> None:
        self.found.append(problem)


def mapping(node: Any, where: str, line: int, rep: Report) -> LineMap | None:
    """``node`` when it is a mapping (its keys written twice reported); else a problem."""
    if isinstance(node, LineMap):
        for key, at in node.duplicates:
            rep.error(at, "duplicate-key", f"{where}: key {key!r} is written twice", where=where)
        return node
    rep.error(line, "not-a-mapping", f"{where} must be a mapping of keys to values", where=where)
    return None


def known_keys(
    node: LineMap, required: Sequence[str], optional: Sequence[str], where: str, rep: Report
) -> None:
    """Every required key present, and no key the family does not know (listing the known)."""
    for key in required:
        if key not in node:
            rep.error(node.line, "missing-key", f"{where}: {key!r} is missing", where=where)
    for key in node:
        if key not in required and key not in optional:
            rep.error(
                node.line_of(key),
                "unknown-key",
                f"{where}: unknown key {key!r}",
                "known keys: " + ", ".join((*required, *optional)),
                where=f"{where}.{key}",
            )


def text_value(node: LineMap, key: str, where: str, rep: Report) -> str:
    """``node[key]`` as non-empty text; ``""`` (reported when the key is there) otherwise."""
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        if key in node:
            rep.error(
                node.line_of(key), "not-text", f"{where}.{key} must be non-empty text", where=where
            )
        return ""
    return value


def check_file(path: Path, check: Check[T]) -> tuple[T | None, list[Diagnostic]]:
    """Read ``path`` (UTF-8) and check it; a file that cannot be read is one problem."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, [
            Diagnostic(str(path), None, "unreadable", f"cannot read {path}: {err.strerror or err}")
        ]
    text, problem = decode_utf8(raw, path.name)
    if text is None:
        return None, [Diagnostic(str(path), None, "unreadable", problem)]
    return check(text, str(path))


def shipped_folder(family: str) -> Path:
    """The folder of a family's shipped rulebooks (``rulebooks/<family>/``)."""
    return Path(str(resources.files("merchantry") / "rulebooks" / family))


def shipped_names(folder: Path) -> tuple[str, ...]:
    """The rulebooks in a folder, by name, sorted."""
    return tuple(sorted(p.stem for p in folder.glob("*.yaml")))


def load_named(name_or_path: str, folder: Path, what: str, check: Check[T]) -> T:
    """A rulebook by file path, or by name in ``folder``; an unknown name is refused with the
    shipped names, a rulebook with problems with every problem."""
    path = Path(name_or_path)
    if not path.is_file():
        path = folder / f"{name_or_path}.yaml"
    if not path.is_file():
        shipped = ", ".join(shipped_names(folder))
        raise NotFound(f"no {what} {name_or_path!r}; shipped: {shipped}")
    checked, problems = check_file(path, check)
    if checked is None:
        raise InputError(f"{what} {path} has {len(problems)} problem(s)", problems)
    return checked
