"""First-run compile time of `automl-zero demo` on a fresh Numba cache (issue 17: compile time).

Each run copies the package (src/automl_zero, without any __pycache__ folder, so without
Numba's cache or the generated evaluation module) into a new temporary folder and runs the
demo command there in a new process, as

    automl-zero demo --seed 1 --max-seconds 1 --out <temp>/demo.txt

(the CLI's main() in `python -c`, with a hook that times the stages), with PYTHONPATH set to
the copy and NUMBA_CACHE_DIR unset, as a new install's first run. It
reports what the demo's own status line says ("compiled or loaded from Numba's cache in X s"),
the seconds of each compilation stage (`automl_zero.demo.WARM_UP_STAGES`, timed with a small
hook around the same command), the CPU seconds the process spent in them, and the process's
wall and CPU time (user + system). On a machine with other load the wall-clock figures grow and
the CPU ones much less: compare the CPU seconds across sittings. With --warm, it then runs the
same command again on the now-filled cache (what every later run pays).

Usage:
    python benchmarks/compile_time.py [--runs N] [--warm] [--json] [--package PATH]

--package defaults to the src/automl_zero next to this script's folder. The machine's load
matters (compilation is one core's work): compare settings on the same machine in one sitting.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Runs the CLI's demo command in-process, with a hook that times the compilation stages.
DRIVER = """
import json, sys, time
start = time.perf_counter()
import automl_zero.demo as demo
stages = []
original = demo.warm_up

def timed_warm_up(select, config, space=demo.DEMO_SPACE, on_stage=None):
    def hook(name):
        stages.append((name, time.perf_counter(), time.process_time()))
        if on_stage is not None:
            on_stage(name)
    original(select, config, space, hook)
    stages.append(("end", time.perf_counter(), time.process_time()))

demo.warm_up = timed_warm_up
from automl_zero import cli
try:
    code = cli.main(sys.argv[1:])
finally:
    times = {a[0]: round(b[1] - a[1], 2) for a, b in zip(stages, stages[1:])}
    cpu = round(stages[-1][2] - stages[0][2], 2) if stages else None
    import_s = round(stages[0][1] - start, 2) if stages else None
    print("STAGES " + json.dumps({"import_s": import_s, "stages": times, "cpu": cpu}))
sys.exit(code)
"""

_STATUS = re.compile(r"compiled or loaded from Numba's cache in ([0-9.]+) s")


def _copy_package(package: Path, into: Path) -> Path:
    target = into / "src" / "automl_zero"
    shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target.parent


def _run_demo(src: Path, workdir: Path, seed: int) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["PYTHONPATH"] = str(src)
    command = [sys.executable, "-c", DRIVER, "demo", "--seed", str(seed), "--max-seconds", "1"]
    command += ["--out", str(workdir / f"demo-{time.monotonic_ns()}.txt")]
    start = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    output = done.stdout + done.stderr
    # The demo exits 1 when 1 s of search does not succeed: expected here.
    if done.returncode not in (0, 1) or "STAGES " not in output:
        raise RuntimeError(f"the demo failed (exit {done.returncode}):\n{output[-3000:]}")
    status = _STATUS.search(output)
    stages = json.loads(output.split("STAGES ", 1)[1].splitlines()[0])
    return {
        "compile_s": float(status.group(1)) if status else None,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "import_s": stages["import_s"],
        "stages_s": stages["stages"],
        "compile_cpu_s": stages["cpu"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="fresh-cache runs (each compiles everything)")
    parser.add_argument("--warm", action="store_true", help="also time a second run on the filled cache")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--package", type=Path, default=Path(__file__).resolve().parent.parent / "src" / "automl_zero")
    args = parser.parse_args()
    fresh, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="automl-zero-compile-") as folder:
            src = _copy_package(args.package, Path(folder))
            fresh.append(_run_demo(src, Path(folder), args.seed))
            if args.warm:
                warm.append(_run_demo(src, Path(folder), args.seed))
        if not args.json:
            row = fresh[-1]
            print(
                f"fresh cache: compile {row['compile_s']} s ({row['compile_cpu_s']} s CPU; stages {row['stages_s']}); "
                f"process {row['wall_s']} s wall, {row['cpu_s']} s CPU"
            )
            if args.warm:
                again = warm[-1]
                print(f"warm cache:  compile {again['compile_s']} s; process {again['wall_s']} s wall, ", end="")
                print(f"{again['cpu_s']} s CPU")
    summary = {
        "fresh": fresh,
        "fresh_compile_s_median": statistics.median(float(r["compile_s"] or 0.0) for r in fresh),  # type: ignore[arg-type]
        "fresh_compile_cpu_s_median": statistics.median(float(r["compile_cpu_s"] or 0.0) for r in fresh),  # type: ignore[arg-type]
    }
    if warm:
        summary["warm"] = warm
        summary["warm_compile_s_median"] = statistics.median(float(r["compile_s"] or 0.0) for r in warm)  # type: ignore[arg-type]
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"median first-run compile time over {len(fresh)} run(s): {summary['fresh_compile_s_median']:.1f} s "
            f"({summary['fresh_compile_cpu_s_median']:.1f} s CPU)"
        )


if __name__ == "__main__":
    main()
