"""How the hand-designed baselines score (issue: tasks, item 7).

- Projected binary classification on the bundled digits, F=16, all 45 class
  pairs (each pair's training part: 212 train / 52 valid), 1 and 5 epochs:
  mean, median and minimum validation accuracy and how many pairs exceed 0.9,
  for logistic regression and the 2-layer ReLU network; also the unprojected
  variant (64 features) validated on the test part.
- Teacher-net regression (y = w2 . relu(W1 x)), F=4, 100 tasks, 1,000 train /
  100 valid, 5 epochs: mean fitness of the 2-layer network against linear
  regression, and on how many tasks it wins.

Usage: python benchmarks/baselines.py
"""

from __future__ import annotations

import dataclasses

import numpy as np

from automl_zero.baselines import baseline
from automl_zero.tasks import Task, class_pairs, projected_binary_tasks, teacher_net_tasks
from automl_zero.tasks.datasets import load_digits
from automl_zero.vm.compiled import CompiledExecutor


def scores(name: str, tasks: list[Task], **hyperparameters: float) -> np.ndarray:
    algorithm, memory = baseline(name, **hyperparameters)
    return CompiledExecutor(tasks, memory).task_fitnesses(algorithm)


def summary(fitness: np.ndarray) -> str:
    return (
        f"mean {fitness.mean():.4f}  median {np.median(fitness):.4f}  min {fitness.min():.4f}  "
        f"> 0.9: {(fitness > 0.9).sum()}/{len(fitness)}"
    )


def main() -> None:
    digits = load_digits()
    pairs = class_pairs(10)
    projected = projected_binary_tasks(digits, pairs, num_features=16, seed=0)
    unprojected = projected_binary_tasks(digits, pairs, num_features=None, seed=0, final=True)
    print(f"digits, 45 pairs, F=16, {len(projected[0].train_x)} train / {len(projected[0].valid_x)} valid")
    for epochs in (1, 5):
        tasks = [dataclasses.replace(t, num_epochs=epochs) for t in projected]
        for name in ("logistic_regression", "two_layer_network"):
            print(f"  {name:20} {epochs} epoch(s): {summary(scores(name, tasks))}")
    print(
        f"digits, 45 pairs, unprojected (64 features), {len(unprojected[0].train_x)} train / "
        f"{len(unprojected[0].valid_x)} test examples"
    )
    for name in ("logistic_regression", "two_layer_network"):
        print(f"  {name:20} 1 epoch:    {summary(scores(name, unprojected))}")

    teachers = teacher_net_tasks(100, 4, 1000, 100, seed=1, num_epochs=5)
    two_layer = scores("two_layer_network", teachers)
    linear = scores("linear_regression", teachers)
    print("teacher nets, F=4, 100 tasks, 1000 train / 100 valid, 5 epochs (fitness = 1 - 2/pi atan(RMSE))")
    print(f"  two_layer_network:  mean {two_layer.mean():.4f}  median {np.median(two_layer):.4f}")
    print(f"  linear_regression:  mean {linear.mean():.4f}  median {np.median(linear):.4f}")
    print(f"  2-layer better on {(two_layer > linear).sum()}/100 tasks")


if __name__ == "__main__":
    main()
