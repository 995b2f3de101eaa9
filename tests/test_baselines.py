"""Hand-designed baselines: what they compute, that they learn, and their memory."""

from __future__ import annotations

import numpy as np
import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, Algorithm, MemorySize, from_json, parse
from automl_zero.baselines import (
    BASELINES,
    MULTICLASS_BASELINES,
    baseline,
    linear_regression,
    logistic_regression,
    softmax_regression,
    two_layer_network,
    two_layer_softmax_network,
)
from automl_zero.tasks.base import EvalType, Task
from automl_zero.tasks.classification import multiclass_tasks
from automl_zero.tasks.datasets import load_digits
from automl_zero.tasks.synthetic import linear_regression_tasks, teacher_net_tasks
from automl_zero.vm.compiled import CompiledExecutor
from automl_zero.vm.reference import Memory, ReferenceExecutor, execute, sigmoid
from automl_zero.vm.rng import SplitMix64


def binary_tasks(kind: str, num_tasks: int, F: int, num_train: int, num_valid: int, epochs: int) -> list[Task]:
    """Standardized N(0, I) features; labels from a random hyperplane ("linear") or the XOR of two signs."""
    tasks = []
    for i in range(num_tasks):
        rng = np.random.default_rng([11, i])
        x = rng.standard_normal((num_train + num_valid, F))
        if kind == "linear":
            y = (x @ rng.standard_normal(F) > 0.0).astype(float)
        else:
            y = ((x[:, 0] > 0.0) != (x[:, 1] > 0.0)).astype(float)
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        tasks.append(Task(x[:num_train], y[:num_train], x[num_train:], y[num_train:], epochs, EvalType.ACCURACY))
    return tasks


def fitnesses(tasks: list[Task], algorithm: Algorithm, memory: MemorySize) -> np.ndarray:
    return CompiledExecutor(tasks, memory).task_fitnesses(algorithm)


# ---------------------------------------------------------------------------
# Registry, memory, text form
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baseline_fits_its_memory_and_round_trips(name: str) -> None:
    algorithm, memory = baseline(name)
    assert BASELINES[name][1] == memory
    algorithm.validate(memory)
    assert parse(str(algorithm), memory) == algorithm
    assert from_json(algorithm.to_json()) == algorithm
    # The memory is the smallest that works: one address fewer of any kind that the program uses fails.
    for smaller in (
        MemorySize(memory.scalars - 1, memory.vectors, memory.matrices),
        MemorySize(memory.scalars, memory.vectors - 1, memory.matrices),
    ):
        with pytest.raises(ValueError, match="out of range"):
            algorithm.validate(smaller)


def test_two_layer_network_fits_the_original_baseline_memory() -> None:
    algorithm, memory = baseline("two_layer_network")
    assert memory.matrices == 2
    with pytest.raises(ValueError, match="out of range"):
        algorithm.validate(MemorySize(5, 8, 1))
    algorithm.validate(MemorySize(5, 9, 2))


def test_hyperparameters_appear_in_the_program() -> None:
    assert linear_regression() == REFERENCE_LINEAR_REGRESSION
    assert "s2 = 0.25" in str(linear_regression(0.25))
    assert "s2 = 0.125" in str(logistic_regression(learning_rate=0.125))
    text = str(two_layer_network(learning_rate=0.5, init_scale=0.75))
    assert "s2 = 0.5" in text and "gaussian(0.0, 0.75, (n_features, n_features))" in text
    algorithm, _ = baseline("two_layer_network", learning_rate=0.5, init_scale=0.75)
    assert algorithm == two_layer_network(0.5, 0.75)


def test_bad_names_and_hyperparameters() -> None:
    with pytest.raises(ValueError, match=r"unknown baseline 'svm'.*linear_regression"):
        baseline("svm")
    with pytest.raises(TypeError):
        baseline("linear_regression", momentum=0.9)
    for value in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning_rate"):
            logistic_regression(value)
        with pytest.raises(ValueError, match="init_scale"):
            two_layer_network(init_scale=value)


# ---------------------------------------------------------------------------
# What the 2-layer network computes: one step against NumPy backpropagation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("classification", [False, True])
def test_two_layer_network_predicts_and_backpropagates(classification: bool) -> None:
    F, lr = 5, 0.1
    algorithm = two_layer_network(learning_rate=lr, init_scale=0.7)
    memory = Memory(BASELINES["two_layer_network"][1], F)
    rng = SplitMix64(3)
    for instruction in algorithm.setup:
        execute(instruction, memory, rng)
    w1 = memory.m[0].copy()
    w2 = memory.v[3].copy()
    assert len({tuple(row) for row in w1}) == F, "hidden units must not start symmetric"
    assert np.all(w2 != 0.0)
    # Give the biases non-zero values, as after some training.
    b1 = np.linspace(-0.5, 0.5, F)
    b2 = 0.3
    memory.v[4], memory.s[4] = b1, b2
    x = np.random.default_rng(0).standard_normal(F)
    y = 1.0 if classification else 2.0

    for step in range(2):  # the second step starts from the first one's weights
        memory.v[0], memory.s[0] = x, 0.0
        for instruction in algorithm.predict:
            execute(instruction, memory, rng)
        h = w1 @ x + b1
        a = np.maximum(h, 0.0)
        logit = w2 @ a + b2
        np.testing.assert_allclose(memory.s[1], logit, rtol=1e-12, err_msg=f"step {step}")
        # Squared error 0.5 * (y - p)^2, or log loss of sigmoid(logit): dL/dlogit = p - y.
        p = sigmoid(memory.s[1]) if classification else memory.s[1]
        memory.s[1] = p
        memory.v[0], memory.s[0] = x, y
        for instruction in algorithm.learn:
            execute(instruction, memory, rng)
        delta = p - y
        grad_a = delta * w2
        grad_h = grad_a * (h > 0.0)
        w2, b2 = w2 - lr * delta * a, b2 - lr * delta
        w1, b1 = w1 - lr * np.outer(grad_h, x), b1 - lr * grad_h
        np.testing.assert_allclose(memory.v[3], w2, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(memory.s[4], b2, rtol=1e-12)
        np.testing.assert_allclose(memory.m[0], w1, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(memory.v[4], b1, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------
# Executors agree on the baselines
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(BASELINES) - set(MULTICLASS_BASELINES)))
def test_reference_and_compiled_executors_agree(name: str) -> None:
    algorithm, memory = baseline(name, learning_rate=0.05)
    for tasks in (
        teacher_net_tasks(2, num_features=3, num_train=15, num_valid=6, num_epochs=2, seed=4),
        binary_tasks("xor", 2, 3, 15, 6, 2),
    ):
        compiled = CompiledExecutor(tasks, memory, seed=7).task_fitnesses(algorithm)
        reference = ReferenceExecutor(tasks, memory, seed=7).task_fitnesses(algorithm)
        np.testing.assert_array_equal(compiled, reference)
        assert np.all(compiled > 0.0)


# ---------------------------------------------------------------------------
# They learn
# ---------------------------------------------------------------------------


def test_linear_regression_solves_linear_regression_tasks() -> None:
    algorithm, memory = baseline("linear_regression")
    # The paper's rate 0.001 needs about 10,000 SGD steps.
    tasks = linear_regression_tasks(5, num_features=4, num_train=1000, num_valid=100, num_epochs=10, seed=3)
    assert fitnesses(tasks, algorithm, memory).min() > 0.99
    tasks = linear_regression_tasks(5, num_features=8, num_train=1000, num_valid=100, num_epochs=1, seed=3)
    assert fitnesses(tasks, linear_regression(0.05), memory).min() > 0.999


@pytest.mark.parametrize("F", [8, 16])
def test_logistic_regression_separates_linearly_separable_classes(F: int) -> None:
    algorithm, memory = baseline("logistic_regression")
    accuracy = fitnesses(binary_tasks("linear", 5, F, 400, 400, 5), algorithm, memory)
    assert accuracy.min() > 0.9


def test_two_layer_network_beats_logistic_regression_on_xor() -> None:
    tasks = binary_tasks("xor", 5, 8, 500, 500, 10)
    network = fitnesses(tasks, *baseline("two_layer_network", learning_rate=0.03)).mean()
    logistic = fitnesses(tasks, *baseline("logistic_regression")).mean()
    assert logistic < 0.6
    assert network > 0.85
    assert network > logistic + 0.25


def test_two_layer_network_beats_linear_regression_on_teacher_nets() -> None:
    tasks = teacher_net_tasks(10, num_features=4, num_train=1000, num_valid=100, num_epochs=5, seed=1)
    network = fitnesses(tasks, *baseline("two_layer_network"))
    linear = fitnesses(tasks, *baseline("linear_regression"))
    assert network.mean() > 0.9
    assert network.mean() > linear.mean() + 0.3
    # A teacher whose active units are nearly linear on the data is fit as well by linear regression.
    assert np.sum(network > linear) >= 8


# ---------------------------------------------------------------------------
# Multiclass baselines: the prediction in v2, the one-hot label in v1
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_tasks() -> list[Task]:
    """The bundled digits, all 10 classes projected to F=16, as configs/multiclass.yaml builds them."""
    return multiclass_tasks(load_digits(), num_features=16, num_tasks=3, seed=0)


def test_softmax_regression_takes_one_cross_entropy_step() -> None:
    F, K, lr = 5, 3, 0.2
    algorithm, size = baseline("softmax_regression", learning_rate=lr)
    memory = Memory(size, F)
    rng = SplitMix64(0)
    for instruction in algorithm.setup:
        execute(instruction, memory, rng)
    w = np.random.default_rng(1).standard_normal((F, F))
    b = np.linspace(-1.0, 1.0, F)
    memory.m[0], memory.v[3] = w, b
    x = np.random.default_rng(2).standard_normal(F)
    memory.v[0] = x
    for instruction in algorithm.predict:
        execute(instruction, memory, rng)
    np.testing.assert_allclose(memory.v[2], w @ x + b, rtol=1e-12)
    # What the harness does between Predict and Learn: softmax of v2[:K], one-hot label in v1.
    logits = memory.v[2][:K]
    p = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    memory.v[2] = np.concatenate([p, np.zeros(F - K)])
    memory.v[1] = np.eye(F)[1]
    for instruction in algorithm.learn:
        execute(instruction, memory, rng)
    grad = np.concatenate([p - np.eye(K)[1], np.zeros(F - K)])  # d cross-entropy / d logits
    np.testing.assert_allclose(memory.m[0], w - lr * np.outer(grad, x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(memory.v[3], b - lr * grad, rtol=1e-12, atol=1e-15)
    assert np.array_equal(memory.m[0][K:], w[K:]), "rows beyond K get no updates"


def test_two_layer_softmax_network_backpropagates() -> None:
    F, K, lr = 5, 3, 0.1
    algorithm, size = baseline("two_layer_softmax_network", learning_rate=lr, init_scale=0.7)
    memory = Memory(size, F)
    rng = SplitMix64(3)
    for instruction in algorithm.setup:
        execute(instruction, memory, rng)
    w1, w2 = memory.m[0].copy(), memory.m[2].copy()
    assert len({tuple(row) for row in w1}) == F and np.all(w2 != 0.0)
    b1, b2 = np.linspace(-0.5, 0.5, F), np.linspace(0.2, -0.2, F)
    memory.v[4], memory.v[8] = b1, b2
    x = np.random.default_rng(0).standard_normal(F)
    for step in range(2):
        memory.v[0], memory.v[1] = x, 0.0
        for instruction in algorithm.predict:
            execute(instruction, memory, rng)
        h = w1 @ x + b1
        a = np.maximum(h, 0.0)
        np.testing.assert_allclose(memory.v[2], w2 @ a + b2, rtol=1e-12, err_msg=f"step {step}")
        logits = memory.v[2][:K]
        p = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        memory.v[2], memory.v[1] = np.concatenate([p, np.zeros(F - K)]), np.eye(F)[2]
        for instruction in algorithm.learn:
            execute(instruction, memory, rng)
        delta = np.concatenate([p - np.eye(K)[2], np.zeros(F - K)])
        grad_h = (w2.T @ delta) * (h > 0.0)
        w2, b2 = w2 - lr * np.outer(delta, a), b2 - lr * delta
        w1, b1 = w1 - lr * np.outer(grad_h, x), b1 - lr * grad_h
        np.testing.assert_allclose(memory.m[2], w2, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(memory.v[8], b2, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(memory.m[0], w1, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(memory.v[4], b1, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", MULTICLASS_BASELINES)
def test_multiclass_baselines_beat_chance_on_digits(name: str, digits_tasks: list[Task]) -> None:
    algorithm, memory = baseline(name)
    accuracies = CompiledExecutor(digits_tasks, memory).task_fitnesses(algorithm)
    assert np.all(accuracies > 0.6), accuracies  # chance is 0.1 with 10 classes
    # The scalar baselines predict s1, which the multiclass evaluation never reads: chance or below.
    scalar, scalar_memory = baseline("logistic_regression")
    wide = MemorySize(scalar_memory.scalars, max(scalar_memory.vectors, 3), scalar_memory.matrices)
    assert np.all(CompiledExecutor(digits_tasks, wide).task_fitnesses(scalar) < 0.2)


@pytest.mark.parametrize("name", MULTICLASS_BASELINES)
def test_multiclass_baselines_executors_agree(name: str, digits_tasks: list[Task]) -> None:
    algorithm, memory = baseline(name)
    tasks = [  # a few examples and 2 epochs: the reference executor is slow
        Task(
            t.train_x[:60],
            t.train_y[:60],
            t.valid_x[:30],
            t.valid_y[:30],
            num_epochs=2,
            eval_type=EvalType.MULTICLASS,
            num_classes=t.num_classes,
        )
        for t in digits_tasks[:2]
    ]
    compiled = CompiledExecutor(tasks, memory, seed=5).task_fitnesses(algorithm)
    reference = ReferenceExecutor(tasks, memory, seed=5).task_fitnesses(algorithm)
    np.testing.assert_array_equal(compiled, reference)
    assert np.all(compiled > 0.1)


def test_multiclass_hyperparameters_appear_in_the_program() -> None:
    assert "s2 = 0.25" in str(softmax_regression(0.25))
    text = str(two_layer_softmax_network(learning_rate=0.5, init_scale=0.75))
    assert "s2 = 0.5" in text and text.count("gaussian(0.0, 0.75, (n_features, n_features))") == 2
    with pytest.raises(ValueError, match="learning_rate"):
        softmax_regression(0.0)
