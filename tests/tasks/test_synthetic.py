"""Synthetic task families: seeding, shapes, label formulas, unit tasks, errors."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from automl_zero.tasks.base import EvalType
from automl_zero.tasks.synthetic import (
    TEACHER_OFF_UNITS,
    UNIT_TASK_KINDS,
    linear_regression_tasks,
    teacher_net_tasks,
    teacher_net_weights,
    unit_tasks,
)
from conftest import same_examples

# ---------------------------------------------------------------------------
# Teacher nets
# ---------------------------------------------------------------------------


def test_teacher_shapes_and_eval_type() -> None:
    tasks = teacher_net_tasks(3, num_features=5, num_train=7, num_valid=4, num_epochs=2)
    assert len(tasks) == 3
    for task in tasks:
        assert task.train_x.shape == (7, 5) and task.train_y.shape == (7,)
        assert task.valid_x.shape == (4, 5) and task.valid_y.shape == (4,)
        assert task.eval_type == EvalType.RMS
        assert task.num_epochs == 2


def test_teacher_is_deterministic_by_seed_and_index() -> None:
    a = teacher_net_tasks(4, seed=3)
    b = teacher_net_tasks(4, seed=3)
    assert all(same_examples(x, y) for x, y in zip(a, b, strict=True))
    # A longer list extends a shorter one: task i depends only on (seed, i).
    longer = teacher_net_tasks(6, seed=3)
    assert all(same_examples(x, y) for x, y in zip(a, longer, strict=False))
    # Tasks within a set differ, and so do sets with different seeds.
    assert not same_examples(a[0], a[1])
    assert not same_examples(a[0], teacher_net_tasks(1, seed=4)[0])


def test_teacher_role_tuples_give_different_tasks() -> None:
    search = teacher_net_tasks(2, seed=(0, 7, 0))
    select = teacher_net_tasks(2, seed=(1, 7, 0))
    other_experiment = teacher_net_tasks(2, seed=(0, 7, 1))
    assert same_examples(search[0], teacher_net_tasks(1, seed=(0, 7, 0))[0])
    for other in (select, other_experiment):
        assert not any(same_examples(x, y) for x in search for y in other)


def test_teacher_and_linear_families_do_not_share_data() -> None:
    teacher = teacher_net_tasks(1, seed=0)[0]
    linear = linear_regression_tasks(1, seed=0)[0]
    assert not np.isin(teacher.train_x, linear.train_x).any()


def test_teacher_weights_do_not_depend_on_the_number_of_examples() -> None:
    w1, w2 = teacher_net_weights(4, seed=5, index=1)
    for num_train in (3, 50):
        task = teacher_net_tasks(2, num_train=num_train, num_valid=3, seed=5)[1]
        assert_array_equal(task.train_y, np.maximum(task.train_x @ w1.T, 0.0) @ w2)


@pytest.mark.parametrize(("num_features", "hidden"), [(4, None), (3, 7), (6, 2)])
def test_teacher_labels_match_a_direct_computation(num_features: int, hidden: int | None) -> None:
    tasks = teacher_net_tasks(3, num_features=num_features, num_train=20, num_valid=10, seed=(2, 1), hidden=hidden)
    for i, task in enumerate(tasks):
        w1, w2 = teacher_net_weights(num_features, hidden, seed=(2, 1), index=i)
        h = num_features if hidden is None else hidden
        assert w1.shape == (h, num_features) and w2.shape == (h,)
        for x, y in ((task.train_x, task.train_y), (task.valid_x, task.valid_y)):
            expected = np.array([sum(w2[j] * max(float(w1[j] @ row), 0.0) for j in range(h)) for row in x])
            np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
        assert np.std(task.train_y) > 0.0


def test_teacher_switches_off_hidden_units_0_and_2() -> None:
    task = teacher_net_tasks(1, num_features=4, num_train=50, seed=9)[0]
    w1, w2 = teacher_net_weights(4, seed=9)
    off = list(TEACHER_OFF_UNITS)
    assert off == [0, 2]
    assert_array_equal(w2[off], 0.0)
    assert_array_equal(w1[off], 0.0)
    assert np.all(w2[[1, 3]] != 0.0)
    # Whatever rows 0 and 2 of W1 hold, the labels stay the same.
    changed = w1.copy()
    changed[off] = np.random.default_rng(0).standard_normal((2, 4)) * 10.0
    assert_array_equal(np.maximum(task.train_x @ changed.T, 0.0) @ w2, task.train_y)
    # The remaining units do shape the labels.
    changed = w1.copy()
    changed[1] += 1.0
    assert not np.array_equal(np.maximum(task.train_x @ changed.T, 0.0) @ w2, task.train_y)


def test_small_teachers_keep_all_units() -> None:
    w1, w2 = teacher_net_weights(3, hidden=2)
    assert np.all(w2 != 0.0) and np.all(w1 != 0.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_tasks": 0},
        {"num_tasks": 1, "num_features": 0},
        {"num_tasks": 1, "num_train": 0},
        {"num_tasks": 1, "num_valid": -1},
        {"num_tasks": 1, "hidden": 0},
        {"num_tasks": 1, "num_train": 2.5},
        {"num_tasks": 1, "seed": -1},
        {"num_tasks": 1, "seed": (1, -2)},
        {"num_tasks": 1, "seed": (1, 0.5)},
        {"num_tasks": 1, "num_epochs": 0},
    ],
)
def test_teacher_rejects_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        teacher_net_tasks(**kwargs)  # type: ignore[arg-type]


def test_teacher_weights_reject_a_negative_index() -> None:
    with pytest.raises(ValueError, match="index"):
        teacher_net_weights(4, index=-1)


# ---------------------------------------------------------------------------
# Unit tasks
# ---------------------------------------------------------------------------


def test_zeros_and_ones() -> None:
    zeros = unit_tasks("zeros", num_features=3, num_train=4, num_valid=2)[0]
    ones = unit_tasks("ones", num_features=3, num_train=4, num_valid=2)[0]
    for task, fill in ((zeros, 0.0), (ones, 1.0)):
        assert task.train_x.shape == (4, 3) and task.valid_x.shape == (2, 3)
        for array in (task.train_x, task.train_y, task.valid_x, task.valid_y):
            assert_array_equal(array, fill)


def test_increment_counts_up_by_one_per_example() -> None:
    task = unit_tasks("increment", num_features=2, num_train=4, num_valid=3)[0]
    assert_array_equal(task.train_y, [0.0, 1.0, 2.0, 3.0])
    assert_array_equal(task.train_x, [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert_array_equal(task.valid_y, [0.0, 1.0, 2.0])
    assert_array_equal(task.valid_x, [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])


def test_constant_has_random_features_and_a_fixed_label() -> None:
    tasks = unit_tasks("constant", num_features=4, num_train=30, num_valid=10, num_tasks=2, value=-2.5, seed=4)
    for task in tasks:
        assert_array_equal(task.train_y, -2.5)
        assert_array_equal(task.valid_y, -2.5)
        assert np.std(task.train_x) > 0.5
    assert not same_examples(tasks[0], tasks[1])
    again = unit_tasks("constant", num_features=4, num_train=30, num_valid=10, value=-2.5, seed=4)[0]
    assert same_examples(tasks[0], again)
    assert not same_examples(tasks[0], unit_tasks("constant", num_train=30, num_valid=10, value=-2.5, seed=5)[0])


@pytest.mark.parametrize("kind", UNIT_TASK_KINDS)
def test_unit_task_options(kind: str) -> None:
    tasks = unit_tasks(kind, num_tasks=2, num_epochs=3, eval_type=EvalType.ACCURACY)
    assert len(tasks) == 2
    assert all(t.num_epochs == 3 and t.eval_type == EvalType.ACCURACY for t in tasks)
    assert kind in tasks[0].name


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("nope",), {}, "unknown unit task kind"),
        (("ones",), {"num_train": 0}, "num_train"),
        (("ones",), {"num_tasks": 0}, "num_tasks"),
        (("constant",), {"value": float("nan")}, "finite"),
        (("constant",), {"seed": -3}, "seed"),
        (("zeros",), {"eval_type": 5}, "EvalType"),
    ],
)
def test_unit_tasks_reject_bad_arguments(args: tuple[str], kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        unit_tasks(*args, **kwargs)  # type: ignore[arg-type]


def test_teacher_classification_is_balanced_deterministic_and_not_linear() -> None:
    from automl_zero.algorithm import MemorySize
    from automl_zero.baselines import baseline
    from automl_zero.tasks import teacher_classification_tasks
    from automl_zero.tasks.base import EvalType
    from automl_zero.vm.compiled import CompiledExecutor

    tasks = teacher_classification_tasks(10, 8, 500, 200, seed=3, num_epochs=4)
    again = teacher_classification_tasks(10, 8, 500, 200, seed=3, num_epochs=4)
    assert all(
        np.array_equal(a.train_x, b.train_x) and np.array_equal(a.valid_y, b.valid_y)
        for a, b in zip(tasks, again, strict=True)
    )
    assert all(t.eval_type == EvalType.ACCURACY for t in tasks)
    labels = np.concatenate([np.concatenate([t.train_y, t.valid_y]) for t in tasks])
    assert set(labels.tolist()) == {0.0, 1.0} and abs(labels.mean() - 0.5) < 0.01  # split at the median
    memory = MemorySize(5, 9, 2)
    logistic = CompiledExecutor(tasks, memory).evaluate(baseline("logistic_regression", learning_rate=0.1)[0])
    network = CompiledExecutor(tasks, memory).evaluate(baseline("two_layer_network", learning_rate=0.1)[0])
    assert network > logistic + 0.04  # the boundary is not linear: a hidden layer pays
