"""How much FEC, hurdles and evolution itself save, measured on the demo (issue: search).

1. Caches: individuals/s with no cache, with the structural hash only, and with
   structural hash + FEC (the default), each over the same individuals of one
   run; and seconds to success of the whole demo with and without them.
2. Hurdles: training steps spent until the best T_search fitness first passes
   a target, with and without progressive dynamic hurdles, per seed.
3. Evolution vs random search: individuals evolution needs to first exceed
   0.9999 on T_search (restarting every 2e8 training steps, as the demo
   does), against random search's success rate at that threshold on the same
   tasks (with a 95% interval; zero successes give a bound on the ratio).

Usage: python benchmarks/search_efficiency.py [--seeds 1 2 3] [--out search_efficiency.json]
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
from automl_zero.search.random_search import RandomSearch
from automl_zero.tasks import linear_regression_tasks

THRESHOLD = 0.9999


def config(**changes: object) -> EvolutionConfig:
    # Searches on one fixed T_search (the original's), except where run_demo draws them afresh.
    return EvolutionConfig(**{**DEMO_CONFIG.__dict__, "redraw_tasks_every": 0, **changes})


def throughput(seed: int, individuals: int, **changes: object) -> float:
    tasks = linear_regression_tasks(10, 4, 100, 100, seed=seed)
    search = RegularizedEvolution(DEMO_SPACE, tasks, config(seed=seed, **changes))
    search.step(1000)
    start = time.perf_counter()
    search.step(individuals)
    return individuals / (time.perf_counter() - start)


def steps_to(target: float, seed: int, max_individuals: int, **changes: object) -> tuple[int | None, int | None]:
    """(training steps, individuals) when the best T_search fitness first exceeds target; None if never."""
    tasks = linear_regression_tasks(10, 4, 100, 100, seed=seed)
    search = RegularizedEvolution(DEMO_SPACE, tasks, config(seed=seed, **changes))
    while search.individuals < max_individuals:
        search.step(2000)
        if search.best_fitness > target:
            return search.train_steps, search.best_individual
    return None, None


def individuals_to_success(seed: int, threshold: float, max_individuals: int) -> int | None:
    """Individuals, over demo-style experiments, until the best T_search fitness exceeds threshold."""
    total = 0
    experiment = 0
    while total < max_individuals:
        experiment += 1
        tasks = linear_regression_tasks(10, 4, 100, 100, seed=seed)
        search = RegularizedEvolution(DEMO_SPACE, tasks, config(seed=seed * 1000 + experiment))
        while search.train_steps < 200_000_000 and total + search.individuals < max_individuals:
            search.step(2000)
            if search.best_fitness > threshold:
                return total + search.best_individual + 1
        total += search.individuals
    return None


def median_or_none(values: list[int | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.median(found) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--individuals", type=int, default=500_000, help="per throughput measurement")
    parser.add_argument("--random-trials", type=int, default=20_000_000, help="random algorithms to sample")
    parser.add_argument("--hurdle-target", type=float, default=0.75)
    parser.add_argument("--hurdle-seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--max-seconds", type=float, default=300.0, help="per demo run")
    parser.add_argument("--out", default="search_efficiency.json")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    result: dict[str, object] = {}

    # 1. Caches.
    rates = {
        name: statistics.median(throughput(seed, args.individuals, **changes) for seed in args.seeds)
        for name, changes in {
            "none": {"fec": False, "structural_hash": False},
            "structural": {"fec": False},
            "structural+fec": {},
        }.items()
    }
    demo_on = [run_demo(seed, args.max_seconds) for seed in args.seeds]
    no_cache = replace(DEMO_CONFIG, fec=False, structural_hash=False)  # the demo's own search, caches off
    demo_off = [run_demo(seed, args.max_seconds, config=no_cache) for seed in args.seeds]
    result["caches"] = {
        "individuals_per_s": rates,
        "ratio_fec_on_off": rates["structural+fec"] / rates["none"],
        "demo_seconds_on": [r.seconds for r in demo_on],
        "demo_seconds_off": [r.seconds for r in demo_off],
        "demo_success_on": [r.success for r in demo_on],
        "demo_success_off": [r.success for r in demo_off],
    }

    # 2. Hurdles (FEC on in both, as in a real run).
    with_h = [steps_to(args.hurdle_target, s, 3_000_000, hurdles=True)[0] for s in args.hurdle_seeds]
    without_h = [steps_to(args.hurdle_target, s, 3_000_000)[0] for s in args.hurdle_seeds]
    # Compute saved, per seed where both runs reached the target.
    saved = [1 - w / wo for w, wo in zip(with_h, without_h, strict=True) if w is not None and wo is not None]
    result["hurdles"] = {
        "target_fitness": args.hurdle_target,
        "steps_with": with_h,
        "steps_without": without_h,
        "saved_per_seed": saved,
        "median_saved": statistics.median(saved) if saved else None,
    }

    # 3. Evolution vs random search, same tasks and threshold.
    evolution = [individuals_to_success(s, THRESHOLD, 20_000_000) for s in args.seeds]
    tasks = linear_regression_tasks(10, 4, 100, 100, seed=args.seeds[0])
    random = RandomSearch(DEMO_SPACE, tasks, config(seed=args.seeds[0])).success_rate(args.random_trials, THRESHOLD)
    low, high = random.interval
    evolution_median = median_or_none(evolution)
    result["evolution_vs_random"] = {
        "threshold": THRESHOLD,
        "evolution_individuals": evolution,
        "random_trials": random.trials,
        "random_successes": random.successes,
        "random_rate": random.rate,
        "random_rate_95ci": [low, high],
        # Random search needs 1/rate individuals on average; at zero successes, at least 1/high.
        "advantage_at_least": (1 / high) / evolution_median if evolution_median else None,
        "advantage": (1 / random.rate) / evolution_median if random.successes and evolution_median else None,
    }

    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=1)
    c, h, e = result["caches"], result["hurdles"], result["evolution_vs_random"]
    print("caches (individuals/s, median over seeds):")
    for name, rate in rates.items():
        print(f"  {name:15} {rate:>10,.0f}")
    print(f"  FEC on / off:   {c['ratio_fec_on_off']:.2f}x")  # type: ignore[index]
    print(f"  demo seconds with caches {c['demo_seconds_on']}, without {c['demo_seconds_off']}")  # type: ignore[index]
    print(f"hurdles: training steps to best > {args.hurdle_target}: with {with_h}, without {without_h}")
    print(f"  compute saved per seed: {[round(x, 3) for x in saved]}, median {h['median_saved']}")  # type: ignore[index]
    print(f"evolution: individuals to T_search > {THRESHOLD}: {evolution}")
    print(f"random search: {random}")
    print(f"  evolution's advantage: {e['advantage'] or ''} (at least {e['advantage_at_least']:.3g}x)")  # type: ignore[index]
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
