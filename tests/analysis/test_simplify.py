"""Simplification keeps every fitness exactly, renumbers canonically and is idempotent."""

from __future__ import annotations

from textwrap import dedent

import numpy as np
import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, Algorithm, MemorySize, make, parse
from automl_zero.analysis.simplify import (
    fixed_addresses,
    hoist_constants,
    live_mask,
    memory_holding,
    memory_needed,
    reassociate,
    renumber,
    same_up_to_renaming_and_order,
    simplify,
)
from automl_zero.baselines import BASELINES, MULTICLASS_BASELINES, baseline, logistic_regression
from automl_zero.mutation import random_algorithm
from automl_zero.ops import ALL_OPS, OPS, Op
from automl_zero.tasks import linear_regression_tasks, teacher_net_tasks
from automl_zero.tasks.base import EvalType, Task
from automl_zero.vm.compiled import CompiledExecutor

RANDOM_OPS = tuple(row.op for row in OPS if row.random)


def classification_tasks(num_tasks: int, num_features: int, seed: int, multiclass: bool = False) -> list[Task]:
    """Gaussian inputs, labels from a random linear teacher: binary (or 3-class)."""
    rng = np.random.default_rng(seed)
    tasks = []
    for i in range(num_tasks):
        x = rng.standard_normal((30, num_features))
        if multiclass:
            y = np.argmax(x @ rng.standard_normal((num_features, 3)), axis=1).astype(float)
        else:
            y = (x @ rng.standard_normal(num_features) > 0).astype(float)
        tasks.append(
            Task(
                x[:20],
                y[:20],
                x[20:],
                y[20:],
                num_epochs=2,
                eval_type=EvalType.MULTICLASS if multiclass else EvalType.ACCURACY,
                name=f"c{i}",
                num_classes=3 if multiclass else 0,
            )
        )
    return tasks


TASK_SETS: dict[str, list[Task]] = {
    "linear_F4": linear_regression_tasks(3, 4, 20, 10, seed=7, num_epochs=2),
    "teacher_F8": teacher_net_tasks(3, 8, 20, 10, seed=7, num_epochs=2),
    "binary_F4": classification_tasks(3, 4, seed=11),
    "binary_F8": classification_tasks(3, 8, seed=12),
}


def random_case(seed: int, min_vectors: int = 2) -> tuple[Algorithm, MemorySize]:
    """A random algorithm over all ops (random ops drawn more often) in a random memory."""
    rng = np.random.default_rng(seed)
    memory = MemorySize(int(rng.integers(2, 9)), int(rng.integers(min_vectors, 7)), int(rng.integers(1, 4)))
    ops = ALL_OPS + RANDOM_OPS  # random ops twice as likely, so that their streams get tested
    sizes = (int(rng.integers(0, 6)), int(rng.integers(1, 10)), int(rng.integers(0, 10)))
    return random_algorithm(rng, memory, sizes, ops, ops, ops), memory


def assert_same_fitness(original: Algorithm, simplified: Algorithm, memory: MemorySize, tasks: list[Task]) -> None:
    for seed in (0, 5):
        full = CompiledExecutor(tasks, memory, seed=seed, prune=False).task_fitnesses(original).tolist()
        pruned = CompiledExecutor(tasks, memory, seed=seed)
        assert pruned.task_fitnesses(simplified).tolist() == full, f"{original}\n->\n{simplified}"


NUM_RANDOM = 400


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TASK_SETS))
def test_random_algorithms_keep_exact_fitness(name: str) -> None:
    tasks = TASK_SETS[name]
    nontrivial = 0
    executor = CompiledExecutor(tasks, MemorySize(8, 6, 3))
    trivial = executor.task_fitnesses(Algorithm()).tolist()
    for seed in range(NUM_RANDOM):
        original, memory = random_case(seed)
        simplified = simplify(original)
        assert len(simplified) <= len(original)
        needed = memory_needed(simplified)
        simplified.validate(needed)
        original_needs = memory_needed(original)
        assert needed.scalars <= original_needs.scalars
        assert needed.vectors <= original_needs.vectors
        assert needed.matrices <= original_needs.matrices
        assert all(live_mask(simplified))
        assert simplify(simplified) == simplified
        assert_same_fitness(original, simplified, memory, tasks)
        nontrivial += executor.task_fitnesses(simplified).tolist() != trivial
    assert nontrivial > NUM_RANDOM // 3  # not only programs that predict a constant 0


def test_random_multiclass_algorithms_keep_exact_fitness() -> None:
    tasks = classification_tasks(3, 4, seed=13, multiclass=True)
    for seed in range(150):
        original, memory = random_case(10_000 + seed, min_vectors=3)
        simplified = simplify(original, multiclass=True)
        simplified.validate(memory_needed(simplified, multiclass=True))
        assert memory_needed(simplified, multiclass=True).vectors >= 3
        assert simplify(simplified, multiclass=True) == simplified
        assert_same_fitness(original, simplified, memory, tasks)


def test_random_streams_are_unchanged() -> None:
    # The dead draw into s3 comes first in the stream: it must stay so that s2 sees the same value.
    algorithm = make(
        setup=["s3 = uniform(0.0, 1.0)", "s6 = gaussian(0.0, 1.0)"],
        predict=["s5 = s6 * s6", "s1 = dot(v0, v4)", "v3 = gaussian(0.0, 0.1, n_features)"],
        learn=["v4 = v4 + v3"],
    )
    simplified = simplify(algorithm)
    assert str(simplified) == dedent(
        """\
        def Setup():
          s2 = uniform(0.0, 1.0)
          s3 = gaussian(0.0, 1.0)
        def Predict():
          s1 = dot(v0, v1)
          v2 = gaussian(0.0, 0.1, n_features)
        def Learn():
          v1 = v1 + v2
        """
    )
    assert_same_fitness(algorithm, simplified, MemorySize(7, 5, 1), TASK_SETS["linear_F4"])


JUNK_LINEAR_REGRESSION = """
def Setup():
  s7 = 0.5            # overwritten in Learn before any read
  NoOp()
  s3 = 0.001          # the learning rate
  v5 = bcast(s7)      # never read
  m2 = outer(v0, v0)  # never read
def Predict():
  s6 = s3 * s3        # dead: s6 is overwritten in Learn
  s1 = dot(v0, v4)
  s2 = s1 * s1        # never read
  NoOp()
def Learn():
  s6 = s0 + s0        # overwritten by the next line
  s6 = s0 - s1
  s7 = s6 * s3
  s5 = s7 + s7        # never read
  v1 = v0 * s7
  m1 = outer(v1, v1)  # never read
  v4 = v4 + v1
  s1 = s6 + s6        # overwritten by Predict before any read
"""

EXPECTED_LINEAR_REGRESSION = """def Setup():
  s2 = 0.001
def Predict():
  s1 = dot(v0, v1)
def Learn():
  s3 = s0 - s1
  s4 = s3 * s2
  v2 = s4 * v0
  v1 = v1 + v2
"""


def test_evolved_linear_regression_simplifies_to_the_reference() -> None:
    junk = parse(JUNK_LINEAR_REGRESSION)
    simplified = simplify(junk)
    assert str(simplified) == EXPECTED_LINEAR_REGRESSION
    assert simplified == REFERENCE_LINEAR_REGRESSION
    assert memory_needed(simplified) == MemorySize(5, 3, 1)
    assert_same_fitness(junk, simplified, MemorySize(8, 6, 3), linear_regression_tasks(2, 4, 200, 20, seed=1))


def test_evolved_logistic_regression_simplifies_to_the_baseline() -> None:
    junk = make(
        setup=["s9 = 0.05", "s4 = -0.3", "v3[0.5] = 2.0"],
        predict=["s6 = dot(v0, v7)", "s1 = s6 + s8", "v5 = v3 * v0"],
        learn=["s6 = s0 - s1", "s6 = s6 * s9", "v2 = s6 * v0", "v7 = v7 + v2", "s8 = s8 + s6", "s4 = s4 + s6"],
    )
    expected = make(
        setup=["s2 = 0.05"],
        predict=["s3 = dot(v0, v1)", "s1 = s3 + s4"],
        learn=["s3 = s0 - s1", "s3 = s3 * s2", "v2 = s3 * v0", "v1 = v1 + v2", "s4 = s4 + s3"],
    )
    assert simplify(junk) == expected
    assert simplify(logistic_regression()) == logistic_regression()


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baselines_keep_their_fitness(name: str) -> None:
    algorithm, memory = baseline(name)
    multiclass = name in MULTICLASS_BASELINES  # their prediction is v2
    simplified = simplify(algorithm, multiclass=multiclass)
    assert len(simplified) == len(algorithm)  # hand-written: no dead code
    assert simplify(simplified, multiclass=multiclass) == simplified
    sets = (
        [classification_tasks(3, 4, seed=13, multiclass=True)]
        if multiclass
        else [TASK_SETS["linear_F4"], TASK_SETS["binary_F8"]]
    )
    for tasks in sets:
        assert_same_fitness(algorithm, simplified, memory, tasks)


def test_read_before_write_addresses_stay_distinct() -> None:
    # s4 and s7 are never written: both read zero; renaming must not merge them with written ones.
    algorithm = make(predict=["s5 = s4 + s9", "s1 = s5 - s7", "s9 = s5 * s5"], learn=["s4 = s4 + s0"])
    simplified = simplify(algorithm)
    assert str(simplified) == dedent(
        """\
        def Setup():
        def Predict():
          s2 = s3 + s4
          s1 = s2 - s5
          s4 = s2 * s2
        def Learn():
          s3 = s3 + s0
        """
    )
    assert_same_fitness(algorithm, simplified, MemorySize(10, 1, 1), TASK_SETS["linear_F4"])


def test_fixed_roles_keep_their_numbers() -> None:
    algorithm = make(
        setup=["s9 = 0.5", "v7 = bcast(s9)"], predict=["v2 = v7 + v0", "s1 = mean(v2)"], learn=["v7 = v7 + v1"]
    )
    assert str(simplify(algorithm)) == dedent(
        """\
        def Setup():
          s2 = 0.5
          v1 = bcast(s2)
        def Predict():
          v2 = v1 + v0
          s1 = mean(v2)
        def Learn():
          v1 = v1 + v3
        """
    )
    # For multiclass tasks v1 (label) and v2 (prediction) are fixed; s1 is not read, so mean(v2) is dead.
    assert str(simplify(algorithm, multiclass=True)) == dedent(
        """\
        def Setup():
          s2 = 0.5
          v3 = bcast(s2)
        def Predict():
          v2 = v3 + v0
        def Learn():
          v3 = v3 + v1
        """
    )
    assert fixed_addresses(multiclass=True) == (frozenset({0, 1}), frozenset({0, 1, 2}), frozenset())


def test_unused_prediction_address_is_not_taken() -> None:
    # Nothing writes s1 (the prediction stays 0); s5 must not become s1.
    algorithm = make(setup=["s5 = 0.3"], predict=["s5 = s5 * s5"], learn=["s5 = s5 + s0"])
    assert str(simplify(algorithm)) == "def Setup():\ndef Predict():\ndef Learn():\n"
    assert str(renumber(algorithm)) == dedent(
        """\
        def Setup():
          s2 = 0.3
        def Predict():
          s2 = s2 * s2
        def Learn():
          s2 = s2 + s0
        """
    )


def test_memory_needed() -> None:
    assert memory_needed(Algorithm()) == MemorySize(2, 1, 1)
    assert memory_needed(Algorithm(), multiclass=True) == MemorySize(2, 3, 1)
    assert memory_needed(make(learn=["m4 = outer(v0, v6)", "s9 = norm(m0)"])) == MemorySize(10, 7, 5)
    with pytest.raises(ValueError, match="scalars"):
        memory_needed(make(predict=["s1 = s70 + s2"]))


def test_no_ops_are_removed() -> None:
    with_no_ops = make(setup=["NoOp()"], predict=["NoOp()", "s1 = dot(v0, v0)", "NoOp()"], learn=["NoOp()"])
    assert with_no_ops.setup[0].op == Op.NO_OP
    assert live_mask(with_no_ops) == [False, False, True, False, False]
    assert simplify(with_no_ops) == make(predict=["s1 = dot(v0, v0)"])


def test_setup_writes_that_change_nothing_are_dropped() -> None:
    """Setup runs once on zeroed memory: writing zero over zero (or any value over itself) does nothing."""
    algorithm = make(
        setup=["s2 = dot(v1, v1)", "v1 = s2 * v0", "v1 = s2 * v1", "s3 = cos(s4)", "s2 = -0.5", "s5 = 0.0"],
        predict=["s3 = s3 * s2", "s4 = dot(v0, v1)", "s1 = s4 * s3"],
        learn=["s4 = s1 - s0", "v2 = s4 * v0", "v1 = v2 + v1", "s5 = s5 + s2"],
    )
    # cos(0) = 1 writes a new value and stays (folded to the constant it computes); the zero writes go.
    assert str(simplify(algorithm)) == dedent(
        """\
        def Setup():
          s2 = 1.0
          s3 = -0.5
        def Predict():
          s2 = s2 * s3
          s4 = dot(v0, v1)
          s1 = s4 * s2
        def Learn():
          s4 = s1 - s0
          v2 = s4 * v0
          v1 = v2 + v1
        """
    )
    tasks = linear_regression_tasks(3, 4, 20, 10, seed=5)
    memory = MemorySize(6, 3, 1)
    assert (
        CompiledExecutor(tasks, memory).task_fitnesses(simplify(algorithm)).tolist()
        == CompiledExecutor(tasks, memory).task_fitnesses(algorithm).tolist()
    )
    kept = make(setup=["v1 = uniform(0.0, 0.0, n_features)", "v1 = s2 * v1"], predict=["s1 = dot(v0, v1)"])
    assert len(simplify(kept).setup) == 2  # depends on a random op: never dropped


# ---------------------------------------------------------------------------
# Constants set on every example move to Setup
# ---------------------------------------------------------------------------

DEMO_STYLE = make(  # what the demo finds: the learning rate set in Learn, multiplied in another order
    predict=["s1 = dot(v0, v1)"],
    learn=["s2 = 0.1656", "v2 = s2 * v0", "s2 = s0 - s1", "v2 = s2 * v2", "v1 = v2 + v1"],
)


def test_a_learning_rate_set_in_learn_moves_to_setup() -> None:
    algorithm = make(
        predict=["s1 = dot(v0, v1)"],
        learn=["s3 = s0 - s1", "s2 = 0.01", "s4 = s3 * s2", "v2 = v0 * s4", "v1 = v1 + v2"],
    )
    simplified = simplify(algorithm)
    assert simplified.setup == make(setup=["s2 = 0.01"]).setup and len(simplified.learn) == 4
    assert same_up_to_renaming_and_order(simplified, REFERENCE_LINEAR_REGRESSION)
    assert_same_fitness(algorithm, simplified, MemorySize(5, 3, 1), TASK_SETS["linear_F4"])


def test_a_constant_whose_address_is_reused_moves_to_setup_under_another() -> None:
    # s2 holds the learning rate until Learn reuses it for the error: the constant and its one
    # read move to an unused address, and that constant to Setup.
    hoisted = hoist_constants(DEMO_STYLE)
    assert hoisted == make(
        setup=["s3 = 0.1656"],
        predict=["s1 = dot(v0, v1)"],
        learn=["v2 = s3 * v0", "s2 = s0 - s1", "v2 = s2 * v2", "v1 = v2 + v1"],
    )
    assert_same_fitness(DEMO_STYLE, hoisted, MemorySize(5, 3, 1), TASK_SETS["linear_F4"])
    # The rewrite that ends the constant's stretch may read it too.
    reads_it = make(predict=["s1 = dot(v0, v1)"], learn=["s2 = 0.5", "s2 = s2 * s0", "v1 = s2 * v0"])
    assert hoist_constants(reads_it) == make(
        setup=["s3 = 0.5"], predict=["s1 = dot(v0, v1)"], learn=["s2 = s3 * s0", "v1 = s2 * v0"]
    )
    assert_same_fitness(reads_it, hoist_constants(reads_it), MemorySize(5, 3, 1), TASK_SETS["linear_F4"])
    # With every address taken, the constant stays where it is (and simplify does not fail).
    crowded = make(
        setup=[f"s{a} = 1.0" for a in range(4, 63)],
        predict=["s1 = dot(v0, v1)"],
        learn=["s2 = 0.5", "s3 = s2 * s0", "s2 = s0 - s1", "v1 = s3 * v0"],
    )
    assert hoist_constants(crowded) == crowded
    assert simplify(crowded).setup == make(setup=["s2 = 0.5"]).setup  # liveness frees addresses first
    # Predict writing and reading s2 too does not matter: the constant's value never leaves Learn.
    shared = make(predict=["s2 = s2 + s0", "s1 = dot(v0, v1)"], learn=["s2 = 0.5", "v1 = s2 * v0", "s2 = s0 - s1"])
    assert hoist_constants(shared).setup == make(setup=["s3 = 0.5"]).setup
    assert_same_fitness(shared, hoist_constants(shared), MemorySize(5, 3, 1), TASK_SETS["linear_F4"])


@pytest.mark.parametrize(
    ("predict", "learn"),
    [
        (["s1 = s1 + s2"], ["s2 = 0.5"]),  # Predict reads it: the first example would see 0.5, not 0
        (["s1 = dot(v0, v1)"], ["s3 = s2 * s0", "s2 = 0.5", "v1 = s3 * v0"]),  # read earlier in Learn
        # One element, later rewritten in Learn: the element set keeps the rest of v2, so it cannot move.
        (["s1 = dot(v0, v1)"], ["v2 = v0 * v0", "v2[0.5] = 2.0", "v1 = v2 + v1", "v2 = s0 * v1"]),
        (["s1 = 0.5"], []),  # s1 is the prediction: never moved
        (["v1[0.5] = 2.0", "s1 = dot(v0, v1)"], ["v1 = s0 * v0"]),  # one element, overwritten in Learn
    ],
)
def test_constant_sets_that_must_stay(predict: list[str], learn: list[str]) -> None:
    algorithm = make(predict=predict, learn=learn)
    assert hoist_constants(algorithm) == algorithm


def test_a_constant_set_in_predict_moves_to_setup() -> None:
    algorithm = make(predict=["s1 = dot(v0, v1)", "s2 = 0.5", "s1 = s1 * s2"], learn=["v1 = s0 * v0"])
    hoisted = hoist_constants(algorithm)
    assert hoisted == make(setup=["s2 = 0.5"], predict=["s1 = dot(v0, v1)", "s1 = s1 * s2"], learn=["v1 = s0 * v0"])
    assert_same_fitness(algorithm, hoisted, MemorySize(5, 3, 1), TASK_SETS["linear_F4"])


@pytest.mark.slow
def test_random_algorithms_with_constant_sets_keep_exact_fitness() -> None:
    tasks = TASK_SETS["binary_F4"]
    rng = np.random.default_rng(3)
    hoisted = 0
    for seed in range(300):
        original, memory = random_case(20_000 + seed)
        # Put constant sets at random places of Predict and Learn, so that many can move.
        parts = [list(original.predict), list(original.learn)]
        for _ in range(3):
            part = parts[int(rng.integers(2))]
            kind = int(rng.integers(2)) if memory.scalars > 2 else 1  # s0 and s1 have fixed roles
            address = int(rng.integers(2 if kind == 0 else 1, memory.scalars if kind == 0 else memory.vectors))
            text = f"s{address} = {rng.normal():.3f}" if kind == 0 else f"v{address}[0.3] = {rng.normal():.3f}"
            part.insert(int(rng.integers(len(part) + 1)), make(setup=[text]).setup[0])
        original = Algorithm(original.setup, tuple(parts[0]), tuple(parts[1]))
        moved = hoist_constants(original)
        hoisted += len(moved.setup) > len(original.setup)
        # Moving a constant off a reused address takes one unused address more.
        for result in (moved, simplify(original)):
            assert_same_fitness(original, result, memory_holding(result, memory), tasks)
    assert hoisted > 50


def test_setup_scalars_computed_from_constants_are_folded() -> None:
    algorithm = make(  # seed 3 of the demo: the learning rate is computed in Setup
        setup=["s1 = -0.33474245584124906", "s2 = s0 - s1", "s3 = s2 * s1", "v3[0.5] = 2.0", "s4 = dot(v3, v3)"],
        predict=["s1 = dot(v0, v1)", "s1 = s1 + s4"],
        learn=["s1 = s0 - s1", "v2 = s3 * v0", "v2 = s1 * v2", "v1 = v2 + v1"],
    )
    simplified = simplify(algorithm)
    # s3 is a constant; s4 comes from a vector op (in general it could depend on F): it stays computed.
    assert str(simplified).startswith(
        "def Setup():\n  s2 = -0.11205251174263058\n  v1[0.5] = 2.0\n  s3 = dot(v1, v1)\n"
    ), str(simplified)
    assert_same_fitness(algorithm, simplified, MemorySize(6, 4, 1), TASK_SETS["linear_F4"])


def test_same_up_to_renaming_and_order() -> None:
    reordered = make(  # other addresses, operands of + and * swapped, independent instructions reordered
        setup=["s7 = 0.3"],
        predict=["s1 = dot(v4, v0)"],
        learn=["s5 = s0 - s1", "s6 = s7 * s5", "v3 = v0 * s6", "v4 = v3 + v4"],
    )
    assert same_up_to_renaming_and_order(reordered, REFERENCE_LINEAR_REGRESSION)
    assert not same_up_to_renaming_and_order(reordered, REFERENCE_LINEAR_REGRESSION, compare_constants=True)
    assert not same_up_to_renaming_and_order(DEMO_STYLE, REFERENCE_LINEAR_REGRESSION)  # one instruction more
    swapped_difference = make(  # s1 - s0 is not s0 - s1
        setup=["s2 = 0.001"],
        predict=["s1 = dot(v0, v1)"],
        learn=["s3 = s1 - s0", "s4 = s3 * s2", "v2 = v0 * s4", "v1 = v1 + v2"],
    )
    assert not same_up_to_renaming_and_order(swapped_difference, REFERENCE_LINEAR_REGRESSION)
    two_orders = make(learn=["s2 = s0 + s0", "s3 = s0 * s0", "s1 = s2 - s3"])
    other_order = make(learn=["s3 = s0 * s0", "s2 = s0 + s0", "s1 = s2 - s3"])
    assert same_up_to_renaming_and_order(two_orders, other_order)
    dependent = make(learn=["s2 = s0 + s0", "s2 = s2 * s2", "s1 = s2 - s0"])
    reversed_dependency = make(learn=["s2 = s2 * s2", "s2 = s0 + s0", "s1 = s2 - s0"])
    assert not same_up_to_renaming_and_order(dependent, reversed_dependency)


def test_reassociate_turns_the_demo_style_into_the_reference() -> None:
    regrouped = simplify(reassociate(simplify(DEMO_STYLE)))
    assert same_up_to_renaming_and_order(regrouped, REFERENCE_LINEAR_REGRESSION)
    assert not same_up_to_renaming_and_order(simplify(DEMO_STYLE), REFERENCE_LINEAR_REGRESSION)
    # The same in exact arithmetic: the fitness moves by rounding at most.
    tasks = TASK_SETS["linear_F4"]
    before = CompiledExecutor(tasks, MemorySize(5, 3, 1)).task_fitnesses(DEMO_STYLE)
    after = CompiledExecutor(tasks, MemorySize(5, 3, 1)).task_fitnesses(regrouped)
    np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "learn",
    [
        ["v2 = s2 * v0", "s3 = dot(v2, v0)", "v2 = s3 * v2", "v1 = v2 + v1"],  # v2 read between
        ["v2 = s2 * v0", "s2 = s0 - s1", "v2 = s2 * v2", "v1 = v2 + v1"],  # the first factor rewritten
        ["v2 = s2 * v1", "v1 = v0 + v1", "v2 = s3 * v2", "v1 = v2 + v1"],  # the vector rewritten
        ["v2 = s2 * v0", "v2 = v2 + v0", "v2 = s3 * v2", "v1 = v2 + v1"],  # another op on v2 between
    ],
)
def test_reassociate_leaves_products_that_do_not_chain(learn: list[str]) -> None:
    algorithm = make(setup=["s2 = 0.1"], predict=["s1 = dot(v0, v1)"], learn=learn)
    assert reassociate(algorithm) == algorithm


def test_reassociate_chains_of_three() -> None:
    algorithm = make(learn=["v2 = s2 * v0", "v2 = s3 * v2", "v2 = s4 * v2", "v1 = v2 + v1"])
    assert reassociate(algorithm) == make(learn=["s5 = s3 * s2", "s6 = s4 * s5", "v2 = s6 * v0", "v1 = v2 + v1"])
