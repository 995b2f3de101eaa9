"""Tuning constants: which parameters count, that tuning helps, and that it never hurts."""

from __future__ import annotations

import numpy as np
import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize, make
from automl_zero.analysis.tune import METHODS, Constant, constants, tune
from automl_zero.baselines import (
    LINEAR_MEMORY,
    TWO_LAYER_MEMORY,
    linear_regression,
    logistic_regression,
    two_layer_network,
)
from automl_zero.mutation import random_algorithm
from automl_zero.ops import ALL_OPS, Param
from automl_zero.tasks import linear_regression_tasks, teacher_net_tasks
from automl_zero.vm.compiled import CompiledExecutor
from automl_zero.vm.reference import ReferenceExecutor


@pytest.fixture(scope="module")
def executor() -> CompiledExecutor:
    """10 noiseless linear tasks, F=4, 100 training examples, 1 epoch."""
    return CompiledExecutor(linear_regression_tasks(10, 4, 100, 100, seed=1), LINEAR_MEMORY)


@pytest.fixture(scope="module")
def teacher_executor() -> CompiledExecutor:
    return CompiledExecutor(teacher_net_tasks(4, 4, 100, 50, seed=2), TWO_LAYER_MEMORY)


# --- constants() ------------------------------------------------------------


def test_reference_linear_regression_has_one_constant() -> None:
    assert constants(REFERENCE_LINEAR_REGRESSION) == [
        Constant("setup", 0, 0, 0.001, "s2 = 0.001 (Setup #0)", Param.VALUE)
    ]
    assert [c.value for c in constants(logistic_regression(0.05))] == [0.05]


def test_two_layer_network_lists_rate_and_distribution_parameters() -> None:
    found = constants(two_layer_network(0.01, 0.3))
    assert [(c.component, c.position, c.slot, c.param, c.value) for c in found] == [
        ("setup", 0, 0, Param.VALUE, 0.01),
        ("setup", 1, 0, Param.MEAN, 0.0),
        ("setup", 1, 1, Param.STD, 0.3),
        ("setup", 2, 0, Param.MEAN, 0.0),
        ("setup", 2, 1, Param.STD, 0.3),
    ]
    assert found[2].description == "m0 = gaussian(0.0, 0.3, (n_features, n_features)) (Setup #1, std)"


def test_index_parameters_are_not_constants() -> None:
    algorithm = make(
        setup=["v1[0.25] = 1.5", "m0[0.5, 0.75] = -2.0", "s2 = uniform(-1.0, 3.0)"],
        learn=["s3 = 0.125"],
    )
    found = constants(algorithm)
    assert [(c.component, c.position, c.slot, c.param, c.value) for c in found] == [
        ("setup", 0, 1, Param.VALUE, 1.5),
        ("setup", 1, 2, Param.VALUE, -2.0),
        ("setup", 2, 0, Param.LOW, -1.0),
        ("setup", 2, 1, Param.HIGH, 3.0),
        ("learn", 0, 0, Param.VALUE, 0.125),
    ]
    assert found[0].description == "v1[0.25] = 1.5 (Setup #0, value)"


def test_live_only_leaves_out_dead_code() -> None:
    algorithm = make(
        setup=["s2 = 0.001", "s3 = 0.5"],  # s3 is overwritten in Learn before any read
        predict=["s1 = dot(v0, v1)"],
        learn=["s3 = s0 - s1", "s4 = s3 * s2", "v2 = v0 * s4", "v1 = v1 + v2"],
    )
    assert [c.value for c in constants(algorithm)] == [0.001, 0.5]
    assert [c.value for c in constants(algorithm, live_only=True)] == [0.001]


# --- tune() -------------------------------------------------------------------


@pytest.mark.parametrize(("method", "scale"), [("random", 1e4), ("powell", 10.0)])
def test_tuning_a_bad_learning_rate_helps(executor: CompiledExecutor, method: str, scale: float) -> None:
    bad = linear_regression(1e-5)  # barely moves in 100 SGD steps
    result = tune(bad, executor, trials=60, method=method, scale=scale)
    assert result.before == executor.evaluate(bad)
    assert result.after > result.before + 0.1
    assert executor.evaluate(result.algorithm) == result.after
    # Only the constant changed, and it grew.
    assert str(result.algorithm).splitlines()[2:] == str(bad).splitlines()[2:]
    assert constants(result.algorithm)[0].value > 1e-4
    assert 1 <= result.trials <= 60
    assert len(result.history) == result.trials


def test_defaults_reach_a_learning_rate_decades_too_small(executor: CompiledExecutor) -> None:
    # A factor-10 random search could not leave the neighbourhood of 1e-5 (0.358 -> 0.382 on the
    # demo's T_select); the default method and random search's default range both can.
    bad = linear_regression(1e-5)
    powell = tune(bad, executor, method="powell", scale=10.0)
    assert powell.after > 0.99
    default = tune(bad, executor)
    assert default.after >= powell.after
    random = tune(bad, executor, method="random")
    assert random.after > 0.99 and constants(random.algorithm)[0].value > 1e-2
    narrow = tune(bad, executor, method="random", scale=10.0)
    assert narrow.after < 0.5  # the old default range, for contrast


def test_random_search_stays_within_scale(executor: CompiledExecutor) -> None:
    result = tune(linear_regression(1e-5), executor, trials=30, method="random", scale=10.0)
    assert result.after > result.before
    assert 1e-6 <= constants(result.algorithm)[0].value <= 1e-4


@pytest.mark.parametrize("method", METHODS)
def test_tuning_is_deterministic(executor: CompiledExecutor, method: str) -> None:
    algorithm = make(
        setup=["s2 = 0.0001", "s4 = 0.0"],
        predict=["s1 = dot(v0, v1)", "s1 = s1 + s4"],
        learn=["s3 = s0 - s1", "s3 = s3 * s2", "v2 = v0 * s3", "v1 = v1 + v2", "s4 = s4 + s3"],
    )
    first = tune(algorithm, executor, trials=25, method=method, seed=3)
    again = tune(algorithm, executor, trials=25, method=method, seed=3)
    assert first == again
    if method == "random":
        other = tune(algorithm, executor, trials=25, method=method, seed=4)
        assert other.history != first.history


@pytest.mark.parametrize("method", METHODS)
def test_without_constants_nothing_happens(executor: CompiledExecutor, method: str) -> None:
    algorithm = make(predict=["s1 = dot(v0, v1)"])
    result = tune(algorithm, executor, trials=20, method=method)
    assert result.algorithm is algorithm
    assert (result.trials, result.history, result.after) == (0, [], result.before)


def test_zero_trials_return_the_original(executor: CompiledExecutor) -> None:
    result = tune(REFERENCE_LINEAR_REGRESSION, executor, trials=0)
    assert result.algorithm is REFERENCE_LINEAR_REGRESSION
    assert (result.trials, result.after) == (0, result.before)


@pytest.mark.parametrize("method", METHODS)
def test_ties_keep_the_original(executor: CompiledExecutor, method: str) -> None:
    # The constant reaches the prediction but s0 is 0 in Predict, so every value ties.
    algorithm = make(setup=["s2 = 0.5"], predict=["s1 = s2 * s0"])
    result = tune(algorithm, executor, trials=10, method=method)
    assert result.algorithm is algorithm
    assert result.after == result.before
    assert result.trials > 0


@pytest.mark.parametrize("method", METHODS)
def test_never_worse_on_random_programs(method: str) -> None:
    memory = MemorySize(5, 4, 2)
    executor = CompiledExecutor(linear_regression_tasks(3, 4, 20, 10, seed=5), memory)
    rng = np.random.default_rng(0)
    tuned = 0
    for _ in range(15):
        algorithm = random_algorithm(rng, memory, (4, 6, 6), ALL_OPS, ALL_OPS, ALL_OPS)
        result = tune(algorithm, executor, trials=8, method=method, seed=1)
        assert result.after >= result.before
        assert result.after == executor.evaluate(result.algorithm)
        assert result.history == sorted(result.history)
        assert all(h >= result.before for h in result.history)
        tuned += result.trials > 0
    assert tuned > 0


def test_two_layer_network_with_random_initialization(teacher_executor: CompiledExecutor) -> None:
    algorithm = two_layer_network(0.001, 0.05)
    result = tune(algorithm, teacher_executor, trials=40, method="powell")
    assert result.after > result.before
    assert teacher_executor.evaluate(result.algorithm) == result.after
    assert [c.param for c in constants(result.algorithm)] == [c.param for c in constants(algorithm)]


def test_reference_executor_agrees() -> None:
    tasks = linear_regression_tasks(2, 4, 20, 10, seed=1)
    compiled = tune(linear_regression(1e-3), CompiledExecutor(tasks, LINEAR_MEMORY), trials=6, seed=2)
    reference = tune(linear_regression(1e-3), ReferenceExecutor(tasks, LINEAR_MEMORY), trials=6, seed=2)
    assert reference == compiled


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "nelder"}, "unknown tuning method"),
        ({"trials": -1}, "trials"),
        ({"trials": 2.5}, "trials"),
        ({"scale": 1.0}, "scale"),
        ({"scale": float("inf")}, "scale"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_arguments(executor: CompiledExecutor, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tune(REFERENCE_LINEAR_REGRESSION, executor, **kwargs)  # type: ignore[arg-type]
