"""The three task sets of an experiment: T_search, T_select and T_final, never sharing a task.

The search evolves on T_search; the best algorithms are compared on T_select;
the chosen one is scored once on T_final (docs/semantics.md, "Task sets"). Each set is
described by a :class:`TaskSpec`; :func:`build_task_sets` builds all three
from one seed and guarantees they are disjoint:

- synthetic families draw each set from its own seed stream
  ``(role, seed, ...)``, so no two sets share a task's weights or examples;
- projected binary classification searches on the search pairs and selects
  and finally evaluates on the held-out pairs (36 / 9 of CIFAR-10's 45 by
  default), T_select validating on the data set's train part, T_final on
  its test part;
- multiclass tasks (every set needs all classes) split the train part's
  examples in two, stratified: T_search draws from one half, T_select from
  the other; T_final trains on the whole train part and validates on the
  test part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from automl_zero.tasks.base import EvalType, Task
from automl_zero.tasks.classification import multiclass_tasks, projected_binary_tasks, split_pairs
from automl_zero.tasks.datasets import Dataset, load_dataset
from automl_zero.tasks.synthetic import (
    UNIT_TASK_KINDS,
    linear_regression_tasks,
    teacher_classification_tasks,
    teacher_net_tasks,
    unit_tasks,
)

#: Task families a TaskSpec can name.
FAMILIES = ("linear_regression", "teacher_net", "teacher_classification", "projected_binary", "multiclass", "unit")
#: Roles, in order; a role's number keys its seed stream.
ROLES = ("search", "select", "final")
#: Families whose tasks come from a data set (the others are generated from a seed).
DATA_FAMILIES = ("projected_binary", "multiclass")


@dataclass(frozen=True)
class TaskSpec:
    """How to build one task set.

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES`.
    num_tasks : int, optional
        Tasks in the set. Default: 10 for synthetic families; one per class
        pair for ``projected_binary``; 1 for ``multiclass``.
    num_features : int, optional
        F. Default: 4 for synthetic families, 16 (the projected size, 8..256)
        for data-set families.
    num_train, num_valid : int, optional
        Examples per task. Default: 100 / 100 for synthetic families; for
        data-set families as many as the smallest pair (or class set) allows
        (see :func:`~automl_zero.tasks.classification.projected_binary_tasks`).
    num_epochs : int
        Passes over the training examples. The paper's section-4.3 variants
        are specs: few examples (80 train, 100 epochs), fast training (800
        train, 10 epochs).
    project : bool
        Data-set families: project to ``num_features``; False keeps the raw
        features (the unprojected variant, e.g. 64 for digits).
    dataset : str
        For data-set families: a name known to
        :func:`~automl_zero.tasks.datasets.load_dataset`; ``"digits"`` (the
        default) is bundled with scikit-learn.
    path : str, optional
        Where the data set's files are (not for ``digits``).
    download : bool
        With no ``path``, fetch the data set from OpenML.
    classes : tuple of int, optional
        Multiclass: the classes to use (default: all).
    unit_kind : str
        For the ``unit`` family: one of ``UNIT_TASK_KINDS``.

    """

    family: str = "linear_regression"
    num_tasks: int | None = None
    num_features: int | None = None
    num_train: int | None = None
    num_valid: int | None = None
    num_epochs: int = 1
    project: bool = True
    dataset: str = "digits"
    path: str | None = None
    download: bool = False
    classes: tuple[int, ...] | None = None
    unit_kind: str = "zeros"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown task family {self.family!r}; families are {', '.join(FAMILIES)}")
        synthetic = self.family not in DATA_FAMILIES
        defaults = {"num_tasks": 10, "num_features": 4, "num_train": 100, "num_valid": 100} if synthetic else {}
        defaults["num_features"] = defaults.get("num_features", 16)
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if self.family == "unit" and self.unit_kind not in UNIT_TASK_KINDS:
            raise ValueError(f"unknown unit task {self.unit_kind!r}; kinds are {', '.join(UNIT_TASK_KINDS)}")


@dataclass(frozen=True)
class TaskSets:
    """T_search, T_select and T_final, and the island model's further T_search sets."""

    search: list[Task]
    select: list[Task]
    final: list[Task]
    island_search: tuple[list[Task], ...] = ()

    def __iter__(self) -> Iterator[list[Task]]:
        return iter((self.search, self.select, self.final))


def _synthetic(spec: TaskSpec, key: tuple[int, ...]) -> list[Task]:
    assert spec.num_tasks is not None and spec.num_features is not None  # checked by TaskSpec
    assert spec.num_train is not None and spec.num_valid is not None
    if spec.family == "unit":
        return unit_tasks(
            spec.unit_kind,
            spec.num_features,
            spec.num_train,
            spec.num_valid,
            num_tasks=spec.num_tasks,
            seed=key,
            num_epochs=spec.num_epochs,
        )
    make = {
        "linear_regression": linear_regression_tasks,
        "teacher_net": teacher_net_tasks,
        "teacher_classification": teacher_classification_tasks,
    }[spec.family]
    return make(spec.num_tasks, spec.num_features, spec.num_train, spec.num_valid, seed=key, num_epochs=spec.num_epochs)


def _halves(dataset: Dataset, seed: int) -> tuple[Dataset, Dataset]:
    """Two data sets whose train parts split the original's in half, stratified; test part unchanged."""
    rows = np.arange(len(dataset.train_y))
    first, second = train_test_split(rows, test_size=0.5, random_state=seed, stratify=dataset.train_y)
    return (
        dataclasses.replace(dataset, train_x=dataset.train_x[np.sort(first)], train_y=dataset.train_y[np.sort(first)]),
        dataclasses.replace(
            dataset, train_x=dataset.train_x[np.sort(second)], train_y=dataset.train_y[np.sort(second)]
        ),
    )


def _data_tasks(
    spec: TaskSpec, dataset: Dataset, role: int, key: tuple[int, ...], seed: int, num_select_pairs: int
) -> list[Task]:
    """A data-set family's tasks for ``role``: which pairs or examples from ``seed``, projections from ``key``."""
    final_role = role == 2
    shared: dict[str, Any] = {
        "num_features": spec.num_features if spec.project else None,
        "num_train": spec.num_train,
        "num_valid": spec.num_valid,
        "seed": key,
        "num_epochs": spec.num_epochs,
        "final": final_role,
    }
    if spec.family == "projected_binary":
        search_pairs, select_pairs = split_pairs(dataset.num_classes, num_select_pairs, seed=seed)
        pairs = search_pairs if role == 0 else select_pairs
        return projected_binary_tasks(dataset, pairs, num_tasks=spec.num_tasks, **shared)
    part = dataset if final_role else _halves(dataset, seed)[role]
    return multiclass_tasks(part, spec.classes, num_tasks=1 if spec.num_tasks is None else spec.num_tasks, **shared)


def build_task_sets(
    search: TaskSpec,
    select: TaskSpec | None = None,
    final: TaskSpec | None = None,
    *,
    seed: int = 0,
    num_select_pairs: int = 9,
    datasets: Mapping[tuple[str, str | None], Dataset] | None = None,
    island_search: Sequence[TaskSpec] = (),
) -> TaskSets:
    """Build T_search, T_select and T_final from their specs and one seed; they never share a task.

    Parameters
    ----------
    search : TaskSpec
        T_search.
    select, final : TaskSpec, optional
        Default: the search spec (the sets still differ: see the module
        docstring).
    seed : int
        Decides every task, the split of class pairs and of examples.
    num_select_pairs : int
        Projected binary: class pairs held out for T_select and T_final
        (9 of 45 in the paper); the rest are T_search's.
    datasets : mapping, optional
        Already loaded data sets by ``(name, path)``; loaded on first use
        otherwise (each once).
    island_search : sequence of TaskSpec
        Further T_search sets, for islands that search other tasks (the
        paper: half the workers on CIFAR-10, half on MNIST). Each draws
        from its own seed stream and, for projected binary classification,
        from its data set's search pairs only.

    Returns
    -------
    TaskSets

    Raises
    ------
    ValueError
        If a task cannot be built (too few examples, a bad F, a class that
        does not exist).
    DatasetError
        If a data set is missing or malformed.

    Examples
    --------
    >>> sets = build_task_sets(TaskSpec(num_tasks=2), TaskSpec(num_tasks=3, num_train=1000))
    >>> [len(s) for s in sets]
    [2, 3, 2]

    """
    specs = (search, select or search, final or search, *island_search)
    loaded = {} if datasets is None else dict(datasets)

    def data(spec: TaskSpec) -> Dataset:
        key = (spec.dataset, spec.path)
        if key not in loaded:
            loaded[key] = load_dataset(spec.dataset, spec.path, download=spec.download)
        return loaded[key]

    built: list[list[Task]] = []
    for index, spec in enumerate(specs):
        role = index if index < 3 else 0  # further search sets are searches too
        key = (role, seed) if index < 3 else (role, seed, index - 2)
        if spec.family in DATA_FAMILIES:
            built.append(_data_tasks(spec, data(spec), role, key, seed, num_select_pairs))
        else:
            built.append(_synthetic(spec, key))
    return TaskSets(built[0], built[1], built[2], island_search=tuple(built[3:]))


#: Where draw numbers start in a draw's seed stream: far beyond any island search set's index.
_DRAW_STREAM = 1_000_003


@dataclass(frozen=True)
class TaskDraws:
    """Fresh T_search draws of a task spec, for evolution's ``redraw_tasks_every``.

    Draw ``k`` (k >= 1) comes from the seed stream
    ``(search role, seed, search_set, 1_000_003 + k)``, and is the same every
    time it is asked for, so that runs stay reproducible and resumable:

    - synthetic families: the spec's tasks from that stream, never one of the
      tasks :func:`build_task_sets` makes from ``seed`` (T_search, T_select,
      T_final, the island model's search sets) nor another draw's;
    - data-set families: the same data as T_search (projected binary: the
      search pairs only, never T_select's and T_final's held-out pairs;
      multiclass: the search half of the train part), with each task's
      random projection and train / validation split drawn afresh from that
      stream.

    Parameters
    ----------
    spec : TaskSpec
        The T_search spec.
    seed : int
        The run's task seed.
    search_set : int
        0 for T_search; ``j`` for the island model's ``j``-th further search set
        (the demo: its experiment number, as its T_search streams are numbered).
    num_select_pairs : int
        Projected binary: the held-out pairs, as given to :func:`build_task_sets`.
    dataset : Dataset, optional
        Data-set families: the data set, already loaded; loaded on the first
        draw otherwise (and not carried when the draws are sent to another
        process).

    Examples
    --------
    >>> draws = TaskDraws(TaskSpec(num_tasks=2), seed=0)
    >>> [len(draws(k)) for k in (1, 2)], draws(1)[0].name == draws(1)[0].name != draws(2)[0].name
    ([2, 2], True)

    """

    spec: TaskSpec
    seed: int
    search_set: int = 0
    num_select_pairs: int = 9
    dataset: Dataset | None = dataclasses.field(default=None, compare=False, repr=False)

    def __getstate__(self) -> dict[str, object]:
        # A data set can be large (CIFAR-10); a worker loads its own on its first draw.
        return {**self.__dict__, "dataset": None}

    def __call__(self, draw: int) -> list[Task]:
        """The tasks of draw ``draw`` (>= 1; draw 0 is T_search itself)."""
        if draw < 1:
            raise ValueError(f"draws are numbered from 1 (draw 0 is T_search itself), got {draw}")
        key = (0, self.seed, self.search_set, _DRAW_STREAM + draw)
        if self.spec.family not in DATA_FAMILIES:
            return _synthetic(self.spec, key)
        if self.dataset is None:
            loaded = load_dataset(self.spec.dataset, self.spec.path, download=self.spec.download)
            object.__setattr__(self, "dataset", loaded)  # a cache, not a change of the draws
        assert self.dataset is not None
        return _data_tasks(self.spec, self.dataset, 0, key, self.seed, self.num_select_pairs)


def describe(tasks: list[Task]) -> str:
    """One line about a task set, for logs and reports."""
    first = tasks[0]
    kind = {EvalType.RMS: "regression", EvalType.ACCURACY: "binary", EvalType.MULTICLASS: "multiclass"}
    return (
        f"{len(tasks)} {kind[first.eval_type]} tasks, F={first.num_features}, "
        f"{len(first.train_x)} train x {first.num_epochs} epochs, {len(first.valid_x)} valid"
    )
