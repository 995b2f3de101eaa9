"""The compiled executor returns bit-identical fitnesses to the reference executor."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automl_zero.algorithm import Algorithm, MemorySize, make
from automl_zero.mutation import random_algorithm
from automl_zero.ops import ALL_OPS, OPS, Kind, Op
from automl_zero.tasks.base import EvalType, Task
from automl_zero.vm.compiled import CompiledExecutor
from automl_zero.vm.reference import ReferenceExecutor

MEMORY = MemorySize(5, 4, 3)
NON_NOOP = tuple(op for op in ALL_OPS if op != Op.NO_OP)


def small_tasks(num_features: int, num_tasks: int, eval_type: EvalType, seed: int, scale: float = 1.0) -> list[Task]:
    """Tiny tasks: a few examples, two epochs, so the slow reference stays quick."""
    rng = np.random.default_rng(seed)
    num_classes = min(3, num_features) if eval_type == EvalType.MULTICLASS else 0
    tasks = []
    for i in range(num_tasks):
        w = rng.standard_normal(num_features)
        x = rng.standard_normal((5, num_features)) * scale
        y = x @ w
        if eval_type == EvalType.ACCURACY:
            y = (y > 0).astype(float)
        elif eval_type == EvalType.MULTICLASS:
            y = np.argmax(x @ rng.standard_normal((num_features, num_classes)), axis=1).astype(float)
        tasks.append(
            Task(
                x[:3],
                y[:3],
                x[3:],
                y[3:],
                num_epochs=2,
                eval_type=eval_type,
                name=f"t{i}",
                num_classes=num_classes,
            )
        )
    return tasks


def assert_agree(algorithm: Algorithm, tasks: list[Task], seed: int) -> np.ndarray:
    reference = ReferenceExecutor(tasks, MEMORY, seed=seed).task_fitnesses(algorithm)
    pruned = CompiledExecutor(tasks, MEMORY, seed=seed).task_fitnesses(algorithm)
    unpruned = CompiledExecutor(tasks, MEMORY, seed=seed, prune=False).task_fitnesses(algorithm)
    # Bit-identical, NaN never allowed: fitness is always a number in [0, 1].
    assert reference.tolist() == pruned.tolist(), str(algorithm)
    assert reference.tolist() == unpruned.tolist(), str(algorithm)
    assert np.all((reference >= 0.0) & (reference <= 1.0))
    return reference


AGREEMENT = settings(
    max_examples=700,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


@pytest.mark.slow
@pytest.mark.parametrize("num_features", [1, 4, 16])
@AGREEMENT
@given(
    seed=st.integers(0, 2**31 - 1),
    sizes=st.tuples(st.integers(0, 6), st.integers(1, 8), st.integers(0, 8)),
    eval_type=st.sampled_from(list(EvalType)),
    num_tasks=st.integers(1, 3),
    scale=st.sampled_from([1.0, 1e3]),
)
def test_random_algorithms_agree(
    num_features: int, seed: int, sizes: tuple[int, int, int], eval_type: EvalType, num_tasks: int, scale: float
) -> None:
    """700 random algorithms per F over every op (2,100 in all), NaN/inf and early stops included."""
    if eval_type == EvalType.MULTICLASS and num_features < 2:
        eval_type = EvalType.ACCURACY  # K >= 2 classes need F >= 2
    rng = np.random.default_rng(seed)
    algorithm = random_algorithm(rng, MEMORY, sizes, ALL_OPS, ALL_OPS, ALL_OPS)
    tasks = small_tasks(num_features, num_tasks, eval_type, seed, scale)
    assert_agree(algorithm, tasks, seed)


def _feed_prediction(kind: Kind, address: int) -> list[str]:
    """Instructions that make the value at an address reach the prediction s1."""
    if kind is Kind.SCALAR:
        return [f"s1 = s{address} + s1"]
    if kind is Kind.VECTOR:
        return [f"s4 = dot(v{address}, v0)", "s1 = s4 + s1"]
    return [f"v3 = dot(m{address}, v0)", "s4 = dot(v3, v0)", "s1 = s4 + s1"]


@pytest.mark.parametrize("num_features", [1, 3, 4, 16])
@pytest.mark.parametrize("op", NON_NOOP, ids=lambda op: op.name)
def test_each_op_agrees_when_it_reaches_the_prediction(op: Op, num_features: int) -> None:
    """Every kernel, fed random memory, with its result flowing into s1 in Predict and Learn."""
    rng = np.random.default_rng(int(op) * 100 + num_features)
    setup = [
        "s2 = gaussian(0.2, 1.5)",
        "s3 = uniform(-2.0, 0.5)",
        "v1 = gaussian(0.0, 1.0, n_features)",
        "v2 = uniform(-1.0, 2.0, n_features)",
        "m0 = gaussian(0.1, 1.0, (n_features, n_features))",
        "m1 = uniform(-0.5, 1.5, (n_features, n_features))",
    ]
    for _ in range(5):
        instruction = random_algorithm(rng, MEMORY, (0, 1, 0), (), (op,), ()).predict[0]
        row = OPS[op]
        feed = _feed_prediction(row.out, instruction.out) if row.out is not None else []
        algorithm = make(setup=setup, predict=[str(instruction), *feed], learn=[str(instruction), "s4 = s0 - s1"])
        tasks = small_tasks(num_features, 2, EvalType.RMS, int(op), scale=0.1)
        fitness = assert_agree(algorithm, tasks, seed=int(op))
        assert fitness.shape == (2,)


def test_ops_cover_the_whole_table() -> None:
    """The random algorithms of the property test draw every op."""
    rng = np.random.default_rng(0)
    seen: set[Op] = set()
    for _ in range(300):
        algorithm = random_algorithm(rng, MEMORY, (6, 8, 8), ALL_OPS, ALL_OPS, ALL_OPS)
        seen.update(i.op for _, component in algorithm.components() for i in component)
    assert seen == set(ALL_OPS)


def test_nan_and_inf_give_zero_fitness_in_both() -> None:
    tasks = small_tasks(4, 2, EvalType.RMS, 0)
    for text in (["s2 = -1.0", "s1 = log(s2)"], ["s2 = 0.0", "s1 = 1 / s2"], ["s2 = 1000.0", "s1 = exp(s2)"]):
        algorithm = make(predict=text)
        assert assert_agree(algorithm, tasks, 0).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("num_features", [2, 4, 16])
def test_multiclass_algorithms_that_write_the_prediction_vector_agree(num_features: int) -> None:
    """Random Predict/Learn that read v1 (one-hot label) and write v2 (the prediction) score alike."""
    rng = np.random.default_rng(num_features)
    ops = (
        Op.VECTOR_SUM_OP,
        Op.VECTOR_DIFF_OP,
        Op.SCALAR_VECTOR_PRODUCT_OP,
        Op.MATRIX_VECTOR_PRODUCT_OP,
        Op.VECTOR_OUTER_PRODUCT_OP,
        Op.MATRIX_SUM_OP,
        Op.SCALAR_CONST_SET_OP,
        Op.VECTOR_GAUSSIAN_SET_OP,
    )
    tasks = small_tasks(num_features, 3, EvalType.MULTICLASS, num_features)
    seen = set()
    for _ in range(150):
        algorithm = random_algorithm(rng, MEMORY, (2, 4, 4), ops, ops, ops)
        seen.update(assert_agree(algorithm, tasks, 0).tolist())
    assert len(seen) >= 3  # the programs do score differently (2 validation examples: 0, 0.5, 1)
