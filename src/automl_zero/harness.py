"""The evaluation's harness around the component functions, written once.

What the evaluation does between Predict and Learn and around them: the
sigmoid of a binary prediction, the truncating softmax of a multiclass one,
the argmax that reads a class, the order of the training examples in each
epoch, and the loop over them. The reference executor, the scikit-learn
estimators and the exported NumPy modules all use these functions; the
export writes their source into the module it generates
(:func:`source`), so every function here uses only :mod:`math`, NumPy (as
``np``), the other functions of this module and ``_exp`` and ``_sum``, the
IEEE ``exp`` and the ordered sum of :mod:`automl_zero.numerics`, which
exported modules define under those names.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np

from automl_zero.numerics import exp as _exp
from automl_zero.numerics import ordered_sum as _sum

__all__ = ["epoch_order", "first_argmax", "sigmoid", "source", "train_examples", "truncating_softmax"]


def sigmoid(x: float) -> float:
    """``1 / (1 + exp(-x))``: the probability of class 1 from a binary prediction."""
    return float(np.float64(1.0) / (np.float64(1.0) + np.float64(_exp(-float(x)))))


def truncating_softmax(values: np.ndarray, num_classes: int) -> np.ndarray:
    """Softmax of the first ``num_classes`` entries, zeros after them (the multiclass normalization).

    The maximum is subtracted first; the sum runs in index order. An inf or
    NaN input gives NaN probabilities, which the evaluation treats as a
    failed prediction.
    """
    head = values[:num_classes]
    top = head[0]
    for x in head[1:]:
        if x > top or math.isnan(x):
            top = x
    exps = np.array([_exp(float(x) - float(top)) for x in head])
    total = _sum(exps)
    out = np.zeros_like(values)
    out[:num_classes] = exps / total
    return out


def first_argmax(values: np.ndarray) -> int:
    """Index of the first largest entry; NaN entries never win (how a class is read)."""
    best = 0
    for k in range(1, len(values)):
        if values[k] > values[best]:
            best = k
    return best


def epoch_order(order_seed: int, epoch: int, count: int) -> np.ndarray:
    """The order of ``count`` training examples in ``epoch`` (0-based), as row indices.

    The first epoch takes the examples as stored; every later epoch
    reshuffles them, deterministically from ``order_seed`` and the epoch, as
    the original reshuffles its training examples for every epoch: the rows
    sorted by keys drawn from the random ops' generator, stream
    ``(mix64(order_seed ^ ORDER_SALT), epoch)`` (:mod:`automl_zero.vm.rng`;
    spelled out here so that an exported module can embed it).
    """
    if epoch == 0:
        return np.arange(count, dtype=np.int64)
    mask = 0xFFFFFFFFFFFFFFFF
    z = (order_seed ^ 0x6A09E667F3BCC909) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    z ^= z >> 31
    start = np.uint64((z * 0xD1B54A32D192ED03 + (epoch + 1) * 0x9E3779B97F4A7C15) & mask)
    keys = np.arange(1, count + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + start  # wraps as the state
    keys = (keys ^ (keys >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    keys = (keys ^ (keys >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    keys = keys ^ (keys >> np.uint64(31))
    uniform = (keys >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
    return np.argsort(uniform, kind="stable").astype(np.int64)


def train_examples(
    predict: Callable[[np.ndarray], object],
    normalize: Callable[[float], float],
    learn: Callable[[np.ndarray, float], object],
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    order_seed: int,
    max_abs_error: float | None = None,
) -> bool:
    """The training steps of the evaluation, without its validation passes; False if it stopped early.

    For each epoch, in :func:`epoch_order`, and each example: ``predict(x)``
    (Predict, with the features loaded), ``normalize(y)`` (sigmoid or
    softmax of the prediction; returns the training error), then
    ``learn(x, y)`` (Learn, with the label loaded). With ``max_abs_error``,
    training stops at the first error that is NaN or larger, as in the
    evaluation.
    """
    for epoch in range(epochs):
        for row in epoch_order(order_seed, epoch, len(X)):
            x, label = X[row], y[row]
            predict(x)
            error = normalize(label)
            if max_abs_error is not None and not error <= max_abs_error:
                return False
            learn(x, label)
    return True


def source(name: str) -> str:
    """The source of one of this module's functions, as an exported module embeds it."""
    if name not in __all__ or name == "source":
        raise ValueError(f"no harness function {name!r}")
    return inspect.getsource(globals()[name])
