"""Hand-designed algorithms written in the VM's own instructions.

The paper compares what evolution finds with these reference learners
(linear regression, logistic regression and a 2-layer fully connected ReLU
network, all trained by SGD). Writing them as :class:`Algorithm` objects means
they run in the same executors, under the same rules (docs/semantics.md, "Evaluating an algorithm on a task"), as the
evolved ones, and can seed a search or be simplified and ablated like them.

Each factory takes the hyperparameters and returns an :class:`Algorithm`; the
memory it needs is in :data:`BASELINES`. What the evaluation provides:
s0 holds the label (during Learn), v0 the features; s1 is the prediction. For
binary classification tasks the evaluation replaces s1 with ``sigmoid(s1)``
between Predict and Learn, so ``s0 - s1`` in Learn is both the negative
gradient of the squared error (regression) and of the log loss with respect
to the logit (classification): one program serves both.

Examples
--------
>>> algorithm, memory = baseline("logistic_regression", learning_rate=0.05)
>>> print(algorithm, end="")
def Setup():
  s2 = 0.05
def Predict():
  s3 = dot(v0, v1)
  s1 = s3 + s4
def Learn():
  s3 = s0 - s1
  s3 = s3 * s2
  v2 = s3 * v0
  v1 = v1 + v2
  s4 = s4 + s3
>>> memory
MemorySize(scalars=5, vectors=3, matrices=1)

"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from automl_zero.algorithm import Algorithm, MemorySize, make

__all__ = [
    "BASELINES",
    "MULTICLASS_BASELINES",
    "baseline",
    "linear_regression",
    "logistic_regression",
    "softmax_regression",
    "two_layer_network",
    "two_layer_softmax_network",
]


def _positive(name: str, value: float) -> float:
    """Return ``value`` as a float; ValueError unless it is finite and positive."""
    value = float(value)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    return value


#: Memory of linear and logistic regression: s0..s4, v0..v2 (M=1 is the smallest allowed).
LINEAR_MEMORY = MemorySize(scalars=5, vectors=3, matrices=1)
#: Memory of the 2-layer network; it fits in the original's baseline configuration (S=5, V=9, M=2).
TWO_LAYER_MEMORY = MemorySize(scalars=5, vectors=8, matrices=2)
#: Memory of softmax regression: s0..s2, v0..v4, m0..m1.
SOFTMAX_MEMORY = MemorySize(scalars=3, vectors=5, matrices=2)
#: Memory of the 2-layer softmax network: s0..s2, v0..v8, m0..m2 (one matrix more than the original's S=5 V=9 M=2).
TWO_LAYER_SOFTMAX_MEMORY = MemorySize(scalars=3, vectors=9, matrices=3)


def linear_regression(learning_rate: float = 0.001) -> Algorithm:
    """Linear regression by SGD on the squared error, without bias (docs/semantics.md, "The demo").

    With the default learning rate this is
    :data:`~automl_zero.algorithm.REFERENCE_LINEAR_REGRESSION`, the algorithm
    the demo rediscovers. Memory: :data:`LINEAR_MEMORY` (S=5, V=3, M=1).

    ======  =============================================
    s2      learning rate
    s3      error ``s0 - s1``
    s4      error times learning rate
    v1      weights ``w`` (start at 0); prediction ``w . x``
    v2      the update ``lr * error * x``
    ======  =============================================

    Parameters
    ----------
    learning_rate : float
        SGD step. 0.001 (the paper's) needs about 10,000 steps to fit a
        4-feature task; on standardized features steps up to about ``1 / F``
        stay stable.

    Returns
    -------
    Algorithm

    """
    lr = _positive("learning_rate", learning_rate)
    return make(
        setup=[f"s2 = {lr!r}"],
        predict=["s1 = dot(v0, v1)"],
        learn=["s3 = s0 - s1", "s4 = s3 * s2", "v2 = v0 * s4", "v1 = v1 + v2"],
    )


def logistic_regression(learning_rate: float = 0.05) -> Algorithm:
    """Logistic regression with a bias by SGD on the log loss (binary classification).

    Predict computes the logit ``w . x + b``; the evaluation turns s1 into
    ``sigmoid(logit)`` before Learn, so ``s0 - s1`` is the negative gradient
    of the log loss with respect to the logit. On a regression task the same
    program is linear regression with a bias. Memory: :data:`LINEAR_MEMORY`
    (S=5, V=3, M=1).

    ======  =============================================
    s2      learning rate
    s3      logit ``w . x`` in Predict; ``lr * (s0 - s1)`` in Learn
    s4      bias ``b`` (starts at 0)
    v1      weights ``w`` (start at 0)
    v2      the update ``lr * (s0 - s1) * x``
    ======  =============================================

    Parameters
    ----------
    learning_rate : float
        SGD step. On standardized linearly separable tasks (F=8 and 16,
        500 examples, 5 epochs, 10 tasks) 0.01, 0.05 and 0.2 reached mean
        validation accuracies of 0.975/0.968, 0.981/0.976 and 0.980/0.972;
        0.05 is the middle of that flat range.

    Returns
    -------
    Algorithm

    """
    lr = _positive("learning_rate", learning_rate)
    return make(
        setup=[f"s2 = {lr!r}"],
        predict=["s3 = dot(v0, v1)", "s1 = s3 + s4"],
        learn=["s3 = s0 - s1", "s3 = s3 * s2", "v2 = v0 * s3", "v1 = v1 + v2", "s4 = s4 + s3"],
    )


def two_layer_network(learning_rate: float = 0.01, init_scale: float = 0.3) -> Algorithm:
    """A 2-layer fully connected ReLU network trained by backpropagation and SGD.

    ``prediction = w2 . relu(W1 x + b1) + b2`` with F hidden units (F, the
    vector size, is the only width the VM has). Learn takes one SGD step on
    the squared error (regression) or, since the evaluation squashes s1 with
    a sigmoid first, on the log loss (binary classification), through both
    layers. Setup draws ``W1`` and ``w2`` from ``N(0, init_scale^2)`` with the
    evaluation's random generator so the hidden units do not start
    symmetric; the biases start at 0. ReLU is ``heaviside(h) * h``, and the
    same 0/1 mask is ReLU's derivative in Learn. Memory:
    :data:`TWO_LAYER_MEMORY` (S=5, V=8, M=2). v1 and v2 are left unused:
    they are the one-hot label and the prediction vector on multiclass tasks.

    ======  =============================================
    s2      learning rate
    s3      ``lr * (s0 - s1)``, the scaled output error
    s4      output bias ``b2``
    v3      output weights ``w2``
    v4      hidden bias ``b1``
    v5      hidden pre-activation ``h``, then ``relu(h)``; in Learn,
            the update of ``w2``
    v6      ReLU mask ``heaviside(h)``
    v7      the error at the hidden layer, ``lr * (s0 - s1) * w2 * mask``
    m0      first-layer weights ``W1`` (hidden x features)
    m1      the update of ``W1``, ``outer(v7, x)``
    ======  =============================================

    Parameters
    ----------
    learning_rate : float
        SGD step, shared by both layers.
    init_scale : float
        Standard deviation of the initial weights.

    Returns
    -------
    Algorithm

    Notes
    -----
    The defaults were measured on standardized features, 10 tasks per
    setting, 5 epochs unless noted. Teacher-net regression
    (``teacher_net_tasks``): F=4, 1000 examples: mean fitness 0.95 at
    learning rate 0.01, 0.96-0.99 at 0.02-0.03, some tasks diverge at 0.05;
    F=8, 2000 examples: 0.91 at 0.01 but 0.70-0.78 at 0.02 (the labels grow
    with F, and so do the errors); F=16 labels have a standard deviation near
    9 and want about 0.003. Binary classification (F=8..16, 500-2000
    examples): 0.01 learns linearly separable tasks (accuracy 0.975) and
    the XOR of two features (0.935 with F=16 and 2000 examples; 0.947 with
    F=8 and 500 examples after 20 epochs, 0.70 after 5, where 0.03 reaches
    0.91). Of the steps tried, 0.01 is the largest that was stable on every
    regression setting up to F=8. ``init_scale`` 0.2-0.3 was within 0.01 of
    the best scale or better in every setting (0.3: fitness 0.91 on F=8
    teachers, against 0.86 for 0.5).

    """
    lr = _positive("learning_rate", learning_rate)
    scale = _positive("init_scale", init_scale)
    return make(
        setup=[
            f"s2 = {lr!r}",
            f"m0 = gaussian(0.0, {scale!r}, (n_features, n_features))",
            f"v3 = gaussian(0.0, {scale!r}, n_features)",
        ],
        predict=[
            "v5 = dot(m0, v0)",
            "v5 = v5 + v4",
            "v6 = heaviside(v5, 1.0)",
            "v5 = v6 * v5",
            "s1 = dot(v5, v3)",
            "s1 = s1 + s4",
        ],
        learn=[
            "s3 = s0 - s1",
            "s3 = s3 * s2",
            "s4 = s4 + s3",
            "v7 = s3 * v3",  # back through w2, before w2 changes
            "v5 = s3 * v5",
            "v3 = v3 + v5",
            "v7 = v7 * v6",  # back through the ReLU
            "v4 = v4 + v7",
            "m1 = outer(v7, v0)",
            "m0 = m0 + m1",
        ],
    )


def softmax_regression(learning_rate: float = 0.1) -> Algorithm:
    """Softmax (multinomial logistic) regression with a bias by SGD on the cross-entropy (multiclass tasks).

    Predict computes the logits ``W x + b`` in v2. The multiclass evaluation
    replaces v2 with the softmax of its first K entries (zeros after them)
    before Learn and puts the one-hot label in v1, so ``v1 - v2`` is the
    negative gradient of the cross-entropy with respect to the logits; rows
    of ``W`` beyond K get no updates. Memory: :data:`SOFTMAX_MEMORY`
    (S=3, V=5, M=2).

    ======  =============================================
    s2      learning rate
    v2      logits ``W x + b`` (Predict); probabilities (Learn)
    v3      bias ``b`` (starts at 0)
    v4      ``lr * (one-hot label - probabilities)``
    m0      weights ``W`` (classes x features, start at 0)
    m1      the update ``outer(v4, x)``
    ======  =============================================

    Parameters
    ----------
    learning_rate : float
        SGD step. See the notes for how the default was chosen.

    Returns
    -------
    Algorithm

    Notes
    -----
    On the bundled digits (10 classes, each image projected to F=16, about
    540 training examples, 1 epoch: ``configs/multiclass.yaml``), learning
    rates 0.01, 0.03, 0.1, 0.3 and 1.0 reached validation accuracies
    (T_search median of 4 tasks / T_select median / T_final) of
    0.784/0.799/0.838, 0.813/0.821/0.876, 0.843/0.828/0.871,
    0.821/0.799/0.831 and 0.791/0.784/0.802; 0.1 was best on T_search.

    """
    lr = _positive("learning_rate", learning_rate)
    return make(
        setup=[f"s2 = {lr!r}"],
        predict=["v2 = dot(m0, v0)", "v2 = v2 + v3"],
        learn=["v4 = v1 - v2", "v4 = s2 * v4", "m1 = outer(v4, v0)", "m0 = m0 + m1", "v3 = v3 + v4"],
    )


def two_layer_softmax_network(learning_rate: float = 0.05, init_scale: float = 0.3) -> Algorithm:
    """A 2-layer ReLU network with a softmax output, trained by backpropagation and SGD (multiclass tasks).

    ``logits = W2 relu(W1 x + b1) + b2`` with F hidden units, in v2. As for
    :func:`softmax_regression`, the evaluation turns v2 into the softmax of
    its first K entries and puts the one-hot label in v1 before Learn, which
    takes one SGD step on the cross-entropy through both layers. Setup draws
    ``W1`` and ``W2`` from ``N(0, init_scale^2)`` with the evaluation's random
    generator; the biases start at 0. Memory: :data:`TWO_LAYER_SOFTMAX_MEMORY`
    (S=3, V=9, M=3).

    ======  =============================================
    s2      learning rate
    v2      logits (Predict); probabilities (Learn)
    v3      ``lr * (one-hot label - probabilities)``, the output error
    v4      hidden bias ``b1``
    v5      hidden pre-activation ``h``, then ``relu(h)``
    v6      ReLU mask ``heaviside(h)``
    v7      the error at the hidden layer, ``(W2^T v3) * mask``
    v8      output bias ``b2``
    m0      first-layer weights ``W1`` (hidden x features)
    m1      ``W2^T``, then the updates ``outer(v3, relu(h))`` and ``outer(v7, x)``
    m2      output weights ``W2`` (classes x hidden)
    ======  =============================================

    Parameters
    ----------
    learning_rate : float
        SGD step, shared by both layers.
    init_scale : float
        Standard deviation of the initial weights.

    Returns
    -------
    Algorithm

    Notes
    -----
    On the bundled digits (as for :func:`softmax_regression`, T_search /
    T_select / T_final), learning rates 0.01, 0.02, 0.03, 0.05, 0.1 and 0.3
    at init scale 0.3 reached 0.649/0.701/0.796, 0.731/0.776/0.853,
    0.769/0.799/0.858, 0.776/0.806/0.858, 0.746/0.746/0.771 and
    0.254/0.224/0.102; init scales 0.1, 0.2 and 0.5 at rate 0.03 reached
    0.739/0.754/0.844, 0.761/0.784/0.858 and 0.754/0.769/0.844. With one
    epoch over 540 examples it does not beat softmax regression there.

    """
    lr = _positive("learning_rate", learning_rate)
    scale = _positive("init_scale", init_scale)
    return make(
        setup=[
            f"s2 = {lr!r}",
            f"m0 = gaussian(0.0, {scale!r}, (n_features, n_features))",
            f"m2 = gaussian(0.0, {scale!r}, (n_features, n_features))",
        ],
        predict=[
            "v5 = dot(m0, v0)",
            "v5 = v5 + v4",
            "v6 = heaviside(v5, 1.0)",
            "v5 = v6 * v5",
            "v2 = dot(m2, v5)",
            "v2 = v2 + v8",
        ],
        learn=[
            "v3 = v1 - v2",
            "v3 = s2 * v3",
            "v8 = v8 + v3",
            "m1 = transpose(m2)",
            "v7 = dot(m1, v3)",  # back through W2, before W2 changes
            "m1 = outer(v3, v5)",
            "m2 = m2 + m1",
            "v7 = v7 * v6",  # back through the ReLU
            "v4 = v4 + v7",
            "m1 = outer(v7, v0)",
            "m0 = m0 + m1",
        ],
    )


#: name -> (factory, the memory its algorithms need).
BASELINES: dict[str, tuple[Callable[..., Algorithm], MemorySize]] = {
    "linear_regression": (linear_regression, LINEAR_MEMORY),
    "logistic_regression": (logistic_regression, LINEAR_MEMORY),
    "two_layer_network": (two_layer_network, TWO_LAYER_MEMORY),
    "softmax_regression": (softmax_regression, SOFTMAX_MEMORY),
    "two_layer_softmax_network": (two_layer_softmax_network, TWO_LAYER_SOFTMAX_MEMORY),
}
#: The baselines written for multiclass tasks (prediction in v2, one-hot label in v1); the others predict s1.
MULTICLASS_BASELINES = ("softmax_regression", "two_layer_softmax_network")


def baseline(name: str, **hyperparameters: Any) -> tuple[Algorithm, MemorySize]:
    """Build a baseline by name.

    Parameters
    ----------
    name : str
        A key of :data:`BASELINES`.
    **hyperparameters
        Passed to the factory (e.g. ``learning_rate``).

    Returns
    -------
    algorithm : Algorithm
    memory : MemorySize
        The memory it needs; any larger memory works too.

    Raises
    ------
    ValueError
        On an unknown name, naming the known ones.
    TypeError
        On a hyperparameter the factory does not take.

    """
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; baselines are {', '.join(sorted(BASELINES))}")
    factory, memory = BASELINES[name]
    return factory(**hyperparameters), memory
