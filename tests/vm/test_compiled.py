"""The compiled executor: liveness pruning, batching of task shapes, seeds, errors."""

from __future__ import annotations

import numpy as np
import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, Algorithm, MemorySize, make
from automl_zero.mutation import random_algorithm
from automl_zero.ops import ALL_OPS, DEMO_OPS
from automl_zero.tasks import linear_regression_tasks
from automl_zero.vm import encode
from automl_zero.vm.compiled import CompiledExecutor, live_instructions

MEMORY = MemorySize(5, 3, 1)


def live(algorithm: Algorithm) -> list[bool]:
    e = encode(algorithm)
    return live_instructions(e.ints, *e.sizes).tolist()


def test_reference_solution_is_all_live() -> None:
    assert live(REFERENCE_LINEAR_REGRESSION) == [True] * 6


def test_dead_code_is_found() -> None:
    algorithm = make(
        setup=["s2 = 0.001", "s3 = 0.5"],  # s3 is overwritten in Learn before any read
        predict=["s4 = s2 * s2", "s1 = dot(v0, v1)"],  # s4 is overwritten in Learn before any read
        learn=["s3 = s0 - s1", "s4 = s3 * s2", "v2 = v0 * s4", "v1 = v1 + v2", "m0 = outer(v0, v0)"],
    )
    assert live(algorithm) == [True, False, False, True, True, True, True, True, False]


def test_state_carried_from_learn_to_predict_is_live() -> None:
    # s3 written in Learn is read by the next Predict: live through the loop.
    algorithm = make(predict=["s1 = s3 * s3"], learn=["s3 = s0 - s1"])
    assert live(algorithm) == [True, True]


def test_predict_state_read_by_learn_only_through_the_loop() -> None:
    # s2 is read by Learn, which feeds s3 into the next Predict: all live.
    algorithm = make(predict=["s2 = s1 + s3", "s1 = s3 + s3"], learn=["s3 = s2 - s0"])
    assert live(algorithm) == [True, True, True]


def test_random_ops_stay_together() -> None:
    # The dead uniform draw comes before the live one in the stream, so it must run.
    algorithm = make(setup=["s3 = uniform(0.0, 1.0)", "s2 = uniform(0.0, 1.0)"], predict=["s1 = s2 + s2"])
    assert live(algorithm) == [True, True, True]
    without_live_random = make(setup=["s3 = uniform(0.0, 1.0)"], predict=["s1 = s2 + s2"])
    assert live(without_live_random) == [False, True]


def test_pruning_never_changes_fitness() -> None:
    tasks = linear_regression_tasks(4, 4, 20, 10, seed=3)
    memory = MemorySize(5, 4, 2)
    pruned = CompiledExecutor(tasks, memory, seed=1)
    full = CompiledExecutor(tasks, memory, seed=1, prune=False)
    rng = np.random.default_rng(0)
    removed = 0
    for _ in range(2000):
        algorithm = random_algorithm(rng, memory, (5, 8, 8), ALL_OPS, ALL_OPS, ALL_OPS)
        assert pruned.task_fitnesses(algorithm).tolist() == full.task_fitnesses(algorithm).tolist()
        removed += len(algorithm) - sum(live(algorithm))
    assert removed > 2000 * 5  # random programs carry much dead code


def test_reference_solution_learns_linear_regression() -> None:
    # Learning rate 0.001 needs about 10,000 SGD steps at F=4 to reach 0.9999.
    tasks = linear_regression_tasks(10, 4, num_train=1000, num_valid=100, seed=11, num_epochs=10)
    fitness = CompiledExecutor(tasks, MEMORY).task_fitnesses(REFERENCE_LINEAR_REGRESSION)
    assert fitness.min() > 0.9999


def test_mixed_shapes_match_separate_executors() -> None:
    small = linear_regression_tasks(2, 4, 10, 5, seed=1)
    wide = linear_regression_tasks(2, 6, 10, 5, seed=2)
    tasks = [small[0], wide[0], wide[1], small[1]]
    algorithm = make(
        setup=["s2 = uniform(0.0, 0.1)"], predict=["s1 = dot(v0, v1)"], learn=["v2 = s2 * v0", "v1 = v1 + v2"]
    )
    together = CompiledExecutor(tasks, MEMORY, seed=5).task_fitnesses(algorithm)
    # Task i keeps random stream (seed, i) whatever batch it lands in.
    alone = [CompiledExecutor(tasks, MEMORY, seed=5).task_fitnesses(algorithm)[i] for i in range(4)]
    assert together.tolist() == alone
    executor = CompiledExecutor(tasks, MEMORY, seed=5)
    assert executor.evaluate(algorithm) == pytest.approx(together.mean(), abs=1e-15)


def test_seed_reproducible_and_matters() -> None:
    tasks = linear_regression_tasks(3, 4, 20, 10, seed=0)
    algorithm = make(setup=["v1 = gaussian(0.0, 1.0, n_features)"], predict=["s1 = dot(v0, v1)"])
    a = CompiledExecutor(tasks, MEMORY, seed=7).task_fitnesses(algorithm)
    b = CompiledExecutor(tasks, MEMORY, seed=7).task_fitnesses(algorithm)
    c = CompiledExecutor(tasks, MEMORY, seed=8).task_fitnesses(algorithm)
    assert a.tolist() == b.tolist()
    assert a.tolist() != c.tolist()


def test_demo_shape_specialization_agrees_with_generic_code() -> None:
    # F=4 with 10 tasks runs a specialized compilation; 9 tasks run the generic one.
    tasks = linear_regression_tasks(10, 4, 30, 20, seed=4)
    rng = np.random.default_rng(1)
    special = CompiledExecutor(tasks, MEMORY)
    generic = [CompiledExecutor(tasks[:9], MEMORY), CompiledExecutor(tasks[9:], MEMORY)]
    for _ in range(200):
        algorithm = random_algorithm(rng, MemorySize(4, 3, 1), (10, 2, 8), DEMO_OPS, DEMO_OPS, DEMO_OPS)
        expected = np.concatenate([g.task_fitnesses(algorithm) for g in generic])
        assert special.task_fitnesses(algorithm).tolist() == expected.tolist()


def test_bad_algorithm_is_rejected_before_running() -> None:
    executor = CompiledExecutor(linear_regression_tasks(1, 4, 5, 5), MemorySize(4, 3, 1))
    with pytest.raises(ValueError, match="s4"):
        executor.evaluate(REFERENCE_LINEAR_REGRESSION)


def test_no_tasks_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one task"):
        CompiledExecutor([], MEMORY)


def test_all_64_seed_bits_reach_the_random_streams() -> None:
    from automl_zero.vm.reference import ReferenceExecutor

    tasks = linear_regression_tasks(2, 4, 5, 5, seed=0)
    algorithm = make(setup=["s2 = uniform(0.0, 1.0)"], predict=["s1 = s2 + s2"])
    for seed in (-1, 2**63, 2**64 - 5):
        expected = ReferenceExecutor(tasks, MEMORY, seed=seed).task_fitnesses(algorithm).tolist()
        assert CompiledExecutor(tasks, MEMORY, seed=seed).task_fitnesses(algorithm).tolist() == expected
    high = CompiledExecutor(tasks, MEMORY, seed=2**63).task_fitnesses(algorithm).tolist()
    assert high != CompiledExecutor(tasks, MEMORY, seed=0).task_fitnesses(algorithm).tolist()


def test_encoded_arrays_are_checked_before_the_unchecked_core() -> None:
    from automl_zero.vm import EncodedAlgorithm

    executor = CompiledExecutor(linear_regression_tasks(1, 4, 5, 5), MEMORY)
    good = encode(REFERENCE_LINEAR_REGRESSION)
    executor.evaluate(good)
    for row, message in (([70, 0, 0, 1], "op numbers"), ([1, 9, 0, 2], "out of range"), ([1, 0, 0, 0], "out of range")):
        bad = EncodedAlgorithm(np.array([row]), np.zeros((1, 3)), (0, 1, 0))
        with pytest.raises(ValueError, match=message):
            executor.evaluate(bad)


def test_fingerprint_rows_never_keep_an_earlier_algorithms_errors() -> None:
    from automl_zero.vm.compiled import Batch

    tasks = linear_regression_tasks(2, 4, 4, 3, seed=1)
    executor = CompiledExecutor(tasks, MEMORY)
    batch: Batch = executor._batches[0]
    batch.errors = np.zeros((7, 2))
    executor.evaluate(REFERENCE_LINEAR_REGRESSION)
    assert (batch.errors >= 0).all()
    executor.evaluate(make(setup=["s2 = -1.0"], predict=["s1 = log(s2)"]))  # stops at the first example
    assert np.isnan(batch.errors[0]).all() and (batch.errors[1:] == -1.0).all()


def test_median_combination_in_both_executors() -> None:
    from automl_zero.vm.reference import ReferenceExecutor

    tasks = linear_regression_tasks(5, 4, 30, 10, seed=2)
    algorithm = make(
        setup=["s2 = 0.05"],
        predict=["s1 = dot(v0, v1)"],
        learn=["s3 = s0 - s1", "s3 = s3 * s2", "v2 = s3 * v0", "v1 = v1 + v2"],
    )
    per_task = CompiledExecutor(tasks, MEMORY).task_fitnesses(algorithm)
    assert len(set(per_task.tolist())) == 5
    median = CompiledExecutor(tasks, MEMORY, combine="median").evaluate(algorithm)
    assert (
        median == float(np.median(per_task)) == ReferenceExecutor(tasks, MEMORY, combine="median").evaluate(algorithm)
    )
    # An even number of tasks: the upper of the two middle fitnesses, as the original takes it.
    mixed = [*tasks[:2], *linear_regression_tasks(2, 5, 30, 10, seed=3)]  # two batches: combined in Python
    both = CompiledExecutor(mixed, MEMORY, combine="median")
    four = both.task_fitnesses(algorithm)
    assert len(set(four.tolist())) == 4
    assert both.evaluate(algorithm) == float(np.sort(four)[2]) > float(np.median(four))
    even = CompiledExecutor(tasks[:4], MEMORY, combine="median")  # one batch: combined in the compiled core
    assert even.evaluate(algorithm) == float(np.sort(even.task_fitnesses(algorithm))[2])
    assert even.evaluate(algorithm) == ReferenceExecutor(tasks[:4], MEMORY, combine="median").evaluate(algorithm)
    with pytest.raises(ValueError, match="fitness combination"):
        CompiledExecutor(tasks, MEMORY, combine="max")


def test_uniform_with_low_above_high_gives_low_and_draws_nothing() -> None:
    from automl_zero.vm.reference import ReferenceExecutor

    tasks = linear_regression_tasks(3, 4, 20, 10, seed=4)
    memory = MemorySize(5, 3, 2)
    draws_after = ["s3 = uniform(0.0, 1.0)", "v1 = uniform(-1.0, 1.0, n_features)"]
    predict = ["s4 = dot(v0, v1)", "s1 = s4 + s2", "s1 = s1 * s3"]
    for low_above_high, constant in (
        ("s2 = uniform(0.5, -0.5)", "s2 = 0.5"),
        ("v2 = uniform(0.25, -2.0, n_features)", "v2 = uniform(0.25, 0.25, n_features)"),
    ):
        inverted = make(setup=[low_above_high, *draws_after], predict=predict)
        fixed = make(setup=[constant, *draws_after], predict=predict)
        for executor in (CompiledExecutor(tasks, memory, seed=3), ReferenceExecutor(tasks, memory, seed=3)):
            fitnesses = executor.task_fitnesses(inverted)
            assert len(set(fitnesses.tolist())) == 3  # the later draws differ per task
            if low_above_high.startswith("s2"):
                # The same draws follow as after a constant: low > high consumed none of the stream.
                np.testing.assert_array_equal(fitnesses, executor.task_fitnesses(fixed))
    vector = make(setup=["v2 = uniform(0.25, -2.0, n_features)"], predict=["s1 = mean(v2)"])
    for executor in (CompiledExecutor(tasks, memory), ReferenceExecutor(tasks, memory)):
        assert executor.evaluate(vector) == executor.evaluate(make(setup=["s2 = 0.25"], predict=["s1 = s2 + s0"]))


@pytest.mark.parametrize("op", ["minimum", "maximum"])
def test_matrix_min_and_max_give_the_second_operand_on_nan(op: str) -> None:
    from automl_zero.vm.reference import ReferenceExecutor

    tasks = linear_regression_tasks(2, 3, 10, 10, seed=1)
    memory = MemorySize(4, 2, 3)
    nan_second = make(setup=["m1 = m0 / m0", f"m2 = {op}(m0, m1)"], predict=["s1 = mean(m2)"])
    nan_first = make(setup=["m1 = m0 / m0", f"m2 = {op}(m1, m0)"], predict=["s1 = mean(m2)"])
    for executor in (CompiledExecutor(tasks, memory), ReferenceExecutor(tasks, memory)):
        assert executor.evaluate(nan_second) == 0.0  # NaN, the second operand: fitness 0
        assert executor.evaluate(nan_first) > 0.0  # zeros, the second operand: predicts 0


def test_an_evaluation_of_some_ops_gives_the_whole_tables_results() -> None:
    from automl_zero.vm.compiled import evaluate_batch, evaluator

    tasks = linear_regression_tasks(10, 4, 20, 10, seed=5)
    memory = MemorySize(4, 3, 1)
    some = CompiledExecutor(tasks, memory, ops=DEMO_OPS, seed=3)
    whole = CompiledExecutor(tasks, memory, seed=3)
    assert some._evaluate is evaluator(DEMO_OPS) is not evaluate_batch
    rng = np.random.default_rng(4)
    for _ in range(100):
        algorithm = encode(random_algorithm(rng, memory, (10, 2, 8), DEMO_OPS, DEMO_OPS, DEMO_OPS))
        assert some.task_fitnesses(algorithm).tolist() == whole.task_fitnesses(algorithm).tolist()
        assert some.evaluate(algorithm) == whole.evaluate(algorithm)
        assert some.executed_instructions() == whole.executed_instructions()
    assert some._whole_table is None  # nothing here needed another op


def test_algorithms_with_other_ops_run_on_the_whole_table() -> None:
    tasks = linear_regression_tasks(10, 4, 20, 10, seed=5)
    memory = MemorySize(4, 3, 1)
    some = CompiledExecutor(tasks, memory, ops=DEMO_OPS)
    whole = CompiledExecutor(tasks, memory)
    rng = np.random.default_rng(5)
    for _ in range(20):
        other = encode(random_algorithm(rng, memory, (4, 3, 4), ALL_OPS, ALL_OPS, ALL_OPS))
        assert some.task_fitnesses(other).tolist() == whole.task_fitnesses(other).tolist()
        assert some.evaluate(other) == whole.evaluate(other)
        assert some.executed_instructions() == whole.executed_instructions()
    assert some._whole_table is not None
    # And back to the executor's own evaluation for an algorithm of its ops.
    algorithm = random_algorithm(rng, memory, (10, 2, 8), DEMO_OPS, DEMO_OPS, DEMO_OPS)
    assert some.evaluate(algorithm) == whole.evaluate(algorithm)
    assert some.executed_instructions() == whole.executed_instructions()


def test_op_sets_name_valid_ops_and_always_hold_no_op() -> None:
    from automl_zero.ops import OPS, Op
    from automl_zero.vm.compiled import op_set

    assert op_set([Op.VECTOR_SUM_OP]) == (0, int(Op.VECTOR_SUM_OP))
    assert op_set([]) == (0,)
    assert op_set([row.op for row in OPS][::-1]) is None
    with pytest.raises(ValueError, match="op numbers"):
        op_set([len(OPS)])


def test_tasks_of_a_specialized_shape_run_in_batches_of_its_size() -> None:
    from automl_zero.vm.reference import ReferenceExecutor

    tasks = linear_regression_tasks(30, 4, 6, 4, seed=6)
    # A random op: every task keeps its own stream (seed, i) across the batches.
    algorithm = make(
        setup=["s2 = 0.05", "v1 = gaussian(0.0, 0.1, n_features)"],
        predict=["s1 = dot(v0, v1)"],
        learn=["s3 = s0 - s1", "s3 = s3 * s2", "v2 = s3 * v0", "v1 = v1 + v2"],
    )
    for combine in ("mean", "median"):
        executor = CompiledExecutor(tasks, MEMORY, seed=9, combine=combine)
        assert [len(b.fitness) for b in executor._batches] == [10, 10, 10]
        reference = ReferenceExecutor(tasks, MEMORY, seed=9, combine=combine)
        assert executor.task_fitnesses(algorithm).tolist() == reference.task_fitnesses(algorithm).tolist()
        assert executor.evaluate(algorithm) == reference.evaluate(algorithm)
    assert [len(b.fitness) for b in CompiledExecutor(tasks[:25], MEMORY)._batches] == [25]


def test_sort_values_sorts_like_numpy() -> None:
    from automl_zero.vm.compiled import sort_values

    rng = np.random.default_rng(7)
    for size in (0, 1, 2, 3, 10, 101, 1000):
        for values in (rng.standard_normal(size), rng.integers(0, 5, size).astype(float), np.zeros(size)):
            mine = values.copy()
            sort_values(mine)
            assert mine.tolist() == np.sort(values).tolist()
