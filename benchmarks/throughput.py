"""Evaluations per second of the compiled executor on linear regression (issue: the VM).

Measures on one core, FEC off, 10 scalar linear regression tasks with 100 train
/ 100 valid examples:

(a) the reference solution (linear regression by SGD), F=4;
(b) 1,000 random algorithms of the demo space (six ops, sizes 10/2/8, S=4 V=3 M=1), F=4;
(c) 1,000 random algorithms over the full op set, sizes 10/20/20, S=5 V=9 M=2, F=16;
(d) the 2-layer ReLU baseline (backprop) on 10 projected binary tasks of the
    bundled digits, F=16, the full training part of each pair (212 train / 52
    valid: every pair's examples minus a fifth for validation).

Also: ns per executed instruction (per task), the Python-side cost of a call,
the cost of encoding an Algorithm object, and a new process's first evaluation
with Numba's cache warm.

With --demo-ops, (a) and (b) run on the evaluation compiled for the demo's six
ops only (CompiledExecutor(..., ops=DEMO_OPS)), the one the demo's search and
T_select run, instead of the whole op table's.

Usage: python benchmarks/throughput.py [--repeats N] [--json] [--only a,b,c,d] [--demo-ops]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize
from automl_zero.baselines import baseline
from automl_zero.mutation import random_algorithm
from automl_zero.ops import ALL_OPS, DEMO_OPS
from automl_zero.tasks import linear_regression_tasks
from automl_zero.tasks.classification import projected_binary_tasks, split_pairs
from automl_zero.tasks.datasets import load_digits
from automl_zero.vm import EncodedAlgorithm, encode
from automl_zero.vm.compiled import CompiledExecutor


def _timed_pass(executor: CompiledExecutor, programs: list[EncodedAlgorithm], loops: int) -> tuple[float, int]:
    """Seconds for `loops` passes over the programs, and instructions executed in one pass."""
    executed = 0
    for program in programs:
        executor.evaluate(program)
        executed += executor.executed_instructions()
    start = time.perf_counter()
    for _ in range(loops):
        for program in programs:
            executor.evaluate(program)
    return time.perf_counter() - start, executed


def measure(executor: CompiledExecutor, programs: list[EncodedAlgorithm], loops: int, repeats: int) -> dict[str, float]:
    """Median (and spread) over `repeats` timed passes; this machine is noisy, so many short passes."""
    rates, ns = [], []
    for _ in range(repeats):
        seconds, executed = _timed_pass(executor, programs, loops)
        evaluations = loops * len(programs)
        rates.append(evaluations / seconds)
        ns.append(seconds * 1e9 / (loops * executed) if executed else float("nan"))
    return {
        "evals_per_s": statistics.median(rates),
        "ns_per_instruction": statistics.median(ns),
        "min": min(rates),
        "max": max(rates),
    }


def call_overhead_us(repeats: int) -> float:
    """Python-side cost of one call: an empty algorithm on one 1-example task (includes the core's fixed setup)."""
    executor = CompiledExecutor(linear_regression_tasks(1, 4, 1, 1), MemorySize(4, 3, 1))
    empty = encode(random_algorithm(np.random.default_rng(0), MemorySize(4, 3, 1), (0, 0, 0), (), (), ()))
    result = measure(executor, [empty], 20_000, repeats)
    return 1e6 / result["evals_per_s"]


def encode_us(repeats: int) -> float:
    rng = np.random.default_rng(0)
    algorithms = [
        random_algorithm(rng, MemorySize(4, 3, 1), (10, 2, 8), DEMO_OPS, DEMO_OPS, DEMO_OPS) for _ in range(1000)
    ]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for algorithm in algorithms:
            encode(algorithm)
        times.append((time.perf_counter() - start) / len(algorithms) * 1e6)
    return statistics.median(times)


FIRST_EVALUATION = """
import time
start = time.perf_counter()
from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize
from automl_zero.baselines import baseline
from automl_zero.tasks import linear_regression_tasks
from automl_zero.tasks.classification import projected_binary_tasks, split_pairs
from automl_zero.tasks.datasets import load_digits
from automl_zero.vm.compiled import CompiledExecutor
executor = CompiledExecutor(linear_regression_tasks(10, 4, 100, 100), MemorySize(5, 3, 1))
executor.evaluate(REFERENCE_LINEAR_REGRESSION)
print(time.perf_counter() - start)
"""


def first_evaluation_s() -> tuple[float, float]:
    """(seconds from process start to the first result, seconds inside Python), cache warm."""
    subprocess.run([sys.executable, "-c", FIRST_EVALUATION], check=True, capture_output=True)  # warms the cache
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", FIRST_EVALUATION], check=True, capture_output=True, text=True)
    return time.perf_counter() - start, float(out.stdout.strip())


def digits_two_layer(repeats: int) -> tuple[dict[str, float], str]:
    """Case (d): the 2-layer baseline on 10 projected binary digits tasks, F=16."""
    search_pairs, _ = split_pairs(10)
    tasks = projected_binary_tasks(load_digits(), search_pairs[:10], num_features=16, seed=0)
    algorithm, memory = baseline("two_layer_network")
    executor = CompiledExecutor(tasks, memory)
    accuracy = float(np.mean(executor.task_fitnesses(algorithm)))
    shape = f"{len(tasks[0].train_x)}/{len(tasks[0].valid_x)}, mean accuracy {accuracy:.3f}"
    return measure(executor, [encode(algorithm)], 200, repeats), shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats per case; medians are reported")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--only", default="a,b,c,d", help="comma-separated cases to run (a, b, c, d)")
    parser.add_argument("--demo-ops", action="store_true", help="(a) and (b) on the evaluation of the demo's ops")
    args = parser.parse_args()
    ops = DEMO_OPS if args.demo_ops else None
    cases = set(args.only.split(","))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    demo_memory = MemorySize(4, 3, 1)
    full_memory = MemorySize(5, 9, 2)
    tasks_f4 = linear_regression_tasks(10, 4, 100, 100, seed=0)
    tasks_f16 = linear_regression_tasks(10, 16, 100, 100, seed=0)
    rng = np.random.default_rng(2026)
    demo = [encode(random_algorithm(rng, demo_memory, (10, 2, 8), DEMO_OPS, DEMO_OPS, DEMO_OPS)) for _ in range(1000)]
    full = [encode(random_algorithm(rng, full_memory, (10, 20, 20), ALL_OPS, ALL_OPS, ALL_OPS)) for _ in range(1000)]
    # (c) times the first 200 of them per pass (each pass ~1 s); all 1,000 are timed once below.

    result: dict[str, float] = {}
    rows = []
    if "a" in cases:
        # The reference solution uses s4, so it runs with S=5 (S does not change its cost).
        reference = measure(
            CompiledExecutor(tasks_f4, MemorySize(5, 3, 1), ops=ops),
            [encode(REFERENCE_LINEAR_REGRESSION)],
            5_000,
            args.repeats,
        )
        rows.append(("(a) reference LR, F=4, 10 tasks x 100/100", reference))
        result["reference_lr_evals_per_s"] = round(reference["evals_per_s"])
        result["ns_per_instruction_reference"] = round(reference["ns_per_instruction"], 2)
    if "b" in cases:
        random_demo = measure(CompiledExecutor(tasks_f4, demo_memory, ops=ops), demo, 5, args.repeats)
        rows.append(("(b) 1,000 random demo-space algorithms, F=4", random_demo))
        result["random_demo_evals_per_s"] = round(random_demo["evals_per_s"])
        result["ns_per_instruction_random_demo"] = round(random_demo["ns_per_instruction"], 2)
    if "c" in cases:
        random_full = measure(CompiledExecutor(tasks_f16, full_memory), full[:200], 1, args.repeats)
        full_all = measure(CompiledExecutor(tasks_f16, full_memory), full, 1, 1)
        rows.append(("(c) 1,000 random full-op algorithms 10/20/20, F=16", random_full))
        result["random_full_f16_evals_per_s"] = round(random_full["evals_per_s"])
        result["random_full_f16_all_1000_evals_per_s"] = round(full_all["evals_per_s"])
        result["ns_per_instruction"] = round(random_full["ns_per_instruction"], 2)
    if "d" in cases:
        digits, shape = digits_two_layer(args.repeats)
        rows.append((f"(d) 2-layer net, 10 digits pairs F=16, {shape}", digits))
        result["digits_two_layer_evals_per_s"] = round(digits["evals_per_s"], 1)
        result["ns_per_instruction_digits_two_layer"] = round(digits["ns_per_instruction"], 2)
    if "a" in cases:
        result["call_overhead_us"] = round(call_overhead_us(args.repeats), 2)
        result["encode_algorithm_us"] = round(encode_us(args.repeats), 2)
        process_s, first_s = first_evaluation_s()
        result["new_process_first_evaluation_s"] = round(process_s, 2)
        result["first_evaluation_in_python_s"] = round(first_s, 2)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'case':74} {'evals/s':>10} {'(min-max)':>17} {'ns/instr':>9}")
    for name, row in rows:
        spread = f"({row['min']:,.0f}-{row['max']:,.0f})"
        print(f"{name:74} {row['evals_per_s']:>10,.0f} {spread:>17} {row['ns_per_instruction']:>9.2f}")
    if "c" in cases:
        print(f"(c) over all 1,000 algorithms, one pass:   {result['random_full_f16_all_1000_evals_per_s']:,} evals/s")
    if "a" in cases:
        print(f"Python-side cost of a call (upper bound):  {result['call_overhead_us']:.2f} us")
        print(f"encode(Algorithm) -> arrays, demo sizes:   {result['encode_algorithm_us']:.2f} us")
        print(
            f"new process, first evaluation (cache warm): {result['new_process_first_evaluation_s']:.2f} s wall, "
            f"{result['first_evaluation_in_python_s']:.2f} s in Python"
        )
    print("ns/instr: per executed instruction per task, after liveness pruning and early stops.")


if __name__ == "__main__":
    main()
