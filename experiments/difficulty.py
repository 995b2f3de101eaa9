"""Finding 2: how hard the search problems are for random search, and what evolution gains.

The paper measures a problem's difficulty by random search's success rate (the fraction of
random algorithms that solve it: about 1 in 10^7-10^8 for linear regression) and finds that
evolution's advantage over random search grows with difficulty (about 5x on linear
regression). Here "solve" means a fitness above 0.9999 on the demo's T_search (10 linear
regression tasks, F=4, 100/100 examples), and three search spaces of increasing difficulty:

1. ``small``: the demo's six ops, Setup 1 / Predict 1 / Learn 4 instructions (the size of the
   reference SGD);
2. ``demo``: the demo's six ops, sizes 10 / 2 / 8 (docs/semantics.md, "The demo");
3. ``all ops``: every op of the paper allowed in each component function (setup, predict and
   learn op sets), sizes 10 / 2 / 8, in the same memory.

For each: random search's success rate over ``--random-trials`` algorithms (95% Wilson
interval; zero successes give an upper bound), and the individuals regularized evolution
(P=1000, T=10, FEC) needs until its best exceeds 0.9999, per seed, restarting every 2e8
training steps as the demo does, capped at ``--max-individuals``. Evolution's advantage is
(1 / success rate) / (median individuals to success); with zero random successes it is a
lower bound.

Usage: python experiments/difficulty.py [--seeds 1 2 3] [--random-trials 5000000]
       [--max-individuals 10000000] [--out experiments/results]
About 25 minutes on one core of the 2-core development machine with the defaults.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from pathlib import Path
from typing import Any

from automl_zero.demo import DEMO_CONFIG, DEMO_SPACE
from automl_zero.ops import LEARN_OPS, PREDICT_OPS, SETUP_OPS
from automl_zero.search.evolution import RegularizedEvolution
from automl_zero.search.random_search import RandomSearch
from automl_zero.search.space import SearchSpace
from automl_zero.tasks import linear_regression_tasks
from one_core import pin_to_one_core

THRESHOLD = 0.9999
MAX_TRAIN_STEPS = 200_000_000  # per experiment, as in the demo

SPACES = {
    "small": dataclasses.replace(DEMO_SPACE, sizes=(1, 1, 4), min_sizes=(1, 1, 4), max_sizes=(1, 1, 4)),
    "demo": DEMO_SPACE,
    "all ops": dataclasses.replace(DEMO_SPACE, setup_ops=SETUP_OPS, predict_ops=PREDICT_OPS, learn_ops=LEARN_OPS),
}


def individuals_to_success(space: SearchSpace, seed: int, max_individuals: int) -> int | None:
    """Individuals, over experiments of 2e8 training steps, until the best T_search fitness exceeds 0.9999."""
    tasks = linear_regression_tasks(10, 4, 100, 100, seed=seed)
    total = 0
    experiment = 0
    while total < max_individuals:
        experiment += 1
        fixed = dataclasses.replace(DEMO_CONFIG, seed=seed * 1000 + experiment, redraw_tasks_every=0)  # the original's
        search = RegularizedEvolution(space, tasks, fixed)
        while search.train_steps < MAX_TRAIN_STEPS and total + search.individuals < max_individuals:
            search.step(2000)
            if search.best_fitness > THRESHOLD:
                return total + search.best_individual + 1
        total += search.individuals
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--random-trials", type=int, default=5_000_000)
    parser.add_argument("--max-individuals", type=int, default=10_000_000, help="evolution's cap per seed")
    parser.add_argument("--out", default="experiments/results")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pin_to_one_core()

    results: dict[str, Any] = {}
    for name, space in SPACES.items():
        tasks = linear_regression_tasks(10, 4, 100, 100, seed=args.seeds[0])
        rate = RandomSearch(space, tasks, dataclasses.replace(DEMO_CONFIG, seed=7)).success_rate(
            args.random_trials, THRESHOLD
        )
        low, high = rate.interval
        needed = [individuals_to_success(space, seed, args.max_individuals) for seed in args.seeds]
        found = [n for n in needed if n is not None]
        median = statistics.median(found) if len(found) * 2 > len(needed) else None  # a median of the successes
        if rate.successes and median is not None:
            advantage, bound = (1 / rate.rate) / median, "estimate"
        elif median is not None:
            advantage, bound = (1 / high) / median, "lower bound"
        else:
            advantage, bound = None, "evolution did not succeed within the cap on most seeds"
        results[name] = {
            "random_successes": rate.successes,
            "random_trials": rate.trials,
            "random_rate": rate.rate,
            "random_interval": [low, high],
            "evolution_individuals": needed,
            "evolution_median": median,
            "advantage": advantage,
            "advantage_kind": bound,
        }
        print(
            f"{name:8s}: random search {rate.successes} / {rate.trials:,} (95%: {low:.2e} to {high:.2e}); "
            f"evolution {needed} individuals to success; advantage "
            + (f"{advantage:.1f}x ({bound})" if advantage is not None else bound),
            flush=True,
        )
    summary = {"threshold": THRESHOLD, "seeds": args.seeds, "max_individuals": args.max_individuals, **results}
    (out / "difficulty.json").write_text(json.dumps(summary, indent=2))
    print(f"wrote {out / 'difficulty.json'}")


if __name__ == "__main__":
    main()
