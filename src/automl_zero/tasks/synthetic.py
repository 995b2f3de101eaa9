"""Synthetic tasks generated from a seed (docs/semantics.md, "Synthetic tasks").

Scalar linear regression, scalar 2-layer network regression (teacher nets)
and the unit tasks used in tests. Every task of a set is a pure function of
the set's seed and its position in the set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from automl_zero.tasks.base import EvalType, Task, order_seed_for


def linear_regression_tasks(
    num_tasks: int,
    num_features: int = 4,
    num_train: int = 100,
    num_valid: int = 100,
    *,
    seed: int | Sequence[int] = 0,
    num_epochs: int = 1,
) -> list[Task]:
    """Scalar linear regression tasks: ``y = w . x`` with ``x, w ~ N(0, I)``, no noise.

    Task ``i`` depends only on ``(seed, i)``, so a task set is the same on every
    machine and a longer list extends a shorter one.

    Parameters
    ----------
    num_tasks : int
        How many tasks.
    num_features : int
        F.
    num_train, num_valid : int
        Examples per task.
    seed : int or sequence of int
        Decides ``w`` and the data of every task; a sequence such as
        ``(role, seed, experiment)`` keeps task sets of different roles apart.
    num_epochs : int
        Passes over the training examples.

    Returns
    -------
    list of Task

    """
    if num_tasks < 1 or num_features < 1 or num_train < 1 or num_valid < 1:
        raise ValueError("num_tasks, num_features, num_train and num_valid must be positive")
    key = [seed] if isinstance(seed, int) else list(seed)
    if any(not isinstance(k, int) or k < 0 for k in key):
        raise ValueError(f"task seeds must be non-negative integers, got {seed!r}")
    tasks = []
    for i in range(num_tasks):
        rng = np.random.default_rng([*key, i])
        w = rng.standard_normal(num_features)
        x = rng.standard_normal((num_train + num_valid, num_features))
        y = x @ w
        tasks.append(
            _split_task(
                x,
                y,
                num_train,
                num_epochs,
                f"linear_regression(seed={seed}, index={i}, F={num_features})",
                order_seed_for(*key, i),
            )
        )
    return tasks


def _split_task(x: np.ndarray, y: np.ndarray, num_train: int, num_epochs: int, name: str, order_seed: int) -> Task:
    """A regression task: the first ``num_train`` examples train, the rest validate."""
    return Task(
        x[:num_train],
        y[:num_train],
        x[num_train:],
        y[num_train:],
        num_epochs=num_epochs,
        eval_type=EvalType.RMS,
        name=name,
        order_seed=order_seed,
    )


def _task_key(seed: int | Sequence[int]) -> list[int]:
    """The seed as a list of non-negative integers; ValueError otherwise."""
    key = [seed] if isinstance(seed, int) else list(seed)
    if any(isinstance(k, bool) or not isinstance(k, int) or k < 0 for k in key):
        raise ValueError(f"task seeds must be non-negative integers, got {seed!r}")
    return key


def _check_sizes(**sizes: int) -> None:
    """Raise ValueError naming the first size that is not a positive integer."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


#: Salts that keep the random streams of the task families apart: task ``i`` of
#: a family draws from ``default_rng([salt, *seed, i, stream])``. (The teacher
#: salt is the original's offset for this family's parameter seeds.)
_TEACHER_NET_SALT = 174299604
_UNIT_SALT = 3274582109
_WEIGHTS_STREAM, _DATA_STREAM = 0, 1
#: Hidden units that the teacher switches off, as the original does.
TEACHER_OFF_UNITS = (0, 2)


def teacher_net_weights(
    num_features: int = 4,
    hidden: int | None = None,
    *,
    seed: int | Sequence[int] = 0,
    index: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The teacher weights of task ``index`` of :func:`teacher_net_tasks`.

    Parameters
    ----------
    num_features : int
        F.
    hidden : int, optional
        Hidden units H (default F).
    seed : int or sequence of int
        As in :func:`teacher_net_tasks`.
    index : int
        Position of the task in its set.

    Returns
    -------
    w1 : ndarray, shape (H, F)
        First layer, ``N(0, 1)`` entries; rows 0 and 2 are zero when H > 2.
    w2 : ndarray, shape (H,)
        Output layer, ``N(0, 1)`` entries; entries 0 and 2 are zero when H > 2.

    Raises
    ------
    ValueError
        On a size that is not a positive integer or a negative seed or index.

    """
    hidden = num_features if hidden is None else hidden
    _check_sizes(num_features=num_features, hidden=hidden)
    key = _task_key(seed)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"task index must be a non-negative integer, got {index!r}")
    rng = np.random.default_rng([_TEACHER_NET_SALT, *key, index, _WEIGHTS_STREAM])
    w1 = rng.standard_normal((hidden, num_features))
    w2 = rng.standard_normal(hidden)
    if hidden > max(TEACHER_OFF_UNITS):
        off = list(TEACHER_OFF_UNITS)
        w1[off] = 0.0
        w2[off] = 0.0
    return w1, w2


def _teacher_examples(
    key: Sequence[int], index: int, num_features: int, count: int, hidden: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Task ``index``'s inputs ``x ~ N(0, I)``, its teacher's outputs ``w2 . relu(W1 x)``, and ``w2``."""
    w1, w2 = teacher_net_weights(num_features, hidden, seed=key, index=index)
    rng = np.random.default_rng([_TEACHER_NET_SALT, *key, index, _DATA_STREAM])
    x = rng.standard_normal((count, num_features))
    return x, np.maximum(x @ w1.T, 0.0) @ w2, w2


def teacher_net_tasks(
    num_tasks: int,
    num_features: int = 4,
    num_train: int = 100,
    num_valid: int = 100,
    *,
    seed: int | Sequence[int] = 0,
    num_epochs: int = 1,
    hidden: int | None = None,
) -> list[Task]:
    """Scalar 2-layer network regression: ``y = w2 . relu(W1 x)``, ``x ~ N(0, I)``, no noise.

    Each task has its own teacher network (:func:`teacher_net_weights`):
    ``W1`` (H x F) and ``w2`` (H) with ``N(0, 1)`` entries, no biases. As in
    the original, hidden units 0 and 2 are switched off (their rows of ``W1``
    and entries of ``w2`` are zero) when H > 2, so H - 2 units shape the
    labels. Task ``i`` depends only on ``(seed, i)``; its weights and its data
    come from separate streams, so the weights do not depend on the number of
    examples.

    Parameters
    ----------
    num_tasks : int
        How many tasks.
    num_features : int
        F.
    num_train, num_valid : int
        Examples per task.
    seed : int or sequence of int
        Decides the teachers and the data; a sequence such as
        ``(role, seed, experiment)`` keeps task sets of different roles apart.
    num_epochs : int
        Passes over the training examples.
    hidden : int, optional
        Hidden units H of the teacher (default F).

    Returns
    -------
    list of Task
        Regression tasks (``EvalType.RMS``).

    Raises
    ------
    ValueError
        On a size that is not a positive integer or a negative seed.

    Examples
    --------
    >>> task = teacher_net_tasks(1, num_features=4, num_train=5, num_valid=3)[0]
    >>> w1, w2 = teacher_net_weights(4)
    >>> bool(np.allclose(task.train_y, np.maximum(task.train_x @ w1.T, 0.0) @ w2))
    True

    """
    _check_sizes(num_tasks=num_tasks, num_features=num_features, num_train=num_train, num_valid=num_valid)
    key = _task_key(seed)
    tasks = []
    for i in range(num_tasks):
        x, y, w2 = _teacher_examples(key, i, num_features, num_train + num_valid, hidden)
        name = f"teacher_net(seed={seed}, index={i}, F={num_features}, H={len(w2)})"
        tasks.append(_split_task(x, y, num_train, num_epochs, name, order_seed_for(_TEACHER_NET_SALT, *key, i)))
    return tasks


#: Keeps the classification teachers apart from the regression teachers of the same seed.
_TEACHER_CLASSIFICATION_SALT = 2718281828


def teacher_classification_tasks(
    num_tasks: int,
    num_features: int = 4,
    num_train: int = 100,
    num_valid: int = 100,
    *,
    seed: int | Sequence[int] = 0,
    num_epochs: int = 1,
    hidden: int | None = None,
) -> list[Task]:
    """Binary classification by a 2-layer teacher: class 1 where ``w2 . relu(W1 x)`` is above its median.

    The teachers are those of :func:`teacher_net_tasks` (drawn from their
    own stream, so no task shares a teacher with a regression task of the
    same seed); thresholding at the median of the task's examples balances
    the two classes. The boundary is not linear, so a 2-layer network
    beats logistic regression here: a classification problem that needs
    what a linear model lacks, with no data set to download.

    Parameters
    ----------
    num_tasks : int
        How many tasks.
    num_features : int
        F.
    num_train, num_valid : int
        Examples per task.
    seed : int or sequence of int
        Decides the teachers and the data.
    num_epochs : int
        Passes over the training examples.
    hidden : int, optional
        Hidden units H of the teacher (default F).

    Returns
    -------
    list of Task
        Binary classification tasks (``EvalType.ACCURACY``, labels 0 and 1).

    Examples
    --------
    >>> task = teacher_classification_tasks(1, num_features=4, num_train=50, num_valid=50)[0]
    >>> sorted(set(task.train_y.tolist()))
    [0.0, 1.0]

    """
    _check_sizes(num_tasks=num_tasks, num_features=num_features, num_train=num_train, num_valid=num_valid)
    key = [_TEACHER_CLASSIFICATION_SALT, *_task_key(seed)]
    tasks = []
    for i in range(num_tasks):
        x, f, w2 = _teacher_examples(key, i, num_features, num_train + num_valid, hidden)
        y = (f > np.median(f)).astype(np.float64)
        tasks.append(
            Task(
                x[:num_train],
                y[:num_train],
                x[num_train:],
                y[num_train:],
                num_epochs=num_epochs,
                eval_type=EvalType.ACCURACY,
                name=f"teacher_classification(seed={seed}, index={i}, F={num_features}, H={len(w2)})",
                order_seed=order_seed_for(_TEACHER_NET_SALT, *key, i),
            )
        )
    return tasks


#: The unit task kinds of :func:`unit_tasks`.
UNIT_TASK_KINDS = ("zeros", "ones", "constant", "increment")


def unit_tasks(
    kind: str,
    num_features: int = 4,
    num_train: int = 10,
    num_valid: int = 10,
    *,
    num_tasks: int = 1,
    seed: int | Sequence[int] = 0,
    value: float = 1.0,
    num_epochs: int = 1,
    eval_type: EvalType = EvalType.RMS,
) -> list[Task]:
    """Small tasks with known answers, for testing executors and searches.

    The kinds (after the original's unit-test tasks):

    - ``"zeros"``: every feature and label is 0;
    - ``"ones"``: every feature and label is 1;
    - ``"constant"``: features ``N(0, 1)`` drawn from ``(seed, i)``, every
      label ``value``; an algorithm that predicts the constant is perfect;
    - ``"increment"``: example ``j`` (counting from 0, in training and in
      validation alike) has features ``j * ones(F)`` and label ``j``.

    Parameters
    ----------
    kind : {"zeros", "ones", "constant", "increment"}
        Which unit task.
    num_features : int
        F.
    num_train, num_valid : int
        Examples per task.
    num_tasks : int
        How many tasks; only ``"constant"`` tasks differ from one another.
    seed : int or sequence of int
        Decides the features of ``"constant"`` tasks.
    value : float
        The label of ``"constant"`` tasks (ignored by the other kinds).
    num_epochs : int
        Passes over the training examples.
    eval_type : EvalType
        ``RMS`` or ``ACCURACY`` (labels above 0.5 are then class 1).

    Returns
    -------
    list of Task

    Raises
    ------
    ValueError
        On an unknown kind or eval type, a size that is not a positive
        integer, a negative seed or a value that is not finite.

    """
    if kind not in UNIT_TASK_KINDS:
        raise ValueError(f"unknown unit task kind {kind!r}; kinds are {', '.join(UNIT_TASK_KINDS)}")
    _check_sizes(num_tasks=num_tasks, num_features=num_features, num_train=num_train, num_valid=num_valid)
    key = _task_key(seed)
    if not np.isfinite(value):
        raise ValueError(f"the constant label must be finite, got {value!r}")
    eval_type = EvalType(eval_type)
    if eval_type not in (EvalType.RMS, EvalType.ACCURACY):
        raise ValueError(f"unit tasks are scored by RMS or ACCURACY, got {eval_type.name}")

    def examples(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        if kind == "zeros":
            return np.zeros((count, num_features)), np.zeros(count)
        if kind == "ones":
            return np.ones((count, num_features)), np.ones(count)
        if kind == "constant":
            return rng.standard_normal((count, num_features)), np.full(count, float(value))
        steps = np.arange(count, dtype=np.float64)
        return np.repeat(steps[:, None], num_features, axis=1), steps

    tasks = []
    for i in range(num_tasks):
        rng = np.random.default_rng([_UNIT_SALT, *key, i])
        train_x, train_y = examples(num_train, rng)
        valid_x, valid_y = examples(num_valid, rng)
        tasks.append(
            Task(
                train_x,
                train_y,
                valid_x,
                valid_y,
                num_epochs=num_epochs,
                eval_type=eval_type,
                name=f"unit_{kind}(seed={seed}, index={i}, F={num_features})",
                order_seed=order_seed_for(_UNIT_SALT, *key, i),
            )
        )
    return tasks
