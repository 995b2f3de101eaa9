"""The floating-point building blocks of the reference semantics.

The reference executor, the op table's reference kernels and the NumPy export
share these, so that every choice floating point leaves open is made once:

- reductions add their terms one by one in index order (row-major for
  matrices), starting from the first term;
- ``sin``, ``exp``, ``log`` and the like are the C library's (Python's
  :mod:`math`), with IEEE results instead of exceptions (``log(-1)`` is NaN,
  ``exp(1000)`` is inf);
- ``minimum(a, b)`` is ``b if b < a else a`` and ``maximum(a, b)`` is
  ``b if a < b else a`` (C++ ``std::min``/``std::max``);
- an index fraction ``f`` means element ``min(int(f * F), F - 1)``.

This module imports nothing from the package, so that :mod:`automl_zero.ops`
can define the ops' kernels with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

__all__ = [
    "arccos",
    "arcsin",
    "cos",
    "exp",
    "fill",
    "index_of",
    "log",
    "matmul",
    "matvec",
    "maximum",
    "mean",
    "minimum",
    "norm",
    "ordered_sum",
    "second_on_tie_maximum",
    "second_on_tie_minimum",
    "sin",
    "sqrt",
    "std",
    "tan",
]


def _ieee(function: Callable[[float], float], on_error: Callable[[float], float]) -> Callable[[float], float]:
    """Wrap a :mod:`math` function so that domain and range errors give IEEE values."""

    def wrapped(x: float) -> float:
        try:
            return function(float(x))
        except (ValueError, OverflowError):
            return on_error(float(x))

    wrapped.__name__ = function.__name__
    wrapped.__doc__ = f"``math.{function.__name__}`` with an IEEE result (inf or NaN) instead of an exception."
    return wrapped


sin = _ieee(math.sin, lambda x: math.nan)
cos = _ieee(math.cos, lambda x: math.nan)
tan = _ieee(math.tan, lambda x: math.nan)
arcsin = _ieee(math.asin, lambda x: math.nan)
arccos = _ieee(math.acos, lambda x: math.nan)
exp = _ieee(math.exp, lambda x: math.inf)
log = _ieee(math.log, lambda x: -math.inf if x == 0.0 else math.nan)
sqrt = _ieee(math.sqrt, lambda x: math.nan)


def ordered_sum(terms: Iterable[np.float64]) -> np.float64:
    """Add terms one by one, in order, starting from the first.

    Examples
    --------
    >>> float(ordered_sum(np.array([1e16, 1.0, -1e16])))
    0.0

    """
    iterator = iter(terms)
    total = next(iterator)
    for term in iterator:
        total = total + term
    return np.float64(total)


def index_of(fraction: float, size: int) -> int:
    """Element of an index given as a fraction of the feature size: ``min(int(f * F), F - 1)``."""
    return min(int(fraction * size), size - 1)


def minimum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``b where b < a, else a``: the first operand on a tie or a NaN (``std::min``)."""
    return np.where(b < a, b, a)


def maximum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``b where a < b, else a``: the first operand on a tie or a NaN (``std::max``)."""
    return np.where(a < b, b, a)


# The original's matrix min and max are ternaries that give the second operand on a tie or a NaN;
# its scalar and vector ones (std::min, Eigen) give the first.
def second_on_tie_minimum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a where a < b, else b``: the second operand on a tie or a NaN (the original's matrix min)."""
    return np.where(a < b, a, b)


def second_on_tie_maximum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a where a > b, else b``: the second operand on a tie or a NaN (the original's matrix max)."""
    return np.where(a > b, a, b)


def mean(values: np.ndarray) -> np.float64:
    """Mean of all elements, summed in row-major order."""
    return ordered_sum(values.ravel()) / np.float64(values.size)


def std(values: np.ndarray) -> float:
    """Population standard deviation of all elements: ``sqrt(mean(x * x) - mean(x) ** 2)``."""
    flat = values.ravel()
    average = ordered_sum(flat) / np.float64(flat.size)
    return sqrt(ordered_sum(flat * flat) / np.float64(flat.size) - average * average)


def norm(values: np.ndarray) -> float:
    """Euclidean (Frobenius) norm, summed in row-major order."""
    flat = values.ravel()
    return sqrt(ordered_sum(flat * flat))


def matvec(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Matrix times vector, each row's dot product summed in index order."""
    return np.array([ordered_sum(a[i] * x) for i in range(len(a))])


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Matrix product, each entry summed in index order."""
    return np.array([[ordered_sum(a[i, :] * b[:, j]) for j in range(b.shape[1])] for i in range(a.shape[0])])


def fill(shape: tuple[int, ...], draw: Callable[[], float]) -> np.ndarray:
    """An array of ``shape`` filled in row-major order, one ``draw()`` per element."""
    return np.array([draw() for _ in range(int(np.prod(shape)))]).reshape(shape)
