"""Helpers that several test modules share.

Test modules import them by name (``from conftest import same_examples``): pyproject.toml puts
``tests/`` on the path, because ``--import-mode=importlib`` does not let test modules import
one another.
"""

from __future__ import annotations

import numpy as np

from automl_zero.algorithm import make
from automl_zero.tasks.base import Task

#: Softmax regression written for the VM's multiclass harness: the one-hot label is in v1,
#: the prediction in v2 (its first K entries go through a softmax before Learn).
SOFTMAX_REGRESSION = make(
    setup=["s2 = 0.1"],
    predict=["v2 = dot(m0, v0)"],
    learn=["v3 = v1 - v2", "v3 = s2 * v3", "m1 = outer(v3, v0)", "m0 = m0 + m1"],
)

#: Toy data sets for the task builders' tests write a unique row id in binary into their
#: first ID_BITS feature columns, so that a task's examples can be traced back to their rows.
ID_BITS = 8


def row_ids(task: Task) -> tuple[np.ndarray, np.ndarray]:
    """Recover the row ids of a task's training and validation examples (unprojected features).

    Standardization maps a 0/1 id column to two values, the larger one for bit 1, so the ids
    survive it; every id bit must vary among the training examples.
    """
    train_ids = np.zeros(len(task.train_x), dtype=np.int64)
    valid_ids = np.zeros(len(task.valid_x), dtype=np.int64)
    for bit in range(ID_BITS):
        levels = np.unique(task.train_x[:, bit])
        assert len(levels) == 2, "every id bit varies among the training examples"
        low, high = levels
        assert np.all((task.valid_x[:, bit] == low) | (task.valid_x[:, bit] == high))
        train_ids += (task.train_x[:, bit] == high).astype(np.int64) << bit
        valid_ids += (task.valid_x[:, bit] == high).astype(np.int64) << bit
    return train_ids, valid_ids


def same_examples(a: Task, b: Task) -> bool:
    """Whether two tasks hold exactly the same training and validation examples."""
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("train_x", "train_y", "valid_x", "valid_y"))
