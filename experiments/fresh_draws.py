"""Does a search on fresh task draws find learners that a fixed T_search does not? An experiment.

On a fixed T_search of 10 teacher-net tasks, predictors built from the labels alone, with their
constants tuned to those tasks, are as fit as linear regression (docs/RESULTS.md, "Teacher nets:
what the search has to find"), so nothing selects for learners that use the features. On new tasks
the tuned constants lose their edge and linear regression is ahead. This experiment tests whether
a search whose fitness comes from fresh tasks finds the learners.

It runs regularized evolution (one island, one process) on a config's T_search and, with
``--every N``, replaces T_search every N individuals with a fresh draw of tasks of the same spec
(synthetic families only: each draw is its own seed stream, disjoint from T_select and T_final).
At a switch, the FEC cache is emptied and the population keeps its fitnesses until they age out.
At the end, the distinct algorithms among the final population's ``--top`` fittest are scored on
T_select, and the best of them on T_final. ``--every 0`` runs the fixed T_search with the same
selection: the other arm of the ablation. ``--keep-fixed K`` is the variant that keeps T_search
and adds K freshly drawn tasks to it, redrawn every N individuals: constants tuned to the fixed
tasks lose their edge on the fresh ones, while an exact learner keeps its fitness on both.

Usage: python experiments/fresh_draws.py [CONFIG] --seed 1 --individuals 8000000 --every 100000
           [--max-seconds S] [--keep-fixed K] [--top 20] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

from automl_zero.baselines import baseline
from automl_zero.config import load_config
from automl_zero.experiment import config_task_sets, executor_for
from automl_zero.search.evolution import RegularizedEvolution
from automl_zero.tasks.base import Task
from automl_zero.tasks.sets import build_task_sets

#: Seeds of the draws: far from any config seed, so a draw never repeats T_search's own stream.
DRAW_SEED_STRIDE = 1_000_003


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", nargs="?", default="configs/nonlinear.yaml")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--individuals", type=int, default=8_000_000)
    parser.add_argument("--max-seconds", type=float, default=0.0, help="also stop after this long (0: no limit)")
    parser.add_argument("--every", type=int, default=0, help="individuals per draw of T_search; 0: never redraw")
    parser.add_argument("--top", type=int, default=20, help="candidates from the final population")
    parser.add_argument(
        "--keep-fixed", type=int, default=0, metavar="K", help="keep T_search and add K fresh tasks (0: replace it)"
    )
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args()

    config = load_config(args.config)
    config = dataclasses.replace(config, seed=args.seed)
    if config.tasks.search.family in ("projected_binary", "multiclass"):
        raise SystemExit("fresh draws are for synthetic task families only")
    sets = config_task_sets(config)
    space, evolution = config.search_space, config.evolution

    def draw(k: int) -> list[Task]:
        """T_search of draw k: fresh tasks, or (--keep-fixed) the config's with K fresh ones added."""
        seed = args.seed + k * DRAW_SEED_STRIDE
        if not args.keep_fixed:
            return build_task_sets(config.tasks.search, seed=seed).search
        spec = dataclasses.replace(config.tasks.search, num_tasks=args.keep_fixed)
        return list(sets.search) + build_task_sets(spec, seed=seed).search

    search = RegularizedEvolution(space, draw(1) if args.keep_fixed and args.every else sets.search, evolution)
    start = time.perf_counter()
    draws = 0
    while search.individuals < args.individuals:
        if args.max_seconds and time.perf_counter() - start > args.max_seconds:
            break
        # Steps of at most 100,000 individuals, so that --max-seconds is checked often enough.
        chunk = args.every if args.every else 100_000
        search.step(min(chunk - search.individuals % chunk, args.individuals - search.individuals))
        if args.every and search.individuals % args.every:
            continue
        if args.every and search.individuals < args.individuals:
            draws += 1
            fresh = RegularizedEvolution(space, draw(draws + 1 if args.keep_fixed else draws), evolution)
            state = search.state_dict()
            state.update({name: array for name, array in fresh.state.items() if name.startswith("cache_")})
            fresh.load_state_dict(state)
            search = fresh
    seconds = time.perf_counter() - start

    population = sorted(search.population(), key=lambda row: -row[1])
    candidates = {}
    for algorithm, _fitness, _birth in population:
        candidates.setdefault(str(algorithm), algorithm)
        if len(candidates) == args.top:
            break
    select = executor_for(sets.select, space.memory, config, "select")
    final = executor_for(sets.final, space.memory, config, "final")
    scored = sorted(((select.evaluate(a), text) for text, a in candidates.items()), reverse=True)
    best_select, best_text = scored[0]
    best = candidates[best_text]
    lr, memory = baseline("linear_regression")
    result = {
        "config": args.config,
        "seed": args.seed,
        "every": args.every,
        "keep_fixed": args.keep_fixed,
        "draws": draws,
        "individuals": search.individuals,
        "seconds": seconds,
        "select": best_select,
        "final": final.evaluate(best),
        "linear_regression_final": executor_for(sets.final, memory, config, "final").evaluate(lr),
        "algorithm": best_text,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "algorithm"}))
    print(best_text, end="")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
