"""The FEC cache and hashes."""

from __future__ import annotations

import collections
import math
import random

import numpy as np
import pytest

from automl_zero.fec import _NAN_CODE, FECCache, errors_hash, mix


@pytest.mark.parametrize("capacity", [1, 2, 7, 100])
def test_cache_is_an_lru(capacity: int) -> None:
    cache, model = FECCache(capacity), collections.OrderedDict()
    rnd = random.Random(capacity)
    for _ in range(20_000):
        key = rnd.randrange(3 * capacity + 5) * 0x9E3779B1 % 2**64
        if rnd.random() < 0.5:
            value = rnd.random()
            cache.put(key, value)
            model[key] = value
            model.move_to_end(key)
            if len(model) > capacity:
                model.popitem(last=False)
        else:
            expected = model.get(key)
            if expected is not None:
                model.move_to_end(key)
            assert cache.get(key) == expected
    assert len(cache) == len(model)


def test_fingerprint_rounds_but_separates() -> None:
    errors = np.array([[0.5, 1.25], [3.0, np.nan]])
    assert errors_hash(errors) == errors_hash(errors.copy())
    assert errors_hash(errors) == errors_hash(errors * (1 + 1e-12))  # below 24-bit rounding
    assert errors_hash(errors) != errors_hash(errors * (1 + 1e-3))
    assert errors_hash(errors) != errors_hash(errors[:, ::-1])


def frexp_hash(errors: np.ndarray) -> int:
    """The fingerprint hash written with ``math.frexp``: what errors_hash computes from the bits."""

    def fold(h: np.uint64, x: int) -> np.uint64:
        return np.uint64(mix(h, np.uint64(x % 2**64)))  # mix returns a Python int

    h = np.uint64(errors.shape[0] * 1000003 + errors.shape[1])
    for x in errors.ravel():
        if math.isnan(x):
            h = fold(h, int(_NAN_CODE))
        elif math.isinf(x):
            h = fold(h, int(_NAN_CODE) + (1 if x > 0 else 2))
        else:
            mantissa, exponent = math.frexp(x)
            h = fold(fold(h, int(mantissa * 2**24)), exponent + 4096)
    return int(h)


def test_fingerprint_is_the_frexp_rounding() -> None:
    rng = np.random.default_rng(5)
    tiny = np.finfo(np.float64).tiny
    huge = np.finfo(np.float64).max
    special = [0.0, -0.0, 1.0, -1.0, 0.5, tiny, -tiny, tiny / 3, -5e-324, huge, np.inf, -np.inf, np.nan]
    for trial in range(200):
        values = rng.standard_normal(12) * 10.0 ** rng.integers(-300, 300, 12)
        values[rng.integers(0, 12, 3)] = rng.choice(special, 3)
        errors = values.reshape(3, 4) if trial % 2 else values.reshape(4, 3)
        assert int(errors_hash(errors)) == frexp_hash(errors), errors
        assert int(errors_hash(errors[:, ::-1])) == frexp_hash(errors[:, ::-1])  # a strided view


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        FECCache(0)


def test_structure_hash_tells_negative_zero_apart() -> None:
    from automl_zero.algorithm import make
    from automl_zero.fec import structure_hash
    from automl_zero.vm import encode
    from automl_zero.vm.compiled import run_order

    def key(text: str) -> int:
        e = encode(make(setup=[text], predict=["s1 = 1 / s2"]))
        order, bounds = run_order(e.ints, *e.sizes, True, False)
        return int(structure_hash(e.ints, e.floats, order, bounds))

    assert key("s2 = 0.0") != key("s2 = -0.0")
    assert key("s2 = 0.5") == key("s2 = 0.5")
