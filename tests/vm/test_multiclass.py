"""Multiclass evaluation (docs/semantics.md, "Classification"): one-hot label in v1, softmax of v2, argmax accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from automl_zero.algorithm import MemorySize, make
from automl_zero.tasks.base import EvalType, Task
from automl_zero.vm.compiled import CompiledExecutor
from automl_zero.vm.reference import ReferenceExecutor, truncating_softmax

MEMORY = MemorySize(4, 5, 1)
EXECUTORS = [ReferenceExecutor, CompiledExecutor]


def task(train_labels: list[int], valid_labels: list[int], num_features: int = 4, num_classes: int = 3) -> Task:
    rng = np.random.default_rng(0)
    return Task(
        rng.standard_normal((len(train_labels), num_features)),
        np.array(train_labels, dtype=float),
        rng.standard_normal((len(valid_labels), num_features)),
        np.array(valid_labels, dtype=float),
        eval_type=EvalType.MULTICLASS,
        num_classes=num_classes,
    )


@pytest.mark.parametrize("executor", EXECUTORS)
def test_learn_sees_the_one_hot_label_and_predict_does_not(executor: type) -> None:
    # Learn counts labels in v3; Predict reads v3 plus v1 (must be zeros then): majority class 2.
    counter = make(predict=["v2 = v3 + v1"], learn=["v3 = v1 + v3"])
    tasks = [task([2, 2, 1], [2, 1, 2, 0])]
    assert executor(tasks, MEMORY).evaluate(counter) == 0.5
    # Without learning, all probabilities tie and the first class wins: 1 of 4 is class 0.
    assert executor(tasks, MEMORY).evaluate(make(predict=["v2 = v3 + v1"])) == 0.25


@pytest.mark.parametrize("executor", EXECUTORS)
def test_learn_sees_softmax_probabilities_in_v2(executor: type) -> None:
    # v2 = x after Predict; Learn keeps softmax(v2) in v3; Predict then predicts from v3 only.
    # One training example with x = e2 * 50: softmax puts ~1 on class 2, so class 2 is predicted.
    algorithm = make(predict=["v2 = v3 + v4"], learn=["v3 = v0 + v4", "v2 = v3 + v4"])
    # Learn's v2 is overwritten; the probability check instead: Predict v2 = v0, Learn v3 = v2 (probs).
    algorithm = make(predict=["v2 = v0 + v3"], learn=["v3 = v2 + v4"])
    x = np.zeros((1, 4))
    x[0, 2] = 50.0
    t = Task(x, np.array([2.0]), np.zeros((1, 4)), np.array([2.0]), eval_type=EvalType.MULTICLASS, num_classes=3)
    assert executor([t], MEMORY).evaluate(algorithm) == 1.0
    # Had Learn seen raw v2 (50 at class 2), the result would be the same; check values via the softmax itself.
    probabilities = truncating_softmax(np.array([0.0, 0.0, 50.0, 7.0]), 3)
    assert probabilities[3] == 0.0  # entries past K are zeroed
    assert probabilities[:3].sum() == pytest.approx(1.0)
    assert probabilities[2] > 0.999


@pytest.mark.parametrize("executor", EXECUTORS)
def test_nan_prediction_scores_zero(executor: type) -> None:
    algorithm = make(predict=["s2 = -1.0", "s3 = log(s2)", "v2 = s3 * v0"])
    assert executor([task([0, 1, 2], [0, 1])], MEMORY).evaluate(algorithm) == 0.0


@pytest.mark.parametrize("executor", EXECUTORS)
def test_perfect_predictor_scores_one(executor: type) -> None:
    # Features one-hot of the class (scaled): Predict v2 = v0 classifies exactly.
    eye = np.eye(4)[:, :4] * 3.0
    labels = np.array([0, 1, 2, 1], dtype=float)
    x = eye[labels.astype(int)]
    t = Task(x, labels, x, labels, eval_type=EvalType.MULTICLASS, num_classes=3)
    assert executor([t], MEMORY).evaluate(make(predict=["v2 = v0 + v3"])) == 1.0


def test_softmax_of_inf_or_nan_is_nan() -> None:
    assert np.isnan(truncating_softmax(np.array([np.inf, 0.0, 0.0]), 3)).all()
    assert np.isnan(truncating_softmax(np.array([0.0, np.nan, 0.0]), 3)).all()


@pytest.mark.parametrize("executor", EXECUTORS)
def test_memory_without_a_prediction_vector_is_rejected(executor: type) -> None:
    with pytest.raises(ValueError, match="v2 = prediction"):
        executor([task([0, 1], [1])], MemorySize(4, 2, 1))


def test_task_checks_classes() -> None:
    with pytest.raises(ValueError, match="num_classes <= F"):
        task([0, 1], [1], num_features=2, num_classes=3)
    with pytest.raises(ValueError, match="class indices"):
        task([0, 3], [1])
    with pytest.raises(ValueError, match="class indices"):
        Task(
            np.zeros((1, 3)),
            np.array([0.5]),
            np.zeros((1, 3)),
            np.array([0.0]),
            eval_type=EvalType.MULTICLASS,
            num_classes=2,
        )
    with pytest.raises(ValueError, match="only for multiclass"):
        Task(np.zeros((1, 3)), np.zeros(1), np.zeros((1, 3)), np.zeros(1), num_classes=2)
