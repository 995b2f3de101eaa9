"""The reference executor: plain NumPy, one task at a time, written to be read.

This module and the reference kernels of the op table
(:attr:`automl_zero.ops.OpSpec.reference`) *define* the semantics
(docs/semantics.md); the compiled executor must return bit-identical
fitnesses. To make that possible, every choice that floating point leaves
open is fixed (:mod:`automl_zero.numerics`):

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

from automl_zero import numerics as nm
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
from automl_zero.harness import first_argmax, sigmoid, truncating_softmax
from automl_zero.ops import OPS, Operands
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


_exp = nm.exp
_sqrt = nm.sqrt
_sum = nm.ordered_sum


def flip_and_squash(x: float) -> float:
    """Map a root-mean-square error in [0, inf) to a fitness in (0, 1]; NaN or inf gives 0."""
    if math.isnan(x) or math.isinf(x):
        return 0.0
    return 1.0 + MINUS_TWO_OVER_PI * math.atan(x)


def execute(instruction: Instruction, memory: Memory, rng: SplitMix64) -> None:
    """Execute one instruction in place: its row's reference kernel. Never raises for any values in memory."""
    row = OPS[instruction.op]
    if row.out is None or row.reference is None:
        return
    spaces = (memory.s, memory.v, memory.m)
    addresses = (instruction.in1, instruction.in2)
    values = [spaces[kind][addresses[slot]] for slot, kind in enumerate(row.inputs)]
    x, y = (*values, None, None)[:2]
    target = spaces[row.out]
    operands = Operands(x, y, instruction.data, memory.num_features, rng, target[instruction.out])
    target[instruction.out] = row.reference(operands)


def run(component: Sequence[Instruction], memory: Memory, rng: SplitMix64) -> None:
    """Execute the instructions of a component function in order."""
    for instruction in component:
        execute(instruction, memory, rng)


def load_example(memory: Memory, eval_type: EvalType, x: np.ndarray, label: float | None) -> None:
    """Write what the evaluation provides before Predict (``label`` None) or Learn.

    v0 gets the features. For scalar tasks s0 gets the label (0 before
    Predict); for multiclass tasks v1 gets the one-hot label (zeros before
    Predict) and s0 stays 0.
    """
    memory.v[FEATURES_VECTOR] = x
    if eval_type == EvalType.MULTICLASS:
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
    return 0.0 if first_argmax(probabilities[: task.num_classes]) == int(y) else 1.0


def _validate(algorithm: Algorithm, task: Task, memory: Memory, rng: SplitMix64, max_abs_error: float) -> float:
    """Run Predict on every validation example and return this epoch's fitness."""
    loss = 0.0
    failed = False
    for x, y in zip(task.valid_x, task.valid_y, strict=True):
        load_example(memory, task.eval_type, x, None)
        run(algorithm.predict, memory, rng)
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
    """Train ``algorithm`` on ``task`` and return its fitness (docs/semantics.md, "Evaluating an algorithm on a task").

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
        run(algorithm.setup, memory, rng)
        best = 0.0
        for order in task.epoch_orders():
            for row in order:
                x, y = task.train_x[row], task.train_y[row]
                load_example(memory, task.eval_type, x, None)
                run(algorithm.predict, memory, rng)
                error = _training_error(task, memory, y)
                if not error <= max_abs_error:
                    return best
                load_example(memory, task.eval_type, x, y)
                run(algorithm.learn, memory, rng)
                if on_learn is not None:
                    on_learn(memory)
            best = max(best, _validate(algorithm, task, memory, rng, max_abs_error))
        return best


#: Ways to combine the fitnesses of a task set into one (docs/semantics.md, "Combining fitnesses over tasks").
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
