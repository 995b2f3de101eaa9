"""Finding 1: the demo rediscovers linear regression by SGD; success rate and time over seeds.

Runs the demo (docs/semantics.md, "The demo") once per seed on one core, as the original's
figures were measured (docs/design.md, "The original's figures": 15 seeds, median 76 s, range 25-195 s,
all 15 found SGD linear regression). For every seed it writes the discovered
algorithm and its simplification (dead code removed, constants that Learn sets
on every example moved to Setup, addresses renumbered), and checks whether the
simplified algorithm is the reference linear regression up to renaming and
order of the instructions (its learning rate may differ), exactly and after
``--reassociate`` (products regrouped: exact in real arithmetic only).

Usage: python experiments/demo_seeds.py [--seeds 1 2 ... 15] [--max-seconds 600] [--out experiments/results]
Writes OUT/demo_seeds.json, OUT/demo_seeds.md, OUT/demo_seeds.png and OUT/demo/seed<N>.txt,
OUT/demo/seed<N>.simplified.txt.
About 15 minutes for 15 seeds on one core of the 2-core development machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, Algorithm, parse
from automl_zero.analysis.simplify import reassociate, same_up_to_renaming_and_order, simplify
from automl_zero.demo import run_demo
from one_core import pin_to_one_core

ORIGINAL = {"seeds": 15, "successes": 15, "median_seconds": 76.0, "range_seconds": [25.0, 195.0]}


def understand(algorithm: Algorithm, stem: Path) -> dict[str, Any]:
    """Simplify ``algorithm`` (written to STEM.simplified.txt) and compare it with the reference."""
    simplified = simplify(algorithm)
    stem.with_name(stem.name + ".simplified.txt").write_text(str(simplified))
    regrouped = simplify(reassociate(simplified))
    return {
        "simplified_size": [len(c) for _, c in simplified.components()],
        "reference_form": same_up_to_renaming_and_order(simplified, REFERENCE_LINEAR_REGRESSION),
        "reference_form_reassociated": same_up_to_renaming_and_order(regrouped, REFERENCE_LINEAR_REGRESSION),
    }


def totals(summary: dict[str, Any]) -> None:
    """Count the seeds whose simplified algorithm is the reference, exactly and reassociated."""
    for key in ("reference_form", "reference_form_reassociated"):
        summary[key] = sum(bool(r.get(key)) for r in summary["per_seed"])


def write(summary: dict[str, Any], out: Path) -> None:
    """OUT/demo_seeds.json and the per-seed table OUT/demo_seeds.md."""
    rows = summary["per_seed"]
    (out / "demo_seeds.json").write_text(json.dumps(summary, indent=2))
    lines = [
        "| seed | success | seconds | experiments | individuals | T_final | simplified (Setup/Predict/Learn) "
        "| reference form | reference form with --reassociate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        size = "/".join(map(str, r["simplified_size"])) if r["simplified_size"] else "-"
        lines.append(
            f"| {r['seed']} | {'yes' if r['success'] else 'no'} | {r['seconds']:.1f} | {r['experiments']} "
            f"| {r['individuals']:,} | {r['final_fitness']:.6f} | {size} | {'yes' if r['reference_form'] else 'no'} "
            f"| {'yes' if r.get('reference_form_reassociated') else 'no'} |"
        )
    (out / "demo_seeds.md").write_text("\n".join(lines) + "\n")


def plot(summary: dict[str, object], path: Path) -> None:
    """Seconds to success per seed, sorted (an empirical CDF), against the original's median and range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = summary["per_seed"]
    assert isinstance(rows, list)
    seconds = sorted(r["seconds"] for r in rows if r["success"])
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.step(seconds, [(k + 1) / len(rows) for k in range(len(seconds))], where="post", label="automl-zero")
    ax.axvspan(*ORIGINAL["range_seconds"], color="0.9", label="original C++: range (15 seeds)")
    ax.axvline(ORIGINAL["median_seconds"], color="0.4", linestyle="--", label="original C++: median")
    ax.set_xlabel("seconds to success (one core)")
    ax.set_ylabel("fraction of seeds done")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Demo: rediscovering linear regression")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 16)))
    parser.add_argument("--max-seconds", type=float, default=600.0, help="per seed")
    parser.add_argument("--out", default="experiments/results")
    parser.add_argument("--plot-only", action="store_true", help="redraw the plot from OUT/demo_seeds.json")
    parser.add_argument(
        "--resimplify", action="store_true", help="simplify the saved algorithms again (after simplify improved)"
    )
    args = parser.parse_args()
    out = Path(args.out)
    if args.plot_only or args.resimplify:
        summary = json.loads((out / "demo_seeds.json").read_text())
        if args.resimplify:
            for row in summary["per_seed"]:
                found = out / "demo" / f"seed{row['seed']}.txt"
                if found.exists():
                    row.update(understand(parse(found.read_text()), out / "demo" / f"seed{row['seed']}"))
            totals(summary)
            write(summary, out)
        plot(summary, out / "demo_seeds.png")
        return
    (out / "demo").mkdir(parents=True, exist_ok=True)
    pin_to_one_core()

    run_demo(seed=0, max_seconds=1.0)  # compile outside the timings
    rows = []
    for seed in args.seeds:
        result = run_demo(seed=seed, max_seconds=args.max_seconds)
        row = {
            "seed": seed,
            "success": result.success,
            "seconds": round(result.seconds, 2),
            "experiments": result.experiments,
            "individuals": result.individuals,
            "individuals_per_s": round(result.individuals_per_s),
            "select_fitness": result.select_fitness,
            "final_fitness": result.final_fitness,
            "reference_form": False,
            "reference_form_reassociated": False,
            "simplified_size": None,
        }
        if result.algorithm is not None:
            (out / "demo" / f"seed{seed}.txt").write_text(str(result.algorithm))
            row.update(understand(result.algorithm, out / "demo" / f"seed{seed}"))
        rows.append(row)
        print(
            f"seed {seed:3d}: {'success' if row['success'] else 'NO SUCCESS'} in {row['seconds']:7.1f} s, "
            f"{row['experiments']} experiment(s), {row['individuals']:>10,} individuals, "
            f"T_final {row['final_fitness']:.6f}, simplified sizes {row['simplified_size']}, "
            f"reference form: {row['reference_form']}",
            flush=True,
        )

    successes = [r for r in rows if r["success"]]
    seconds = sorted(r["seconds"] for r in successes)
    summary = {
        "seeds": len(rows),
        "successes": len(successes),
        "median_seconds": statistics.median(seconds) if seconds else None,
        "quartiles_seconds": statistics.quantiles(seconds, n=4) if len(seconds) > 1 else None,
        "range_seconds": [seconds[0], seconds[-1]] if seconds else None,
        "median_individuals": statistics.median(r["individuals"] for r in rows),
        "median_individuals_per_s": statistics.median(r["individuals_per_s"] for r in rows),
        "original": ORIGINAL,
        "per_seed": rows,
    }
    totals(summary)
    write(summary, out)
    plot(summary, out / "demo_seeds.png")
    median = summary["median_seconds"]
    print(
        f"\n{len(successes)}/{len(rows)} succeeded; median {median:.1f} s (range {seconds[0]:.1f}-{seconds[-1]:.1f} s)"
        if seconds
        else f"\n0/{len(rows)} succeeded",
        f"| the original: 15/15, median 76 s (25-195 s) | reference form after simplify: "
        f"{summary['reference_form']}/{len(rows)}, "
        f"with --reassociate {summary['reference_form_reassociated']}/{len(rows)}",
    )
    print(f"wrote {out / 'demo_seeds.json'}, {out / 'demo_seeds.md'} and {out / 'demo'}/")


if __name__ == "__main__":
    main()
