"""Where rulebooks live: the shipped ones (package data) and any extra folders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

SUFFIXES = (".yaml", ".yml")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
"""A rulebook name: what may follow ``rulebook:`` and ``extends:``. Never a path."""


def shipped_dir() -> Path:
    """Folder of the rulebooks shipped inside the package (found when installed, too)."""
    return Path(str(resources.files("merchantry") / "rulebooks"))


def search_dirs(extra: Sequence[Path] = ()) -> tuple[Path, ...]:
    """Folders searched for a rulebook by name: the caller's first, the shipped ones last."""
    return (*(Path(p) for p in extra), shipped_dir())


def find_rulebook(name: str, dirs: Sequence[Path]) -> Path | None:
    """The file defining rulebook ``name`` (``<dir>/<name>.yaml``), first folder first;
    ``None`` for a name that is not a rulebook name (a path never leaves the folders)."""
    if not NAME_PATTERN.fullmatch(name):
        return None
    for folder in dirs:
        for suffix in SUFFIXES:
            candidate = Path(folder) / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def available_names(dirs: Sequence[Path]) -> list[str]:
    """Names of every rulebook in ``dirs`` (for "did you mean" hints and listings)."""
    names: set[str] = set()
    for folder in dirs:
        if Path(folder).is_dir():
            names.update(p.stem for p in Path(folder).iterdir() if p.suffix in SUFFIXES)
    return sorted(names)
