"""The compiled executor: one Numba call evaluates an algorithm on a batch of tasks.

Design (docs/design.md, "The compiled core"):

- Tasks of equal shape are evaluated together with the task axis last
  (``s[S, T]``, ``v[V, F, T]``, ``m[M, F, F, T]``): one dispatch of an
  instruction does the arithmetic of all T tasks, and the loop over tasks
  vectorizes. A task that stops early keeps being computed; its fitness is
  frozen.
- Setup, Predict and Learn run in one interpreter loop with a single copy of
  the op dispatch; the harness steps (load an example, check the error,
  validate) run between component functions, so there is no call per example.
- Before executing, a liveness analysis drops instructions that cannot affect
  any prediction (:func:`live_instructions`).
- No fastmath: reductions keep their order, so results are bit-identical to
  :mod:`automl_zero.vm.reference`.

The interpreter loop is generated from the op table: :func:`_evaluate_source`
holds the harness, and each op's ``kernel`` snippet (:class:`~automl_zero.ops.OpSpec`)
becomes one branch of its dispatch, which compares with named constants
(``elif op == SCALAR_SUM_OP:``). The generated module is written once per
table, next to Numba's cache, and compiled with the package's keyed cache
(:mod:`automl_zero.vm.jit`), so a kernel compiled for other sources or another
table never loads. The op kernels must match the reference executor; tests
check both on thousands of random algorithms.

The public names here are the VM's kernel API for the rest of the package
(the search, the mutator): :func:`evaluate_batch`, :func:`evaluator` (the
evaluation of some ops only), :func:`evaluation` (one as a first-class
function for kernels), :class:`Batch`, the per-op arrays (:data:`OUT_KIND`,
...) and the random stream of one task (:func:`task_uniform`,
:func:`task_gaussian`). :mod:`automl_zero.vm.jit` has the compilation
helpers (``kernel``, ``FirstClass``, ``slp_vectorization``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import math
import os
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numba
import numpy as np
from numba import typeof, uint64

from automl_zero import ops
from automl_zero.algorithm import Algorithm, MemorySize
from automl_zero.ops import OPS
from automl_zero.tasks.base import EvalType, Task
from automl_zero.vm.encode import EncodedAlgorithm, encode
from automl_zero.vm.jit import FirstClass, kernel, slp_vectorization
from automl_zero.vm.reference import check_memory_for, combination_code, combine_fitnesses
from automl_zero.vm.rng import GOLDEN_GAMMA, MIX1, MIX2, SEED_MULTIPLIER, STREAM_SALT

# Compiled code freezes the table below; an op registered later would be missing from it.
ops.freeze(__name__)

#: Kinds of each op's output and inputs, by op number (compiled kernels index them): -1 where none.
OUT_KIND = np.array([-1 if s.out is None else int(s.out) for s in OPS], dtype=np.int64)
IN1_KIND = np.array([int(s.inputs[0]) if len(s.inputs) > 0 else -1 for s in OPS], dtype=np.int64)
IN2_KIND = np.array([int(s.inputs[1]) if len(s.inputs) > 1 else -1 for s in OPS], dtype=np.int64)
#: Whether each op writes only part of its output, its cost power, whether it draws random numbers.
PARTIAL_WRITE = np.array([s.partial_write for s in OPS], dtype=np.bool_)
COST_POWER = np.array([s.cost_power for s in OPS], dtype=np.int64)
RANDOM_OP = np.array([s.random for s in OPS], dtype=np.bool_)

_GOLDEN = np.uint64(GOLDEN_GAMMA)
_SEED_MUL = np.uint64(SEED_MULTIPLIER)
_MIX1 = np.uint64(MIX1)
_MIX2 = np.uint64(MIX2)
_STREAM_SALT = np.uint64(STREAM_SALT)
_SH11 = np.uint64(11)
_SH27 = np.uint64(27)
_SH30 = np.uint64(30)
_SH31 = np.uint64(31)
_INV_2_53 = 1.0 / 9007199254740992.0
_TWO_PI = 6.283185307179586
_MINUS_TWO_OVER_PI = -0.63661977236758138243

# Settings vector read by the core (one int64 array, to keep the call cheap).
# SET_MAX_COST: an algorithm whose cost (see program_cost) exceeds it is not trained (fitness 0);
# 0 means no limit. Outputs of the last call: SET_EXECUTED, instructions dispatched (each covers
# all T tasks); SET_STEPS, training steps done (examples times tasks still training).
# SET_COMBINE: how the returned fitness combines the tasks' (see COMBINATIONS).
# SET_CLASSES: K for multiclass tasks (SET_EVAL 2), else 0.
(
    SET_S,
    SET_V,
    SET_M,
    SET_EPOCHS,
    SET_EVAL,
    SET_SEED,
    SET_TASK0,
    SET_PRUNE,
    SET_MAX_COST,
    SET_EXECUTED,
    SET_STEPS,
    SET_COMBINE,
    SET_CLASSES,
) = range(13)
NUM_SETTINGS = 13
_MULTICLASS = int(EvalType.MULTICLASS)

_SETUP, _TRAIN_PREDICT, _LEARN, _VALID_PREDICT = 0, 1, 2, 3

#: Feature sizes and task counts that get their own compiled specialization
#: (the demo's F=4 with 10 tasks); others run the generic code.
UNROLLED_FEATURES = frozenset({4})
UNROLLED_TASKS = frozenset({10})

_jit = kernel()
# Kernels that allocate nothing: compiled without reference counting (see kernel).
_bare = kernel(refcounted=False)


@_bare
def task_uniform(rng: np.ndarray, t: int) -> float:
    """Next uniform draw in [0, 1) of task ``t``'s SplitMix64 stream (``rng[t]`` is its state)."""
    state = rng[t] + _GOLDEN
    rng[t] = state
    z = state
    z = (z ^ (z >> _SH30)) * _MIX1
    z = (z ^ (z >> _SH27)) * _MIX2
    z = z ^ (z >> _SH31)
    return float(z >> _SH11) * _INV_2_53


@_bare
def stream_seed(seed: np.uint64, individual: np.int64) -> np.uint64:
    """:func:`automl_zero.vm.rng.evaluation_stream` on ``uint64``: the random-op seed of one individual."""
    z = seed * _SEED_MUL + np.uint64(individual) * _GOLDEN + _STREAM_SALT
    z = (z ^ (z >> _SH30)) * _MIX1
    z = (z ^ (z >> _SH27)) * _MIX2
    return z ^ (z >> _SH31)


@_bare
def task_gaussian(rng: np.ndarray, t: int, mean: float, std: float) -> float:
    """Next Gaussian draw of task ``t``'s stream (Box-Muller, two uniform draws)."""
    u1 = task_uniform(rng, t)
    u2 = task_uniform(rng, t)
    return mean + std * (math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(_TWO_PI * u2))


@_bare
def _sift_down(values: np.ndarray, root: int, end: int) -> None:
    """Move ``values[root]`` down the max-heap ``values[:end]`` to its place."""
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and values[child] < values[child + 1]:
            child += 1
        if not values[root] < values[child]:
            return
        values[root], values[child] = values[child], values[root]
        root = child


@_bare
def sort_values(values: np.ndarray) -> None:
    """Sort a vector of numbers (no NaN) in place, ascending: a heapsort.

    Sorted values are sorted values, so this gives what ``np.sort`` gives;
    it compiles in a fraction of the time of Numba's ``np.sort``.
    """
    n = values.shape[0]
    for start in range(n // 2 - 1, -1, -1):
        _sift_down(values, start, n)
    for end in range(n - 1, 0, -1):
        values[0], values[end] = values[end], values[0]
        _sift_down(values, 0, end)


@_bare
def index_of(fraction: float, size: int) -> int:
    """Element of an index given as a fraction of the feature size (``numerics.index_of``)."""
    i = int(fraction * size)
    if i > size - 1:
        i = size - 1
    if i < 0:
        i = 0
    return i


@_bare
def _backward(ints: np.ndarray, lo: int, hi: int, ls: int, lv: int, lm: int, keep: np.ndarray) -> tuple[int, int, int]:
    """Backward liveness over instructions ``lo..hi-1``.

    ``ls``, ``lv``, ``lm`` are bitmasks of the live scalar, vector and matrix
    addresses after the range; returns them before it and marks ``keep``.
    """
    one = np.int64(1)
    for k in range(hi - 1, lo - 1, -1):
        op = ints[k, 0]
        kind = OUT_KIND[op]
        if kind < 0:
            continue
        bit = one << ints[k, 3]
        live = ls if kind == 0 else (lv if kind == 1 else lm)
        if (live & bit) == 0:
            continue
        keep[k] = True
        if not PARTIAL_WRITE[op]:
            live &= ~bit
        if kind == 0:
            ls = live
        elif kind == 1:
            lv = live
        else:
            lm = live
        for slot in range(1, 3):
            in_kind = IN1_KIND[op] if slot == 1 else IN2_KIND[op]
            if in_kind == 0:
                ls |= one << ints[k, slot]
            elif in_kind == 1:
                lv |= one << ints[k, slot]
            elif in_kind == 2:
                lm |= one << ints[k, slot]
    return ls, lv, lm


@_bare
def _loop_liveness(
    ints: np.ndarray, n_setup: int, n_predict: int, n_learn: int, multiclass: bool, keep: np.ndarray
) -> tuple[int, int, int, int, int, int]:
    """Live masks (scalars, vectors, matrices) at the start of Predict and at the start of Learn.

    Predict and Learn run in a loop, so this is a fixed point; ``keep`` gets
    the marks of the instructions of Predict and Learn that are live.
    """
    n = n_setup + n_predict + n_learn
    p0, p1 = n_setup, n_setup + n_predict
    scalar_harness = -2  # every bit but bit 0: clears s0
    vector_harness = -4 if multiclass else -2  # clears v0 (and v1)
    read_s, read_v = (0, 4) if multiclass else (2, 0)  # the prediction: v2 or s1
    ps, pv, pm = 0, 0, 0  # live before Predict
    ls_, lv_, lm_ = 0, 0, 0  # live before Learn
    while True:
        a, b, c = _backward(ints, p0, p1, ps | ls_ | read_s, pv | lv_ | read_v, pm | lm_, keep)
        a, b, c = a & scalar_harness, b & vector_harness, c
        d, e, g = _backward(ints, p1, n, a, b, c, keep)
        d, e, g = d & scalar_harness, e & vector_harness, g
        if a == ps and b == pv and c == pm and d == ls_ and e == lv_ and g == lm_:
            break
        ps, pv, pm, ls_, lv_, lm_ = a, b, c, d, e, g
    return ps, pv, pm, ls_, lv_, lm_


@_jit
def live_after(
    ints: np.ndarray, n_setup: int, n_predict: int, n_learn: int, position: int, multiclass: bool
) -> tuple[int, int, int]:
    """Live masks (scalars, vectors, matrices) right after instruction ``position`` (flat index).

    An address is live there when its value can still reach a prediction: a
    write to it at that point would not be dead.
    """
    keep = np.zeros(n_setup + n_predict + n_learn, dtype=np.bool_)
    return live_after_into(ints, n_setup, n_predict, n_learn, position, multiclass, keep)


@_bare
def live_after_into(
    ints: np.ndarray, n_setup: int, n_predict: int, n_learn: int, position: int, multiclass: bool, keep: np.ndarray
) -> tuple[int, int, int]:
    """:func:`live_after` with a scratch array for the marks (at least one per instruction; overwritten)."""
    n = n_setup + n_predict + n_learn
    for k in range(n):
        keep[k] = False
    ps, pv, pm, ls_, lv_, lm_ = _loop_liveness(ints, n_setup, n_predict, n_learn, multiclass, keep)
    if position < n_setup:
        end, s, v, m = n_setup, ps, pv, pm
    elif position < n_setup + n_predict:
        read_s, read_v = (0, 4) if multiclass else (2, 0)
        end, s, v, m = n_setup + n_predict, ps | ls_ | read_s, pv | lv_ | read_v, pm | lm_
    else:
        end, s, v, m = n, ps, pv, pm
    return _backward(ints, position + 1, end, s, v, m, keep)


@_bare
def _mark_live(
    ints: np.ndarray, n_setup: int, n_predict: int, n_learn: int, multiclass: bool, keep: np.ndarray
) -> None:
    """Set ``keep[k]`` for the instructions that can affect a prediction.

    Predict and Learn run in a loop, so liveness is a fixed point: after
    Predict, the prediction (s1; v2 for multiclass tasks) is read and Learn or
    Predict follows; after Learn, Predict follows; after Setup, Predict
    follows. s0 and v0 (and v1, the one-hot label, for multiclass tasks) are
    written by the evaluation before Predict and Learn, so they are never live
    across. Random ops all stay if any of them is live, so that the random
    stream each live one sees is unchanged.
    """
    n = n_setup + n_predict + n_learn
    ps, pv, pm, _, _, _ = _loop_liveness(ints, n_setup, n_predict, n_learn, multiclass, keep)
    # Marks from the iterations are a subset of the final ones; Setup feeds Predict.
    _backward(ints, 0, n_setup, ps, pv, pm, keep)
    any_random = False
    for k in range(n):
        if keep[k] and RANDOM_OP[ints[k, 0]]:
            any_random = True
    if any_random:
        for k in range(n):
            if RANDOM_OP[ints[k, 0]]:
                keep[k] = True


@_jit
def run_order(
    ints: np.ndarray, n_setup: int, n_predict: int, n_learn: int, prune: bool, multiclass: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The instructions that run, as indices in order, and where each component starts.

    Returns ``order`` and ``bounds``: component c runs ``order[bounds[c]:bounds[c + 1]]``.
    With ``prune``, instructions that cannot affect a prediction (of a
    multiclass task if ``multiclass``) are left out.
    """
    n = n_setup + n_predict + n_learn
    keep = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    bounds = np.zeros(4, dtype=np.int64)
    order_into(ints, n_setup, n_predict, n_learn, prune, multiclass, keep, order, bounds)
    return order, bounds


@_bare
def order_into(
    ints: np.ndarray,
    n_setup: int,
    n_predict: int,
    n_learn: int,
    prune: bool,
    multiclass: bool,
    keep: np.ndarray,
    order: np.ndarray,
    bounds: np.ndarray,
) -> None:
    """:func:`run_order` into scratch arrays: ``keep`` and ``order`` of at least one per instruction, ``bounds`` of 4.

    For the search's kernels, which allocate nothing per individual.
    """
    n = n_setup + n_predict + n_learn
    for k in range(n):
        keep[k] = not prune
    if prune:
        _mark_live(ints, n_setup, n_predict, n_learn, multiclass, keep)
    limits = (0, n_setup, n_setup + n_predict, n)
    count = 0
    for component in range(3):
        bounds[component] = count
        for k in range(limits[component], limits[component + 1]):
            if keep[k]:
                order[count] = k
                count += 1
    bounds[3] = count


@_jit
def live_instructions(
    ints: np.ndarray, n_setup: int, n_predict: int, n_learn: int, multiclass: bool = False
) -> np.ndarray:
    """Return a mask of the instructions that can affect a prediction (see :func:`_mark_live`)."""
    keep = np.zeros(n_setup + n_predict + n_learn, dtype=np.bool_)
    _mark_live(ints, n_setup, n_predict, n_learn, multiclass, keep)
    return keep


_inline = kernel(inline=True)

# Row helpers for kernels that read one memory kind and write another. Loads come
# four at a time before their stores, so the vectorizer may use SIMD without
# proving that the arrays do not overlap (it cannot; a plain loop stays scalar).


@_inline
def row_scale(out: np.ndarray, x: np.ndarray, scale: np.ndarray) -> None:
    """``out[t] = x[t] * scale[t]``."""
    n = out.shape[0]
    t = 0
    while t + 4 <= n:
        y0 = x[t] * scale[t]
        y1 = x[t + 1] * scale[t + 1]
        y2 = x[t + 2] * scale[t + 2]
        y3 = x[t + 3] * scale[t + 3]
        out[t] = y0
        out[t + 1] = y1
        out[t + 2] = y2
        out[t + 3] = y3
        t += 4
    while t < n:
        out[t] = x[t] * scale[t]
        t += 1


@_inline
def dot_rows(out: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    """``out[t] = sum over f of x[f, t] * y[f, t]``, added in f order from the first term."""
    n = out.shape[0]
    size = x.shape[0]
    t = 0
    while t + 4 <= n:
        y0 = x[0, t] * y[0, t]
        y1 = x[0, t + 1] * y[0, t + 1]
        y2 = x[0, t + 2] * y[0, t + 2]
        y3 = x[0, t + 3] * y[0, t + 3]
        for f in range(1, size):
            y0 += x[f, t] * y[f, t]
            y1 += x[f, t + 1] * y[f, t + 1]
            y2 += x[f, t + 2] * y[f, t + 2]
            y3 += x[f, t + 3] * y[f, t + 3]
        out[t] = y0
        out[t + 1] = y1
        out[t + 2] = y2
        out[t + 3] = y3
        t += 4
    while t < n:
        total = x[0, t] * y[0, t]
        for f in range(1, size):
            total += x[f, t] * y[f, t]
        out[t] = total
        t += 1


@_inline
def row_copy(out: np.ndarray, x: np.ndarray) -> None:
    """``out[t] = x[t]``."""
    n = out.shape[0]
    t = 0
    while t + 4 <= n:
        y0 = x[t]
        y1 = x[t + 1]
        y2 = x[t + 2]
        y3 = x[t + 3]
        out[t] = y0
        out[t + 1] = y1
        out[t + 2] = y2
        out[t + 3] = y3
        t += 4
    while t < n:
        out[t] = x[t]
        t += 1


@_bare
def program_cost(
    ints: np.ndarray, order: np.ndarray, bounds: np.ndarray, size: int, n_train: int, n_valid: int, epochs: int
) -> int:
    """Arithmetic cost of training and validating the instructions ``order[bounds[0]:bounds[3]]``.

    Each op costs ``F ** cost_power`` (its table row); Setup runs once, Predict
    and Learn once per training example, Predict once per validation example.
    """
    setup = _range_cost(ints, order, bounds[0], bounds[1], size)
    predict = _range_cost(ints, order, bounds[1], bounds[2], size)
    learn = _range_cost(ints, order, bounds[2], bounds[3], size)
    return setup + epochs * (n_train * (predict + learn) + n_valid * predict)


@_bare
def _range_cost(ints: np.ndarray, order: np.ndarray, lo: int, hi: int, size: int) -> int:
    """One run of the instructions ``order[lo:hi]``: ``F ** cost_power`` each."""
    total = 0
    for k in range(lo, hi):
        power = COST_POWER[ints[order[k], 0]]
        total += 1 if power == 0 else size**power
    return total


@_jit
def _cost_of(
    ints: np.ndarray,
    n_setup: int,
    n_predict: int,
    n_learn: int,
    multiclass: bool,
    size: int,
    n_train: int,
    n_valid: int,
    epochs: int,
) -> int:
    order, bounds = run_order(ints, n_setup, n_predict, n_learn, True, multiclass)
    return program_cost(ints, order, bounds, size, n_train, n_valid, epochs)


@_inline
def _softmax(v: np.ndarray, out: np.ndarray, t: int, n_classes: int, size: int, in_place: bool) -> None:
    """Truncating softmax of task ``t``'s v2 (see ``reference.truncating_softmax``).

    Writes into v2 when ``in_place`` (training: Learn sees the probabilities),
    else into ``out[:, t]`` (validation: memory keeps the raw prediction).
    """
    top = v[2, 0, t]
    for f in range(1, n_classes):
        x = v[2, f, t]
        if x > top or math.isnan(x):
            top = x
    total = 0.0
    for f in range(n_classes):
        e = math.exp(v[2, f, t] - top)
        out[f, t] = e
        total += e
    for f in range(n_classes):
        out[f, t] = out[f, t] / total
    for f in range(n_classes, size):
        out[f, t] = 0.0
    if in_place:
        for f in range(size):
            v[2, f, t] = out[f, t]


def _op_kernels(*names: Any) -> None:
    """Stands for the op dispatch in :func:`_evaluate_source` (never called).

    Its arguments are the names an op's ``kernel`` reads (see :class:`~automl_zero.ops.OpSpec`).
    """


def _evaluate_source(
    ints: np.ndarray,
    floats: np.ndarray,
    n_setup: int,
    n_predict: int,
    n_learn: int,
    train_x: np.ndarray,
    train_y: np.ndarray,
    valid_x: np.ndarray,
    valid_y: np.ndarray,
    orders: np.ndarray,
    settings: np.ndarray,
    max_abs_error: float,
    rng: np.ndarray,
    fitness: np.ndarray,
    errors: np.ndarray,
    features_token: tuple[int, ...],
    tasks_token: tuple[int, ...],
) -> float:
    """Evaluate one encoded algorithm on a batch of T tasks; return the combined fitness.

    The source of the compiled :func:`evaluate_batch`, less its op dispatch
    (see :func:`_generate`); never called itself.

    ``train_x`` is (n_train, F, T), ``train_y`` (n_train, T), likewise for
    validation. ``orders`` (epochs, n_train, T) holds each task's training
    rows epoch by epoch (:meth:`Task.epoch_orders`; the first epoch must be
    the stored order). Per-task fitnesses are written to ``fitness`` (T,). If
    ``errors`` has rows, it receives the first epoch's absolute errors:
    training examples, then validation examples (the FEC fingerprint).
    """
    # A token tuple's length is part of its type, so a non-empty token makes F or T
    # a compile-time constant (fully unrolled loops); an empty one leaves it to run time.
    n_train = train_x.shape[0]
    size = len(features_token) if len(features_token) > 0 else train_x.shape[1]
    n_tasks = len(tasks_token) if len(tasks_token) > 0 else train_x.shape[2]
    n_valid = valid_x.shape[0]
    num_epochs = settings[SET_EPOCHS]
    classify = settings[SET_EVAL] == 1
    multiclass = settings[SET_EVAL] == _MULTICLASS
    n_classes = settings[SET_CLASSES]

    # Which instructions run, as one index list: Setup, Predict, Learn.
    order, bounds = run_order(ints, n_setup, n_predict, n_learn, settings[SET_PRUNE] != 0, multiclass)
    settings[SET_STEPS] = 0
    settings[SET_EXECUTED] = 0
    if errors.shape[0] > 0:
        # Rows an early stop (or the budget) leaves unwritten must not keep an earlier algorithm's errors.
        errors[:, :] = -1.0
    if settings[SET_MAX_COST] > 0:
        cost = program_cost(ints, order, bounds, size, n_train, n_valid, settings[SET_EPOCHS])
        if cost > settings[SET_MAX_COST]:
            for t in range(n_tasks):
                fitness[t] = 0.0
            return 0.0
    record = errors.shape[0] > 0
    steps = 0

    # Separate allocations: views of one workspace measured slower (the vectorizer then sees one buffer).
    n_s, n_v, n_m = settings[SET_S], settings[SET_V], settings[SET_M]
    size2 = size * size
    width = size * n_tasks
    s = np.zeros((n_s, n_tasks))
    v = np.zeros((n_v, size, n_tasks))
    v0 = v.reshape((n_v, width))[0]  # the features of all tasks, contiguous
    m = np.zeros((n_m, size, size, n_tasks))
    mf = m.reshape((n_m, size2, n_tasks))  # matrices as flat vectors, for elementwise ops
    tmp_m = np.empty((size, size, n_tasks))
    tmp_v = np.empty((size, n_tasks))
    loss = np.zeros(n_tasks)
    label = np.zeros(n_tasks)  # the current training example's label, per task
    train_error = np.zeros(n_tasks)
    best = np.zeros(n_tasks)
    alive = np.zeros(n_tasks)
    failed = np.zeros(n_tasks)
    train_flat = train_x.reshape((n_train, width))
    valid_flat = valid_x.reshape((n_valid, width))
    seed = np.uint64(settings[SET_SEED])
    for t in range(n_tasks):
        rng[t] = seed * _SEED_MUL + np.uint64(settings[SET_TASK0] + t + 1) * _GOLDEN
        alive[t] = 1.0

    executed = 0
    phase = _SETUP
    lo = bounds[0]
    hi = bounds[1]
    example = 0
    epoch = 0
    while True:
        executed += hi - lo
        for k in range(lo, hi):
            i = order[k]
            op = ints[i, 0]
            # Unsigned addresses need no negative-index fix-up, which would block vectorization.
            a = uint64(ints[i, 1])
            b = uint64(ints[i, 2])
            o = uint64(ints[i, 3])
            # The op table's kernels, one branch per op, spliced in by _generate.
            _op_kernels(op, i, a, b, o, s, v, m, mf, tmp_v, tmp_m, floats, rng, size, size2, n_tasks)

        # Harness steps between component functions.
        if phase == _TRAIN_PREDICT:
            num_alive = 0.0
            if multiclass:
                for t in range(n_tasks):
                    _softmax(v, tmp_v, t, n_classes, size, True)
                    label_class = int(label[t])
                    train_error[t] = abs(1.0 - v[2, label_class, t])
                    if record and epoch == 0:
                        errors[example, t] = train_error[t]
                    still = alive[t] * (1.0 if train_error[t] <= max_abs_error else 0.0)
                    alive[t] = still
                    num_alive += still
                    for f in range(size):
                        v[1, f, t] = 1.0 if f == label_class else 0.0
            else:
                if classify:
                    for t in range(n_tasks):
                        s[1, t] = 1.0 / (1.0 + math.exp(-s[1, t]))
                if record and epoch == 0:
                    for t in range(n_tasks):
                        errors[example, t] = abs(label[t] - s[1, t])
                # Branch-free over tasks so that the loop vectorizes: a task whose error is NaN or
                # too large stops (alive 0) and stays stopped.
                for t in range(n_tasks):
                    y = label[t]
                    still = alive[t] * (1.0 if abs(y - s[1, t]) <= max_abs_error else 0.0)
                    alive[t] = still
                    num_alive += still
                    s[0, t] = y
            steps += int(num_alive)
            if num_alive == 0.0:
                break
            phase = _LEARN
            lo = bounds[2]
            hi = bounds[3]
            continue
        if phase == _VALID_PREDICT:
            if multiclass:
                for t in range(n_tasks):
                    _softmax(v, tmp_v, t, n_classes, size, False)
                    finite = True
                    top = 0
                    for f in range(n_classes):
                        p = tmp_v[f, t]
                        if math.isnan(p) or math.isinf(p):
                            finite = False
                        if p > tmp_v[top, t]:
                            top = f
                    if not finite:
                        error = np.inf
                    elif top == int(valid_y[example, t]):
                        error = 0.0
                    else:
                        error = 1.0
                    loss[t] += error
                    if record and epoch == 0:
                        errors[n_train + example, t] = error
                    failed[t] = max(failed[t], 0.0 if error <= max_abs_error else 1.0)
            elif classify:
                for t in range(n_tasks):
                    probability = 1.0 / (1.0 + math.exp(-s[1, t]))
                    if probability > 1.0 or probability < 0.0:
                        error = np.inf
                    elif (valid_y[example, t] > 0.5) == (probability > 0.5):
                        error = 0.0
                    else:
                        error = 1.0
                    loss[t] += error
                    if record and epoch == 0:
                        errors[n_train + example, t] = abs(error)
                    failed[t] = max(failed[t], 0.0 if abs(error) <= max_abs_error else 1.0)
            else:
                if record and epoch == 0:
                    for t in range(n_tasks):
                        errors[n_train + example, t] = abs(valid_y[example, t] - s[1, t])
                for t in range(n_tasks):
                    error = valid_y[example, t] - s[1, t]
                    loss[t] += error * error
                    failed[t] = max(failed[t], 0.0 if abs(error) <= max_abs_error else 1.0)
            example += 1
            if example < n_valid:
                row_copy(v0, valid_flat[example])
                for t in range(n_tasks):
                    s[0, t] = 0.0
                if multiclass:
                    v[1, :, :] = 0.0
                continue
            for t in range(n_tasks):
                if alive[t] != 0.0 and failed[t] == 0.0:
                    if classify or multiclass:
                        current = 1.0 - loss[t] / n_valid
                    else:
                        rms = math.sqrt(loss[t] / n_valid)
                        current = (
                            0.0 if math.isnan(rms) or math.isinf(rms) else 1.0 + _MINUS_TWO_OVER_PI * math.atan(rms)
                        )
                    if current > best[t]:
                        best[t] = current
                loss[t] = 0.0
                failed[t] = 0.0
            epoch += 1
            if epoch == num_epochs:
                break
            example = 0
        elif phase == _SETUP:
            example = 0
        else:  # after Learn
            example += 1
        if example < n_train:
            if epoch == 0:
                row_copy(v0, train_flat[example])
                row_copy(label, train_y[example])
            else:
                # A later epoch: each task's own reshuffled row.
                for t in range(n_tasks):
                    row = orders[epoch, example, t]
                    label[t] = train_y[row, t]
                    for f in range(size):
                        v[0, f, t] = train_x[row, f, t]
            phase = _TRAIN_PREDICT
        else:
            example = 0
            row_copy(v0, valid_flat[0])
            phase = _VALID_PREDICT
        for t in range(n_tasks):
            s[0, t] = 0.0
        if multiclass:
            v[1, :, :] = 0.0
        lo = bounds[1]
        hi = bounds[2]

    settings[SET_EXECUTED] = executed
    settings[SET_STEPS] = steps
    total = 0.0
    for t in range(n_tasks):
        fitness[t] = best[t]
        total += fitness[t]
    if settings[SET_COMBINE] == 1:
        sort_values(best)  # a copy of the fitnesses by now
        return float(best[n_tasks // 2])  # the upper middle, as combine_fitnesses
    return float(total) / n_tasks


# ---------------------------------------------------------------------------
# The generated interpreter
# ---------------------------------------------------------------------------


def _dispatch_source(ops: Sequence[int] | None = None) -> str:
    """The op dispatch: one branch per row of the table (or per op of ``ops``), comparing with its named constant."""
    lines = []
    rows = OPS if ops is None else [OPS[op] for op in ops]
    for j, row in enumerate(rows):
        lines.append(f"{'if' if j == 0 else 'elif'} op == {row.name}:")
        lines.extend("    " + line if line else "" for line in row.kernel.splitlines())
    return "\n".join(lines)


_TEMPLATE_NOTE = """
    The source of the compiled :func:`evaluate_batch`, less its op dispatch
    (see :func:`_generate`); never called itself.
"""


def _generate(ops: Sequence[int] | None = None) -> str:
    """Source of the module that defines :func:`evaluate_batch` for the current op table (or ``ops`` of it)."""
    template = textwrap.dedent(inspect.getsource(_evaluate_source))
    marker = re.search(r"^( *)_op_kernels\([^()]*\)[^\n]*$", template, flags=re.MULTILINE)
    assert marker is not None, "the template lost its dispatch marker"
    dispatch = textwrap.indent(_dispatch_source(ops), marker.group(1))
    body = template[: marker.start()] + dispatch + template[marker.end() :]
    body = body.replace("def _evaluate_source(", "def evaluate_batch(", 1).replace(_TEMPLATE_NOTE, "", 1)
    constants = "\n".join(f"{row.name} = {row.number}" for row in OPS)
    imports = "\n".join(dict.fromkeys(line for row in OPS for line in row.kernel_imports))
    which = "the op table" if ops is None else "these ops of the op table: " + ", ".join(OPS[op].name for op in ops)
    return (
        f'"""The compiled evaluation, generated by automl_zero.vm.compiled from {which}: do not edit.\n\n'
        "Names not defined here (the harness helpers, numpy as np, math) are those of automl_zero.vm.compiled.\n"
        '"""\n\n'
        f"{imports}\n\n# Op numbers.\n{constants}\n\n\n@_jit\n{body}"
    )


def _generated_dir() -> Path:
    """A writable folder for the generated module: beside this file if possible, else the temp folder."""
    for folder in (Path(__file__).parent / "__pycache__" / "generated", Path(tempfile.gettempdir()) / "automl_zero"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    raise OSError("no writable folder for the generated evaluation module")


def _load_generated(ops: Sequence[int] | None = None) -> ModuleType:
    """Write (once per table and ops) and import the generated module, with this module's names as its globals."""
    source = _generate(ops)
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    path = _generated_dir() / f"evaluate_{digest}.py"
    if not path.exists() or path.read_text(encoding="utf-8") != source:
        # Write and rename, so that a process starting meanwhile never imports half a file.
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(source, encoding="utf-8")
        os.replace(partial, path)
    name = f"automl_zero.vm._evaluate_{digest}"
    found = importlib.util.spec_from_file_location(name, path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    module.__dict__.update({k: v for k, v in globals().items() if not k.startswith("__")})
    # Registered, so that Numba can find the module again when it loads the cached kernel.
    sys.modules[name] = module
    found.loader.exec_module(module)
    return module


_generated = _load_generated()
#: Evaluate one encoded algorithm on a batch of T tasks (see :func:`_evaluate_source` for the arguments);
#: compiled from the op table.
evaluate_batch: Any = _generated.evaluate_batch
_evaluators: dict[tuple[int, ...] | None, Any] = {None: evaluate_batch}


def op_set(ops: Iterable[int] | None) -> tuple[int, ...] | None:
    """The ops an evaluation dispatches, as :func:`evaluator` keys them: sorted, NO_OP included; None for all.

    Examples
    --------
    >>> from automl_zero.ops import Op
    >>> op_set([Op.SCALAR_DIFF_OP, Op.SCALAR_SUM_OP, Op.SCALAR_DIFF_OP])
    (0, 1, 2)
    >>> op_set(None) is None and op_set(range(len(OPS))) is None
    True

    """
    if ops is None:
        return None
    numbers = {0} | {int(op) for op in ops}
    if min(numbers) < 0 or max(numbers) >= len(OPS):
        raise ValueError(f"op numbers must be in 0..{len(OPS) - 1}, got {sorted(numbers)}")
    return None if len(numbers) == len(OPS) else tuple(sorted(numbers))


def evaluator(ops: Iterable[int] | None = None) -> Any:
    """:func:`evaluate_batch` generated with the kernels of ``ops`` only (None: the whole table).

    An evaluation with fewer ops compiles in a fraction of the time (the
    demo's six ops: about a third of the whole table's), and runs the same
    code for each of its ops, so its results are bit-identical. It must only
    see algorithms whose ops are all in ``ops`` (and NO_OP, always
    included): any other instruction would do nothing. The compiled search
    and :class:`CompiledExecutor` (``ops=``) guarantee that.
    """
    key = op_set(ops)
    if key not in _evaluators:
        _evaluators[key] = _load_generated(key).evaluate_batch
    return _evaluators[key]


def evaluation(ops: Iterable[int] | None, batch: Batch) -> FirstClass:
    """The :func:`evaluator` of ``ops`` at ``batch``'s signature, as a first-class function for kernels.

    The compiled search takes it as an argument and calls it through its
    address: the search's kernels are compiled without the evaluation's code
    (which would otherwise be optimized a second time inside them), and one
    compiled search serves the evaluations of every op set.
    """
    return FirstClass(evaluator(ops), evaluation_signature(batch), slp=True)


def evaluation_signature(batch: Batch) -> Any:
    """The Numba signature of the evaluation's calls on ``batch`` (as :meth:`CompiledExecutor._run` makes them)."""
    args = (
        np.zeros((1, 4), dtype=np.int64),
        np.zeros((1, 3)),
        0,
        0,
        0,
        batch.train_x,
        batch.train_y,
        batch.valid_x,
        batch.valid_y,
        batch.orders,
        batch.settings,
        0.0,
        batch.rng,
        batch.fitness,
        batch.errors,
        batch.features_token,
        batch.tasks_token,
    )
    return numba.float64(*(typeof(arg) for arg in args))  # type: ignore[no-untyped-call]


def seed_setting(seed: int) -> int:
    """A seed's 64 bits as the int64 with the same bits (how ``settings[SET_SEED]`` holds it)."""
    seed &= 0xFFFFFFFFFFFFFFFF
    return seed - (1 << 64) if seed >= 1 << 63 else seed


def batch_sizes(num_features: int, count: int) -> list[tuple[int, int]]:
    """How :class:`CompiledExecutor` splits ``count`` consecutive tasks of one shape: (first, count) per batch.

    One batch, unless a specialized task count (:data:`UNROLLED_TASKS`) of
    these features divides them: then batches of that count, so that the
    specialization the search compiles serves them too (the demo's 100
    T_select tasks: 10 batches of 10). Each task's fitness is the same
    either way, and the combined one too (summed in task order).

    Examples
    --------
    >>> batch_sizes(4, 30)
    [(0, 10), (10, 10), (20, 10)]
    >>> batch_sizes(4, 25), batch_sizes(16, 30)
    ([(0, 25)], [(0, 30)])

    """
    if num_features in UNROLLED_FEATURES:
        for size in sorted(UNROLLED_TASKS, reverse=True):
            if count > size and count % size == 0:
                return [(first, size) for first in range(0, count, size)]
    return [(0, count)]


class Batch:
    """Tasks of one shape, stacked with the task axis last."""

    def __init__(
        self,
        tasks: Sequence[Task],
        first_index: int,
        memory: MemorySize,
        seed: int,
        prune: bool,
        combine: str = "mean",
        unroll: bool = True,
    ) -> None:
        first = tasks[0]
        self.train_x = np.ascontiguousarray(np.stack([t.train_x for t in tasks], axis=-1))
        self.train_y = np.ascontiguousarray(np.stack([t.train_y for t in tasks], axis=-1))
        self.valid_x = np.ascontiguousarray(np.stack([t.valid_x for t in tasks], axis=-1))
        self.valid_y = np.ascontiguousarray(np.stack([t.valid_y for t in tasks], axis=-1))
        self.orders = np.ascontiguousarray(np.stack([t.epoch_orders() for t in tasks], axis=-1))
        self.settings = np.zeros(NUM_SETTINGS, dtype=np.int64)
        self.settings[SET_S] = memory.scalars
        self.settings[SET_V] = memory.vectors
        self.settings[SET_M] = memory.matrices
        self.settings[SET_EPOCHS] = first.num_epochs
        self.settings[SET_EVAL] = int(first.eval_type)
        self.settings[SET_SEED] = seed_setting(seed)
        self.settings[SET_TASK0] = first_index
        self.settings[SET_PRUNE] = int(prune)
        self.settings[SET_COMBINE] = combination_code(combine)
        self.settings[SET_CLASSES] = first.num_classes
        self.fitness = np.zeros(len(tasks))
        self.errors = np.zeros((0, len(tasks)))  # rows only when recording FEC fingerprints
        count = len(tasks)
        self.rng = np.zeros(count, dtype=np.uint64)
        self.entry: Callable[..., float] | None = None
        # Shapes worth a compiled specialization of their own (see evaluate_batch).
        # ``unroll=False``: the generic one, so that batches of different task counts share one evaluation.
        specialize = unroll and first.num_features in UNROLLED_FEATURES and len(tasks) in UNROLLED_TASKS
        self.features_token = (0,) * first.num_features if specialize else ()
        self.tasks_token = (0,) * len(tasks) if specialize else ()


class CompiledExecutor:
    """Evaluate algorithms on a task set with the compiled core.

    Tasks are grouped by shape; each group is one compiled call per
    evaluation. With a single group (the usual case), :meth:`evaluate` costs
    one call and no other Python work for an already encoded algorithm.

    Parameters
    ----------
    tasks : sequence of Task
    memory : MemorySize
    max_abs_error : float
        Errors above this stop training (and zero a validation epoch).
    seed : int
        Seeds the random ops' streams (task ``i`` gets stream ``(seed, i)``);
        :meth:`evaluate` and :meth:`task_fitnesses` take another for one call.
        To repeat an evaluation of the search, pass
        :func:`automl_zero.vm.rng.evaluation_stream` of the run's seed and the
        individual's number.
    prune : bool
        Skip instructions that cannot affect any prediction (never changes a
        fitness; off only to measure what it saves). A compute budget counts
        only the instructions that run.
    combine : {"mean", "median"}
        How :meth:`evaluate` combines the tasks' fitnesses (the paper: median).
    ops : iterable of Op, optional
        The ops of the algorithms this executor will mostly see (a search
        space's): it compiles only their kernels (:func:`evaluator`), which
        takes a fraction of the whole table's compile time. An algorithm with
        other ops runs on the whole table's evaluation, compiled when first
        needed. Results are the same either way.

    """

    def __init__(
        self,
        tasks: Sequence[Task],
        memory: MemorySize,
        *,
        max_abs_error: float = 100.0,
        seed: int = 0,
        prune: bool = True,
        combine: str = "mean",
        ops: Iterable[int] | None = None,
    ) -> None:
        if not tasks:
            raise ValueError("an executor needs at least one task")
        self.combine = combine
        combination_code(combine)
        self.tasks = list(tasks)
        check_memory_for(self.tasks, memory)
        self.memory = memory
        self.max_abs_error = float(max_abs_error)
        self.seed = int(seed)
        self._prune = prune
        key = op_set(ops)
        self._evaluate = evaluator(key)
        # Which op numbers the evaluation dispatches (None: all); others go to the whole table's.
        self._dispatched: np.ndarray | None = None
        if key is not None:
            self._dispatched = np.zeros(len(OPS), dtype=np.bool_)
            self._dispatched[list(key)] = True
        self._whole_table: CompiledExecutor | None = None
        self._ran_whole = False  # whether the last evaluation went to the whole table's
        # Consecutive tasks of one shape form a batch; task i keeps random stream (seed, i).
        self._batches: list[Batch] = []
        start = 0
        for end in range(1, len(self.tasks) + 1):
            if end == len(self.tasks) or self.tasks[end].shape_key != self.tasks[start].shape_key:
                for first, count in batch_sizes(self.tasks[start].num_features, end - start):
                    group = self.tasks[start + first : start + first + count]
                    self._batches.append(Batch(group, start + first, memory, self.seed, prune, combine))
                start = end
        self._single = self._batches[0] if len(self._batches) == 1 else None

    def _run(self, encoded: EncodedAlgorithm, batch: Batch) -> float:
        a, b, c = encoded.sizes
        args = (
            encoded.ints,
            encoded.floats,
            a,
            b,
            c,
            batch.train_x,
            batch.train_y,
            batch.valid_x,
            batch.valid_y,
            batch.orders,
            batch.settings,
            self.max_abs_error,
            batch.rng,
            batch.fitness,
            batch.errors,
            batch.features_token,
            batch.tasks_token,
        )
        if batch.entry is None:
            # The first call compiles (or loads from Numba's cache); later calls go straight
            # to the compiled overload, skipping the dispatcher's type resolution (~half the
            # cost of a call). The argument types never change for a batch.
            with slp_vectorization():
                result = self._evaluate(*args)
            signature = tuple(typeof(arg) for arg in args)  # type: ignore[no-untyped-call]
            batch.entry = self._evaluate.overloads[signature].entry_point
            return float(result)
        return float(batch.entry(*args))

    def _set_seed(self, seed: int | None) -> None:
        value = seed_setting(self.seed if seed is None else seed)
        for batch in self._batches:
            batch.settings[SET_SEED] = value

    def evaluate(self, algorithm: Algorithm | EncodedAlgorithm, *, seed: int | None = None) -> float:
        """Return the tasks' fitnesses combined: their mean (summed in task order) or median.

        ``seed`` replaces the executor's random-op seed for this call.
        """
        encoded = algorithm if isinstance(algorithm, EncodedAlgorithm) else self._encode(algorithm)
        encoded.check(self.memory)
        if self._dispatched is not None:
            self._ran_whole = not self._dispatches(encoded)
            if self._ran_whole:
                return self._whole().evaluate(encoded, seed=seed)
        if self._single is not None:
            self._set_seed(seed)
            return self._run(encoded, self._single)
        return combine_fitnesses(self.task_fitnesses(encoded, seed=seed), self.combine)

    def task_fitnesses(self, algorithm: Algorithm | EncodedAlgorithm, *, seed: int | None = None) -> np.ndarray:
        """Return the fitness on each task, in task order (``seed`` as for :meth:`evaluate`)."""
        encoded = algorithm if isinstance(algorithm, EncodedAlgorithm) else self._encode(algorithm)
        encoded.check(self.memory)
        if self._dispatched is not None:
            self._ran_whole = not self._dispatches(encoded)
            if self._ran_whole:
                return self._whole().task_fitnesses(encoded, seed=seed)
        self._set_seed(seed)
        result = np.empty(len(self.tasks))
        for batch in self._batches:
            self._run(encoded, batch)
            first = int(batch.settings[SET_TASK0])
            result[first : first + len(batch.fitness)] = batch.fitness
        return result

    def cost(self, algorithm: Algorithm | EncodedAlgorithm) -> int:
        """Op-cost units of training and validating ``algorithm`` on the first task (after pruning)."""
        encoded = algorithm if isinstance(algorithm, EncodedAlgorithm) else self._encode(algorithm)
        encoded.check(self.memory)
        task = self.tasks[0]
        return int(
            _cost_of(
                encoded.ints,
                *encoded.sizes,
                task.eval_type == EvalType.MULTICLASS,
                task.num_features,
                len(task.train_x),
                len(task.valid_x),
                task.num_epochs,
            )
        )

    def executed_instructions(self) -> int:
        """Instructions dispatched by the last evaluation, counted once per task."""
        if self._ran_whole:
            return self._whole().executed_instructions()
        return sum(int(b.settings[SET_EXECUTED]) * len(b.fitness) for b in self._batches)

    def _dispatches(self, encoded: EncodedAlgorithm) -> bool:
        """Whether every op of ``encoded`` is one this executor's evaluation dispatches."""
        assert self._dispatched is not None
        return encoded.ops_within(self._dispatched)

    def _whole(self) -> CompiledExecutor:
        """The same executor with the whole table's evaluation (for algorithms with other ops)."""
        if self._whole_table is None:
            self._whole_table = CompiledExecutor(
                self.tasks,
                self.memory,
                max_abs_error=self.max_abs_error,
                seed=self.seed,
                prune=self._prune,
                combine=self.combine,
            )
        return self._whole_table

    def _encode(self, algorithm: Algorithm) -> EncodedAlgorithm:
        algorithm.validate(self.memory)
        return encode(algorithm)
