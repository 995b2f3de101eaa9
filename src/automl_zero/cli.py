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


def _demo(args: argparse.Namespace) -> int:
    """Run the original's demo: rediscover linear regression by SGD."""
    from automl_zero.demo import Progress, run_demo

    if args.max_seconds is not None and args.max_seconds <= 0:
        raise ValueError("--max-seconds must be positive")
    print(
        "AutoML-Zero demo: evolving algorithms on 10 linear regression tasks (F=4) from random programs of six ops.\n"
        "An experiment ends after 2e8 training steps; its best algorithm must score > 0.9999 on 100 unseen tasks.\n"
        "(The first run compiles the search first, one to two minutes; later runs start at once.)",
        flush=True,
    )
    last = [0.0]

    def report(p: Progress) -> None:
        if p.elapsed_s - last[0] < args.report_every and p.individuals > 10_000:
            return
        last[0] = p.elapsed_s
        print(
            f"[{p.elapsed_s:6.1f} s] experiment {p.experiment}: {p.individuals:>9,} individuals "
            f"({p.individuals_per_s:,.0f}/s)  best {p.best_fitness:.6f}  mean {p.mean_fitness:.4f}  "
            f"FEC hits {p.fec_hit_rate:.0%}",
            flush=True,
        )

    result = run_demo(seed=args.seed, max_seconds=args.max_seconds, progress=report)
    for i, fitness in enumerate(result.select_history, start=1):
        print(f"experiment {i}: best algorithm scores {fitness:.6f} on T_select")
    if result.algorithm is not None:
        print(
            "\nBest algorithm found" + (" (simplify it with the analysis tools to read it):" if result.success else ":")
        )
        print(result.algorithm, end="")
    outcome = "Success" if result.success else "No success"
    print(
        f"\n{outcome} after {result.seconds:.1f} s, {result.experiments} experiment(s), {result.individuals:,} "
        f"individuals ({result.individuals_per_s:,.0f}/s), FEC hit rate {result.fec_hit_rate:.0%}"
    )
    print(f"fitness: T_search {result.search_fitness:.6f}, T_select {result.select_fitness:.6f}", end="")
    print(f", T_final {result.final_fitness:.6f}" if result.success else "")
    return 0 if result.success else 1


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
    demo = commands.add_parser(
        "demo",
        help="run the original's demo: evolve linear regression by SGD from random programs",
        description="Regularized evolution with FEC until an algorithm scores > 0.9999 on 100 unseen tasks "
        "(exit status 0 on success, 1 if --max-seconds ran out first).",
    )
    demo.add_argument("--seed", type=int, default=0, help="seed of every task and random choice (default 0)")
    demo.add_argument("--max-seconds", type=float, default=None, help="give up after this many seconds")
    demo.add_argument("--report-every", type=float, default=2.0, help="seconds between progress lines (default 2)")
    demo.set_defaults(handler=_demo)
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
