"""Deterministic identifiers and hashes.

Idempotency keys and stable ids are derived from content, never from clocks or
counters, so that re-running any stage produces the same keys.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def stable_key(*parts: object) -> str:
    """A 32-hex-digit key from the given parts (order matters; ``None`` is distinct from '')."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        token = "\x00" if part is None else str(part)
        h.update(token.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def file_digest(path: Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks (bounded memory)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            h.update(chunk)
    return h.hexdigest()
