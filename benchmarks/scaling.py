"""Scale-out: individuals/s with 1 and 2 local workers, migration's, snapshots' and Ray's costs, many islands,
and what a lost worker costs.

Every measurement runs the demo's search (docs/semantics.md, "The demo": P=1000, T=10, the
demo's ops and tasks) through the island model, the way `automl-zero run`
does: rounds of ``--round`` individuals per island, with up to ``--depth``
rounds in flight so that workers do not wait for the coordinator. Each island
runs the same number of individuals, so W islands do W times the work of
one; individuals/s counts all islands together. Compilation happens in a
warm-up outside the clock. The configurations are measured interleaved,
``--repeats`` times, in this one run, and the medians are compared:

- 1 worker (in this process, as a run with W=1 is) and 2 local worker
  processes, both with migration (every 50,000 individuals per island,
  5 migrants, the default); the ratio is the speed-up;
- 2 local workers without migration: migration's overhead;
- snapshots' overhead: 2 local workers, and W=64 islands on 2 local workers,
  each with snapshots with every message (``islands.snapshot_every_s: 0``,
  the default: each island's changes since its last) and every 2 s of each
  island's search, against snapshots only at checkpoints (None);
- 2 Ray actors on this machine (``ray.init(num_cpus=2)``), with migration:
  Ray's overhead against the local backend. Skipped when Ray is missing;
- the coordinator's cost with many more islands than cores: W=64 islands on
  2 local workers against W=2 on 2 (the same individuals in all; target: at
  least 90% of W=2's individuals/s), which shows that one coordinator keeps up
  with a large cluster;
- a lost worker: W=2 islands on 2 workers (local processes, and Ray actors
  when Ray is there) searching with rounds in flight as a run does, a
  checkpoint (every island's snapshot), ``--since-s`` seconds of search, then
  one worker is killed with SIGKILL while rounds are in flight. Measured, for
  snapshots only at checkpoints (as before ``islands.snapshot_every_s``), every
  2 s of an island's search and with every message (the default): the time from
  the kill to the first round completed on the survivor (which first rebuilds
  the lost island from its snapshot and repeats its rounds since), and the
  individuals the lost island repeats (the work the loss costs).

Usage: python benchmarks/scaling.py [--per-island 1000000] [--repeats 5] [--only NAME ...] [--out scaling.json]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import signal
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from automl_zero.demo import DEMO_CONFIG, DEMO_SPACE
from automl_zero.search.islands import IslandModel, IslandsConfig, WorkerPool
from automl_zero.tasks import linear_regression_tasks

#: islands.snapshot_every_s of the measurements that compare it (the others leave the package's default).
EVERY_2_S = 2.0
EVERY_MESSAGE = 0.0


def cpu_seconds(model: IslandModel) -> float:
    """CPU seconds used so far by this process (the coordinator) and by the workers' processes (Linux: /proc)."""
    total = time.process_time()
    ticks = os.sysconf("SC_CLK_TCK")
    for slot in model._slots:
        found = re.search(r"pid (\d+)", slot.name)
        if found is None or int(found.group(1)) == os.getpid():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{found.group(1)}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def measure(make: Callable[[], IslandModel], per_island: int, round_size: int, depth: int) -> dict[str, float]:
    """Individuals/s of all islands together over ``per_island`` individuals each (after a warm-up)."""
    with make() as model:
        model.warm_up()
        model.step(round_size)  # processes started, populations begun: not timed
        busy_before = [island["busy_seconds"] for island in model.island_stats()]
        cpu_before = cpu_seconds(model)
        start = time.perf_counter()
        done = 0
        while done < per_island:  # as a run does: rounds in flight (one at a time with W=1)
            model.submit(round_size)
            done += round_size
            if model.in_flight >= (1 if model.num_islands == 1 else depth):
                model.complete()
        model.drain()
        seconds = time.perf_counter() - start
        cpu = cpu_seconds(model) - cpu_before
        stats = model.stats()
        busy = [island["busy_seconds"] - b for island, b in zip(model.island_stats(), busy_before, strict=True)]
        return {
            # Time the islands spent searching, over the wall time of all workers: the rest is waiting.
            "busy_fraction": sum(busy) / (seconds * model.num_workers),
            "imbalance": max(busy) / min(busy) - 1,
            "individuals_per_s": done * model.num_islands / seconds,
            # The CPU time of the coordinator and the workers together: steadier than wall time on a busy machine.
            "individuals_per_cpu_s": done * model.num_islands / cpu,
            "seconds": seconds,
            "migrations": float(model.state["islands/migrations"][0]),
            "fec_hit_rate": stats["fec_hit_rate"],
        }


def time_to_recover(make: Callable[[], IslandModel], since_s: float, round_size: int, depth: int) -> dict[str, Any]:
    """Kill a worker ``since_s`` seconds of search after a checkpoint, with rounds in flight; what it costs.

    Returns the seconds from the kill to the first round completed without it,
    the individuals the lost island repeats, and those it had searched since
    the checkpoint (what it would repeat with snapshots only at checkpoints).
    """
    with make() as model:
        model.warm_up()
        model.step(round_size)
        model.state  # a checkpoint: every island's snapshot  # noqa: B018
        checkpoint = model.submitted_individuals // model.num_islands
        end = time.perf_counter() + since_s
        while time.perf_counter() < end:  # as a run does: rounds in flight
            model.submit(round_size)
            if model.in_flight >= depth:
                model.complete()
        while model.in_flight < depth:
            model.submit(round_size)
        submitted = model.submitted_individuals // model.num_islands
        pid = int(re.search(r"pid (\d+)", model._slots[-1].name).group(1))  # type: ignore[union-attr]
        start = time.perf_counter()
        os.kill(pid, signal.SIGKILL)
        # Rounds whose every result came before the kill complete at once: wait for the first that needed the
        # survivor to take over (the loss is noticed while waiting for it).
        while not model.lost_workers:
            if not model.in_flight:
                model.submit(round_size)
            model.complete()
        seconds = time.perf_counter() - start
        assert model.lost_workers == 1, "more than one worker was lost"
        model.drain()
        return {
            "seconds": seconds,
            "individuals_repeated": model.repeated_individuals,
            "individuals_since_checkpoint": submitted - checkpoint,
            "individuals_in_flight": depth * round_size,
            "message": model.messages[0],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-island", type=int, default=1_000_000, help="timed individuals per island")
    parser.add_argument("--round", type=int, default=1000, help="individuals per island per round (the run's)")
    parser.add_argument("--depth", type=int, default=32, help="rounds in flight with several workers")
    parser.add_argument("--interval", type=int, default=50_000, help="migration interval, individuals per island")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray measurements")
    parser.add_argument("--many", type=int, default=64, help="W of the many-islands measurement (on 2 workers)")
    parser.add_argument("--since-s", type=float, default=10.0, help="seconds of search from a checkpoint to the loss")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("workers", "snapshots", "ray", "many", "lost"),
        default=("workers", "snapshots", "ray", "many", "lost"),
        help="what to measure (default: everything)",
    )
    parser.add_argument("--out", default="scaling.json")
    args = parser.parse_args()

    tasks = linear_regression_tasks(10, 4, 100, 100, seed=args.seed)
    config = DEMO_CONFIG.__class__(**{**DEMO_CONFIG.__dict__, "seed": args.seed, "redraw_tasks_every": 0})

    def islands(
        workers: int,
        interval: int,
        backend: str = "local",
        count: int | None = None,
        snapshot_every_s: float | str | None = "default",
    ) -> Callable[[], IslandModel]:
        setting = IslandsConfig(count=count, workers=workers, migration_interval=interval, migrants=5, backend=backend)
        if snapshot_every_s != "default":  # (the others also run on versions of the package from before the setting)
            setting = dataclasses.replace(setting, snapshot_every_s=snapshot_every_s)

        def make() -> IslandModel:
            pool: WorkerPool | None = None
            if backend == "ray":
                from automl_zero.search.ray_backend import RayPool

                pool = RayPool()
            return IslandModel(DEMO_SPACE, [tasks], config, setting, pool=pool)

        return make

    local: dict[str, Callable[[], IslandModel]] = {
        "1 worker": islands(1, args.interval),
        "2 local workers": islands(2, args.interval),
        "2 local workers, no migration": islands(2, 0),
    }
    results: dict[str, list[dict[str, float]]] = {}

    def show(repeat: int, name: str, result: dict[str, float]) -> None:
        results.setdefault(name, []).append(result)
        print(
            f"repeat {repeat + 1}: {name:44s} {result['individuals_per_s']:>10,.0f} individuals/s "
            f"({result['seconds']:.1f} s, busy {result['busy_fraction']:.0%}, "
            f"imbalance {result['imbalance']:.0%}, {result['migrations']:.0f} migrations, "
            f"FEC {result['fec_hit_rate']:.1%}; {result['individuals_per_cpu_s']:,.0f} individuals/CPU-s)",
            flush=True,
        )

    def measure_all(cases: dict[str, Callable[[], IslandModel]]) -> None:
        for repeat in range(args.repeats):
            for name, make in cases.items():
                show(repeat, name, measure(make, args.per_island, args.round, args.depth))

    summary: dict[str, Any] = {
        "cores": os.cpu_count(),
        "per_island": args.per_island,
        "round": args.round,
        "migration_interval": args.interval,
    }
    if "workers" in args.only:
        measure_all(local)
    if "snapshots" in args.only:
        measure_all(
            {
                "2 local workers, snapshots every message": islands(2, args.interval, snapshot_every_s=EVERY_MESSAGE),
                "2 local workers, snapshots every 2 s": islands(2, args.interval, snapshot_every_s=EVERY_2_S),
                "2 local workers, snapshots at checkpoints": islands(2, args.interval, snapshot_every_s=None),
            }
        )
        many = max(args.round, args.per_island * 2 // args.many)
        kinds = (
            ("snapshots every message", EVERY_MESSAGE),
            ("snapshots every 2 s", EVERY_2_S),
            ("snapshots at checkpoints", None),
        )
        for repeat in range(args.repeats):
            for name, every in kinds:
                name = f"W={args.many} on 2 local workers, {name}"
                make = islands(2, args.interval, count=args.many, snapshot_every_s=every)
                show(repeat, name, measure(make, many, args.round, args.depth))
    if "many" in args.only:
        # The same individuals in both: W=64 islands run per_island * 2 / 64 each.
        many = max(args.round, args.per_island * 2 // args.many)
        for repeat in range(args.repeats):
            for name, make, per_island in (
                ("W=2 on 2 local workers", islands(2, args.interval, count=2), args.per_island),
                (f"W={args.many} on 2 local workers", islands(2, args.interval, count=args.many), many),
            ):
                show(repeat, name, measure(make, per_island, args.round, args.depth))
    ray: Any = None
    if not args.no_ray and ("ray" in args.only or "lost" in args.only):
        try:
            import ray
        except ImportError:
            print('Ray is not installed (pip install "automl-zero[ray]"): skipping the Ray measurements')
    if ray is not None:
        from automl_zero.search.ray_backend import connect

        # Ray on this machine, its messages (a killed actor's, above all) to ray.log as in a run's directory.
        log_dir = tempfile.mkdtemp(prefix="scaling-ray-")
        connect(None, 2, log_dir=log_dir)
        print(f"Ray's log: {log_dir}/ray.log", flush=True)
    if ray is not None and "ray" in args.only:
        # Ray's own processes share the cores: compare with the local backend while Ray runs too.
        measure_all(
            {
                "2 local workers (Ray started)": islands(2, args.interval),
                "2 Ray actors": islands(2, args.interval, "ray"),
            }
        )
    if "lost" in args.only:
        backends = ["local"] + (["ray"] if ray is not None else [])
        snapshots = {"at checkpoints": None, "every 2 s": EVERY_2_S, "every message": EVERY_MESSAGE}
        recoveries: dict[str, list[dict[str, Any]]] = {}
        for repeat in range(args.repeats):
            for backend in backends:
                for label, every in snapshots.items():
                    name = f"{backend}, snapshots {label}"
                    make = islands(2, args.interval, backend, snapshot_every_s=every)
                    recovery = time_to_recover(make, args.since_s, args.round, args.depth)
                    recoveries.setdefault(name, []).append(recovery)
                    print(
                        f"repeat {repeat + 1}: a lost {name:34s} worker: first round on the survivor "
                        f"{recovery['seconds']:5.2f} s after the kill; {recovery['individuals_repeated']:>9,} "
                        f"individuals repeated of {recovery['individuals_since_checkpoint']:,} since the checkpoint",
                        flush=True,
                    )
        summary["lost_worker"] = {
            name: {
                "median_seconds_to_next_round": statistics.median(r["seconds"] for r in runs),
                "median_individuals_repeated": statistics.median(r["individuals_repeated"] for r in runs),
                "max_individuals_repeated": max(r["individuals_repeated"] for r in runs),
                "median_individuals_since_checkpoint": statistics.median(
                    r["individuals_since_checkpoint"] for r in runs
                ),
                "runs": runs,
            }
            for name, runs in recoveries.items()
        }
    if ray is not None:
        ray.shutdown()

    median = {name: statistics.median(r["individuals_per_s"] for r in runs) for name, runs in results.items()}
    median_cpu = {name: statistics.median(r["individuals_per_cpu_s"] for r in runs) for name, runs in results.items()}

    def paired(a: str, b: str, key: str = "individuals_per_s") -> float:
        """Median over repeats of a/b, each measured side by side (robust to the machine's drift)."""
        return statistics.median(x[key] / y[key] for x, y in zip(results[a], results[b], strict=True))

    summary.update({"median_individuals_per_s": median, "median_individuals_per_cpu_s": median_cpu, "runs": results})
    if "1 worker" in median:
        summary.update(
            {
                "speedup_2_vs_1": median["2 local workers"] / median["1 worker"],
                "migration_overhead": 1 - median["2 local workers"] / median["2 local workers, no migration"],
                "speedup_2_vs_1_paired": paired("2 local workers", "1 worker"),
                "migration_overhead_paired": 1 - paired("2 local workers", "2 local workers, no migration"),
            }
        )
    for workers in ("2 local workers", f"W={args.many} on 2 local workers"):
        checkpoints = f"{workers}, snapshots at checkpoints"
        for label in ("every message", "every 2 s"):
            every = f"{workers}, snapshots {label}"
            if every in median:
                key = f"{workers}, {label}"
                summary.setdefault("snapshot_overhead", {})[key] = 1 - median[every] / median[checkpoints]
                summary.setdefault("snapshot_overhead_paired", {})[key] = 1 - paired(every, checkpoints)
                summary.setdefault("snapshot_overhead_cpu_paired", {})[key] = 1 - paired(
                    every, checkpoints, "individuals_per_cpu_s"
                )
    many_name = f"W={args.many} on 2 local workers"
    if many_name in median:
        summary["many_islands_vs_2"] = median[many_name] / median["W=2 on 2 local workers"]
        summary["many_islands_vs_2_paired"] = paired(many_name, "W=2 on 2 local workers")
    if "2 Ray actors" in median:
        summary["ray_vs_local"] = median["2 Ray actors"] / median["2 local workers (Ray started)"]
        summary["ray_vs_local_paired"] = paired("2 Ray actors", "2 local workers (Ray started)")
    print()
    for name, value in median.items():
        print(f"median {name:44s} {value:>10,.0f} individuals/s, {median_cpu[name]:>10,.0f} individuals/CPU-s")
    print("ratios: of the medians / median of the per-repeat ratios")
    if "speedup_2_vs_1" in summary:
        print(
            f"2 local workers / 1 worker:  {summary['speedup_2_vs_1']:.2f}x / "
            f"{summary['speedup_2_vs_1_paired']:.2f}x (target >= 1.8x)"
        )
        print(
            f"migration's overhead:        {summary['migration_overhead']:+.1%} / "
            f"{summary['migration_overhead_paired']:+.1%} (target < 5%)"
        )
    if "many_islands_vs_2" in summary:
        print(
            f"W={args.many} / W=2, 2 workers:   {summary['many_islands_vs_2']:.2f}x / "
            f"{summary['many_islands_vs_2_paired']:.2f}x (target >= 0.90x)"
        )
    for workers, overhead in summary.get("snapshot_overhead", {}).items():
        print(
            f"snapshots' overhead, {workers}: {overhead:+.1%} / {summary['snapshot_overhead_paired'][workers]:+.1%}; "
            f"per CPU-s (paired): {summary['snapshot_overhead_cpu_paired'][workers]:+.1%} "
            "(against snapshots at checkpoints only)"
        )
    for name, lost in summary.get("lost_worker", {}).items():
        print(
            f"lost {name + ' worker:':45s} next round {lost['median_seconds_to_next_round']:.2f} s after the kill, "
            f"{lost['median_individuals_repeated']:,.0f} individuals repeated (median; at most "
            f"{lost['max_individuals_repeated']:,}; {lost['median_individuals_since_checkpoint']:,.0f} since the "
            f"checkpoint, {args.depth * args.round:,} in flight)"
        )
    if "ray_vs_local" in summary:
        print(
            f"Ray / local, 2 workers:      {summary['ray_vs_local']:.2f}x / {summary['ray_vs_local_paired']:.2f}x "
            "(target >= 0.85x)"
        )
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
