"""Peak memory of loading and projecting a CIFAR-10-sized data set (issue: tasks).

Writes a synthetic data set in CIFAR-10's exact python-pickle format (60,000
images of 3,072 uint8 values: five training batches and a test batch of
10,000), then, in a fresh process, loads it with ``load_cifar10`` and builds:

- T_search: projected binary tasks for the 36 search pairs, F=16, 8,000
  train / 2,000 valid examples each (the paper's setting);
- T_final's unprojected variant (3,072 features, validated on the test
  part) for one held-out pair by default: such a task holds 12,000 x 3,072
  float64 values (281 MiB), so unprojected final tasks are built and
  evaluated one pair at a time.

It reports the peak resident set size (``ru_maxrss``) after each step and the
seconds each took. Target: under 2 GiB.

Usage: python benchmarks/dataset_memory.py [--dir DIR] [--final-pairs N]
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CHILD = """
import json, resource, sys, time
from automl_zero.tasks.classification import projected_binary_tasks, split_pairs
from automl_zero.tasks.datasets import load_cifar10

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

report = {"after_import_mib": peak_mib()}
start = time.perf_counter()
data = load_cifar10(sys.argv[1])
report["load_s"] = time.perf_counter() - start
report["after_load_mib"] = peak_mib()
search_pairs, select_pairs = split_pairs(10)
start = time.perf_counter()
search = projected_binary_tasks(data, search_pairs, num_features=16, num_train=8000, num_valid=2000)
report["search_tasks"] = len(search)
report["project_search_s"] = time.perf_counter() - start
report["after_search_mib"] = peak_mib()
start = time.perf_counter()
final = projected_binary_tasks(data, select_pairs[: int(sys.argv[2])], num_features=None, final=True)
report["final_tasks"] = len(final)
report["final_shape"] = [len(final[0].train_x), len(final[0].valid_x), final[0].num_features]
report["unprojected_final_s"] = time.perf_counter() - start
report["after_final_mib"] = peak_mib()
print(json.dumps(report))
"""


def write_cifar_like(directory: Path) -> None:
    """Five training batches and a test batch of random pixels, 1,000 of each class per batch."""
    rng = np.random.default_rng(0)
    directory.mkdir(parents=True, exist_ok=True)
    names = [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]
    for name in names:
        batch = {
            b"data": rng.integers(0, 256, size=(10_000, 3072), dtype=np.uint8),
            b"labels": [int(k) for k in rng.permutation(np.repeat(np.arange(10), 1000))],
            b"batch_label": name.encode(),
        }
        with open(directory / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, help="where to write the synthetic batches (default: a temp dir)")
    parser.add_argument("--final-pairs", type=int, default=1, help="unprojected T_final pairs to build at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = (args.dir or Path(tmp)) / "cifar-10-batches-py"
        if not (directory / "test_batch").exists():
            write_cifar_like(directory)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(directory), str(args.final_pairs)],
            check=True,
            capture_output=True,
            text=True,
        )
    report = json.loads(out.stdout)
    print(json.dumps(report, indent=1))
    peak = max(v for k, v in report.items() if k.endswith("_mib"))
    print(f"peak RSS {peak:,.0f} MiB ({peak / 1024:.2f} GiB); target < 2 GiB")


if __name__ == "__main__":
    main()
