"""T_search, T_select and T_final: specs, counts, disjointness, seeding, data set loading."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from automl_zero.tasks import sets
from automl_zero.tasks.base import EvalType, Task
from automl_zero.tasks.classification import class_pairs
from automl_zero.tasks.datasets import Dataset
from automl_zero.tasks.sets import FAMILIES, TaskDraws, TaskSets, TaskSpec, build_task_sets, describe
from automl_zero.tasks.synthetic import UNIT_TASK_KINDS
from conftest import ID_BITS, row_ids

# ---------------------------------------------------------------------------
# A toy data set whose rows can be identified after standardization
# ---------------------------------------------------------------------------
#
# Columns 0..7 hold the bits of a unique row id (train rows 0..n_train-1, test
# rows after them); standardization maps a 0/1 column to two values, the larger
# one for bit 1, so the ids survive it. Columns 8 and 9 are noise.

NUM_CLASSES = 5
TRAIN_PER_CLASS = 30
TEST_PER_CLASS = 8


def toy() -> Dataset:
    rng = np.random.default_rng(99)

    def part(per_class: int, first_id: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.permutation(np.repeat(np.arange(NUM_CLASSES), per_class))
        ids = first_id + np.arange(len(y))
        x = np.zeros((len(y), ID_BITS + 2), dtype=np.uint8)
        x[:, :ID_BITS] = (ids[:, None] >> np.arange(ID_BITS)) & 1
        x[:, ID_BITS:] = rng.integers(0, 256, (len(y), 2))
        return x, y

    train_x, train_y = part(TRAIN_PER_CLASS, 0)
    test_x, test_y = part(TEST_PER_CLASS, len(train_y))
    return Dataset("toy", train_x, train_y, test_x, test_y, NUM_CLASSES)


def ids_of(x: np.ndarray) -> np.ndarray:
    """Row ids of raw rows (the bits in columns 0..7)."""
    return (x[:, :ID_BITS].astype(np.int64) << np.arange(ID_BITS)).sum(axis=1)


def classes_of(data: Dataset, ids: np.ndarray) -> set[int]:
    labels = np.concatenate([data.train_y, data.test_y])
    return set(labels[ids].tolist())


DATA = {("toy", None): toy()}
N_TRAIN = NUM_CLASSES * TRAIN_PER_CLASS


def rows(tasks: Sequence[Task]) -> set[bytes]:
    return {row.tobytes() for task in tasks for x in (task.train_x, task.valid_x) for row in x}


def arrays_equal(a: TaskSets, b: TaskSets) -> bool:
    return all(
        len(x) == len(y)
        and all(
            np.array_equal(getattr(s, f), getattr(t, f))
            for s, t in zip(x, y, strict=True)
            for f in ("train_x", "train_y", "valid_x", "valid_y")
        )
        for x, y in zip(a, b, strict=True)
    )


def spec(family: str, **changes: Any) -> TaskSpec:
    """A small spec of each family."""
    if family in ("projected_binary", "multiclass"):
        fields: dict[str, Any] = {"num_tasks": None, "num_features": 8, "num_train": None, "num_valid": None}
        fields["dataset"] = "toy"
    else:
        fields = {"num_tasks": 3, "num_features": 4, "num_train": 12, "num_valid": 6}
        if family == "unit":
            fields["unit_kind"] = "constant"
    fields.update(changes)
    return TaskSpec(family, **fields)


# ---------------------------------------------------------------------------
# TaskSpec
# ---------------------------------------------------------------------------


def test_task_spec_rejects_an_unknown_family_listing_them() -> None:
    with pytest.raises(ValueError, match=r"unknown task family 'regression'; families are linear_regression, "):
        TaskSpec("regression")
    with pytest.raises(ValueError) as info:
        TaskSpec("regression")
    assert all(family in str(info.value) for family in FAMILIES)


@pytest.mark.parametrize("family", ["linear_regression", "teacher_net", "unit"])
def test_task_spec_synthetic_defaults(family: str) -> None:
    made = TaskSpec(family)
    assert (made.num_tasks, made.num_features, made.num_train, made.num_valid) == (10, 4, 100, 100)


def test_task_spec_data_family_defaults() -> None:
    for family in ("projected_binary", "multiclass"):
        made = TaskSpec(family)
        assert (made.num_tasks, made.num_features, made.num_train, made.num_valid) == (None, 16, None, None)
    sets = build_task_sets(TaskSpec("projected_binary"))  # the bundled digits: 36 / 9 / 9 pairs, F=16
    assert [len(s) for s in sets] == [36, 9, 9]
    assert {t.num_features for s in sets for t in s} == {16}


def test_task_spec_rejects_an_unknown_unit_kind() -> None:
    with pytest.raises(ValueError, match=r"unknown unit task 'twos'; kinds are zeros, ones, constant, increment"):
        TaskSpec("unit", unit_kind="twos")
    for kind in UNIT_TASK_KINDS:
        assert TaskSpec("unit", unit_kind=kind).unit_kind == kind


# ---------------------------------------------------------------------------
# Building the three sets
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_builds_three_sets_with_the_requested_counts(family: str) -> None:
    built = build_task_sets(
        spec(family, num_tasks=3), spec(family, num_tasks=2), spec(family, num_tasks=4), datasets=DATA
    )
    assert [len(tasks) for tasks in built] == [3, 2, 4]
    assert (built.search, built.select, built.final) == tuple(built)
    for tasks in built:
        assert len({task.shape_key for task in tasks}) == 1
        assert describe(tasks).startswith(f"{len(tasks)} ")
    # One spec serves all three.
    same_spec = build_task_sets(spec(family, num_tasks=2), datasets=DATA)
    assert [len(tasks) for tasks in same_spec] == [2, 2, 2]


def test_projected_binary_default_count_is_one_task_per_pair() -> None:
    built = build_task_sets(spec("projected_binary"), num_select_pairs=3, datasets=DATA)
    # 5 classes: 10 pairs, 7 to search, 3 held out for selection and final evaluation.
    assert [len(tasks) for tasks in built] == [7, 3, 3]
    assert all(task.eval_type == EvalType.ACCURACY for tasks in built for task in tasks)


def test_multiclass_spec_classes_and_features() -> None:
    built = build_task_sets(spec("multiclass", classes=(4, 1, 2), project=False), datasets=DATA)
    assert [len(tasks) for tasks in built] == [1, 1, 1]
    for (task,) in built:
        assert task.eval_type == EvalType.MULTICLASS
        assert task.num_classes == 3
        assert task.num_features == ID_BITS + 2
        assert classes_of(DATA["toy", None], row_ids(task)[0]) == {4, 1, 2}


def test_bad_data_spec_raises_from_the_builder() -> None:
    for family in ("projected_binary", "multiclass"):
        with pytest.raises(ValueError, match="num_tasks must be positive, got 0"):
            build_task_sets(spec(family, num_tasks=0), datasets=DATA)
    with pytest.raises(ValueError, match=r"F must be in \[8, 256\]"):
        build_task_sets(spec("projected_binary", num_features=4), datasets=DATA)
    with pytest.raises(ValueError, match="class 7 does not exist"):
        build_task_sets(spec("multiclass", classes=(0, 7)), datasets=DATA)


# ---------------------------------------------------------------------------
# The sets never share a task
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["linear_regression", "teacher_net", "unit"])
def test_synthetic_sets_share_no_example(family: str) -> None:
    search, select, final = build_task_sets(spec(family), seed=3)
    seen = [rows(tasks) for tasks in (search, select, final)]
    assert all(len(s) == 3 * (12 + 6) for s in seen)  # the rows are distinct within a set too
    assert not seen[0] & seen[1]
    assert not seen[0] & seen[2]
    assert not seen[1] & seen[2]


def test_projected_binary_search_and_held_out_pairs_are_disjoint() -> None:
    data = DATA["toy", None]
    built = build_task_sets(spec("projected_binary", project=False), seed=2, num_select_pairs=3, datasets=DATA)
    pairs: list[list[tuple[int, ...]]] = []
    for role, tasks in enumerate(built):
        role_pairs = []
        for task in tasks:
            train_ids, valid_ids = row_ids(task)
            used = classes_of(data, train_ids)
            assert len(used) == 2
            assert classes_of(data, valid_ids) == used
            assert train_ids.max() < N_TRAIN  # training examples always from the train part
            if role == 2:
                assert valid_ids.min() >= N_TRAIN  # T_final validates on the test part
            else:
                assert valid_ids.max() < N_TRAIN  # T_search and T_select on the train part
                assert not set(train_ids) & set(valid_ids)
            role_pairs.append(tuple(sorted(used)))
        pairs.append(role_pairs)
    search, select, final = (set(p) for p in pairs)
    assert len(search) == 7 and len(select) == 3
    assert not search & select
    assert search | select == set(class_pairs(NUM_CLASSES))
    assert final == select  # selection and final evaluation use the held-out pairs
    # The same pairs, but other tasks: other splits.
    for s, f in zip(built.select, built.final, strict=True):
        assert not np.array_equal(s.train_x, f.train_x)


def test_island_search_sets_are_further_search_sets() -> None:
    built = build_task_sets(
        spec("projected_binary", project=False),
        seed=1,
        num_select_pairs=3,
        datasets=DATA,
        island_search=[spec("projected_binary", project=False), spec("teacher_net")],
    )
    assert len(built.island_search) == 2 and len(list(built)) == 3
    same_family, other_family = built.island_search
    assert {t.name.split("(")[0] for t in other_family} == {"teacher_net"}
    search_pairs = {tuple(sorted(classes_of(DATA["toy", None], row_ids(t)[0]))) for t in built.search}
    for task in same_family:  # the data set's search pairs only, but other examples than T_search's
        assert tuple(sorted(classes_of(DATA["toy", None], row_ids(task)[0]))) in search_pairs
    seen = [rows(tasks) for tasks in (*built, same_family)]
    assert not seen[3] & seen[1] and not seen[3] & seen[2]


def test_projected_binary_tasks_differ_between_sets() -> None:
    built = build_task_sets(spec("projected_binary"), seed=1, num_select_pairs=3, datasets=DATA)
    seen = [rows(tasks) for tasks in built]
    assert not seen[0] & seen[1] and not seen[1] & seen[2] and not seen[0] & seen[2]


def test_multiclass_search_and_select_use_disjoint_halves_of_the_train_part() -> None:
    data = DATA["toy", None]
    built = build_task_sets(spec("multiclass", project=False, num_tasks=2), seed=4, datasets=DATA)
    used: list[set[int]] = []
    for role, tasks in enumerate(built):
        role_ids: set[int] = set()
        for task in tasks:
            train_ids, valid_ids = row_ids(task)
            assert classes_of(data, train_ids) == set(range(NUM_CLASSES))
            assert classes_of(data, valid_ids) == set(range(NUM_CLASSES))
            assert train_ids.max() < N_TRAIN
            if role == 2:
                assert valid_ids.min() >= N_TRAIN
                assert len(train_ids) == N_TRAIN  # T_final trains on the whole train part
            else:
                assert valid_ids.max() < N_TRAIN
                role_ids |= set(train_ids.tolist()) | set(valid_ids.tolist())
        used.append(role_ids)
    search_ids, select_ids, _ = used
    assert not search_ids & select_ids
    # Each uses (all of) its half: together, every training example once.
    assert len(search_ids) == len(select_ids) == N_TRAIN // 2
    assert search_ids | select_ids == set(range(N_TRAIN))

    # The halves themselves: a stratified split of the train part, the test part unchanged.
    first, second = sets._halves(data, 4)
    first_ids, second_ids = set(ids_of(first.train_x).tolist()), set(ids_of(second.train_x).tolist())
    assert not first_ids & second_ids
    assert first_ids | second_ids == set(range(N_TRAIN))
    assert (first_ids, second_ids) == (search_ids, select_ids)
    for half in (first, second):
        assert np.bincount(half.train_y, minlength=NUM_CLASSES).tolist() in (
            [TRAIN_PER_CLASS // 2] * NUM_CLASSES,
            [(TRAIN_PER_CLASS + 1) // 2] * NUM_CLASSES,
        )
        assert np.array_equal(half.test_x, data.test_x) and np.array_equal(half.test_y, data.test_y)
        # Rows keep their labels.
        assert np.array_equal(half.train_y, data.train_y[ids_of(half.train_x)])
    assert set(ids_of(sets._halves(data, 5)[0].train_x).tolist()) != first_ids  # the seed decides the halves


# ---------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_same_seed_same_sets_other_seed_other_sets(family: str) -> None:
    a = build_task_sets(spec(family, num_tasks=2), seed=7, datasets=DATA)
    b = build_task_sets(spec(family, num_tasks=2), seed=7, datasets=DATA)
    c = build_task_sets(spec(family, num_tasks=2), seed=8, datasets=DATA)
    assert arrays_equal(a, b)
    assert [t.name for tasks in a for t in tasks] == [t.name for tasks in b for t in tasks]
    assert not arrays_equal(a, c)
    for role in range(3):
        assert not np.array_equal(list(a)[role][0].train_x, list(c)[role][0].train_x)


# ---------------------------------------------------------------------------
# Loading data sets
# ---------------------------------------------------------------------------


def test_each_data_set_is_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str | None, bool]] = []

    def fake_load(name: str, path: str | None = None, *, download: bool = False) -> Dataset:
        calls.append((name, path, download))
        return DATA["toy", None]

    monkeypatch.setattr(sets, "load_dataset", fake_load)
    build_task_sets(spec("projected_binary"), spec("multiclass"), spec("projected_binary", num_tasks=2))
    assert calls == [("toy", None, False)]

    calls.clear()
    build_task_sets(
        spec("projected_binary"),
        spec("multiclass", path="/data/b"),
        spec("projected_binary", path="/data/b", download=False),
    )
    assert calls == [("toy", None, False), ("toy", "/data/b", False)]

    calls.clear()
    build_task_sets(spec("projected_binary"), spec("multiclass"), datasets=DATA)
    assert calls == []

    calls.clear()
    build_task_sets(spec("linear_regression"))
    assert calls == []


def test_task_draws_are_new_tasks_the_same_every_time() -> None:
    spec = TaskSpec(family="teacher_net", num_tasks=3, num_train=20, num_valid=10)
    sets = build_task_sets(spec, seed=5)
    draws = TaskDraws(spec, seed=5)
    one, again, two = draws(1), draws(1), draws(2)
    assert [t.name for t in one] == [t.name for t in again]
    assert all(np.array_equal(a.train_x, b.train_x) for a, b in zip(one, again, strict=True))
    # Disjoint from every set of the same seed, from the other draws and from another search set's draws.
    other_set = TaskDraws(spec, seed=5, search_set=1)(1)
    seen = [t.train_y for tasks in (*sets, two, other_set) for t in tasks]
    assert not any(np.array_equal(t.train_y, y) for t in one for y in seen)
    with pytest.raises(ValueError, match="numbered from 1"):
        draws(0)


def pair_of(task: Task) -> tuple[int, ...]:
    return tuple(sorted(classes_of(DATA["toy", None], row_ids(task)[0])))


def test_projected_binary_draws_keep_the_search_pairs_with_fresh_splits_and_projections() -> None:
    raw = spec("projected_binary", project=False)
    built = build_task_sets(raw, seed=2, num_select_pairs=3, datasets=DATA)
    draws = TaskDraws(raw, seed=2, num_select_pairs=3, dataset=DATA["toy", None])
    one, two = draws(1), draws(2)
    assert [pair_of(t) for t in one] == [pair_of(t) for t in two] == [pair_of(t) for t in built.search]
    for task in one:  # validation examples stay in the train part, apart from the training examples
        train_ids, valid_ids = row_ids(task)
        assert valid_ids.max() < N_TRAIN and not set(train_ids) & set(valid_ids)
    assert all(not np.array_equal(row_ids(a)[1], row_ids(b)[1]) for a, b in zip(one, built.search, strict=True))
    assert all(not np.array_equal(row_ids(a)[1], row_ids(b)[1]) for a, b in zip(one, two, strict=True))
    # Projected: each draw's projection is new, and draw k is the same every time.
    projected = spec("projected_binary")
    first = build_task_sets(projected, seed=2, num_select_pairs=3, datasets=DATA).search
    again = TaskDraws(projected, seed=2, num_select_pairs=3, dataset=DATA["toy", None])
    assert all(np.array_equal(a.train_x, b.train_x) for a, b in zip(again(1), again(1), strict=True))
    assert not rows(again(1)) & rows(first)


def test_multiclass_draws_stay_in_the_search_half() -> None:
    raw = spec("multiclass", project=False, num_tasks=2)
    built = build_task_sets(raw, seed=4, datasets=DATA)
    select_ids = {int(i) for task in built.select for ids in row_ids(task) for i in ids}
    drawn = TaskDraws(raw, seed=4, dataset=DATA["toy", None])(3)
    for task, search in zip(drawn, built.search, strict=True):
        train_ids, valid_ids = row_ids(task)
        assert not (set(train_ids) | set(valid_ids)) & select_ids
        assert not np.array_equal(valid_ids, row_ids(search)[1])


def test_task_draws_load_their_data_set_once_and_do_not_pickle_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def load(name: str, path: str | None, *, download: bool = False) -> Dataset:
        calls.append(name)
        return DATA["toy", None]

    monkeypatch.setattr(sets, "load_dataset", load)
    draws = TaskDraws(spec("projected_binary"), seed=1, num_select_pairs=3)
    draws(1), draws(2)
    assert calls == ["toy"]
    copy = pickle.loads(pickle.dumps(draws))
    assert copy.dataset is None and draws.dataset is not None
    assert all(np.array_equal(a.train_x, b.train_x) for a, b in zip(copy(2), draws(2), strict=True))
    assert calls == ["toy", "toy"]
