"""The reference executor: plain NumPy, one task at a time, written to be read.

This module *defines* the semantics (SPEC section 3); the compiled executor
must return bit-identical fitnesses. To make that possible, every choice that
floating point leaves open is fixed here:

- reductions (dot, norms, means, matrix products) add terms one by one in
  index order (row-major for matrices), starting from the first term;
- ``sin``, ``exp``, ``log`` and the like are the C library's (Python's
  :mod:`math`), with IEEE results instead of exceptions (``log(-1)`` is NaN,
  ``exp(1000)`` is inf);
- ``minimum(a, b)`` is ``b if b < a else a`` and ``maximum(a, b)`` is
  ``b if a < b else a`` (C++ ``std::min``/``std::max``);
- scalar ``heaviside`` is 1 for ``x >= 0``, the vector and matrix ones 1 for
  ``x > 0`` (as the original);
- an index fraction ``f`` means element ``min(int(f * F), F - 1)``;
- random ops draw from :class:`~automl_zero.vm.rng.SplitMix64`, one stream per
  task seeded from the evaluation's seed and the task's position in the set;
- validation runs Predict on every validation example, even after one of
  them gave a bad error (the epoch then scores 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from automl_zero.algorithm import (
    FEATURES_VECTOR,
    LABEL_SCALAR,
    LABELS_VECTOR,
    PREDICTION_SCALAR,
    PREDICTION_VECTOR,
    Algorithm,
    Instruction,
    MemorySize,
)
from automl_zero.ops import Op
from automl_zero.tasks.base import EvalType, Task
from automl_zero.vm.encode import EncodedAlgorithm, decode
from automl_zero.vm.rng import SplitMix64

MINUS_TWO_OVER_PI = -0.63661977236758138243


class Memory:
    """Scalars ``s[S]``, vectors ``v[V, F]`` and matrices ``m[M, F, F]``, zeroed."""

    def __init__(self, size: MemorySize, num_features: int) -> None:
        self.s = np.zeros(size.scalars)
        self.v = np.zeros((size.vectors, num_features))
        self.m = np.zeros((size.matrices, num_features, num_features))
        self.num_features = num_features


def _ieee(function: Callable[[float], float], on_error: Callable[[float], float]) -> Callable[[float], float]:
    """Wrap a :mod:`math` function so that domain and range errors give IEEE values."""

    def wrapped(x: float) -> float:
        try:
            return function(float(x))
        except (ValueError, OverflowError):
            return on_error(float(x))

    return wrapped


_NAN = math.nan
_sin = _ieee(math.sin, lambda x: _NAN)
_cos = _ieee(math.cos, lambda x: _NAN)
_tan = _ieee(math.tan, lambda x: _NAN)
_arcsin = _ieee(math.asin, lambda x: _NAN)
_arccos = _ieee(math.acos, lambda x: _NAN)
_exp = _ieee(math.exp, lambda x: math.inf)
_log = _ieee(math.log, lambda x: -math.inf if x == 0.0 else _NAN)
_sqrt = _ieee(math.sqrt, lambda x: _NAN)


def sigmoid(x: float) -> float:
    """``1 / (1 + exp(-x))``."""
    return float(np.float64(1.0) / (np.float64(1.0) + np.float64(_exp(-float(x)))))


def flip_and_squash(x: float) -> float:
    """Map a root-mean-square error in [0, inf) to a fitness in (0, 1]; NaN or inf gives 0."""
    if math.isnan(x) or math.isinf(x):
        return 0.0
    return 1.0 + MINUS_TWO_OVER_PI * math.atan(x)


def _sum(terms: Iterable[np.float64]) -> np.float64:
    """Add terms one by one, in order, starting from the first."""
    iterator = iter(terms)
    total = next(iterator)
    for term in iterator:
        total = total + term
    return np.float64(total)


def _index(fraction: float, size: int) -> int:
    return min(int(fraction * size), size - 1)


def _min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(b < a, b, a)


def _max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(a < b, b, a)


# The original's matrix min and max are ternaries that give the second operand on a tie or a NaN;
# its scalar and vector ones (std::min, Eigen) give the first.
def _matrix_min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(a < b, a, b)


def _matrix_max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(a > b, a, b)


def _mean(values: np.ndarray) -> np.float64:
    return _sum(values.ravel()) / np.float64(values.size)


def _std(values: np.ndarray) -> float:
    flat = values.ravel()
    mean = _sum(flat) / np.float64(flat.size)
    return _sqrt(_sum(flat * flat) / np.float64(flat.size) - mean * mean)


def _norm(values: np.ndarray) -> float:
    flat = values.ravel()
    return _sqrt(_sum(flat * flat))


def _matvec(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.array([_sum(a[i] * x) for i in range(len(a))])


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([[_sum(a[i, :] * b[:, j]) for j in range(b.shape[1])] for i in range(a.shape[0])])


def _fill(shape: tuple[int, ...], draw: Callable[[], float]) -> np.ndarray:
    """Fill an array in row-major order, one draw per element."""
    return np.array([draw() for _ in range(int(np.prod(shape)))]).reshape(shape)


def execute(instruction: Instruction, memory: Memory, rng: SplitMix64) -> None:
    """Execute one instruction in place. Never raises for any values in memory."""
    op, a, b, o = instruction.op, instruction.in1, instruction.in2, instruction.out
    d0, d1, d2 = instruction.data
    s, v, m, size = memory.s, memory.v, memory.m, memory.num_features
    # Scalar arithmetic and functions.
    if op == Op.NO_OP:
        pass
    elif op == Op.SCALAR_SUM_OP:
        s[o] = s[a] + s[b]
    elif op == Op.SCALAR_DIFF_OP:
        s[o] = s[a] - s[b]
    elif op == Op.SCALAR_PRODUCT_OP:
        s[o] = s[a] * s[b]
    elif op == Op.SCALAR_DIVISION_OP:
        s[o] = s[a] / s[b]
    elif op == Op.SCALAR_ABS_OP:
        s[o] = abs(s[a])
    elif op == Op.SCALAR_RECIPROCAL_OP:
        s[o] = 1.0 / s[a]
    elif op == Op.SCALAR_SIN_OP:
        s[o] = _sin(s[a])
    elif op == Op.SCALAR_COS_OP:
        s[o] = _cos(s[a])
    elif op == Op.SCALAR_TAN_OP:
        s[o] = _tan(s[a])
    elif op == Op.SCALAR_ARCSIN_OP:
        s[o] = _arcsin(s[a])
    elif op == Op.SCALAR_ARCCOS_OP:
        s[o] = _arccos(s[a])
    elif op == Op.SCALAR_ARCTAN_OP:
        s[o] = math.atan(s[a])
    elif op == Op.SCALAR_EXP_OP:
        s[o] = _exp(s[a])
    elif op == Op.SCALAR_LOG_OP:
        s[o] = _log(s[a])
    elif op == Op.SCALAR_HEAVYSIDE_OP:
        s[o] = 1.0 if s[a] >= 0.0 else 0.0
    elif op == Op.SCALAR_MIN_OP:
        s[o] = _min(s[a], s[b])
    elif op == Op.SCALAR_MAX_OP:
        s[o] = _max(s[a], s[b])
    # Vector and matrix elementwise.
    elif op == Op.VECTOR_HEAVYSIDE_OP:
        v[o] = np.where(v[a] > 0.0, 1.0, 0.0)
    elif op == Op.MATRIX_HEAVYSIDE_OP:
        m[o] = np.where(m[a] > 0.0, 1.0, 0.0)
    elif op == Op.VECTOR_RECIPROCAL_OP:
        v[o] = 1.0 / v[a]
    elif op == Op.MATRIX_RECIPROCAL_OP:
        m[o] = 1.0 / m[a]
    elif op == Op.VECTOR_ABS_OP:
        v[o] = np.abs(v[a])
    elif op == Op.MATRIX_ABS_OP:
        m[o] = np.abs(m[a])
    elif op == Op.VECTOR_SUM_OP:
        v[o] = v[a] + v[b]
    elif op == Op.VECTOR_DIFF_OP:
        v[o] = v[a] - v[b]
    elif op == Op.VECTOR_PRODUCT_OP:
        v[o] = v[a] * v[b]
    elif op == Op.VECTOR_DIVISION_OP:
        v[o] = v[a] / v[b]
    elif op == Op.VECTOR_MIN_OP:
        v[o] = _min(v[a], v[b])
    elif op == Op.VECTOR_MAX_OP:
        v[o] = _max(v[a], v[b])
    elif op == Op.MATRIX_SUM_OP:
        m[o] = m[a] + m[b]
    elif op == Op.MATRIX_DIFF_OP:
        m[o] = m[a] - m[b]
    elif op == Op.MATRIX_PRODUCT_OP:
        m[o] = m[a] * m[b]
    elif op == Op.MATRIX_DIVISION_OP:
        m[o] = m[a] / m[b]
    elif op == Op.MATRIX_MIN_OP:
        m[o] = _matrix_min(m[a], m[b])
    elif op == Op.MATRIX_MAX_OP:
        m[o] = _matrix_max(m[a], m[b])
    # Linear algebra.
    elif op == Op.SCALAR_VECTOR_PRODUCT_OP:
        v[o] = v[b] * s[a]
    elif op == Op.SCALAR_MATRIX_PRODUCT_OP:
        m[o] = m[b] * s[a]
    elif op == Op.SCALAR_BROADCAST_OP:
        v[o] = s[a]
    elif op == Op.VECTOR_COLUMN_BROADCAST_OP:  # every column is the vector: m[i, j] = v[i]
        m[o] = v[a][:, None].repeat(size, axis=1)
    elif op == Op.VECTOR_ROW_BROADCAST_OP:  # every row is the vector: m[i, j] = v[j]
        m[o] = v[a][None, :].repeat(size, axis=0)
    elif op == Op.VECTOR_INNER_PRODUCT_OP:
        s[o] = _sum(v[a] * v[b])
    elif op == Op.VECTOR_OUTER_PRODUCT_OP:
        m[o] = v[a][:, None] * v[b][None, :]
    elif op == Op.MATRIX_VECTOR_PRODUCT_OP:
        v[o] = _matvec(m[a], v[b])
    elif op == Op.MATRIX_MATRIX_PRODUCT_OP:
        m[o] = _matmul(m[a], m[b])
    elif op == Op.MATRIX_TRANSPOSE_OP:
        m[o] = m[a].T.copy()
    elif op == Op.VECTOR_NORM_OP:
        s[o] = _norm(v[a])
    elif op == Op.MATRIX_NORM_OP:
        s[o] = _norm(m[a])
    elif op == Op.MATRIX_COLUMN_NORM_OP:
        v[o] = [_norm(m[a][:, j]) for j in range(size)]
    elif op == Op.MATRIX_ROW_NORM_OP:
        v[o] = [_norm(m[a][i, :]) for i in range(size)]
    # Statistics.
    elif op == Op.VECTOR_MEAN_OP:
        s[o] = _mean(v[a])
    elif op == Op.MATRIX_MEAN_OP:
        s[o] = _mean(m[a])
    elif op == Op.MATRIX_ROW_MEAN_OP:
        v[o] = [_mean(m[a][i, :]) for i in range(size)]
    elif op == Op.VECTOR_ST_DEV_OP:
        s[o] = _std(v[a])
    elif op == Op.MATRIX_ST_DEV_OP:
        s[o] = _std(m[a])
    elif op == Op.MATRIX_ROW_ST_DEV_OP:
        v[o] = [_std(m[a][i, :]) for i in range(size)]
    # Setters.
    elif op == Op.SCALAR_CONST_SET_OP:
        s[o] = d0
    elif op == Op.VECTOR_CONST_SET_OP:
        v[o, _index(d0, size)] = d1
    elif op == Op.MATRIX_CONST_SET_OP:
        m[o, _index(d0, size), _index(d1, size)] = d2
    # Uniform ops with low > high give low and draw nothing, as the original's do.
    elif op == Op.SCALAR_UNIFORM_SET_OP:
        s[o] = d0 if d0 > d1 else rng.uniform(d0, d1)
    elif op == Op.VECTOR_UNIFORM_SET_OP:
        v[o] = d0 if d0 > d1 else _fill((size,), lambda: rng.uniform(d0, d1))
    elif op == Op.MATRIX_UNIFORM_SET_OP:
        m[o] = d0 if d0 > d1 else _fill((size, size), lambda: rng.uniform(d0, d1))
    elif op == Op.SCALAR_GAUSSIAN_SET_OP:
        s[o] = rng.gaussian(d0, d1)
    elif op == Op.VECTOR_GAUSSIAN_SET_OP:
        v[o] = _fill((size,), lambda: rng.gaussian(d0, d1))
    elif op == Op.MATRIX_GAUSSIAN_SET_OP:
        m[o] = _fill((size, size), lambda: rng.gaussian(d0, d1))
    else:  # pragma: no cover - the op table and this chain are tested to match
        raise AssertionError(f"no kernel for {op!r}")


def _run(component: Sequence[Instruction], memory: Memory, rng: SplitMix64) -> None:
    for instruction in component:
        execute(instruction, memory, rng)


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


def _argmax(probabilities: np.ndarray) -> int:
    """Index of the first largest entry."""
    best = 0
    for k in range(1, len(probabilities)):
        if probabilities[k] > probabilities[best]:
            best = k
    return best


def _set_harness(memory: Memory, task: Task, x: np.ndarray, label: float | None) -> None:
    """Write what the evaluation provides before Predict (``label`` None) or Learn.

    v0 gets the features. For scalar tasks s0 gets the label (0 before
    Predict); for multiclass tasks v1 gets the one-hot label (zeros before
    Predict) and s0 stays 0.
    """
    memory.v[FEATURES_VECTOR] = x
    if task.eval_type == EvalType.MULTICLASS:
        memory.s[LABEL_SCALAR] = 0.0
        memory.v[LABELS_VECTOR] = 0.0
        if label is not None:
            memory.v[LABELS_VECTOR, int(label)] = 1.0
    else:
        memory.s[LABEL_SCALAR] = 0.0 if label is None else label


def _validation_error(task: Task, memory: Memory, y: float) -> float:
    """Return a validation example's error: signed for regression, 0/1 (inf if invalid) for classification."""
    if task.eval_type == EvalType.RMS:
        return float(y - memory.s[PREDICTION_SCALAR])
    if task.eval_type == EvalType.ACCURACY:
        probability = sigmoid(memory.s[PREDICTION_SCALAR])
        if probability > 1.0 or probability < 0.0:
            return math.inf
        return 0.0 if (y > 0.5) == (probability > 0.5) else 1.0
    probabilities = truncating_softmax(memory.v[PREDICTION_VECTOR], task.num_classes)
    if not np.isfinite(probabilities).all():
        return math.inf
    return 0.0 if _argmax(probabilities[: task.num_classes]) == int(y) else 1.0


def _validate(algorithm: Algorithm, task: Task, memory: Memory, rng: SplitMix64, max_abs_error: float) -> float:
    """Run Predict on every validation example and return this epoch's fitness."""
    loss = 0.0
    failed = False
    for x, y in zip(task.valid_x, task.valid_y, strict=True):
        _set_harness(memory, task, x, None)
        _run(algorithm.predict, memory, rng)
        error = _validation_error(task, memory, y)
        loss = loss + error * error if task.eval_type == EvalType.RMS else loss + error
        if not abs(error) <= max_abs_error:
            failed = True
    if failed:
        return 0.0
    if task.eval_type == EvalType.RMS:
        return flip_and_squash(_sqrt(loss / len(task.valid_y)))
    return 1.0 - loss / len(task.valid_y)


def _training_error(task: Task, memory: Memory, y: float) -> float:
    """Normalize the prediction in memory (sigmoid or softmax) and return the absolute error."""
    if task.eval_type == EvalType.MULTICLASS:
        memory.v[PREDICTION_VECTOR] = truncating_softmax(memory.v[PREDICTION_VECTOR], task.num_classes)
        return float(abs(1.0 - memory.v[PREDICTION_VECTOR, int(y)]))
    if task.eval_type == EvalType.ACCURACY:
        memory.s[PREDICTION_SCALAR] = sigmoid(memory.s[PREDICTION_SCALAR])
    return float(abs(y - memory.s[PREDICTION_SCALAR]))


def check_memory_for(tasks: Iterable[Task], memory_size: MemorySize) -> None:
    """Raise ValueError if a task needs memory that ``memory_size`` lacks (multiclass: v1 and v2)."""
    for task in tasks:
        if task.eval_type == EvalType.MULTICLASS and memory_size.vectors <= PREDICTION_VECTOR:
            raise ValueError(
                f"multiclass task {task.name!r} needs at least {PREDICTION_VECTOR + 1} vectors "
                f"(v1 = one-hot label, v2 = prediction), memory has {memory_size.vectors}"
            )


def evaluate_task(
    algorithm: Algorithm,
    task: Task,
    memory_size: MemorySize,
    *,
    max_abs_error: float = 100.0,
    seed: int = 0,
    task_index: int = 0,
    on_learn: Callable[[Memory], None] | None = None,
) -> float:
    """Train ``algorithm`` on ``task`` and return its fitness (SPEC section 3).

    Zero memory and run Setup once; for each epoch and training example (in
    the order of :meth:`Task.epoch_orders`: reshuffled after the first), put
    the features in v0 and 0 in s0, run Predict, squash s1 with a sigmoid for
    binary classification (multiclass: v2 with a softmax over the first K
    entries), stop if the error (``|y - s1|``; multiclass ``|1 - v2[y]|``) is
    NaN or above ``max_abs_error``, else put the label in s0 (multiclass: the
    one-hot label in v1) and run Learn; after each epoch validate. The fitness
    is the best validation fitness over completed epochs (0 if the first epoch
    stopped early).

    ``on_learn``, if given, is called with the memory after every run of
    Learn, to watch how a value evolves during training (it must not change
    the memory).
    """
    check_memory_for([task], memory_size)
    with np.errstate(all="ignore"):
        memory = Memory(memory_size, task.num_features)
        rng = SplitMix64(seed, task_index)
        _run(algorithm.setup, memory, rng)
        best = 0.0
        for order in task.epoch_orders():
            for row in order:
                x, y = task.train_x[row], task.train_y[row]
                _set_harness(memory, task, x, None)
                _run(algorithm.predict, memory, rng)
                error = _training_error(task, memory, y)
                if not error <= max_abs_error:
                    return best
                _set_harness(memory, task, x, y)
                _run(algorithm.learn, memory, rng)
                if on_learn is not None:
                    on_learn(memory)
            best = max(best, _validate(algorithm, task, memory, rng, max_abs_error))
        return best


#: Ways to combine the fitnesses of a task set into one (SPEC section 3.4).
COMBINATIONS = ("mean", "median")


def combination_code(combine: str) -> int:
    """The number of a combination for the compiled core; ValueError for an unknown one."""
    if combine not in COMBINATIONS:
        raise ValueError(f"fitness combination must be one of {COMBINATIONS}, got {combine!r}")
    return COMBINATIONS.index(combine)


def combine_fitnesses(fitnesses: np.ndarray, combine: str = "mean") -> float:
    """Mean (summed in task order) or median of per-task fitnesses.

    The median of an even number of tasks is the upper of the two middle
    values, as the original takes it (no average of two fitnesses).
    """
    if combination_code(combine) == 1:
        return float(np.sort(np.asarray(fitnesses, dtype=np.float64))[len(fitnesses) // 2])
    return float(_sum(np.asarray(fitnesses, dtype=np.float64)) / np.float64(len(fitnesses)))


class ReferenceExecutor:
    """Evaluate algorithms on a task set, one task and one instruction at a time.

    Same interface as :class:`automl_zero.vm.compiled.CompiledExecutor`.

    Parameters
    ----------
    tasks : sequence of Task
    memory : MemorySize
    max_abs_error : float
        Errors above this stop training (and zero a validation epoch).
    seed : int
        Seeds the random ops' streams (task ``i`` gets stream ``(seed, i)``);
        :meth:`evaluate` and :meth:`task_fitnesses` take another for one call.
    combine : {"mean", "median"}
        How :meth:`evaluate` combines the tasks' fitnesses (the paper: median).

    """

    def __init__(
        self,
        tasks: Sequence[Task],
        memory: MemorySize,
        *,
        max_abs_error: float = 100.0,
        seed: int = 0,
        combine: str = "mean",
    ) -> None:
        if not tasks:
            raise ValueError("an executor needs at least one task")
        combination_code(combine)
        self.combine = combine
        self.tasks = list(tasks)
        check_memory_for(self.tasks, memory)
        self.memory = memory
        self.max_abs_error = float(max_abs_error)
        self.seed = int(seed)

    def task_fitnesses(self, algorithm: Algorithm | EncodedAlgorithm, *, seed: int | None = None) -> np.ndarray:
        """Return the fitness on each task, in task order (``seed`` as for :meth:`evaluate`)."""
        if isinstance(algorithm, EncodedAlgorithm):
            algorithm = decode(algorithm)
        algorithm.validate(self.memory)
        stream = self.seed if seed is None else int(seed)
        return np.array(
            [
                evaluate_task(algorithm, task, self.memory, max_abs_error=self.max_abs_error, seed=stream, task_index=i)
                for i, task in enumerate(self.tasks)
            ]
        )

    def evaluate(self, algorithm: Algorithm | EncodedAlgorithm, *, seed: int | None = None) -> float:
        """Return the tasks' fitnesses combined: their mean (summed in task order) or median.

        ``seed`` replaces the executor's random-op seed for this call.
        """
        return combine_fitnesses(self.task_fitnesses(algorithm, seed=seed), self.combine)
