"""What does the teacher-net search have to find? Hand-written learners scored on a config's task sets.

Scores a ladder of small hand-written algorithms, each a few instructions from the next, on the
T_search, T_select and T_final of a config (configs/nonlinear.yaml by default) for one or more
seeds: predicting 0, the label mean learned by SGD, linear regression by SGD without and with a
bias, and a Hebbian rule (the weights accumulate ``c * label * features``) over a sweep of its
constant ``c``. It shows which learners beat the linear-regression baseline and how narrow a range
of constants they need (docs/RESULTS.md, "Teacher nets: what the search has to find").

Usage: python experiments/teacher_landscape.py [CONFIG] [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace

from automl_zero.algorithm import Algorithm, make
from automl_zero.config import load_config
from automl_zero.experiment import evaluate_algorithm

LEARNING_RATES = (0.001, 0.01, 0.05)
HEBBIAN_CONSTANTS = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.1)


def _linear(lr: float, bias: bool) -> Algorithm:
    if not bias:
        return make(
            setup=[f"s2 = {lr!r}"],
            predict=["s1 = dot(v0, v1)"],
            learn=["s3 = s0 - s1", "s4 = s3 * s2", "v2 = v0 * s4", "v1 = v1 + v2"],
        )
    return make(
        setup=[f"s2 = {lr!r}"],
        predict=["s3 = dot(v0, v1)", "s1 = s3 + s4"],
        learn=["s3 = s0 - s1", "s3 = s3 * s2", "v2 = s3 * v0", "v1 = v1 + v2", "s4 = s4 + s3"],
    )


def ladder() -> dict[str, Algorithm]:
    """The hand-written learners, by name, from the least to the most capable."""
    algorithms = {
        "predict 0": make(setup=["s2 = 0.05"], predict=["s1 = s4 + s3"], learn=["s3 = s2 + s2"]),
        "label mean, SGD 0.05": make(
            setup=["s2 = 0.05"], predict=["s1 = s4 + s3"], learn=["s3 = s0 - s1", "s3 = s3 * s2", "s4 = s4 + s3"]
        ),
    }
    for lr in LEARNING_RATES:
        algorithms[f"linear regression, no bias, lr {lr}"] = _linear(lr, bias=False)
    for lr in LEARNING_RATES:
        algorithms[f"linear regression + bias, lr {lr}"] = _linear(lr, bias=True)
    for c in HEBBIAN_CONSTANTS:
        algorithms[f"Hebbian, c {c}"] = make(
            setup=[f"s2 = {c!r}"], predict=["s1 = dot(v0, v1)"], learn=["v2 = v0 * s0", "v2 = v2 * s2", "v1 = v1 + v2"]
        )
    return algorithms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", nargs="?", default="configs/nonlinear.yaml")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="config seeds (they decide the tasks)")
    args = parser.parse_args()
    base = load_config(args.config)
    print(f"{args.config}: median over seeds {args.seeds} (T_search / T_select / T_final)")
    for name, algorithm in ladder().items():
        scores = [evaluate_algorithm(algorithm, replace(base, seed=seed)) for seed in args.seeds]
        medians = [statistics.median(s[role] for s in scores) for role in ("search", "select", "final")]
        print(f"  {name:38} " + " / ".join(f"{m:.4f}" for m in medians))


if __name__ == "__main__":
    main()
