"""DuckDB's regular expressions (RE2) written for Spark (Java) with the same matches.

RE2 and ``java.util.regex`` agree on most syntax and differ quietly on some:

* ``$`` is the end of the text on RE2; on Java it also matches before a final line
  break (``'ab\\n'`` matches ``b$`` there);
* ``.`` excludes only ``\\n`` on RE2; Java also excludes ``\\r``, U+0085, U+2028, U+2029;
* ``\\s`` is ``[\\t\\n\\f\\r ]`` on RE2; Java adds the vertical tab;
* ``\\p{Cf}`` and the other Unicode classes follow each library's Unicode version
  (Java 17 knows Unicode 13; DuckDB's RE2 a later one: U+0890 is ``Cf`` on one only);
* ``\\b``, flags such as ``(?i)``, POSIX classes and back-references have other rules or
  other case tables on each side.

:func:`java_pattern` reads a pattern in the subset below and writes it in a form both
libraries read alike: every character class as its explicit code point ranges (a
Unicode class expanded to the code points DuckDB's RE2 gives it, asked of DuckDB
itself), every literal that is not a letter or digit as ``\\x{…}``, ``$`` as ``\\z``
and ``.`` as ``[^\\n]``. Anything outside the subset raises :class:`UnsupportedRegex`
naming the construct.

The subset: literals; escaped punctuation; ``\\n \\t \\r \\f \\v``, ``\\xHH``,
``\\x{H…}``; ``\\d \\s \\w`` (and ``\\D \\S \\W``); ``\\p{Name}``, ``\\P{Name}``, ``\\pL``;
classes ``[…]`` / ``[^…]`` of those, with ranges; ``.``; groups ``(…)`` and ``(?:…)``;
``|``; ``* + ?`` and ``{n}``, ``{n,}``, ``{n,m}`` (greedy, or lazy with ``?``); ``^``,
``$``, ``\\A``, ``\\z``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import duckdb

from merchantry.kit.errors import MerchantryError

MAX_CODE_POINT: Final = 0x10FFFF
SURROGATES: Final = (0xD800, 0xDFFF)

Ranges = tuple[tuple[int, int], ...]


class UnsupportedRegex(MerchantryError):
    """A pattern outside the subset both engines read alike."""

    def __init__(self, pattern: str, construct: str) -> None:
        self.pattern = pattern
        self.construct = construct
        super().__init__(f"{construct} in regular expression {pattern!r}")


_SIMPLE_ESCAPES: Final = {"n": 0x0A, "t": 0x09, "r": 0x0D, "f": 0x0C, "v": 0x0B}
_SPACE: Final[Ranges] = ((0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20))
_DIGIT: Final[Ranges] = ((0x30, 0x39),)
_WORD: Final[Ranges] = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_PERL: Final = {"s": _SPACE, "d": _DIGIT, "w": _WORD}
_REFUSED_ESCAPES: Final = {
    "b": "\\b (a word boundary: Java's and RE2's word characters differ)",
    "B": "\\B (a word boundary: Java's and RE2's word characters differ)",
    "Q": "\\Q…\\E quoting",
    "C": "\\C (one byte)",
    "Z": "\\Z",
}


def _merge(ranges: list[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def _complement(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    at = 0
    for low, high in ranges:
        if low > at:
            out.append((at, low - 1))
        at = max(at, high + 1)
    if at <= MAX_CODE_POINT:
        out.append((at, MAX_CODE_POINT))
    return tuple(out)


@lru_cache(maxsize=64)
def unicode_class(name: str) -> Ranges:
    """The code points DuckDB's RE2 puts in ``\\p{name}`` (surrogates excluded: text
    holds none), as ranges; :class:`UnsupportedRegex` for a name DuckDB refuses."""
    if not name.replace("_", "").isalnum():
        raise UnsupportedRegex(f"\\p{{{name}}}", f"\\p{{{name}}}: not a Unicode class name")
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT i FROM range(0, ?) AS t(i) WHERE (i < ? OR i > ?) "
            "AND regexp_matches(chr(CAST(i AS INTEGER)), ?) ORDER BY i",
            [MAX_CODE_POINT + 1, SURROGATES[0], SURROGATES[1], f"\\p{{{name}}}"],
        ).fetchall()
    except duckdb.Error:
        raise UnsupportedRegex(f"\\p{{{name}}}", f"\\p{{{name}}}: unknown to RE2") from None
    finally:
        con.close()
    return _merge([(int(r[0]), int(r[0])) for r in rows])


def _hex(code: int) -> str:
    return f"\\x{{{code:X}}}"


def _literal(code: int) -> str:
    char = chr(code)
    return char if char.isascii() and char.isalnum() else _hex(code)


def _class_text(ranges: Ranges, pattern: str) -> str:
    if not ranges:
        raise UnsupportedRegex(pattern, "a class that matches nothing")
    parts = [_hex(lo) if lo == hi else f"{_hex(lo)}-{_hex(hi)}" for lo, hi in ranges]
    return "[" + "".join(parts) + "]"


class _Reader:
    """One pass over an RE2 pattern, writing the Java form as it goes."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.at = 0
        self.out: list[str] = []
        self.depth = 0

    def refuse(self, construct: str) -> UnsupportedRegex:
        return UnsupportedRegex(self.pattern, construct)

    def peek(self) -> str:
        return self.pattern[self.at] if self.at < len(self.pattern) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise self.refuse("a pattern that ends inside a construct")
        self.at += 1
        return char

    def hex_escape(self) -> int:
        """After ``\\x``: ``HH`` or ``{H…}``."""
        if self.peek() == "{":
            end = self.pattern.find("}", self.at)
            if end < 0:
                raise self.refuse("\\x{ without its }")
            digits = self.pattern[self.at + 1 : end]
            self.at = end + 1
        else:
            digits = self.pattern[self.at : self.at + 2]
            self.at += 2
        try:
            code = int(digits, 16)
        except ValueError:
            raise self.refuse(f"\\x{digits}: not hexadecimal") from None
        if code > MAX_CODE_POINT or SURROGATES[0] <= code <= SURROGATES[1]:
            raise self.refuse(f"\\x{{{digits}}}: not a character")
        return code

    def property(self, negated: bool) -> Ranges:
        """After ``\\p`` / ``\\P``: ``{Name}`` or one letter."""
        if self.peek() == "{":
            end = self.pattern.find("}", self.at)
            if end < 0:
                raise self.refuse("\\p{ without its }")
            name = self.pattern[self.at + 1 : end]
            self.at = end + 1
        else:
            name = self.take()
        if name.startswith("^"):
            name, negated = name[1:], not negated
        try:
            found = unicode_class(name)
        except UnsupportedRegex as err:
            raise self.refuse(err.construct) from None
        return _complement(found) if negated else found

    def escape(self, in_class: bool) -> Ranges | str:
        """After ``\\``: a set of code points, or (outside a class) an anchor's Java text."""
        char = self.take()
        if char in _SIMPLE_ESCAPES:
            code = _SIMPLE_ESCAPES[char]
            return ((code, code),)
        if char == "x":
            code = self.hex_escape()
            return ((code, code),)
        if char.lower() in _PERL:
            ranges = _PERL[char.lower()]
            return _complement(ranges) if char.isupper() else ranges
        if char in "pP":
            return self.property(negated=char == "P")
        if not in_class and char in "Az":
            return "\\" + char
        if char in _REFUSED_ESCAPES:
            raise self.refuse(_REFUSED_ESCAPES[char])
        if char.isascii() and not char.isalnum():
            return ((ord(char), ord(char)),)
        raise self.refuse(f"\\{char}")

    def char_class(self) -> Ranges:
        """After ``[``: the class's code points (negation applied)."""
        negated = self.peek() == "^"
        if negated:
            self.at += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            char = self.take()
            if char == "]" and not first:
                break
            first = False
            if char == "[" and self.peek() == ":":
                raise self.refuse("a POSIX class [:…:]")
            if char == "\\":
                found = self.escape(in_class=True)
                assert not isinstance(found, str)
                members = list(found)
            else:
                members = [(ord(char), ord(char))]
            if self.peek() == "-" and self.pattern[self.at + 1 : self.at + 2] not in ("]", ""):
                if len(members) != 1 or members[0][0] != members[0][1]:
                    raise self.refuse("a range from a class")
                self.at += 1
                end_char = self.take()
                if end_char == "\\":
                    found = self.escape(in_class=True)
                    if isinstance(found, str) or len(found) != 1 or found[0][0] != found[0][1]:
                        raise self.refuse("a range to a class")
                    end = found[0][0]
                else:
                    end = ord(end_char)
                if end < members[0][0]:
                    raise self.refuse("a range that runs backwards")
                members = [(members[0][0], end)]
            ranges += members
        merged = _merge(ranges)
        return _complement(merged) if negated else merged

    def quantifier(self) -> None:
        """A quantifier after an atom, if any (with RE2's lazy ``?``)."""
        char = self.peek()
        if char in ("*", "+", "?"):
            self.out.append(self.take())
        elif char == "{":
            end = self.pattern.find("}", self.at)
            body = self.pattern[self.at + 1 : end] if end > 0 else ""
            low, _, high = body.partition(",")
            if not low.isdigit() or (high and not high.isdigit()):
                raise self.refuse("'{' that is not a repetition {n}, {n,} or {n,m}")
            self.at = end + 1
            self.out.append("{" + body + "}")
        else:
            return
        if self.peek() == "?":
            self.out.append(self.take())
        if self.peek() in ("*", "+", "?", "{"):
            raise self.refuse("a repeated repetition")

    def read(self) -> str:
        while self.at < len(self.pattern):
            char = self.take()
            if char == "(":
                if self.peek() == "?":
                    if self.pattern[self.at : self.at + 2] != "?:":
                        raise self.refuse("a group with flags or a name (?…)")
                    self.at += 2
                    self.out.append("(?:")
                else:
                    self.out.append("(")
                self.depth += 1
                continue
            if char == ")":
                if not self.depth:
                    raise self.refuse("an unmatched )")
                self.depth -= 1
                self.out.append(")")
                self.quantifier()
                continue
            if char == "|":
                self.out.append("|")
                continue
            if char == "^":
                self.out.append("^")
                continue
            if char == "$":
                self.out.append("\\z")
                continue
            if char in ("*", "+", "?", "{"):
                raise self.refuse(f"a repetition {char!r} with nothing to repeat")
            if char == "[":
                self.out.append(_class_text(self.char_class(), self.pattern))
            elif char == ".":
                self.out.append(_class_text(_complement(((0x0A, 0x0A),)), self.pattern))
            elif char == "\\":
                found = self.escape(in_class=False)
                if isinstance(found, str):
                    self.out.append(found)
                    continue
                single = len(found) == 1 and found[0][0] == found[0][1]
                self.out.append(
                    _literal(found[0][0]) if single else _class_text(found, self.pattern)
                )
            elif char == "]":
                self.out.append(_hex(ord(char)))
            else:
                self.out.append(_literal(ord(char)))
            self.quantifier()
        if self.depth:
            raise self.refuse("an unclosed (")
        return "".join(self.out)


@lru_cache(maxsize=256)
def java_pattern(pattern: str, *, full: bool = False) -> str:
    """``pattern`` (RE2, as DuckDB reads it) written for Java with the same matches;
    ``full``: anchored at both ends (DuckDB's ``regexp_full_match``)."""
    body = _Reader(pattern).read()
    return f"\\A(?:{body})\\z" if full else body
