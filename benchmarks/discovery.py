"""The discovery ladder: does evolution from random programs find learners that beat the baselines?

Runs each rung from random programs, per seed, and reports the selected algorithm's T_final score
beside the baselines', the time and individuals to the first discovery past the rung's target
(on T_search, from the run's timeline), and how many seeds succeed. The rungs:

- ``demo``: linear regression (the original's demo, restarts included); success: an algorithm
  above 0.9999 on T_select within the budget; the time and individuals it took.
- ``nonlinear``: 2-layer teacher-net regression (configs/nonlinear.yaml); success: the selected
  algorithm beats linear regression by SGD on T_final (and, reported, the 2-layer network).
- ``digits``: projected binary digits pairs (configs/digits.yaml); success: T_final accuracy of
  0.95 or more (and, reported, against logistic regression).
- ``teacher_classification``: binary classification by 2-layer teachers
  (configs/teacher_classification.yaml), where a 2-layer network clearly beats logistic
  regression; success: the selected algorithm beats logistic regression on T_final.

Each (rung, seed) is saved as soon as it finishes, to OUT/TAG/RUNG/seedN.json beside its run
directory, and skipped when the script is run again: a full measurement can be spread over
several sittings. ``--set`` changes a search setting in every rung's config (an ablation: run once
per value, each under its own ``--tag``, with the same seeds).

Usage: python benchmarks/discovery.py [--rungs demo nonlinear digits teacher_classification]
           [--seeds 1 2 3 4 5] [--minutes 20] [--individuals N] [--workers 1] [--parallel 2]
           [--set search_space.constant_mutation=log_normal] [--tag default] [--out DIR] [--json]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from automl_zero.config import ExperimentConfig, dump_config, load_config

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {
    "nonlinear": ROOT / "configs" / "nonlinear.yaml",
    "digits": ROOT / "configs" / "digits.yaml",
    "teacher_classification": ROOT / "configs" / "teacher_classification.yaml",
}
RUNGS = ("demo", *CONFIGS)
#: Per rung: the baseline the selected algorithm must beat on T_final, or a fixed T_final score.
TARGETS: dict[str, str | float] = {
    "nonlinear": "linear_regression",
    "digits": 0.95,
    "teacher_classification": "logistic_regression",
}


def with_settings(config: ExperimentConfig, settings: list[str]) -> ExperimentConfig:
    """``config`` with ``section.key=value`` settings applied (values read as YAML)."""
    for setting in settings:
        path, _, text = setting.partition("=")
        section, _, key = path.partition(".")
        if not key or not hasattr(config, section) or not hasattr(getattr(config, section), key):
            raise SystemExit(f"--set {setting!r}: expected SECTION.KEY=VALUE with a key of the config")
        inner = dataclasses.replace(getattr(config, section), **{key: yaml.safe_load(text)})
        config = dataclasses.replace(config, **{section: inner})
    return config


def first_past(run_dir: Path, threshold: float) -> dict[str, float] | None:
    """The first discovery whose T_search fitness exceeds ``threshold``: its seconds and individuals."""
    with (run_dir / "timeline.csv").open() as handle:
        for row in csv.DictReader(handle):
            if float(row["fitness"]) > threshold:
                return {"seconds": float(row["seconds"]), "individuals": int(row["individuals"])}
    return None


def run_demo_job(seed: int, minutes: float, settings: list[str]) -> dict[str, Any]:
    from automl_zero.demo import DEMO_CONFIG, DEMO_SPACE, run_demo

    # The demo's settings are the defaults of an experiment config: --set changes them the same way.
    demo = with_settings(
        dataclasses.replace(ExperimentConfig(), search_space=DEMO_SPACE, evolution=DEMO_CONFIG), settings
    )
    result = run_demo(seed=seed, max_seconds=minutes * 60.0, config=demo.evolution, space=demo.search_space)
    return {
        "success": result.success,
        "seconds": result.seconds,
        "individuals": result.individuals,
        "experiments": result.experiments,
        "select": result.select_fitness,
        "final": result.final_fitness,
    }


def run_config_job(rung: str, seed: int, args: argparse.Namespace, run_dir: Path) -> dict[str, Any]:
    from automl_zero.cli import main as cli

    config = with_settings(load_config(CONFIGS[rung]), args.set)
    if args.individuals:  # the individuals alone bound the search (and its progress line)
        config = dataclasses.replace(config, budget=dataclasses.replace(config.budget, max_seconds=None))
    config_path = run_dir.parent / f"seed{seed}.config.yaml"
    config_path.write_text(dump_config(config))
    command = ["run", str(config_path), "--seed", str(seed), "--out", str(run_dir), "--workers", str(args.workers)]
    if args.individuals:
        command += ["--max-individuals", str(args.individuals)]
    else:
        command += ["--max-seconds", str(args.minutes * 60.0)]
    if not (run_dir / "report.json").exists():
        status = cli(command) if not (run_dir / "config.yaml").exists() else cli(["resume", str(run_dir)])
        if status != 0:
            raise SystemExit(f"{rung} seed {seed}: automl-zero exited {status}")
    report = json.loads((run_dir / "report.json").read_text())
    baselines = report["baselines"]
    target = TARGETS[rung]
    if isinstance(target, str):
        bar_final, bar_search = baselines[target]["final"], baselines[target]["search"]
    else:
        bar_final = bar_search = target
    selected = report["selected"]
    return {
        "success": selected["final"] > bar_final if isinstance(target, str) else selected["final"] >= target,
        "target": target,
        "seconds": report["seconds"],
        "individuals": report["individuals"],
        "individuals_per_s": report["individuals_per_s"],
        "search": selected["search"],
        "select": selected["select"],
        "final": selected["final"],
        "baselines_final": {name: scores["final"] for name, scores in baselines.items()},
        "beats_every_baseline": all(selected["final"] > scores["final"] for scores in baselines.values()),
        "first_past_target": first_past(run_dir, bar_search),
        "warnings": report.get("warnings", []),
        "algorithm": selected["algorithm"],
    }


def job(rung: str, seed: int, args: argparse.Namespace) -> None:
    """Run one (rung, seed) and save its result."""
    out = Path(args.out) / args.tag / rung
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if rung == "demo":
        result = run_demo_job(seed, args.minutes, args.set)
    else:
        result = run_config_job(rung, seed, args, out / f"seed{seed}")
    result.update(rung=rung, seed=seed, tag=args.tag, settings=args.set, wall_seconds=time.perf_counter() - start)
    result.update(budget={"minutes": args.minutes, "individuals": args.individuals, "workers": args.workers})
    (out / f"seed{seed}.json").write_text(json.dumps(result, indent=2))


def summarize(rung: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    wins = [r for r in rows if r["success"]]
    summary: dict[str, Any] = {"rung": rung, "seeds": len(rows), "successes": len(wins)}
    if rung == "demo":
        summary["median_seconds_to_success"] = statistics.median(r["seconds"] for r in wins) if wins else None
        summary["successes_per_experiment"] = f"{len(wins)} of {sum(r['experiments'] for r in rows)}"
        return summary
    summary["median_final"] = statistics.median(r["final"] for r in rows)
    names = rows[0]["baselines_final"]
    summary["median_baselines_final"] = {n: statistics.median(r["baselines_final"][n] for r in rows) for n in names}
    reached = [r["first_past_target"]["seconds"] for r in rows if r["first_past_target"]]
    summary["past_target_on_search"] = len(reached)
    summary["median_seconds_past_target"] = statistics.median(reached) if reached else None
    return summary


def print_rung(rung: str, rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    print(f"\n{rung}")
    for r in rows:
        if rung == "demo":
            print(
                f"  seed {r['seed']:3d}: {'success' if r['success'] else 'no success'} in {r['seconds']:7.1f} s, "
                f"{r['experiments']} experiment(s), {r['individuals']:,} individuals"
            )
            continue
        bases = ", ".join(f"{n} {v:.4f}" for n, v in r["baselines_final"].items())
        past = r["first_past_target"]
        when = f"{past['seconds']:.0f} s / {past['individuals']:,} ind." if past else "never"
        print(
            f"  seed {r['seed']:3d}: T_final {r['final']:.4f} ({bases}) -> {'SUCCESS' if r['success'] else 'no'}; "
            f"past the target on T_search: {when}; {r['individuals']:,} individuals"
        )
    print(f"  {summary['successes']} of {summary['seeds']} seeds succeed; " + json.dumps(summary))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rungs", nargs="+", choices=RUNGS, default=list(RUNGS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--minutes", type=float, default=20.0, help="search budget per (rung, seed)")
    parser.add_argument("--individuals", type=int, default=0, help="budget in individuals instead (not demo)")
    parser.add_argument("--workers", type=int, default=1, help="islands per search, one core each")
    parser.add_argument("--parallel", type=int, default=1, help="(rung, seed) jobs run side by side")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    parser.add_argument("--tag", default="default", help="name of the condition; results go to OUT/TAG/")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "discovery"))
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument("--job", nargs=2, metavar=("RUNG", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        job(args.job[0], int(args.job[1]), args)
        return

    todo = [(rung, seed) for rung in args.rungs for seed in args.seeds]
    pending = [(r, s) for r, s in todo if not (Path(args.out) / args.tag / r / f"seed{s}.json").exists()]
    if len(pending) < len(todo):
        print(f"{len(todo) - len(pending)} of {len(todo)} (rung, seed) results already saved; running the rest")
    forwarded = sys.argv[1:]
    running: list[tuple[subprocess.Popen[bytes], str, int]] = []
    failed = []
    while pending or running:
        while pending and len(running) < args.parallel:
            rung, seed = pending.pop(0)
            log = Path(args.out) / args.tag / rung / f"seed{seed}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("wb") as handle:
                process = subprocess.Popen(
                    [sys.executable, __file__, *forwarded, "--job", rung, str(seed)], stdout=handle, stderr=handle
                )
            running.append((process, rung, seed))
            print(f"started {rung} seed {seed} (log: {log})", flush=True)
        time.sleep(1.0)
        for entry in list(running):
            process, rung, seed = entry
            if process.poll() is not None:
                running.remove(entry)
                print(f"finished {rung} seed {seed} (exit {process.returncode})", flush=True)
                if process.returncode != 0:
                    failed.append((rung, seed))

    summaries = []
    for rung in args.rungs:
        files = [Path(args.out) / args.tag / rung / f"seed{s}.json" for s in args.seeds]
        rows = [json.loads(f.read_text()) for f in files if f.exists()]
        if not rows:
            continue
        summary = summarize(rung, rows)
        summaries.append({**summary, "per_seed": rows})
        if not args.json:
            print_rung(rung, rows, summary)
    if args.json:
        print(json.dumps({"tag": args.tag, "settings": args.set, "rungs": summaries}))
    if failed:
        raise SystemExit(f"failed: {failed}")


if __name__ == "__main__":
    main()
