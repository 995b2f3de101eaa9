"""Synthetic tasks generated from a seed (SPEC section 4)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from automl_zero.tasks.base import EvalType, Task


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
            Task(
                x[:num_train],
                y[:num_train],
                x[num_train:],
                y[num_train:],
                num_epochs=num_epochs,
                eval_type=EvalType.RMS,
                name=f"linear_regression(seed={seed}, index={i}, F={num_features})",
            )
        )
    return tasks
