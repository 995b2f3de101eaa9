"""The FEC cache and hashes."""

from __future__ import annotations

import collections
import random

import numpy as np
import pytest

from automl_zero.fec import FECCache, errors_hash


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
