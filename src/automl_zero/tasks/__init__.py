"""Tasks: data sets that an algorithm is trained and validated on.

Synthetic families (:mod:`~automl_zero.tasks.synthetic`), real data sets
(:mod:`~automl_zero.tasks.datasets`), classification tasks made from them
(:mod:`~automl_zero.tasks.classification`) and the three task sets of an
experiment (:mod:`~automl_zero.tasks.sets`).
"""

from automl_zero.tasks.base import EvalType, Task
from automl_zero.tasks.classification import class_pairs, multiclass_tasks, projected_binary_tasks, split_pairs
from automl_zero.tasks.datasets import Dataset, DatasetError, DatasetNotFoundError, load_dataset
from automl_zero.tasks.sets import FAMILIES, TaskSets, TaskSpec, build_task_sets
from automl_zero.tasks.synthetic import (
    linear_regression_tasks,
    teacher_classification_tasks,
    teacher_net_tasks,
    unit_tasks,
)

__all__ = [
    "FAMILIES",
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "EvalType",
    "Task",
    "TaskSets",
    "TaskSpec",
    "build_task_sets",
    "class_pairs",
    "linear_regression_tasks",
    "load_dataset",
    "multiclass_tasks",
    "projected_binary_tasks",
    "split_pairs",
    "teacher_classification_tasks",
    "teacher_net_tasks",
    "unit_tasks",
]
