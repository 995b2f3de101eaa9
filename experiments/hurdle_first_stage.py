"""Can the hurdle's first stage tell learners from non-learners? First-stage against full T_search fitness.

For a config's baselines and any algorithm files (or discovery-ladder results, whose JSON holds the
selected algorithm), prints the fitness after the hurdle's first stage and after full training, on
the config's T_search with one fixed random-op stream. A first stage that ranks a learner below a
non-learner that it beats in full is biased against learning (docs/RESULTS.md, "A funnel over tasks").

Usage: python experiments/hurdle_first_stage.py CONFIG [ALGORITHM.txt | RESULT.json ...]
           [--train-fraction F] [--task-fraction F]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from automl_zero.algorithm import Algorithm, parse
from automl_zero.baselines import baseline
from automl_zero.config import load_config
from automl_zero.experiment import config_task_sets, executor_for
from automl_zero.search.evolution import first_stage_tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config")
    parser.add_argument("algorithms", nargs="*", help="algorithm files, or discovery-ladder seedN.json results")
    parser.add_argument("--train-fraction", type=float, help="default: the config's hurdle_train_fraction")
    parser.add_argument("--task-fraction", type=float, help="default: the config's hurdle_task_fraction")
    parser.add_argument("--stream", type=int, default=1, help="the random-op stream of every evaluation")
    args = parser.parse_args()

    config = load_config(args.config)
    search = config_task_sets(config).search
    train_fraction = args.train_fraction or config.evolution.hurdle_train_fraction
    task_fraction = args.task_fraction or config.evolution.hurdle_task_fraction
    first_tasks = first_stage_tasks(search, train_fraction, task_fraction)
    num_train = len(first_tasks[0].train_x)
    full = executor_for(search, config.memory, config)
    first = executor_for(first_tasks, config.memory, config)

    algorithms: dict[str, Algorithm] = {name: baseline(name)[0] for name in config.run.baselines}
    for name in args.algorithms:
        text = Path(name).read_text()
        algorithms[name] = parse(json.loads(text)["algorithm"] if name.endswith(".json") else text, config.memory)
    print(f"first stage: {len(first_tasks)} of {len(search)} tasks, {num_train} training examples each")
    for name, algorithm in algorithms.items():
        print(
            f"{name:60s} first {first.evaluate(algorithm, seed=args.stream):.4f}  "
            f"full {full.evaluate(algorithm, seed=args.stream):.4f}"
        )


if __name__ == "__main__":
    main()
