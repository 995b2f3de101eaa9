"""The demo, once per seed, one after another on one core (issue: search and the demo).

Prints per seed: seconds to success, individuals evaluated, individuals/s, FEC
hit rate, T_select and T_final fitness; then medians. Also the cost of the
search cycle around the evaluation (tournament, copy, mutation, hashing,
cache), measured on tasks of one example so that evaluation is nearly free.

Usage: python benchmarks/demo.py --seeds 1 2 3 4 5 [--max-seconds 600] [--json]
           [--constant-mutation scale|log_normal] [--no-charge-skipped-fingerprints] [--semantic P]
           [--constant-init uniform|log_uniform] [--full-experiments] [--fixed-tasks]

The two options measure the original's choices (see docs/RESULTS.md): how
ALTER_PARAM changes constants, and whether a structural hash hit is charged
the fingerprint run's training steps that it skips (the budget of an
experiment is 2e8 training steps). --full-experiments runs every experiment
to its 2e8 training steps, as the original does, instead of ending it as soon
as its best algorithm scores above 0.9999 on T_select. --fixed-tasks searches
one fixed T_search per experiment, as the original does, instead of fresh
draws every 10,000 individuals. Both together: the original's procedure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace

from automl_zero.demo import DEMO_CONFIG, DEMO_SPACE, run_demo
from automl_zero.search.evolution import EvolutionConfig, RegularizedEvolution
from automl_zero.tasks import linear_regression_tasks


def cycle_overhead_us(individuals: int = 1_000_000) -> float:
    """Microseconds per child of everything but training: 1 train / 1 valid example per task."""
    tiny = linear_regression_tasks(10, 4, 1, 1, seed=0)
    search = RegularizedEvolution(DEMO_SPACE, tiny, EvolutionConfig(fec=False, structural_hash=False, seed=1))
    search.step(2000)  # compile and fill the population
    start = time.perf_counter()
    search.step(individuals)
    return (time.perf_counter() - start) / individuals * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--max-seconds", type=float, default=600.0, help="per seed (default 600)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--constant-mutation", choices=("scale", "log_normal"), default=DEMO_SPACE.constant_mutation)
    parser.add_argument(
        "--no-charge-skipped-fingerprints",
        dest="charge",
        action="store_false",
        help="count only the training steps that ran (a structural hash hit costs none)",
    )
    parser.add_argument("--semantic", type=float, default=DEMO_SPACE.semantic_mutation_prob, metavar="P")
    parser.add_argument("--constant-init", choices=("uniform", "log_uniform"), default=DEMO_SPACE.constant_init)
    parser.add_argument(
        "--full-experiments",
        action="store_true",
        help="run every experiment to its 2e8 training steps (the original's way) instead of ending it at success",
    )
    parser.add_argument(
        "--fixed-tasks",
        action="store_true",
        help="one fixed T_search per experiment (the original's) instead of fresh draws every 10,000 individuals",
    )
    args = parser.parse_args()
    space = replace(
        DEMO_SPACE,
        constant_mutation=args.constant_mutation,
        semantic_mutation_prob=args.semantic,
        constant_init=args.constant_init,
    )
    config = replace(DEMO_CONFIG, charge_skipped_fingerprints=args.charge)
    if args.fixed_tasks:
        config = replace(config, redraw_tasks_every=0)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    run_demo(seed=0, max_seconds=1.0)  # compile outside the timings
    rows = []
    for seed in args.seeds:
        result = run_demo(
            seed=seed,
            max_seconds=args.max_seconds,
            config=config,
            space=space,
            stop_at_success=not args.full_experiments,
        )
        rows.append(
            {
                "seed": seed,
                "success": result.success,
                "seconds": result.seconds,
                "experiments": result.experiments,
                "individuals": result.individuals,
                "individuals_per_s": result.individuals_per_s,
                "fec_hit_rate": result.fec_hit_rate,
                "select_fitness": result.select_fitness,
                "final_fitness": result.final_fitness,
            }
        )
        if not args.json:
            r = rows[-1]
            print(
                f"seed {seed:3d}: {'success' if r['success'] else 'NO SUCCESS'} in {r['seconds']:7.1f} s, "
                f"{r['experiments']} experiment(s), {r['individuals']:>10,} individuals, "
                f"{r['individuals_per_s']:>8,.0f}/s, FEC hits {r['fec_hit_rate']:.1%}, "
                f"T_select {r['select_fitness']:.6f}, T_final {r['final_fitness']:.6f}",
                flush=True,
            )
    successes = [r for r in rows if r["success"]]
    overhead = cycle_overhead_us()
    summary = {
        "median_seconds_to_success": statistics.median(r["seconds"] for r in successes) if successes else None,
        "median_individuals_per_s": statistics.median(r["individuals_per_s"] for r in rows),
        "median_individuals": statistics.median(r["individuals"] for r in rows),
        "median_fec_hit_rate": statistics.median(r["fec_hit_rate"] for r in rows),
        "successes": len(successes),
        "runs": len(rows),
        "experiments": sum(r["experiments"] for r in rows),
        "constant_mutation": args.constant_mutation,
        "charge_skipped_fingerprints": args.charge,
        "semantic_mutation_prob": args.semantic,
        "constant_init": args.constant_init,
        "stop_at_success": not args.full_experiments,
        "redraw_tasks_every": config.redraw_tasks_every,
        "cycle_overhead_us_per_child": round(overhead, 3),
        "per_seed": rows,
    }
    if args.json:
        print(json.dumps(summary))
        return
    seconds = summary["median_seconds_to_success"]
    print(
        f"median: {seconds:.1f} s to success" if seconds is not None else "median: no success",
        f"| {summary['median_individuals_per_s']:,.0f} individuals/s | {summary['median_individuals']:,.0f} individuals"
        f" | FEC hits {summary['median_fec_hit_rate']:.1%} | {len(successes)}/{len(rows)} succeeded",
    )
    print(f"search cycle around the evaluation (tournament, copy, mutate, hash, cache): {overhead:.3f} us per child")


if __name__ == "__main__":
    main()
