"""Functional equivalence checking (FEC): fingerprints and an LRU cache of fitnesses.

Two keys lead to a cached fitness:

- the *structural* hash of an algorithm after liveness pruning: programs that
  differ only in dead code are the same program, so they skip even the
  fingerprint run;
- the *functional* hash: the algorithm's absolute errors on the first
  training and validation examples of every task (10 and 10 by default),
  rounded to 24 significant bits, hashed. Programs that behave alike on
  those examples are assumed to have the same fitness (the paper's FEC).

The cache is a fixed-capacity LRU table (100,000 entries by default) kept in
plain arrays, so that the search state, cache included, saves and restores
exactly. All functions here are compiled and run inside the search loop.

Every change is also marked in a ``touched`` array (not part of the state,
see :func:`new_touched`): entry ``e`` at ``touched[e]``, table slot ``j`` at
``touched[capacity + j]``. Only what was touched since a snapshot of the
arrays can differ from it, so a snapshot is kept up to date by copying those
positions (:func:`touched_positions`), a few thousand of the 362,000 per
round of the search.
"""

from __future__ import annotations

import math

import numpy as np
from numba import uint64

from automl_zero.vm.jit import kernel

# None of these allocates: compiled without reference counting (see kernel).
_jit = kernel(refcounted=False)

_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SEED = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_NAN_CODE = np.uint64(0x7FF8DEADBEEF0001)
_TWO_24 = 16777216.0
# Fields of an IEEE 754 double's bits.
_S29, _S52, _S63 = np.uint64(29), np.uint64(52), np.uint64(63)
_EXPONENT_MASK = np.uint64(0x7FF)
_TOP_FRACTION = np.uint64(0x7FFFFF)  # the fraction's top 23 bits
_IMPLICIT_BIT = np.uint64(0x800000)

# Positions in the cache's meta array.
META_SIZE, META_HEAD, META_TAIL = 0, 1, 2


@_jit
def mix(h: np.uint64, x: np.uint64) -> np.uint64:
    """Fold ``x`` into the running hash ``h`` (SplitMix64 finalizer)."""
    z = (h ^ x) + _SEED
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@_jit
def _mix_rounded(h: np.uint64, x: float, bits: np.uint64) -> np.uint64:
    """Fold a float (``bits``: its IEEE 754 bits) rounded to 24 significant bits into ``h``.

    NaN and each infinity fold one code each. The significand's top 24 bits
    (truncated, with the sign) and the exponent are those of ``math.frexp``,
    read from the bits for normal numbers; ``frexp`` is a call into C, and
    this runs for every fingerprint error of every child.
    """
    if math.isnan(x):
        return mix(h, _NAN_CODE)
    if math.isinf(x):
        return mix(h, _NAN_CODE + uint64(1 if x > 0 else 2))
    biased = np.int64((bits >> _S52) & _EXPONENT_MASK)
    if biased == 0:  # zero or subnormal: rare
        mantissa, exponent = math.frexp(x)
        return mix(mix(h, uint64(np.int64(mantissa * _TWO_24))), uint64(exponent + 4096))
    top = np.int64(_IMPLICIT_BIT | ((bits >> _S29) & _TOP_FRACTION))
    if (bits >> _S63) != 0:
        top = -top
    return mix(mix(h, uint64(top)), uint64(biased - 1022 + 4096))


@_jit
def errors_hash(errors: np.ndarray) -> np.uint64:
    """Hash of a fingerprint run's errors (examples x tasks), rounded to 24 significant bits."""
    bits = errors.view(np.uint64)
    h = uint64(errors.shape[0] * 1000003 + errors.shape[1])
    for i in range(errors.shape[0]):
        for t in range(errors.shape[1]):
            h = _mix_rounded(h, errors[i, t], bits[i, t])
    return h


@_jit
def structure_hash(ints: np.ndarray, floats: np.ndarray, order: np.ndarray, bounds: np.ndarray) -> np.uint64:
    """Exact hash of the instructions that run (``order[bounds[c]:bounds[c + 1]]`` per component)."""
    bits = floats.view(np.uint64)  # exact: -0.0 and 0.0 differ, as 1 / s does
    h = uint64(0x5EED)
    for component in range(3):
        h = mix(h, uint64(1000 + bounds[component + 1] - bounds[component]))
        for k in range(bounds[component], bounds[component + 1]):
            i = order[k]
            h = mix(h, uint64(ints[i, 0] | (ints[i, 1] << 8) | (ints[i, 2] << 16) | (ints[i, 3] << 24)))
            for slot in range(3):
                h = mix(h, bits[i, slot])
    return h


def _table_size(capacity: int) -> int:
    return 1 << (2 * capacity - 1).bit_length()  # a power of two, at most half full


def new_cache(capacity: int) -> dict[str, np.ndarray]:
    """Return the arrays of an empty LRU cache holding up to ``capacity`` fitnesses."""
    if capacity < 1:
        raise ValueError(f"the FEC cache needs a capacity of at least 1, got {capacity}")
    table_size = _table_size(capacity)
    return {
        "keys": np.zeros(capacity, dtype=np.uint64),
        "values": np.zeros(capacity),
        "prev": np.full(capacity, -1, dtype=np.int64),
        "next": np.full(capacity, -1, dtype=np.int64),
        "table": np.full(table_size, -1, dtype=np.int64),
        "meta": np.array([0, -1, -1], dtype=np.int64),
    }


@_jit
def _slot_of(table: np.ndarray, keys: np.ndarray, key: np.uint64) -> int:
    """Table slot holding ``key``, or the empty slot where it would go (as -slot - 1)."""
    mask = uint64(table.shape[0] - 1)
    slot = np.int64(key & mask)
    while table[slot] >= 0:
        if keys[table[slot]] == key:
            return int(slot)
        slot = np.int64((uint64(slot) + uint64(1)) & mask)
    return int(-slot - 1)


def new_touched(capacity: int) -> np.ndarray:
    """Marks of the entries and table slots of a cache of ``capacity`` that changed (all clear)."""
    return np.zeros(capacity + _table_size(capacity), dtype=np.uint8)


def touched_positions(touched: np.ndarray, capacity: int, clear: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The entries and table slots marked in ``touched`` (and clear the marks)."""
    marked = np.flatnonzero(touched.view(np.bool_))  # marks are 0 or 1: numpy's fast path for booleans
    if clear:
        touched[marked] = 0
    split = np.searchsorted(marked, capacity)
    return marked[:split], marked[split:] - capacity


@_jit
def _unlink(entry: int, prev: np.ndarray, nxt: np.ndarray, meta: np.ndarray, touched: np.ndarray) -> None:
    touched[entry] = 1
    if prev[entry] >= 0:
        touched[prev[entry]] = 1
        nxt[prev[entry]] = nxt[entry]
    else:
        meta[META_HEAD] = nxt[entry]
    if nxt[entry] >= 0:
        touched[nxt[entry]] = 1
        prev[nxt[entry]] = prev[entry]
    else:
        meta[META_TAIL] = prev[entry]
    prev[entry] = -1
    nxt[entry] = -1


@_jit
def _push_front(entry: int, prev: np.ndarray, nxt: np.ndarray, meta: np.ndarray, touched: np.ndarray) -> None:
    touched[entry] = 1
    nxt[entry] = meta[META_HEAD]
    prev[entry] = -1
    if meta[META_HEAD] >= 0:
        touched[meta[META_HEAD]] = 1
        prev[meta[META_HEAD]] = entry
    meta[META_HEAD] = entry
    if meta[META_TAIL] < 0:
        meta[META_TAIL] = entry


@_jit
def _delete_slot(table: np.ndarray, keys: np.ndarray, slot: int, touched: np.ndarray) -> None:
    """Remove a table slot, shifting later entries of its probe run back (no tombstones)."""
    mask = table.shape[0] - 1
    offset = keys.shape[0]  # table slots' marks follow the entries'
    hole = slot
    touched[offset + hole] = 1
    table[hole] = -1
    j = hole
    while True:
        j = (j + 1) & mask
        if table[j] < 0:
            return
        home = np.int64(keys[table[j]] & uint64(mask))
        # Move j into the hole unless its home lies cyclically in (hole, j].
        if (j > hole and (home <= hole or home > j)) or (j < hole and home <= hole and home > j):
            table[hole] = table[j]
            table[j] = -1
            touched[offset + j] = 1
            hole = j


@_jit
def cache_lookup(
    key: np.uint64,
    keys: np.ndarray,
    values: np.ndarray,
    prev: np.ndarray,
    nxt: np.ndarray,
    table: np.ndarray,
    meta: np.ndarray,
    touched: np.ndarray,
) -> float:
    """Return the cached fitness for ``key`` (marking it recently used), or -1.0."""
    slot = _slot_of(table, keys, key)
    if slot < 0:
        return -1.0
    entry = table[slot]
    if meta[META_HEAD] != entry:
        _unlink(entry, prev, nxt, meta, touched)
        _push_front(entry, prev, nxt, meta, touched)
    return values[entry]


@_jit
def cache_insert(
    key: np.uint64,
    value: float,
    keys: np.ndarray,
    values: np.ndarray,
    prev: np.ndarray,
    nxt: np.ndarray,
    table: np.ndarray,
    meta: np.ndarray,
    touched: np.ndarray,
) -> None:
    """Insert or update ``key``; when full, the least recently used entry goes."""
    slot = _slot_of(table, keys, key)
    if slot >= 0:
        entry = table[slot]
        values[entry] = value
        _unlink(entry, prev, nxt, meta, touched)
        _push_front(entry, prev, nxt, meta, touched)
        return
    if meta[META_SIZE] < keys.shape[0]:
        entry = meta[META_SIZE]
        meta[META_SIZE] += 1
    else:
        entry = meta[META_TAIL]
        _delete_slot(table, keys, _slot_of(table, keys, keys[entry]), touched)
        _unlink(entry, prev, nxt, meta, touched)
        slot = _slot_of(table, keys, key)  # the deletion may have moved the empty slot
    keys[entry] = key
    values[entry] = value
    table[-slot - 1] = entry
    touched[keys.shape[0] - slot - 1] = 1
    _push_front(entry, prev, nxt, meta, touched)


class FECCache:
    """A Python view of an LRU cache's arrays, for tests and inspection."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.arrays = new_cache(capacity)
        self.touched = new_touched(capacity)

    def _args(self) -> tuple[np.ndarray, ...]:
        a = self.arrays
        return a["keys"], a["values"], a["prev"], a["next"], a["table"], a["meta"], self.touched

    def get(self, key: int) -> float | None:
        """Return the fitness cached for ``key``, or None."""
        value = float(cache_lookup(np.uint64(key), *self._args()))
        return None if value < 0.0 else value

    def put(self, key: int, fitness: float) -> None:
        """Cache ``fitness`` (in [0, 1]) under ``key``."""
        cache_insert(np.uint64(key), float(fitness), *self._args())

    def __len__(self) -> int:
        return int(self.arrays["meta"][META_SIZE])
