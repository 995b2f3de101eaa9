"""The ``automl-zero`` command."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize
from automl_zero.mutation import random_algorithm
from automl_zero.ops import DEMO_OPS
from automl_zero.tasks import linear_regression_tasks
from automl_zero.vm.compiled import CompiledExecutor

DEMO_MEMORY = MemorySize(4, 3, 1)


def _example(args: argparse.Namespace) -> int:
    """Evaluate the reference solution and a random demo-space algorithm on linear regression."""
    memory = MemorySize(5, 3, 1)  # the reference solution as the paper prints it uses s4
    start = time.perf_counter()
    print("Compiling the executor (first run only; later runs load Numba's cache)...", flush=True)
    search = CompiledExecutor(linear_regression_tasks(10, 4, 100, 100, seed=args.seed), memory)
    converged = CompiledExecutor(linear_regression_tasks(10, 4, 1000, 100, seed=args.seed + 1, num_epochs=10), memory)
    search.evaluate(REFERENCE_LINEAR_REGRESSION)
    print(f"ready in {time.perf_counter() - start:.1f} s\n")
    rng = np.random.default_rng(args.seed)
    candidates = [
        ("Linear regression by SGD (the algorithm the demo rediscovers)", REFERENCE_LINEAR_REGRESSION),
        (
            "A random algorithm of the demo's search space",
            random_algorithm(rng, DEMO_MEMORY, (10, 2, 8), DEMO_OPS, DEMO_OPS, DEMO_OPS),
        ),
    ]
    for title, algorithm in candidates:
        print(f"# {title}")
        print(algorithm, end="")
        print(f"fitness on 10 tasks, 100 train / 100 valid examples:     {search.evaluate(algorithm):.6f}")
        print(f"fitness on 10 tasks, 1000 train x 10 epochs / 100 valid: {converged.evaluate(algorithm):.6f}\n")
    print("Fitness is 1 - (2/pi) * arctan(RMS error) on the validation examples: 1 is perfect, 0 the worst.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="automl-zero",
        description="AutoML-Zero: evolve whole learning algorithms (Setup, Predict, Learn) from basic math.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    example = commands.add_parser(
        "example", help="evaluate linear regression by SGD and a random algorithm on linear regression tasks"
    )
    example.add_argument("--seed", type=int, default=0, help="seed of the tasks and the random algorithm (default 0)")
    example.set_defaults(handler=_example)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ValueError as error:
        print(f"automl-zero: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
