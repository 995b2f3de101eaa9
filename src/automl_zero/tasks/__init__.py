"""Tasks: data sets that an algorithm is trained and validated on."""

from automl_zero.tasks.base import EvalType, Task
from automl_zero.tasks.synthetic import linear_regression_tasks

__all__ = ["EvalType", "Task", "linear_regression_tasks"]
