"""Classification tasks: class pairs, projection, binary and multiclass task builders, errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.preprocessing import StandardScaler

from automl_zero.baselines import baseline
from automl_zero.tasks.base import EvalType
from automl_zero.tasks.classification import (
    available_examples,
    class_pairs,
    multiclass_tasks,
    project,
    projected_binary_tasks,
    projection_matrix,
    split_pairs,
)
from automl_zero.tasks.datasets import Dataset, load_digits
from automl_zero.vm.compiled import CompiledExecutor
from conftest import ID_BITS, row_ids, same_examples

# ---------------------------------------------------------------------------
# A toy data set whose rows can be identified after standardization
# ---------------------------------------------------------------------------
#
# Columns 0..7 hold the bits of a unique row id (train rows 0..n_train-1, test
# rows after them). Standardization maps a 0/1 column to two values, the larger
# one for bit 1, so the ids survive it. Column 8 separates the classes
# (30 * class + noise 0..9), column 9 marks the part (train: 0..20, test: 200),
# column 10 is constant and column 11 noise.

CLASS_COL, PART_COL, CONST_COL = 8, 9, 10
TRAIN_PER_CLASS = (40, 40, 40, 25)
TEST_PER_CLASS = (10, 10, 10, 10)


def toy(train_per_class: Sequence[int] = TRAIN_PER_CLASS, test_per_class: Sequence[int] = TEST_PER_CLASS) -> Dataset:
    rng = np.random.default_rng(1234)

    def part(counts: Sequence[int], first_id: int, marker: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
        ids = first_id + np.arange(len(y))
        x = np.zeros((len(y), 12), dtype=np.uint8)
        x[:, :ID_BITS] = (ids[:, None] >> np.arange(ID_BITS)) & 1
        x[:, CLASS_COL] = 30 * y + rng.integers(0, 10, len(y))
        x[:, PART_COL] = rng.integers(0, 21, len(y)) if marker is None else marker
        x[:, CONST_COL] = 7
        x[:, 11] = rng.integers(0, 256, len(y))
        return x, y

    train_x, train_y = part(train_per_class, 0, None)
    test_x, test_y = part(test_per_class, len(train_y), np.full(sum(test_per_class), 200))
    assert len(train_y) + len(test_y) <= 2**ID_BITS
    return Dataset("toy", train_x, train_y, test_x, test_y, len(train_per_class))


def raw_rows(data: Dataset, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Raw features and class of the rows with these ids (train part first, then test part)."""
    x = np.concatenate([data.train_x, data.test_x])
    y = np.concatenate([data.train_y, data.test_y])
    return x[ids], y[ids]


# ---------------------------------------------------------------------------
# Class pairs
# ---------------------------------------------------------------------------


def test_class_pairs_are_all_ordered_pairs() -> None:
    pairs = class_pairs(10)
    assert len(pairs) == 45
    assert len(set(pairs)) == 45
    assert all(i < j for i, j in pairs)
    assert set(pairs) == {(i, j) for i in range(10) for j in range(10) if i < j}
    assert class_pairs(2) == [(0, 1)]
    with pytest.raises(ValueError, match="at least 2 classes"):
        class_pairs(1)


def test_split_pairs_partitions_all_pairs_by_seed() -> None:
    search, select = split_pairs(10)
    assert (len(search), len(select)) == (36, 9)
    assert not set(search) & set(select)
    assert set(search) | set(select) == set(class_pairs(10))
    assert search == sorted(search) and select == sorted(select)
    assert split_pairs(10, seed=0) == (search, select)
    assert split_pairs(10, seed=1) != (search, select)
    assert split_pairs(10, seed=3)[1] != split_pairs(10, seed=4)[1]
    assert [len(side) for side in split_pairs(10, 44, seed=2)] == [1, 44]
    assert [len(side) for side in split_pairs(4, 2)] == [4, 2]


@pytest.mark.parametrize("num_select", [0, -1, 45, 46])
def test_split_pairs_rejects_an_empty_side(num_select: int) -> None:
    with pytest.raises(ValueError, match=r"num_select must leave both sides non-empty: 1 <= num_select < 45"):
        split_pairs(10, num_select)


# ---------------------------------------------------------------------------
# Projection
# ---------------------------------------------------------------------------


def test_projection_matrix_shape_and_seed() -> None:
    matrix = projection_matrix(64, 16, 3)
    assert matrix.shape == (64, 16)
    assert matrix.dtype == np.float64
    assert_array_equal(matrix, projection_matrix(64, 16, 3))
    assert_array_equal(projection_matrix(64, 16, (3, 1)), projection_matrix(64, 16, [3, 1]))
    assert not np.array_equal(matrix, projection_matrix(64, 16, 4))
    assert not np.array_equal(projection_matrix(64, 16, (3, 0)), projection_matrix(64, 16, (3, 1)))
    # N(0, 1) entries.
    big = projection_matrix(200, 100, 0)
    assert abs(big.mean()) < 0.02
    assert abs(big.std() - 1.0) < 0.02


@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 100])
def test_project_is_a_float64_matrix_product_chunked_or_not(chunk_rows: int) -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (7, 40), dtype=np.uint8)
    matrix = rng.standard_normal((40, 9))
    expected = x.astype(np.float64) @ matrix
    out = project(x, matrix, chunk_rows=chunk_rows)
    assert out.dtype == np.float64
    assert out.shape == (7, 9)
    if chunk_rows >= len(x):
        assert_array_equal(out, expected)  # one chunk: the very same product, bit for bit
    else:
        # BLAS may sum a row's products in another order for another block shape (a 1-row
        # chunk is a matrix-vector product), so chunks agree to rounding, not bit for bit.
        assert_allclose(out, expected, rtol=1e-13, atol=1e-10)
    assert_array_equal(project(x, matrix, chunk_rows=chunk_rows), out)  # but always the same
    assert_array_equal(project(x, matrix), expected)


def test_project_without_matrix_is_the_float64_features() -> None:
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    out = project(x, None)
    assert out.dtype == np.float64
    assert_array_equal(out, np.arange(12.0).reshape(3, 4))
    assert not np.shares_memory(out, x)
    floats = np.arange(6.0).reshape(2, 3)
    copied = project(floats, None)
    assert_array_equal(copied, floats)
    assert not np.shares_memory(copied, floats)  # a copy even when x is float64 already


# ---------------------------------------------------------------------------
# Projected binary tasks
# ---------------------------------------------------------------------------


def test_binary_labels_first_class_is_one() -> None:
    data = toy()
    pairs = [(0, 2), (3, 1)]
    tasks = projected_binary_tasks(data, pairs, num_features=None)
    assert len(tasks) == 2
    for task, (first, second) in zip(tasks, pairs, strict=True):
        assert task.eval_type == EvalType.ACCURACY and task.num_classes == 0
        train_ids, valid_ids = row_ids(task)
        for ids, labels, x in ((train_ids, task.train_y, task.train_x), (valid_ids, task.valid_y, task.valid_x)):
            _, classes = raw_rows(data, ids)
            assert set(classes) == {first, second}
            assert_array_equal(labels, (classes == first).astype(float))
            # Column 8 grows with the class: after standardization its sign tells the classes apart.
            lower_is_one = first < second
            assert np.all((x[:, CLASS_COL] < 0) == ((labels == 1) == lower_is_one))


def test_binary_features_are_standardized_with_training_statistics() -> None:
    data = toy()
    for num_features in (None, 8, 12):
        for task in projected_binary_tasks(data, [(0, 1), (1, 3)], num_features=num_features, seed=2):
            assert task.num_features == (12 if num_features is None else num_features)
            varying = task.train_x.std(axis=0) > 0
            assert_allclose(task.train_x.mean(axis=0), 0.0, atol=1e-12)
            assert_allclose(task.train_x.std(axis=0)[varying], 1.0, rtol=1e-12)
            if num_features is None:
                # The constant column is centred, not divided by zero.
                assert_array_equal(task.train_x[:, CONST_COL], 0.0)
                assert_array_equal(task.valid_x[:, CONST_COL], 0.0)
            else:
                assert varying.all()


def test_binary_unprojected_features_are_the_raw_rows_standardized() -> None:
    data = toy()
    for final in (False, True):
        for task in projected_binary_tasks(data, [(0, 1), (2, 3)], num_features=None, seed=4, final=final):
            train_ids, valid_ids = row_ids(task)
            train_raw, _ = raw_rows(data, train_ids)
            valid_raw, _ = raw_rows(data, valid_ids)
            scaler = StandardScaler().fit(train_raw.astype(np.float64))
            assert_allclose(task.train_x, scaler.transform(train_raw.astype(np.float64)), atol=1e-12)
            assert_allclose(task.valid_x, scaler.transform(valid_raw.astype(np.float64)), atol=1e-12)


def test_binary_projected_features_are_the_projection_standardized() -> None:
    data = toy()
    pairs = [(0, 1), (2, 3)]
    seed = (7, 2)
    unprojected = projected_binary_tasks(data, pairs, num_features=None, seed=seed)
    projected = projected_binary_tasks(data, pairs, num_features=8, seed=seed)
    for k, (plain, task) in enumerate(zip(unprojected, projected, strict=True)):
        # Same seed, same split; the documented projection of task k uses (*seed, k).
        train_ids, valid_ids = row_ids(plain)
        matrix = projection_matrix(12, 8, (*seed, k))
        train = raw_rows(data, train_ids)[0].astype(np.float64) @ matrix
        valid = raw_rows(data, valid_ids)[0].astype(np.float64) @ matrix
        scaler = StandardScaler().fit(train)
        assert_allclose(task.train_x, scaler.transform(train), rtol=1e-10, atol=1e-10)
        assert_allclose(task.valid_x, scaler.transform(valid), rtol=1e-10, atol=1e-10)
        assert_array_equal(task.train_y, plain.train_y)


def test_binary_validation_comes_from_the_train_part_unless_final() -> None:
    data = toy()
    n_train = len(data.train_y)
    for task in projected_binary_tasks(data, [(0, 1), (1, 3)], num_features=None):
        train_ids, valid_ids = row_ids(task)
        assert train_ids.max() < n_train and valid_ids.max() < n_train
        assert len(set(train_ids)) == len(train_ids) and len(set(valid_ids)) == len(valid_ids)
        assert not set(train_ids) & set(valid_ids)
    for task in projected_binary_tasks(data, [(0, 1), (1, 3)], num_features=None, final=True):
        train_ids, valid_ids = row_ids(task)
        assert train_ids.max() < n_train
        assert valid_ids.min() >= n_train  # the test part
        train_raw = raw_rows(data, train_ids)[0][:, PART_COL].astype(np.float64)
        expected = (200.0 - train_raw.mean()) / train_raw.std()
        assert_allclose(task.valid_x[:, PART_COL], expected, rtol=1e-12)
        assert expected > 10.0  # far outside anything a training example has


def test_binary_default_counts_follow_the_smallest_pair_and_split_stratified() -> None:
    data = toy()
    # Pair (2, 3) has 40 + 25 = 65 training examples: 13 validation, 52 training for every task.
    tasks = projected_binary_tasks(data, [(0, 1), (2, 3)], num_features=8)
    assert {task.shape_key for task in tasks} == {(8, 52, 13, 1, int(EvalType.ACCURACY), 0)}
    plain = projected_binary_tasks(data, [(0, 1), (2, 3)], num_features=None)
    for task, (first, second) in zip(plain, [(0, 1), (2, 3)], strict=True):
        share = TRAIN_PER_CLASS[first] / (TRAIN_PER_CLASS[first] + TRAIN_PER_CLASS[second])
        for labels in (task.train_y, task.valid_y):
            ones = int(labels.sum())
            assert 0 < ones < len(labels)  # both classes in training and in validation
            assert abs(ones - share * len(labels)) <= 1
    # Final: all examples of the smallest pair in each part (65 training, 20 test).
    final = projected_binary_tasks(data, [(0, 1), (2, 3)], num_features=8, final=True)
    assert {task.shape_key[:3] for task in final} == {(8, 65, 20)}
    assert available_examples(data, (2, 3)) == 65
    assert available_examples(data, (2, 3), "test") == 20


def test_binary_explicit_counts_and_epochs() -> None:
    data = toy()
    tasks = projected_binary_tasks(data, [(0, 1), (0, 3)], num_features=8, num_train=30, num_valid=10, num_epochs=4)
    for task in tasks:
        assert task.shape_key == (8, 30, 10, 4, int(EvalType.ACCURACY), 0)
    final = projected_binary_tasks(data, [(0, 1)], num_features=None, num_train=30, num_valid=5, final=True)
    train_ids, valid_ids = row_ids(final[0])
    assert (len(train_ids), len(valid_ids)) == (30, 5)
    assert valid_ids.min() >= len(data.train_y)


def test_binary_tasks_are_deterministic_by_seed() -> None:
    data = toy()
    pairs = [(0, 1), (2, 3)]
    a = projected_binary_tasks(data, pairs, num_features=8, seed=5)
    b = projected_binary_tasks(data, pairs, num_features=8, seed=5)
    assert all(same_examples(x, y) for x, y in zip(a, b, strict=True))
    c = projected_binary_tasks(data, pairs, num_features=8, seed=6)
    assert not any(np.array_equal(x.train_x, y.train_x) for x, y in zip(a, c, strict=True))
    # Different seeds also split differently.
    plain5 = projected_binary_tasks(data, pairs, num_features=None, seed=5)
    plain6 = projected_binary_tasks(data, pairs, num_features=None, seed=6)
    assert set(row_ids(plain5[0])[0]) != set(row_ids(plain6[0])[0])


def test_more_tasks_than_pairs_cycle_with_new_splits() -> None:
    data = toy()
    pairs = [(0, 1), (2, 3)]
    tasks = projected_binary_tasks(data, pairs, num_features=None, num_tasks=5, seed=1)
    assert len(tasks) == 5
    assert len({task.shape_key for task in tasks}) == 1
    used = []
    for task in tasks:
        train_ids, _ = row_ids(task)
        used.append(tuple(sorted(set(raw_rows(data, train_ids)[1].tolist()))))
    assert used == [(0, 1), (2, 3), (0, 1), (2, 3), (0, 1)]
    assert set(row_ids(tasks[0])[0]) != set(row_ids(tasks[2])[0])
    assert "0-1" in tasks[0].name and "2-3" in tasks[1].name
    projected = projected_binary_tasks(data, pairs, num_features=8, num_tasks=3, seed=1)
    assert not np.array_equal(projected[0].train_x, projected[2].train_x)


# ---------------------------------------------------------------------------
# Multiclass tasks
# ---------------------------------------------------------------------------


def test_multiclass_labels_follow_the_class_order() -> None:
    data = toy()
    classes = [2, 0, 3]
    for final in (False, True):
        (task,) = multiclass_tasks(data, classes, num_features=None, final=final, num_epochs=2)
        assert task.eval_type == EvalType.MULTICLASS
        assert task.num_classes == 3
        assert task.num_epochs == 2
        for ids, labels in zip(row_ids(task), (task.train_y, task.valid_y), strict=True):
            _, raw_classes = raw_rows(data, ids)
            assert_array_equal(labels, [classes.index(c) for c in raw_classes])
            assert set(labels) == {0.0, 1.0, 2.0}


def test_multiclass_defaults_and_projection() -> None:
    data = toy()
    tasks = multiclass_tasks(data, num_features=8, num_tasks=3, seed=1)
    assert len(tasks) == 3
    # All 145 training examples: 29 validation, 116 training.
    assert {task.shape_key for task in tasks} == {(8, 116, 29, 1, int(EvalType.MULTICLASS), 4)}
    assert not np.array_equal(tasks[0].train_x, tasks[1].train_x)
    again = multiclass_tasks(data, num_features=8, num_tasks=3, seed=1)
    assert all(same_examples(x, y) for x, y in zip(tasks, again, strict=True))


def test_multiclass_needs_as_many_features_as_classes() -> None:
    with pytest.raises(ValueError, match=r"10 classes need F >= 10.*got 8"):
        multiclass_tasks(load_digits(), num_features=8)
    narrow = Dataset("narrow", np.arange(24).reshape(8, 3), np.arange(8) % 4, np.zeros((4, 3)), np.arange(4), 4)
    with pytest.raises(ValueError, match=r"4 classes need F >= 4.*got 3"):
        multiclass_tasks(narrow, num_features=None)
    with pytest.raises(ValueError, match="at least 2 classes"):
        multiclass_tasks(toy(), [1])


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_unknown_class_is_named() -> None:
    with pytest.raises(ValueError, match=r"class 12 does not exist in 'digits': classes are 0\.\.9"):
        projected_binary_tasks(load_digits(), [(0, 1), (0, 12)])
    with pytest.raises(ValueError, match="class -1 does not exist"):
        multiclass_tasks(toy(), [0, -1])
    with pytest.raises(ValueError, match="distinct"):
        projected_binary_tasks(toy(), [(1, 1)])
    with pytest.raises(ValueError, match="two classes"):
        projected_binary_tasks(toy(), [(0, 1, 2)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="at least one class pair"):
        projected_binary_tasks(toy(), [])


@pytest.mark.parametrize(
    ("num_features", "message"),
    [
        (13, r"cannot project 'toy' \(12 features\) up to F = 13"),
        (7, r"F must be in \[8, 256\], got 7"),
        (257, r"F must be in \[8, 256\], got 257"),
    ],
)
def test_bad_feature_size(num_features: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        projected_binary_tasks(toy(), [(0, 1)], num_features=num_features)
    with pytest.raises(ValueError, match=message):
        multiclass_tasks(toy(), num_features=num_features)


def test_too_few_examples_says_how_many() -> None:
    data = toy()
    with pytest.raises(ValueError, match=r"too few examples.*train part has 80, asked 70 training \+ 20 validation"):
        projected_binary_tasks(data, [(0, 1)], num_features=8, num_train=70, num_valid=20)
    with pytest.raises(ValueError, match=r"too few examples.*train part has 65 \(asked 66\), the test part 20"):
        projected_binary_tasks(data, [(0, 1), (2, 3)], num_features=8, num_train=66, final=True)
    with pytest.raises(ValueError, match=r"the test part 20 \(asked 21\)"):
        projected_binary_tasks(data, [(0, 1)], num_features=None, num_valid=21, final=True)
    with pytest.raises(ValueError, match=r"train part has 145, asked 140 training \+ 10 validation"):
        multiclass_tasks(data, num_features=8, num_train=140, num_valid=10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_train": 0}, "num_train must be a positive integer, got 0"),
        ({"num_valid": -3}, "num_valid must be a positive integer, got -3"),
        ({"num_epochs": 0}, "num_epochs must be a positive integer, got 0"),
        ({"num_tasks": 0}, "num_tasks must be positive, got 0"),
    ],
)
def test_non_positive_sizes(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        projected_binary_tasks(toy(), [(0, 1)], num_features=8, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        multiclass_tasks(toy(), num_features=8, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# The baselines learn digits
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["logistic_regression", "two_layer_network"])
def test_baselines_learn_projected_digit_pairs(name: str) -> None:
    tasks = projected_binary_tasks(
        load_digits(), [(0, 1), (3, 8), (4, 9), (1, 7), (2, 5)], num_features=16, num_epochs=3, seed=0
    )
    assert len({task.shape_key for task in tasks}) == 1
    algorithm, memory = baseline(name)
    accuracy = CompiledExecutor(tasks, memory).task_fitnesses(algorithm)
    assert accuracy.shape == (5,)
    assert accuracy.mean() > 0.9
    assert accuracy.min() > 0.75
