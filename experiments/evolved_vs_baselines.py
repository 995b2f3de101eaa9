"""Findings 4 and 5: evolved algorithms against hand-designed baselines on held-out tasks.

For each seed: ``automl-zero run CONFIG`` for a fixed time (``--workers`` islands, one core each), which
selects the best of the latest discoveries on T_select and scores it and the config's
baselines on T_final; then the selected algorithm is simplified and its constants tuned on
T_select (random search, as the paper did for its final evaluation) and scored again on
T_final. Reported per seed and as medians: T_final of the selected, tuned algorithm and of
each baseline, and which structures the simplified algorithm uses (whether it trains a
matrix, i.e. a hidden layer, and whether it uses a nonlinearity).

- Finding 4 (nonlinear): ``--config configs/nonlinear.yaml`` (2-layer teacher-net regression;
  baselines linear regression and the 2-layer network trained by backpropagation).
- Finding 5 (projected binary classification): ``--config configs/digits.yaml`` (the bundled
  digits; ``configs/cifar10.yaml`` or ``configs/mnist.yaml`` with your files; baselines
  logistic regression and the 2-layer network).

Usage: python experiments/evolved_vs_baselines.py --config configs/nonlinear.yaml --name nonlinear
       [--seeds 1 2 3] [--seconds 360] [--workers 1] [--trials 200] [--out experiments/results]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from automl_zero.algorithm import Algorithm, parse
from automl_zero.analysis.simplify import simplify
from automl_zero.analysis.tune import tune
from automl_zero.cli import main as cli
from automl_zero.config import load_config
from automl_zero.experiment import config_task_sets, executor_for
from automl_zero.ops import OPS, Kind

#: Element-wise nonlinear functions (max(x, 0) is a ReLU).
NONLINEAR = ("HEAVYSIDE", "MAX", "MIN", "ABS", "SIN", "COS", "TAN", "EXP", "LOG", "RECIPROCAL")


def structure(algorithm: Algorithm) -> dict[str, bool]:
    """What the (simplified) algorithm uses: a trained matrix, nonlinear ops, random ops."""
    learn_writes = {(OPS[i.op].out, i.out) for i in algorithm.learn if OPS[i.op].out is not None}
    every = [i for _, component in algorithm.components() for i in component]
    return {
        "trains_a_matrix": any(kind == Kind.MATRIX for kind, _ in learn_writes),
        "nonlinearity": any(any(word in i.op.name for word in NONLINEAR) for i in every),
        "random_ops": any(OPS[i.op].random for i in every),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--name", required=True, help="results go to OUT/NAME/ and OUT/NAME.json")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--seconds", type=float, default=360.0, help="search seconds per seed")
    parser.add_argument("--trials", type=int, default=200, help="random-search trials to tune the constants")
    parser.add_argument("--workers", type=int, default=1, help="islands per search (one core each)")
    parser.add_argument("--out", default="experiments/results")
    args = parser.parse_args()
    out = Path(args.out) / args.name
    out.mkdir(parents=True, exist_ok=True)

    rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        run_dir = out / f"seed{seed}"
        if not (run_dir / "report.json").exists():
            command = ["run", args.config, "--seed", str(seed), "--max-seconds", str(args.seconds)]
            status = cli([*command, "--workers", str(args.workers), "--out", str(run_dir)])
            if status != 0:
                raise SystemExit(status)
        report = json.loads((run_dir / "report.json").read_text())
        config = load_config(run_dir / "config.yaml")
        sets = config_task_sets(config)
        selected = parse(report["selected"]["algorithm"])
        simplified = simplify(selected)
        tuned = tune(simplified, executor_for(sets.select, config.memory, config), trials=args.trials, seed=seed)
        tuned_final = executor_for(sets.final, config.memory, config).evaluate(tuned.algorithm)
        (run_dir / "simplified.txt").write_text(str(simplified))
        (run_dir / "tuned.txt").write_text(str(tuned.algorithm))
        row = {
            "seed": seed,
            "individuals": report["individuals"],
            "seconds": report["seconds"],
            "selected_final": report["selected"]["final"],
            "tuned_select": tuned.after,
            "tuned_final": tuned_final,
            "baselines_final": {name: scores["final"] for name, scores in report["baselines"].items()},
            "simplified_size": [len(c) for _, c in simplified.components()],
            **structure(simplified),
        }
        rows.append(row)
        baselines = ", ".join(f"{name} {value:.4f}" for name, value in row["baselines_final"].items())
        print(
            f"seed {seed}: T_final selected {row['selected_final']:.4f}, tuned {tuned_final:.4f} | {baselines} | "
            f"simplified {row['simplified_size']}, trains a matrix: {row['trains_a_matrix']}, "
            f"nonlinearity: {row['nonlinearity']}",
            flush=True,
        )

    def spread(values: list[float]) -> dict[str, float]:
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    names = list(rows[0]["baselines_final"])
    summary = {
        "config": args.config,
        "seconds_per_seed": args.seconds,
        "cores": args.workers,
        "selected_final": spread([r["selected_final"] for r in rows]),
        "tuned_final": spread([r["tuned_final"] for r in rows]),
        "baselines_final": {name: spread([r["baselines_final"][name] for r in rows]) for name in names},
        "beats_every_baseline": sum(r["tuned_final"] > max(r["baselines_final"].values()) for r in rows),
        "trains_a_matrix": sum(r["trains_a_matrix"] for r in rows),
        "per_seed": rows,
    }
    (Path(args.out) / f"{args.name}.json").write_text(json.dumps(summary, indent=2))
    print(
        f"\nmedian T_final: tuned evolved {summary['tuned_final']['median']:.4f}, "
        + ", ".join(f"{name} {summary['baselines_final'][name]['median']:.4f}" for name in names)
        + f"; tuned evolved beats every baseline on {summary['beats_every_baseline']}/{len(rows)} seeds"
    )
    print(f"wrote {Path(args.out) / (args.name + '.json')} and {out}/")


if __name__ == "__main__":
    main()
