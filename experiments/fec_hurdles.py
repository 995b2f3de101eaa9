"""Finding 3: what functional-equivalence checking (FEC) and progressive dynamic hurdles save.

The paper: FEC gives about 4x the throughput, hurdles save about 75% of the compute.

1. FEC, in the demo's search (docs/semantics.md, "The demo") on its 10 linear regression tasks: the same
   number of individuals per seed with no cache, with the structural hash only (identical
   programs after dead-code removal) and with the structural hash and FEC (the default).
   Reported: individuals/s, and training steps per individual (the compute FEC saves:
   a cache hit costs only the 10+10-example fingerprint run, or nothing on a structural hit).
2. Hurdles, on teacher-net regression (nonlinear, F=4, 10 tasks of 1000/100 examples; the
   demo's ops in a larger memory, S=5 V=3 M=1, sizes 5/3/7): the same number of individuals
   with and without hurdles (a first stage of 10% of the training examples; only individuals
   above the 75th percentile of recent first-stage fitnesses train on the rest). Reported:
   training steps per individual and the best fitness reached, so the saving is compared at
   equal search progress.

Usage: python experiments/fec_hurdles.py [--seeds 1 2 3] [--individuals 1000000] [--out experiments/results]
About 15 minutes on one core of the 2-core development machine with the defaults.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from pathlib import Path
from typing import Any

from automl_zero.algorithm import MemorySize
from automl_zero.demo import DEMO_CONFIG, DEMO_SPACE
from automl_zero.search.evolution import EvolutionConfig, RegularizedEvolution
from automl_zero.search.space import SearchSpace
from automl_zero.tasks import linear_regression_tasks
from automl_zero.tasks.synthetic import teacher_net_tasks
from one_core import pin_to_one_core


def run(space: SearchSpace, tasks: list[Any], config: EvolutionConfig, individuals: int) -> dict[str, float]:
    search = RegularizedEvolution(space, tasks, config)
    search.step(config.population_size)  # the initial population, and compilation: not timed
    steps_before, done_before = search.train_steps, search.individuals
    start = time.perf_counter()
    search.step(individuals)
    seconds = time.perf_counter() - start
    stats = search.stats()
    return {
        "individuals_per_s": individuals / seconds,
        "train_steps_per_individual": (search.train_steps - steps_before) / (search.individuals - done_before),
        "best_fitness": search.best_fitness,
        "fec_hit_rate": stats["fec_hit_rate"],
        "hurdle_pass_rate": stats["hurdle_pass_rate"],
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--individuals", type=int, default=1_000_000, help="per seed and setting (FEC part)")
    parser.add_argument("--hurdle-individuals", type=int, default=200_000, help="per seed and setting (hurdles)")
    parser.add_argument("--out", default="experiments/results")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pin_to_one_core()

    caches = {
        "no cache": {"fec": False, "structural_hash": False},
        "structural hash": {"fec": False, "structural_hash": True},
        "structural hash + FEC": {"fec": True, "structural_hash": True},
    }
    fec_rows: dict[str, list[dict[str, float]]] = {name: [] for name in caches}
    for seed in args.seeds:
        tasks = linear_regression_tasks(10, 4, 100, 100, seed=seed)
        for name, changes in caches.items():
            config = dataclasses.replace(DEMO_CONFIG, seed=seed, redraw_tasks_every=0, **changes)  # fixed tasks
            result = run(DEMO_SPACE, tasks, config, args.individuals)
            fec_rows[name].append(result)
            print(
                f"FEC     seed {seed}: {name:22s} {result['individuals_per_s']:>9,.0f} individuals/s, "
                f"{result['train_steps_per_individual']:>7,.0f} training steps per individual",
                flush=True,
            )

    hurdle_space = SearchSpace(memory=MemorySize(5, 3, 1), sizes=(5, 3, 7))
    hurdle_rows: dict[str, list[dict[str, float]]] = {"no hurdles": [], "hurdles": []}
    for seed in args.seeds:
        tasks = teacher_net_tasks(10, 4, 1000, 100, seed=seed)
        for name, hurdles in (("no hurdles", False), ("hurdles", True)):
            config = EvolutionConfig(population_size=1000, tournament_size=10, seed=seed, hurdles=hurdles)
            result = run(hurdle_space, tasks, config, args.hurdle_individuals)
            hurdle_rows[name].append(result)
            print(
                f"hurdles seed {seed}: {name:22s} {result['train_steps_per_individual']:>9,.0f} training steps per "
                f"individual, best fitness {result['best_fitness']:.4f}, pass rate {result['hurdle_pass_rate']:.0%}",
                flush=True,
            )

    def median(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    summary = {
        "fec": {name: {key: median(rows, key) for key in rows[0]} for name, rows in fec_rows.items()},
        "fec_throughput_gain": median(fec_rows["structural hash + FEC"], "individuals_per_s")
        / median(fec_rows["no cache"], "individuals_per_s"),
        "fec_compute_saved": 1
        - median(fec_rows["structural hash + FEC"], "train_steps_per_individual")
        / median(fec_rows["no cache"], "train_steps_per_individual"),
        "hurdles": {name: {key: median(rows, key) for key in rows[0]} for name, rows in hurdle_rows.items()},
        "hurdle_compute_saved": 1
        - median(hurdle_rows["hurdles"], "train_steps_per_individual")
        / median(hurdle_rows["no hurdles"], "train_steps_per_individual"),
        "per_seed": {"fec": fec_rows, "hurdles": hurdle_rows},
        "seeds": args.seeds,
    }
    (out / "fec_hurdles.json").write_text(json.dumps(summary, indent=2))
    print(
        f"\nFEC: {summary['fec_throughput_gain']:.2f}x the individuals/s of no cache, "
        f"{summary['fec_compute_saved']:.0%} of the training steps saved (the paper: about 4x)"
    )
    with_hurdles, without = summary["hurdles"]["hurdles"], summary["hurdles"]["no hurdles"]
    print(
        f"hurdles: {summary['hurdle_compute_saved']:.0%} of the training steps saved; best fitness "
        f"{with_hurdles['best_fitness']:.4f} with, {without['best_fitness']:.4f} without (the paper: about 75% saved)"
    )
    print(f"wrote {out / 'fec_hurdles.json'}")


if __name__ == "__main__":
    main()
