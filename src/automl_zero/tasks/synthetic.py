"""Synthetic tasks generated from a seed (SPEC section 4)."""

from __future__ import annotations

import numpy as np

from automl_zero.tasks.base import EvalType, Task


def linear_regression_tasks(
    num_tasks: int,
    num_features: int = 4,
    num_train: int = 100,
    num_valid: int = 100,
    *,
    seed: int = 0,
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
    seed : int
        Decides ``w`` and the data of every task.
    num_epochs : int
        Passes over the training examples.

    Returns
    -------
    list of Task

    """
    if num_tasks < 1 or num_features < 1 or num_train < 1 or num_valid < 1:
        raise ValueError("num_tasks, num_features, num_train and num_valid must be positive")
    tasks = []
    for i in range(num_tasks):
        rng = np.random.default_rng([seed, i])
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
