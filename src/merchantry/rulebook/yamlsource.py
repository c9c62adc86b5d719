"""YAML that remembers where each key was written.

Rulebook diagnostics must name a line. PyYAML's composer knows each node's
start mark; this loader keeps them: mappings load as :class:`LineMap` (a dict
that also records the line of every key) and sequences as :class:`LineList`
(a list that records the line of every item). Scalars load exactly as
``yaml.safe_load`` would (so ``2026-01-01`` is a ``date``).

Two things are refused while the document is composed, before anything is built from it:
aliases (``*name``: a few lines of them can expand into billions of nodes, the "billion
laughs") and nesting deeper than :data:`~merchantry.rulebook.limits.MAX_YAML_DEPTH`
(which would otherwise exhaust the recursion of the composer).

Scanning and parsing, most of the time a large rulebook takes to read, run in libyaml (PyYAML's
C parser) when PyYAML was built with it; composing and constructing stay in Python, so the
refusals and the lines above are the same. A document libyaml cannot read is read again by
the pure-Python parser, whose error messages the diagnostics are written against (a tab says
it is a tab); so is any text with a tab or a character PyYAML refuses as unprintable, where the
two parsers are known to disagree (libyaml accepts a tab after a colon).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from merchantry.rulebook.limits import MAX_YAML_DEPTH


class YamlRefused(yaml.YAMLError):
    """Well-formed YAML that a rulebook may not contain (an alias, too deep a nesting)."""

    def __init__(self, code: str, message: str, line: int, hint: str) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.hint = code, message, line, hint


class LineMap(dict[str, Any]):
    """A YAML mapping with the 1-based line of the mapping and of each key."""

    line: int
    key_lines: dict[str, int]
    value_lines: dict[str, int]
    block_scalars: set[str]
    duplicates: list[tuple[str, int]]

    def line_of(self, key: str) -> int:
        """Line of ``key`` if present, else the mapping's own line."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A YAML sequence with the 1-based line of the sequence and of each item."""

    line: int
    item_lines: list[int]


class _Refusing(Composer):
    """A composer that refuses aliases and deep nesting (mixed into both loaders)."""

    _depth = 0
    check_event: Callable[..., bool]  # from the parser it is mixed with
    peek_event: Callable[[], Any]

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise YamlRefused(
                "yaml-alias",
                f"YAML alias *{event.anchor} is not allowed in a rulebook",
                int(event.start_mark.line) + 1,
                "write the value out in full (aliases can expand a small file into a huge one)",
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlRefused(
                    "too-deep",
                    f"YAML nested more than {MAX_YAML_DEPTH} levels deep",
                    int(mark.line) + 1,
                    "a rulebook needs a handful of levels; flatten the structure",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Loader(_Refusing, yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry their lines, refusing aliases and
    deep nesting (the pure-Python parser)."""


_CParser: Any
try:
    from yaml._yaml import CParser as _CParser  # libyaml's event parser
except ImportError:  # PyYAML built without libyaml
    _CParser = None

if _CParser is not None:

    class _FastLoader(_Refusing, _CParser, SafeConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
        """:class:`_Loader` with libyaml's scanner and parser under the same Python
        composer (listed first, so its ``compose_*`` methods win over libyaml's own)."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _construct_mapping(loader: _Loader, node: MappingNode) -> LineMap:
    result = LineMap()
    result.line = _line(node)
    result.key_lines = {}
    result.value_lines = {}
    result.block_scalars = set()
    result.duplicates = []
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key_text = str(key)
        if key_text in result:
            result.duplicates.append((key_text, _line(key_node)))
        result[key_text] = loader.construct_object(value_node, deep=True)
        result.key_lines[key_text] = _line(key_node)
        result.value_lines[key_text] = _line(value_node)
        if isinstance(value_node, ScalarNode) and value_node.style in ("|", ">"):
            result.block_scalars.add(key_text)
    return result


def _construct_sequence(loader: _Loader, node: SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = _line(node)
    result.item_lines = [_line(child) for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: ScalarNode) -> Any:
    """A date as ``safe_load`` reads it, or the text when it is no real date (2026-13-45),
    so the checker can report it with its line instead of the loader crashing."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return str(node.value)


for _loader in (_Loader, *(() if _CParser is None else (_FastLoader,))):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_located(text: str) -> Any:
    """Parse one YAML document; mappings and sequences remember their lines.

    Raises ``yaml.YAMLError`` (with a mark) on malformed YAML.
    """
    if _CParser is None or "\t" in text or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return _load(text, _Loader)
    try:
        return _load(text, _FastLoader)
    except YamlRefused:
        raise
    except yaml.YAMLError:
        return _load(text, _Loader)  # the pure-Python parser's error, with its wording


def _load(text: str, loader: Any) -> Any:
    """Load with one of the loaders above (both SafeConstructor: no arbitrary objects)."""
    return yaml.load(text, Loader=loader)
