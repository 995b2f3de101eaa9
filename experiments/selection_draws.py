"""Selection over several random draws: does it stop a lucky draw from being selected?

A run selects, among its latest discoveries, the one with the best T_select fitness. A candidate
with random ops (random weights drawn in Setup, say) gets one draw of them on T_select, so among
several such candidates the luckiest draw wins even when none of them learns. This script
re-selects finished runs offline: every candidate scored on T_select with 1 draw (what runs do)
and with the mean of K draws (streams ``evaluation_stream(seed, k)``), and reports the T_final of
what each selects. Algorithms without random ops score the same on every draw.

Usage: python experiments/selection_draws.py RUN_DIR [RUN_DIR ...] [--draws 5] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from automl_zero.algorithm import parse
from automl_zero.config import load_config
from automl_zero.experiment import config_task_sets, executor_for
from automl_zero.vm.rng import evaluation_stream


def reselect(run_dir: Path, draws: int) -> dict[str, object]:
    config = load_config(run_dir / "config.yaml")
    sets = config_task_sets(config)
    with (run_dir / "timeline.csv").open() as handle:
        rows = list(csv.DictReader(handle))[::-1][: config.run.candidates]
    candidates = [(row["algorithm"], parse((run_dir / row["algorithm"]).read_text())) for row in rows]
    select = executor_for(sets.select, config.memory, config, "select")
    final = executor_for(sets.final, config.memory, config, "final")
    one = [select.evaluate(algorithm) for _, algorithm in candidates]
    many = [
        float(np.mean([select.evaluate(a, seed=evaluation_stream(config.seed, k)) for k in range(draws)]))
        for _, a in candidates
    ]
    pick_one, pick_many = int(np.argmax(one)), int(np.argmax(many))  # ties: the newest, as runs do
    return {
        "run": str(run_dir),
        "candidates": len(candidates),
        "one_draw": {"file": candidates[pick_one][0], "final": final.evaluate(candidates[pick_one][1])},
        f"{draws}_draws": {"file": candidates[pick_many][0], "final": final.evaluate(candidates[pick_many][1])},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [reselect(run, args.draws) for run in args.runs]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        a, b = r["one_draw"], r[f"{args.draws}_draws"]
        print(
            f"{r['run']}: {r['candidates']} candidates; 1 draw selects {a['file']} (T_final {a['final']:.4f}), "
            f"{args.draws} draws {b['file']} (T_final {b['final']:.4f})"
        )


if __name__ == "__main__":
    main()
