"""Classification tasks made from a data set: projected binary pairs and multiclass.

Follows the paper and the original's dataset generator (``generate_datasets.py``):

- a binary task takes two classes; the first of the pair is label 1, the
  second label 0;
- its examples are split into training and validation examples, stratified
  by class, from the data set's *train* part (search and selection), or the
  training examples come from the train part and the validation examples
  from the *test* part (final evaluation);
- features are multiplied by a random Gaussian matrix ``N(0, 1)`` of shape
  ``(d, F)`` fixed by the task seed, then standardized with the training
  examples' mean and standard deviation (scikit-learn's ``StandardScaler``),
  applied to both training and validation examples;
- with ``num_features=None`` the raw features are standardized without a
  projection (the unprojected variant for final evaluation, e.g. 3072
  features for CIFAR-10).

Memory: only the rows a task uses are converted to float64, in chunks, so a
CIFAR-sized data set kept as ``uint8`` never exists as one float array.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
from sklearn.model_selection import train_test_split

from automl_zero.tasks.base import EvalType, Task, order_seed_for
from automl_zero.tasks.datasets import Dataset

#: Projected feature sizes the paper uses (docs/semantics.md, "Classification tasks from a data set").
MIN_PROJECTED_FEATURES = 8
MAX_PROJECTED_FEATURES = 256
#: Rows converted to float64 at a time while projecting (bounds the memory of a projection).
CHUNK_ROWS = 4096
#: Salt that keeps the projection's random stream apart from the split's.
_PROJECTION_STREAM = 1


def class_pairs(num_classes: int) -> list[tuple[int, int]]:
    """All pairs ``(i, j)`` with ``i < j``, in order: 45 for 10 classes."""
    if num_classes < 2:
        raise ValueError(f"class pairs need at least 2 classes, got {num_classes}")
    return list(combinations(range(num_classes), 2))


def split_pairs(
    num_classes: int, num_select: int = 9, *, seed: int = 0
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Split all class pairs into search pairs and held-out selection pairs (36 / 9 for 10 classes).

    The split is a permutation of :func:`class_pairs` drawn from ``seed``; the
    two lists never share a pair and each keeps the pairs' sorted order.

    Raises
    ------
    ValueError
        If either side would be empty.

    """
    pairs = class_pairs(num_classes)
    if not 1 <= num_select < len(pairs):
        raise ValueError(
            f"num_select must leave both sides non-empty: 1 <= num_select < {len(pairs)} "
            f"(pairs of {num_classes} classes), got {num_select}"
        )
    order = np.random.default_rng([seed, len(pairs)]).permutation(len(pairs))
    select = sorted(pairs[k] for k in order[:num_select])
    search = sorted(pairs[k] for k in order[num_select:])
    return search, select


def projection_matrix(num_raw: int, num_features: int, seed: int | Sequence[int]) -> np.ndarray:
    """The Gaussian projection ``N(0, 1)`` of shape ``(num_raw, num_features)`` for a task seed."""
    key = [seed] if isinstance(seed, int) else list(seed)
    return np.random.default_rng([*key, _PROJECTION_STREAM]).standard_normal((num_raw, num_features))


def project(x: np.ndarray, matrix: np.ndarray | None, chunk_rows: int = CHUNK_ROWS) -> np.ndarray:
    """``x @ matrix`` in float64, converting ``chunk_rows`` rows of ``x`` at a time.

    With ``matrix`` None, return a float64 copy of ``x`` (the unprojected variant).
    """
    if matrix is None:
        return np.array(x, dtype=np.float64)
    out = np.empty((len(x), matrix.shape[1]))
    for start in range(0, len(x), chunk_rows):
        out[start : start + chunk_rows] = np.asarray(x[start : start + chunk_rows], dtype=np.float64) @ matrix
    return out


def _standardize(train: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale both in place by the training examples' mean and standard deviation (constant features: std 1).

    In place because unprojected CIFAR-10 examples take 25 KB each: a copy
    of a task's examples would double its memory.
    """
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0.0] = 1.0  # as StandardScaler: a constant feature is centred, not divided by 0
    for part in (train, valid):
        part -= mean
        part /= std
    return train, valid


def _check_features(dataset: Dataset, num_features: int | None) -> None:
    if num_features is None:
        return
    if not MIN_PROJECTED_FEATURES <= num_features <= MAX_PROJECTED_FEATURES:
        raise ValueError(
            f"projected feature size F must be in [{MIN_PROJECTED_FEATURES}, {MAX_PROJECTED_FEATURES}], "
            f"got {num_features}"
        )
    if num_features > dataset.num_raw_features:
        raise ValueError(
            f"cannot project {dataset.name!r} ({dataset.num_raw_features} features) up to F = {num_features}; "
            f"use F <= {dataset.num_raw_features}, or num_features=None for the unprojected features"
        )


def _check_classes(dataset: Dataset, classes: Sequence[int]) -> None:
    for c in classes:
        if isinstance(c, bool) or not isinstance(c, int | np.integer) or not 0 <= c < dataset.num_classes:
            raise ValueError(
                f"class {c!r} does not exist in {dataset.name!r}: classes are 0..{dataset.num_classes - 1}"
            )
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes must be distinct, got {tuple(classes)}")


def _rows(labels: np.ndarray, classes: Sequence[int]) -> np.ndarray:
    """Indices of the examples of ``classes``, in data set order."""
    return np.flatnonzero(np.isin(labels, np.asarray(classes)))


def _relabel(labels: np.ndarray, classes: Sequence[int], binary: bool) -> np.ndarray:
    """Binary: the first class is 1, the second 0. Multiclass: class ``classes[k]`` is ``k``."""
    out = np.empty(len(labels))
    for k, c in enumerate(classes):
        out[labels == c] = (1.0 if k == 0 else 0.0) if binary else float(k)
    return out


def available_examples(dataset: Dataset, classes: Sequence[int], part: str = "train") -> int:
    """How many examples of ``classes`` the ``"train"`` or ``"test"`` part holds."""
    labels = dataset.train_y if part == "train" else dataset.test_y
    return len(_rows(labels, classes))


def _make_task(
    dataset: Dataset,
    classes: Sequence[int],
    *,
    num_features: int | None,
    num_train: int,
    num_valid: int,
    seed: int | Sequence[int],
    num_epochs: int,
    final: bool,
    binary: bool,
    name: str,
) -> Task:
    key = [seed] if isinstance(seed, int) else list(seed)
    split_seed = int(np.random.default_rng(key).integers(2**31 - 1))
    train_rows = _rows(dataset.train_y, classes)
    where = f"{name} of {dataset.name!r}"
    if final:
        valid_rows = _rows(dataset.test_y, classes)
        if len(train_rows) < num_train or len(valid_rows) < num_valid:
            raise ValueError(
                f"too few examples for {where}: the train part has {len(train_rows)} (asked {num_train}), "
                f"the test part {len(valid_rows)} (asked {num_valid})"
            )
        train_pick = _stratified(train_rows, dataset.train_y, num_train, split_seed)
        valid_pick = _stratified(valid_rows, dataset.test_y, num_valid, split_seed)
        train_x, train_y = dataset.train_x[train_pick], dataset.train_y[train_pick]
        valid_x, valid_y = dataset.test_x[valid_pick], dataset.test_y[valid_pick]
    else:
        if len(train_rows) < num_train + num_valid:
            raise ValueError(
                f"too few examples for {where}: the train part has {len(train_rows)}, "
                f"asked {num_train} training + {num_valid} validation"
            )
        train_idx, valid_idx = train_test_split(
            train_rows,
            train_size=num_train,
            test_size=num_valid,
            random_state=split_seed,
            stratify=dataset.train_y[train_rows],
        )
        train_x, train_y = dataset.train_x[train_idx], dataset.train_y[train_idx]
        valid_x, valid_y = dataset.train_x[valid_idx], dataset.train_y[valid_idx]
    matrix = None if num_features is None else projection_matrix(dataset.num_raw_features, num_features, key)
    train_f, valid_f = _standardize(project(train_x, matrix), project(valid_x, matrix))
    return Task(
        train_f,
        _relabel(train_y, classes, binary),
        valid_f,
        _relabel(valid_y, classes, binary),
        num_epochs=num_epochs,
        eval_type=EvalType.ACCURACY if binary else EvalType.MULTICLASS,
        num_classes=0 if binary else len(classes),
        name=name,
        order_seed=order_seed_for(*key),
    )


def _stratified(rows: np.ndarray, labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` of ``rows``, stratified by label (all of them, shuffled, if ``count`` is all)."""
    num_classes = len(np.unique(labels[rows]))
    if min(count, len(rows) - count) < num_classes:
        # Too few left over to stratify (e.g. all examples but one): a plain random pick.
        return np.random.default_rng(seed).permutation(rows)[:count]
    picked, _ = train_test_split(rows, train_size=count, random_state=seed, stratify=labels[rows])
    return np.asarray(picked)


def projected_binary_tasks(
    dataset: Dataset,
    pairs: Sequence[tuple[int, int]],
    *,
    num_features: int | None = 16,
    num_train: int | None = None,
    num_valid: int | None = None,
    seed: int | Sequence[int] = 0,
    num_epochs: int = 1,
    final: bool = False,
    num_tasks: int | None = None,
) -> list[Task]:
    """Binary classification tasks, one per class pair, projected to ``num_features``.

    Parameters
    ----------
    dataset : Dataset
        The data, with its train and test parts.
    pairs : sequence of (int, int)
        Class pairs; the first class of a pair is label 1.
    num_features : int or None
        F, 8 <= F <= 256 and at most the raw feature count; None keeps the
        raw features (the unprojected variant).
    num_train, num_valid : int, optional
        Examples per task. For search and selection tasks both come from the
        train part; by default ``num_valid`` is 20% of the smallest pair's
        count and ``num_train`` the rest of it (every task of a set must
        have the same counts). For ``final`` tasks the defaults are all
        examples of the smallest pair in the train and test parts.
    seed : int or sequence of int
        Decides each task's split and projection, with the task's position:
        task ``k`` uses ``(*seed, k)``.
    num_epochs : int
        Passes over the training examples.
    final : bool
        Validate on the data set's test part (the final evaluation).
    num_tasks : int, optional
        Default: one task per pair. More tasks cycle through the pairs again
        with new projections and splits.

    Returns
    -------
    list of Task

    Raises
    ------
    ValueError
        On a class that does not exist, a bad F, or too few examples.

    Examples
    --------
    >>> from automl_zero.tasks.datasets import load_digits
    >>> tasks = projected_binary_tasks(load_digits(), [(0, 1), (3, 8)], num_features=16)
    >>> len(tasks), tasks[0].num_features, tasks[0].eval_type.name
    (2, 16, 'ACCURACY')

    """
    if not pairs:
        raise ValueError("projected binary tasks need at least one class pair")
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"a class pair has two classes, got {tuple(pair)!r}")
        _check_classes(dataset, pair)
    return _tasks(
        dataset,
        [tuple(p) for p in pairs],
        "binary",
        num_features,
        num_train,
        num_valid,
        seed,
        num_epochs,
        final,
        num_tasks,
    )


def multiclass_tasks(
    dataset: Dataset,
    classes: Sequence[int] | None = None,
    *,
    num_features: int | None = 16,
    num_train: int | None = None,
    num_valid: int | None = None,
    seed: int | Sequence[int] = 0,
    num_epochs: int = 1,
    final: bool = False,
    num_tasks: int = 1,
) -> list[Task]:
    """Multiclass tasks over ``classes`` (default: all), projected to ``num_features`` (K <= F).

    Class ``classes[k]`` becomes label ``k``; the evaluation gives it one-hot
    in v1 and reads the prediction from v2 (docs/semantics.md, "Memory and addresses"). Other
    parameters as in :func:`projected_binary_tasks`; each task has its own
    projection and split.
    """
    chosen = list(range(dataset.num_classes)) if classes is None else list(classes)
    if len(chosen) < 2:
        raise ValueError(f"multiclass tasks need at least 2 classes, got {chosen}")
    _check_classes(dataset, chosen)
    width = dataset.num_raw_features if num_features is None else num_features
    if len(chosen) > width:
        raise ValueError(f"{len(chosen)} classes need F >= {len(chosen)} (the prediction is v2[:K]), got {width}")
    return _tasks(
        dataset, [tuple(chosen)], "multiclass", num_features, num_train, num_valid, seed, num_epochs, final, num_tasks
    )


def _tasks(
    dataset: Dataset,
    groups: list[tuple[int, ...]],
    kind: str,
    num_features: int | None,
    num_train: int | None,
    num_valid: int | None,
    seed: int | Sequence[int],
    num_epochs: int,
    final: bool,
    num_tasks: int | None,
) -> list[Task]:
    _check_features(dataset, num_features)
    count = len(groups) if num_tasks is None else num_tasks
    if count < 1:
        raise ValueError(f"num_tasks must be positive, got {num_tasks}")
    key = [seed] if isinstance(seed, int) else list(seed)
    smallest_train = min(available_examples(dataset, g, "train") for g in groups)
    if final:
        smallest_test = min(available_examples(dataset, g, "test") for g in groups)
        n_train = smallest_train if num_train is None else num_train
        n_valid = smallest_test if num_valid is None else num_valid
    else:
        n_valid = max(1, smallest_train // 5) if num_valid is None else num_valid
        n_train = smallest_train - n_valid if num_train is None else num_train
    for label, value in (("num_train", n_train), ("num_valid", n_valid), ("num_epochs", num_epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{label} must be a positive integer, got {value!r}")
    tasks = []
    for k in range(count):
        group = groups[k % len(groups)]
        classes = "-".join(map(str, group)) if kind == "binary" else f"{len(group)} classes"
        name = (
            f"{kind} {dataset.name} ({classes}) F={'raw' if num_features is None else num_features} "
            f"{'final' if final else 'train/valid'} seed={tuple(key)} #{k}"
        )
        tasks.append(
            _make_task(
                dataset,
                group,
                num_features=num_features,
                num_train=n_train,
                num_valid=n_valid,
                seed=[*key, k],
                num_epochs=num_epochs,
                final=final,
                binary=kind == "binary",
                name=name,
            )
        )
    return tasks


__all__ = [
    "CHUNK_ROWS",
    "MAX_PROJECTED_FEATURES",
    "MIN_PROJECTED_FEATURES",
    "available_examples",
    "class_pairs",
    "multiclass_tasks",
    "project",
    "projected_binary_tasks",
    "projection_matrix",
    "split_pairs",
]
