"""Vectorised building blocks: random streams, opaque hashes, ids and text.

The generator never loops over orders in Python. Everything here works on whole
numpy arrays and hands pyarrow arrays to the writers, so that a day of a large
marketplace is a few dozen array operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_HEX: Final = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_SHIFTS: Final = np.arange(60, -4, -4, dtype=np.uint64)
_MASK64: Final = (1 << 64) - 1


def stream(seed: int, *key: int) -> np.random.Generator:
    """An independent PCG64 stream for ``(seed, key...)``.

    Each day (and the population) draws from its own stream, so the data of a
    day does not depend on how many days came before it or on chunking.
    """
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=tuple(key))
    return np.random.Generator(np.random.PCG64(sequence))


def mix(values: npt.ArrayLike, salt: int) -> npt.NDArray[np.uint64]:
    """A 64-bit avalanche hash (splitmix64 finaliser) of integers, salted by kind.

    Used to turn internal integer keys (device 17, address 4) into opaque
    identifiers that reveal nothing about how they were planted.
    """
    x = np.asarray(values).astype(np.uint64) ^ np.uint64((salt * 0x9E3779B97F4A7C15) & _MASK64)
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hex_strings(values: npt.NDArray[np.uint64]) -> pa.Array:
    """16-digit lower-case hex text of each unsigned 64-bit value."""
    nibbles = (values[:, None] >> _SHIFTS[None, :]) & np.uint64(15)
    chars = _HEX[nibbles.astype(np.intp)]
    fixed = np.ascontiguousarray(chars).view("S16").ravel()
    return pc.cast(pa.array(fixed, type=pa.binary(16)), pa.string())


def ids(prefix: str, numbers: npt.ArrayLike, width: int) -> pa.Array:
    """``prefix`` followed by each number zero-padded to ``width`` digits."""
    digits = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    padded = pc.utf8_lpad(digits, width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


def pick(table: Sequence[str], index: npt.ArrayLike) -> pa.Array:
    """The strings of ``table`` at ``index`` (an array of positions)."""
    return pa.array(table, type=pa.string()).take(pa.array(np.asarray(index, dtype=np.int64)))


def concat_text(*parts: pa.Array) -> pa.Array:
    """Element-wise concatenation of string arrays (a null part yields null)."""
    return pc.binary_join_element_wise(*parts, "")


def choose(rng: np.random.Generator, weights: Sequence[float], size: int) -> IntArray:
    """Indices drawn with the given (not necessarily normalised) weights."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def choose_rows(rng: np.random.Generator, cdf_rows: FloatArray, rows: IntArray) -> IntArray:
    """For each element, an index drawn from its own row of cumulative weights.

    ``cdf_rows`` holds normalised cumulative weights, one row per profile
    (industry, scene, ...); ``rows`` says which profile each element uses.
    """
    u = rng.random(int(rows.shape[0]))
    picked: IntArray = (u[:, None] >= cdf_rows[rows]).sum(axis=1).astype(np.int64)
    return picked


def round_share(amount_fen: IntArray, rate_bp: IntArray) -> IntArray:
    """``amount × rate / 10,000`` rounded half away from zero, in integers.

    The vector twin of :func:`merchantry.kit.money.apply_rate` for the
    non-negative amounts the generator deals with.
    """
    return (amount_fen * rate_bp * 2 + 10_000) // 20_000


def day_seconds(rng: np.random.Generator, hour_weights: Sequence[float], size: int) -> IntArray:
    """Seconds into the day, hour drawn from ``hour_weights``, uniform inside it."""
    hours = choose(rng, hour_weights, size)
    return hours * 3600 + rng.integers(0, 3600, size=size)


def blank_where(values: pa.Array, mask: BoolArray) -> pa.Array:
    """``values`` with null where ``mask`` is true."""
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)
