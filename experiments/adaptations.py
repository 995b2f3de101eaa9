"""Finding 6: the section 4.3 adaptations at small scale, against a control.

Three conditions on the bundled digits (projected binary pairs, F=16), each searched from a
population of copies of logistic regression (the baseline written in the VM's instructions),
so that the search's time goes into adapting a learner rather than finding one, with every op
(random ones included) allowed in Predict and Learn:

- ``few_examples``: 80 training examples seen for 100 epochs (``configs/few_examples.yaml``);
- ``fast_training``: 200 training examples seen for 10 epochs (``configs/fast_training.yaml``);
- ``control``: 200 training examples seen for 40 epochs, the same 8,000 training steps per
  task as ``few_examples``.

Every search runs the same number of individuals, one island on one core, ``--jobs`` at a time.
The algorithm each search selects on T_select is simplified (exactly, see
:func:`automl_zero.analysis.simplify.simplify`), and then checked for:

- noise injection: a random op (``uniform`` or ``gaussian``) left in Predict or Learn. After
  simplification every instruction left can change a prediction, so the noise reaches the
  predictions; the knock-out of those instructions on T_select says whether it helps;
- a learning-rate schedule: a scalar that Learn updates from its own previous value, so that
  it carries from one example to the next, and that Predict never reads: not a weight, but
  state of the learning rule, such as a decaying learning rate (``s2 = s2 * s5``). Training on
  the first T_select task with the reference executor, watching the scalar after every Learn,
  says whether it decays (its last finite magnitude below 0.9 of that after the first
  example), grows (above 1.1 of it) or stays flat; only a decaying one counts as
  learning-rate decay.

Each adaptation's count over seeds is compared with the control's by Fisher's exact test
(one-sided: more often than in the control). Before the searches, the script also scores
hand-made versions of both adaptations on each condition's T_select, to show how much they
are worth on these tasks.

Usage: python experiments/adaptations.py [--seeds 1 ... 10] [--individuals 30000] [--jobs 2]
       [--conditions control few_examples fast_training] [--out experiments/results]
Finished searches are kept (OUT/adaptations/CONDITION/seedN) and not run again. The 30
searches took 37 minutes on the 2-core development machine; ``--conditions`` runs a part.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from scipy.stats import fisher_exact

from automl_zero.algorithm import Algorithm, MemorySize, parse
from automl_zero.analysis.ablate import ablate
from automl_zero.analysis.simplify import memory_holding, simplify
from automl_zero.baselines import baseline
from automl_zero.config import load_config
from automl_zero.experiment import config_task_sets, executor_for
from automl_zero.ops import OPS, Kind
from automl_zero.tasks.base import Task
from automl_zero.vm.reference import evaluate_task

CONFIGS = Path(__file__).resolve().parent.parent / "configs"

#: condition -> (base config, overrides of tasks.search)
CONDITIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "few_examples": ("few_examples.yaml", {}),
    "fast_training": ("fast_training.yaml", {}),
    "control": ("fast_training.yaml", {"num_epochs": 40}),
}

#: Hand-made adaptations of logistic regression, to measure what each is worth on the tasks.
HAND_MADE = {
    "noise injection": (
        ("  v2 = s3 * v0\n", "  v3 = gaussian(0.0, 1.0, n_features)\n  v3 = v0 + v3\n  v2 = s3 * v3\n"),
    ),
    "learning-rate decay": (
        ("  s2 = 0.05\n", "  s2 = 0.2\n  s5 = 0.9995\n"),
        ("  s4 = s4 + s3\n", "  s4 = s4 + s3\n  s2 = s2 * s5\n"),
    ),
}


def write_config(condition: str, out: Path, individuals: int, start: Path) -> Path:
    """Write the condition's config: the base config, searched from ``start``."""
    base, search_overrides = CONDITIONS[condition]
    config = yaml.safe_load((CONFIGS / base).read_text())
    config["name"] = condition
    # 10 search tasks (the first 10 of the 36 pairs), as the original's search runs use.
    config["tasks"]["search"].update({"num_tasks": 10, **search_overrides})
    config["memory"]["scalars"] = max(config["memory"]["scalars"], 6)
    # Noise injection needs random ops where the examples are seen: Predict and Learn may use
    # every op here (the configs' 'predict'/'learn' presets keep random ops to Setup).
    config["search_space"]["predict_ops"] = "all"
    config["search_space"]["learn_ops"] = "all"
    config["evolution"]["initial"] = "algorithm"
    # The median accuracy over the digits pairs is 1.0 for logistic regression already (most pairs
    # are separable), which would leave nothing to select on; the mean still moves.
    config["evolution"]["fitness_combination"] = "mean"
    config["initial_algorithm"] = start.name  # relative to the config file, written beside it
    config["budget"] = {"max_individuals": individuals, "max_seconds": None}
    config["run"]["baselines"] = ["logistic_regression"]
    path = out / f"{condition}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def search(config: Path, seed: int, run_dir: Path) -> None:
    """Run one search (one island, one core) unless its report exists."""
    if (run_dir / "report.json").exists():
        return
    command = [sys.executable, "-m", "automl_zero", "run", str(config), "--seed", str(seed), "--workers", "1"]
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    log = run_dir.parent / f"seed{seed}.log"
    with log.open("w") as stream:
        status = subprocess.run([*command, "--out", str(run_dir)], stdout=stream, stderr=subprocess.STDOUT).returncode
    if status != 0:
        raise SystemExit(f"{config.stem} seed {seed} failed with status {status}; see {log}")


def schedule_scalars(algorithm: Algorithm) -> list[int]:
    """Scalars that Learn updates from their own previous value and that Predict never touches.

    Such a scalar is state of the learning rule that persists from one example to the next,
    like a decaying learning rate (``s2 = s2 * s5``); a scalar that Learn only resets is not,
    nor one that Predict writes (then Learn updates a value of the current example).
    """
    touched_by_predict = {slot for i in algorithm.predict for slot in (*i.reads, i.writes)}
    candidates = {
        slot[1]
        for i in algorithm.learn
        if (slot := i.writes) is not None and slot[0] == Kind.SCALAR and slot[1] > 1 and slot not in touched_by_predict
    }
    recurrent = []
    for address in sorted(candidates):
        start = (Kind.SCALAR, address)
        depends = {start}  # slots whose value depends on the scalar's value at the start of Learn
        for instruction in algorithm.learn:
            target = instruction.writes
            if target is not None:
                if depends & instruction.reads:
                    depends.add(target)
                else:
                    depends.discard(target)
        if start in depends:  # Learn writes it (a candidate), from its own previous value
            recurrent.append(address)
    return recurrent


def direction(algorithm: Algorithm, address: int, task: Task, memory: MemorySize) -> str:
    """Whether scalar ``address`` decays, grows or stays flat while training on ``task``."""
    seen: list[float] = []
    evaluate_task(algorithm, task, memory, on_learn=lambda m: seen.append(abs(float(m.s[address]))))
    finite = [v for v in seen if math.isfinite(v)]  # a scalar that overflows has grown first
    if len(finite) < 2:
        return "unknown"
    if finite[-1] < 0.9 * finite[0]:
        return "decays"
    return "grows" if finite[-1] > 1.1 * finite[0] else "flat"


def analyse(run_dir: Path, config: Path) -> dict[str, Any]:
    """Simplify the selected algorithm and look for the two adaptations."""
    report = json.loads((run_dir / "report.json").read_text())
    loaded = load_config(config)
    select_tasks = config_task_sets(loaded).select
    simplified = simplify(parse(report["selected"]["algorithm"]))
    memory = memory_holding(simplified, loaded.memory)
    select = executor_for(select_tasks, memory, loaded)
    schedule = {a: direction(simplified, a, select_tasks[0], memory) for a in schedule_scalars(simplified)}
    (run_dir / "simplified.txt").write_text(str(simplified))
    noise = [
        (name, position)
        for name, component in (("predict", simplified.predict), ("learn", simplified.learn))
        for position, instruction in enumerate(component)
        if OPS[instruction.op].random
    ]
    knock_out = None
    if noise:
        rows = ablate(simplified, select).rows
        knock_out = [row.change for row in rows if (row.component, row.position) in noise]
    return {
        "individuals": report["individuals"],
        "seconds": report["seconds"],
        "selected_final": report["selected"]["final"],
        "logistic_regression_final": report["baselines"]["logistic_regression"]["final"],
        "simplified_size": [len(c) for _, c in simplified.components()],
        "noise_injection": bool(noise),
        "noise_knock_out_change": knock_out,
        # Knocking a random op out lowers T_select by more than ablate's threshold: the noise helps.
        "noise_helps": bool(knock_out) and min(knock_out) < -1e-3,
        "schedule_scalars": {f"s{a}": way for a, way in schedule.items()},
        "learning_rate_schedule": bool(schedule),
        "learning_rate_decay": "decays" in schedule.values(),
    }


def hand_made_worth(config: Path) -> dict[str, float]:
    """T_select of logistic regression and of its hand-made adaptations under ``config``."""
    loaded = load_config(config)
    select = executor_for(config_task_sets(loaded).select, loaded.memory, loaded)
    text = str(baseline("logistic_regression")[0])
    scores = {"logistic regression": select.evaluate(parse(text))}
    for name, edits in HAND_MADE.items():
        edited = text
        for old, new in edits:
            edited = edited.replace(old, new)
        scores[name] = select.evaluate(parse(edited))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--individuals", type=int, default=30_000, help="individuals per search")
    parser.add_argument("--jobs", type=int, default=2, help="searches at a time (one core each)")
    parser.add_argument("--conditions", nargs="+", choices=list(CONDITIONS), default=list(CONDITIONS))
    parser.add_argument("--out", default="experiments/results")
    args = parser.parse_args()
    out = Path(args.out) / "adaptations"
    out.mkdir(parents=True, exist_ok=True)
    start = out / "logistic_regression.txt"
    start.write_text(str(baseline("logistic_regression")[0]))
    configs = {c: write_config(c, out, args.individuals, start) for c in args.conditions}

    worth = {c: hand_made_worth(path) for c, path in configs.items()}
    for condition, scores in worth.items():
        print(f"{condition}: T_select " + ", ".join(f"{name} {value:.4f}" for name, value in scores.items()))

    jobs = [(c, seed) for seed in args.seeds for c in args.conditions]
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda job: search(configs[job[0]], job[1], out / job[0] / f"seed{job[1]}"), jobs))

    results: dict[str, dict[str, Any]] = {}
    for condition in args.conditions:
        rows = {seed: analyse(out / condition / f"seed{seed}", configs[condition]) for seed in args.seeds}
        results[condition] = rows
        for seed, row in rows.items():
            print(
                f"{condition} seed {seed}: T_final {row['selected_final']:.4f} "
                f"(logistic regression {row['logistic_regression_final']:.4f}), "
                f"noise injection {row['noise_injection']} (helps: {row['noise_helps']}), "
                f"schedule {row['schedule_scalars']}",
                flush=True,
            )

    summary: dict[str, Any] = {"individuals_per_search": args.individuals, "seeds": args.seeds, "worth": worth}
    summary["counts"] = {
        c: {
            "noise_injection": sum(r["noise_injection"] for r in rows.values()),
            "noise_helps": sum(r["noise_helps"] for r in rows.values()),
            "learning_rate_schedule": sum(r["learning_rate_schedule"] for r in rows.values()),
            "learning_rate_decay": sum(r["learning_rate_decay"] for r in rows.values()),
            "beats_logistic_regression": sum(
                r["selected_final"] > r["logistic_regression_final"] for r in rows.values()
            ),
            "seeds": len(rows),
        }
        for c, rows in results.items()
    }
    tests = {}
    pairs = (
        ("few_examples", "noise_injection"),
        ("few_examples", "noise_helps"),
        ("fast_training", "learning_rate_decay"),
        ("fast_training", "learning_rate_schedule"),
    )
    for adaptation, feature in pairs:
        if adaptation in results and "control" in results:
            a, c = summary["counts"][adaptation], summary["counts"]["control"]
            table = [[a[feature], a["seeds"] - a[feature]], [c[feature], c["seeds"] - c[feature]]]
            p = float(fisher_exact(table, alternative="greater").pvalue)
            tests[f"{feature} in {adaptation} vs control"] = {"table": table, "p_one_sided": p}
            print(f"{feature}: {adaptation} {a[feature]}/{a['seeds']}, control {c[feature]}/{c['seeds']}, p = {p:.3f}")
    summary["fisher_exact"] = tests
    summary["per_seed"] = results
    path = Path(args.out) / "adaptations.json"
    path.write_text(json.dumps(summary, indent=2))
    print(f"wrote {path} and {out}/")


if __name__ == "__main__":
    main()
