"""An experiment: config -> task sets -> search -> selection on T_select -> score on T_final.

Everything a run produces lives in its run directory::

    config.yaml        the resolved config (what ``resume`` reads back)
    progress.csv       one row per report interval (see PROGRESS_COLUMNS)
    timeline.csv       every improvement of the best: the discovery timeline
    discoveries/       the algorithm of each improvement, in the paper's notation
    checkpoint.npz     the whole search state, replaced atomically
    report.json        at the end: the selected algorithm, its scores, the baselines'
    report.md          the same for people
    best_algorithm.txt the selected algorithm

A checkpoint is written to a temporary file, flushed to disk and renamed over
the previous one, so a run killed at any moment (even by SIGKILL) resumes
from the last complete checkpoint; rows that the CSVs gained after it are
dropped on resume. The search is deterministic in the number of individuals
(it advances in rounds that end at multiples of a fixed chunk), so the same
config and seed discover the same algorithms, whether or not the run was
interrupted and resumed. A budget that stops a run mid-round records the best
it has at the stop; resumed further, the run keeps that row, which the
uninterrupted run (recording at the round's end) may not have.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from automl_zero.algorithm import Algorithm, MemorySize, memory_holding, parse
from automl_zero.baselines import baseline
from automl_zero.config import ExperimentConfig, dump_config, load_config
from automl_zero.rundir import PROGRESS_COLUMNS, TIMELINE_COLUMNS
from automl_zero.search.evolution import from_layout
from automl_zero.search.islands import IslandModel
from automl_zero.tasks import Task
from automl_zero.tasks.base import EvalType
from automl_zero.tasks.sets import TaskDraws, TaskSets, build_task_sets, describe
from automl_zero.vm import decode
from automl_zero.vm.compiled import CompiledExecutor
from automl_zero.vm.reference import combine_fitnesses

#: Individuals per compiled call between Python's checks. Fixed, so that the
#: discovery timeline does not depend on the machine's speed.
CHUNK = 1000
_FORMAT = 2  # checkpoint format version (2: the island model's state)


class RunDirectoryError(ValueError):
    """A run directory is missing, incomplete or not a run directory."""


@dataclass
class Snapshot:
    """Where a run stands; saved in every checkpoint."""

    seconds: float = 0.0  # search seconds, summed over sessions
    discoveries: int = 0  # rows in timeline.csv
    status: str = "running"  # running, interrupted, finished


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def _atomic_write_text(path: Path, text: str) -> None:
    _atomic_write_bytes(path, text.encode())


def _write_checkpoint(path: Path, search: IslandModel, snapshot: Snapshot) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    meta = json.dumps({"format": _FORMAT, **dataclasses.asdict(snapshot)})
    with open(temporary, "wb") as f:
        np.savez(f, __meta__=np.array(meta), **search.state)  # type: ignore[arg-type]
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def _read_checkpoint(path: Path) -> tuple[dict[str, np.ndarray], Snapshot]:
    try:
        with np.load(path, allow_pickle=False) as data:
            state = {name: data[name] for name in data.files if name != "__meta__"}
            meta = json.loads(str(data["__meta__"]))
    except (OSError, ValueError, KeyError) as error:
        raise RunDirectoryError(f"checkpoint {str(path)!r} cannot be read: {error}") from error
    if meta.pop("format", None) != _FORMAT:
        raise RunDirectoryError(f"checkpoint {str(path)!r} has an unknown format")
    return state, Snapshot(**meta)


def _truncate_csv(path: Path, keep: Callable[[dict[str, str]], bool]) -> int:
    """Keep the header and the rows ``keep`` accepts (rows a later, lost session appended go); return rows kept."""
    if not path.exists():
        return 0
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
        fields = rows[0].keys() if rows else None
    kept = []
    for row in rows:
        if None in row.values() or not keep(row):  # a row cut short by a kill, or from after the checkpoint
            break
        kept.append(row)
    with open(path, newline="") as f:
        header = f.readline()
    lines = [header.rstrip("\r\n")]
    if fields is not None:
        lines += [",".join(row[name] for name in fields) for row in kept]
    _atomic_write_text(path, "\n".join(lines) + "\n")
    return len(kept)


def _append_csv(path: Path, columns: Sequence[str], row: Mapping[str, Any]) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as f:
        if new:
            f.write(",".join(columns) + "\n")
        f.write(",".join(_cell(row[name]) for name in columns) + "\n")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return repr(round(value, 9)) if math.isfinite(value) else repr(value)
    return str(value)


def _size(algorithm: Algorithm) -> int:
    return len(algorithm.setup) + len(algorithm.predict) + len(algorithm.learn)


def config_task_sets(config: ExperimentConfig) -> TaskSets:
    """T_search, T_select and T_final of a config."""
    tasks = config.tasks
    return build_task_sets(
        tasks.search,
        tasks.select,
        tasks.final,
        seed=config.seed,
        num_select_pairs=tasks.num_select_pairs,
        island_search=tasks.island_search,
    )


def executor_for(
    tasks: Sequence[Task], memory: MemorySize, config: ExperimentConfig, role: str = "search"
) -> CompiledExecutor:
    """A compiled executor over ``tasks`` with the config's error limit and seed.

    T_search (``role="search"``) combines task fitnesses as the config says;
    T_select and T_final always take the mean, as the original scores them.
    """
    return CompiledExecutor(
        tasks,
        memory,
        max_abs_error=config.evolution.max_abs_error,
        seed=config.seed,
        combine=config.evolution.fitness_combination if role == "search" else "mean",
    )


class Experiment:
    """One run of a config, in a run directory.

    Use :meth:`create` for a new run and :meth:`open` to resume one.

    Parameters
    ----------
    config : ExperimentConfig
    run_dir : path
        The run directory (must already hold ``config.yaml``).
    task_sets : TaskSets, optional
        Built from the config when not given.

    """

    def __init__(self, config: ExperimentConfig, run_dir: str | os.PathLike[str], task_sets: TaskSets | None = None):
        self.config = config
        self.run_dir = Path(run_dir)
        self.task_sets = task_sets or config_task_sets(config)
        initial = None
        if config.initial_algorithm is not None:
            initial = parse(Path(config.initial_algorithm).read_text())
        evolution = dataclasses.replace(config.evolution, seed=config.seed)
        pool = None
        if config.islands.backend == "ray":
            from automl_zero.search.ray_backend import RayPool

            pool = RayPool(config.islands.address, log_dir=self.run_dir)  # Ray's logs: ray.log here
        draws: list[TaskDraws] = []
        if evolution.redraw_tasks_every > 0:
            specs = (config.tasks.search, *config.tasks.island_search)
            pairs = config.tasks.num_select_pairs
            draws = [TaskDraws(spec, config.seed, j, pairs) for j, spec in enumerate(specs)]
        self.search = IslandModel(
            config.search_space,
            [self.task_sets.search, *self.task_sets.island_search],
            evolution,
            config.islands,
            initial,
            pool,
            draws,
        )
        self.snapshot = Snapshot()
        checkpoint = self.run_dir / "checkpoint.npz"
        if checkpoint.exists():
            state, self.snapshot = _read_checkpoint(checkpoint)
            try:
                self.search.load_state_dict(state)
            except ValueError as error:
                self.search.close()
                raise RunDirectoryError(f"{str(checkpoint)!r}: {error}") from error
            del state
            self.search.keep_snapshots_in(checkpoint)  # a lost worker's islands restart from the file
        individuals = self.search.individuals
        # Rows written after the last checkpoint belong to a session that was lost; drop them.
        _truncate_csv(self.run_dir / "progress.csv", lambda row: int(row["individuals"]) <= individuals)
        self.snapshot.discoveries = _truncate_csv(
            self.run_dir / "timeline.csv", lambda row: int(row["individuals"]) < individuals
        )

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def create(cls, config: ExperimentConfig, run_dir: str | os.PathLike[str]) -> Experiment:
        """Start a new run directory (which must not hold a run yet) for ``config``."""
        path = Path(run_dir)
        if (path / "config.yaml").exists():
            raise RunDirectoryError(
                f"{str(path)!r} already holds a run; resume it with `automl-zero resume {path}` "
                "or choose another --out directory"
            )
        # Build the tasks (and check the backend) before writing anything: bad input leaves no directory behind.
        sets = config_task_sets(config)
        if config.islands.backend == "ray":
            from automl_zero.search.ray_backend import require

            require()
        # W fixes the results: written down, so that a resume on another number of workers keeps it.
        islands = dataclasses.replace(config.islands, count=config.islands.num_islands)
        config = dataclasses.replace(config, islands=islands)
        path.mkdir(parents=True, exist_ok=True)
        (path / "discoveries").mkdir(exist_ok=True)
        _atomic_write_text(path / "config.yaml", dump_config(config))
        return cls(config, path, sets)

    @classmethod
    def open(
        cls,
        run_dir: str | os.PathLike[str],
        *,
        workers: int | None = None,
        backend: str | None = None,
        address: str | None = None,
        resume: bool = False,
        **budget: Any,
    ) -> Experiment:
        """Reopen a run directory to resume it.

        ``budget`` overrides ``max_seconds`` / ``max_individuals``; ``workers``,
        ``backend`` and ``address`` where the islands run (any number of
        workers: W stays the run's). With ``resume``, a finished run that has
        its report raises :class:`RunDirectoryError` (there is no budget left).
        """
        path = Path(run_dir)
        if not path.exists():
            raise RunDirectoryError(f"{str(path)!r} does not exist")
        if not (path / "config.yaml").is_file():
            raise RunDirectoryError(f"{str(path)!r} is not a run directory: it has no config.yaml")
        config = load_config(path / "config.yaml")
        changed = False
        if any(value is not None for value in budget.values()):
            changes = {k: v for k, v in budget.items() if v is not None}
            config = dataclasses.replace(config, budget=dataclasses.replace(config.budget, **changes))
            changed = True
        placement: dict[str, Any] = {"workers": workers, "backend": backend, "address": address}
        islands = config.islands
        if islands.count is None and (path / "checkpoint.npz").exists():  # a run from before islands.count
            islands = dataclasses.replace(islands, count=_checkpoint_progress(path / "checkpoint.npz")[0])
        islands = dataclasses.replace(islands, **{k: v for k, v in placement.items() if v is not None})
        if islands != config.islands:
            config, changed = dataclasses.replace(config, islands=islands), True
        if resume:
            _check_budget_left(path, config)
        if islands.backend == "ray":
            from automl_zero.search.ray_backend import require

            require()
        if changed:
            _atomic_write_text(path / "config.yaml", dump_config(config))
        return cls(config, path)

    # -- running ----------------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """Whether the budget is spent (the report can be written)."""
        return _spent(self.config, self.search.individuals, self.snapshot.seconds)

    def warm_up(self) -> None:
        """Compile (or load from Numba's cache) the search for these task shapes in every worker, outside the clock."""
        self.search.warm_up()

    def close(self) -> None:
        """Stop the workers (islands in other processes or Ray actors)."""
        self.search.close()

    def __enter__(self) -> Experiment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def progress_row(self, rate: float) -> dict[str, float]:
        """The current progress.csv row."""
        stats = self.search.stats()
        return {
            "seconds": self.snapshot.seconds,
            "individuals": self.search.individuals,
            "individuals_per_s": rate,
            "best_fitness": stats["best_fitness"],
            "mean_fitness": stats["mean_fitness"],
            "fec_hit_rate": stats["fec_hit_rate"],
            "fec_hits": stats["fec_hits"],
            "structural_hits": stats["structural_hits"],
            "hurdle_pass_rate": stats["hurdle_pass_rate"],
            "train_steps": stats["train_steps"],
        }

    def checkpoint(self) -> None:
        """Write the whole state to ``checkpoint.npz``, atomically."""
        _write_checkpoint(self.run_dir / "checkpoint.npz", self.search, self.snapshot)

    def _record_discovery(self, individual: int, fitness: float, algorithm: Algorithm) -> str:
        self.snapshot.discoveries += 1
        name = f"discoveries/{self.snapshot.discoveries:06d}.txt"
        _atomic_write_text(self.run_dir / name, str(algorithm))
        _append_csv(
            self.run_dir / "timeline.csv",
            TIMELINE_COLUMNS,
            {
                "seconds": self.snapshot.seconds,
                "individuals": individual,
                "fitness": fitness,
                "instructions": _size(algorithm),
                "algorithm": name,
            },
        )
        return name

    def run(
        self,
        on_progress: Callable[[dict[str, float]], None] | None = None,
        on_message: Callable[[str], None] | None = None,
    ) -> None:
        """Search until the budget is spent, checkpointing on the way; Ctrl-C stops with a checkpoint.

        Ctrl-C (SIGINT) is taken between chunks of the search, never inside
        one, so the checkpoint and the timeline agree.

        Raises
        ------
        KeyboardInterrupt
            After the checkpoint is written, so that the caller can exit.

        """
        stop = threading.Event()
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
        try:
            self._run(stop, on_progress, on_message)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def _run(
        self,
        stop: threading.Event,
        on_progress: Callable[[dict[str, float]], None] | None,
        on_message: Callable[[str], None] | None,
    ) -> None:
        budget, settings = self.config.budget, self.config.run
        search = self.search
        self.snapshot.status = "running"
        search.discoveries.clear()
        start = time.perf_counter() - self.snapshot.seconds
        last_report = last_checkpoint = self.snapshot.seconds
        last_individuals = search.individuals
        round_seconds = 0.25  # until measured: two rounds in flight
        try:
            while True:
                # Keep about half a second of rounds in flight on the islands (one in this process: W=1), so
                # that workers never wait for this loop; stop starting rounds for a checkpoint, Ctrl-C or
                # the end of the budget, and finish those in flight: the outcome is the same either way.
                depth = 1 if search.num_islands == 1 else max(2, min(32, int(0.5 / max(round_seconds, 1e-3))))
                due = self.snapshot.seconds - last_checkpoint >= settings.checkpoint_every_s
                while search.in_flight < depth and not (due or stop.is_set() or self.finished):
                    # Rounds end at multiples of CHUNK per island, wherever an earlier budget stopped the run,
                    # so that a resumed run's rounds, migrations and discoveries are the uninterrupted run's.
                    count = CHUNK - (search.submitted_individuals // search.num_islands) % CHUNK
                    if budget.max_individuals is not None:
                        left = budget.max_individuals - search.submitted_individuals
                        if left <= 0:
                            break
                        count = min(count, -(-left // search.num_islands))
                    search.submit(count)
                if not search.in_flight:
                    if stop.is_set():
                        raise KeyboardInterrupt
                    if self.finished:
                        break
                    self.checkpoint()
                    last_checkpoint = self.snapshot.seconds
                    search.rebalance()  # workers that joined take islands over, from the checkpoint just taken
                    self._messages(on_message)
                    continue
                before = self.snapshot.seconds
                self._complete_round(start, on_message)
                round_seconds = 0.8 * round_seconds + 0.2 * (self.snapshot.seconds - before)
                now = self.snapshot.seconds
                if now - last_report >= settings.report_every_s or (self.finished and not search.in_flight):
                    rate = (search.individuals - last_individuals) / max(now - last_report, 1e-9)
                    row = self.progress_row(rate)
                    _append_csv(self.run_dir / "progress.csv", PROGRESS_COLUMNS, row)
                    if on_progress is not None:
                        on_progress(row)
                    last_report, last_individuals = now, search.individuals
        except KeyboardInterrupt:
            while search.in_flight:  # so that the checkpoint and the timeline agree
                self._complete_round(start, on_message)
            self.snapshot.seconds = time.perf_counter() - start
            self.snapshot.status = "interrupted"
            self.checkpoint()
            raise
        self.snapshot.status = "finished"
        self.checkpoint()

    def _complete_round(self, start: float, on_message: Callable[[str], None] | None) -> None:
        """Take in the oldest round in flight and record the discoveries it brought."""
        self.search.complete()
        self.snapshot.seconds = time.perf_counter() - start
        self._messages(on_message)
        discoveries = self.search.discoveries
        while discoveries:
            individual, fitness, algorithm = discoveries.popleft()
            self._record_discovery(individual, fitness, algorithm)
            if on_message is not None:
                on_message(f"new best {fitness:.6f} at individual {individual:,} ({self.snapshot.seconds:.1f} s)")

    def _messages(self, on_message: Callable[[str], None] | None) -> None:
        """Pass on what happened to the workers (lost, joined, islands moved)."""
        messages = self.search.messages
        while messages:
            text = messages.popleft()
            if on_message is not None:
                on_message(text)

    # -- selection and the report -----------------------------------------------------------------

    def candidates(self) -> list[tuple[str, Algorithm]]:
        """The latest ``run.candidates`` discoveries (newest first), by file name.

        With fresh task draws (``evolution.redraw_tasks_every``) a fitness is
        measured on the draw of its time, so a new best may only be a lucky
        draw, and the discoveries stop once one was: once T_search has been
        redrawn, the final populations' ``run.candidates`` fittest distinct
        algorithms (on the latest draws) are candidates too, written to
        ``candidates/``.
        """
        rows = read_csv(self.run_dir / "timeline.csv")
        latest = rows[::-1][: self.config.run.candidates]
        found = [(row["algorithm"], parse((self.run_dir / row["algorithm"]).read_text())) for row in latest]
        every = self.config.evolution.redraw_tasks_every
        if every > 0 and self.search.individuals // self.search.num_islands >= every:  # T_search was redrawn
            found += self._population_candidates(self.config.run.candidates)
        return found

    def _population_candidates(self, count: int) -> list[tuple[str, Algorithm]]:
        """The ``count`` fittest distinct algorithms of the islands' populations (ties: lower island, slot)."""
        state = self.search.state
        rows = []
        for k in range(self.search.num_islands):
            fitness = state[f"island{k}/pop_fit"]
            born = state[f"island{k}/pop_birth"]
            rows += [(float(fitness[j]), k, j) for j in range(len(fitness)) if born[j] >= 0]
        rows.sort(key=lambda row: (-row[0], row[1], row[2]))
        (self.run_dir / "candidates").mkdir(exist_ok=True)
        chosen: dict[str, str] = {}
        for _, k, j in rows:
            ints, floats, sizes = (state[f"island{k}/{name}"][j] for name in ("pop_i", "pop_f", "pop_sizes"))
            text = str(decode(from_layout(ints, floats, sizes)))
            if text not in chosen:
                chosen[text] = f"candidates/island{k}_slot{j}.txt"
                _atomic_write_text(self.run_dir / chosen[text], text)
            if len(chosen) == count:
                break
        return [(name, parse(text)) for text, name in chosen.items()]

    def report(self) -> dict[str, Any]:
        """Select on T_select among the candidates, score on T_final, score the baselines; write the reports."""
        config = self.config
        memory = config.memory
        select = executor_for(self.task_sets.select, memory, config, "select")
        scored = [(select.evaluate(algorithm), name, algorithm) for name, algorithm in self.candidates()]
        if not scored:
            raise RunDirectoryError(f"{str(self.run_dir)!r} has no discoveries yet: run the search first")
        # Highest T_select fitness; on a tie the newest discovery (listed first) wins.
        best_select, best_name, best = max(scored, key=lambda item: item[0])
        select_per_task = select.task_fitnesses(best)
        final = executor_for(self.task_sets.final, memory, config, "final").evaluate(best)
        search_fitness = executor_for(self.task_sets.search, memory, config).evaluate(best)
        baselines = {}
        for name in config.run.baselines:
            algorithm, _ = baseline(name)
            use = memory_holding(algorithm, memory)
            baselines[name] = {
                "search": executor_for(self.task_sets.search, use, config).evaluate(algorithm),
                "select": executor_for(self.task_sets.select, use, config, "select").evaluate(algorithm),
                "final": executor_for(self.task_sets.final, use, config, "final").evaluate(algorithm),
            }
        stats = self.search.stats()
        report: dict[str, Any] = {
            "name": config.name,
            "seed": config.seed,
            "status": self.snapshot.status,
            "seconds": self.snapshot.seconds,
            "individuals": self.search.individuals,
            "individuals_per_s": self.search.individuals / max(self.snapshot.seconds, 1e-9),
            "fec_hit_rate": stats["fec_hit_rate"],
            "train_steps": stats["train_steps"],
            "discoveries": self.snapshot.discoveries,
            "task_sets": {
                role: describe(tasks) for role, tasks in zip(("search", "select", "final"), self.task_sets, strict=True)
            },
            "selected": {
                "file": best_name,
                "algorithm": str(best),
                "search": search_fitness,
                "select": best_select,
                "final": final,
            },
            "candidates": [{"file": name, "select": fitness} for fitness, name, _ in scored],
            "baselines": baselines,
            "fitness_combination": config.evolution.fitness_combination,
            "chance": {
                # Combined over each set as its fitness is (executor_for): the search's way on T_search, the mean after.
                role: chance_level(tasks, config.evolution.fitness_combination if role == "search" else "mean")
                for role, tasks in zip(("search", "select", "final"), self.task_sets, strict=True)
            },
            "selection": selection_noise([fitness for fitness, _, _ in scored], select_per_task),
        }
        report["warnings"] = selection_warnings(report)
        _atomic_write_text(self.run_dir / "report.json", json.dumps(report, indent=2) + "\n")
        _atomic_write_text(self.run_dir / "report.md", report_markdown(report))
        _atomic_write_text(self.run_dir / "best_algorithm.txt", str(best))
        return report


def chance_level(tasks: Sequence[Task], combine: str = "mean") -> float | None:
    """The fitness of always predicting the most frequent class, or None for regression tasks.

    Per task, the share of its validation examples in their most frequent
    class (0.5 for balanced binary tasks, 1/K for balanced K classes): what a
    constant prediction reaches at best, and so what an algorithm that learns
    nothing can score. Combined over the set as its fitness is (``combine``).
    """
    if not tasks or any(task.eval_type == EvalType.RMS for task in tasks):
        return None
    shares = [np.bincount(task.valid_y.astype(np.int64)).max() / len(task.valid_y) for task in tasks]
    return combine_fitnesses(np.array(shares, dtype=np.float64), combine)


def selection_noise(candidate_scores: Sequence[float], selected_per_task: np.ndarray) -> dict[str, float | int]:
    """How noisy the selection on T_select was.

    Parameters
    ----------
    candidate_scores : sequence of float
        The candidates' T_select fitnesses.
    selected_per_task : ndarray
        The selected algorithm's fitness on each T_select task.

    Returns
    -------
    dict
        ``candidates``; ``min``, ``max``, ``spread`` (max - min) and ``std``
        of the candidates' scores; ``gap``, by how much the selected one beat
        the runner-up (0 with one candidate); ``tasks`` and ``std_error``, the
        standard error of the mean of the selected algorithm's per-task
        fitnesses (0 with one task): differences between candidates below it
        are within the noise of T_select's draw of tasks.

    """
    scores = np.sort(np.asarray(candidate_scores, dtype=np.float64))[::-1]
    per_task = np.asarray(selected_per_task, dtype=np.float64)
    finite = per_task[np.isfinite(per_task)]
    return {
        "candidates": len(scores),
        "min": float(scores.min()),
        "max": float(scores.max()),
        "spread": float(scores.max() - scores.min()),
        "std": float(scores.std()),
        "gap": float(scores[0] - scores[1]) if len(scores) > 1 else 0.0,
        "tasks": len(per_task),
        "std_error": float(finite.std(ddof=1) / math.sqrt(len(finite))) if len(finite) > 1 else 0.0,
    }


def selection_warnings(report: Mapping[str, Any]) -> list[str]:
    """Flags for a selected algorithm that scores below chance or below the weakest baseline on T_select or T_final.

    Works on any report (older ones have no chance levels: then only the baselines are compared).
    """
    selected = report["selected"]
    chance = report.get("chance") or {}
    baselines = report.get("baselines") or {}
    warnings = []
    for role in ("select", "final"):
        score = selected[role]
        level = chance.get(role)
        if level is not None and not score >= level:
            warnings.append(
                f"the selected algorithm scores below chance on T_{role}: {score:.6f} < {level:.6f} "
                "(always predicting the most frequent class); it learned nothing that generalizes"
            )
        if baselines:
            weakest = min(baselines, key=lambda name: baselines[name][role])
            if not score >= baselines[weakest][role]:
                warnings.append(
                    f"the selected algorithm scores below the weakest baseline on T_{role}: {score:.6f} < "
                    f"{baselines[weakest][role]:.6f} ({weakest})"
                )
    return warnings


def _selection_lines(report: Mapping[str, Any]) -> list[str]:
    """How the algorithm was chosen and how noisy that was, in words."""
    candidates = report["candidates"]
    scores = [c["select"] for c in candidates]
    noise = report.get("selection") or selection_noise(scores, np.array([]))
    if len(candidates) < 2:
        return ["The only candidate: the run's one improvement of the best (nothing to select among)."]
    line = f"Chosen on T_select among the latest {len(candidates)} improvements of the best"
    line += (
        f"; their T_select scores range from {noise['min']:.6f} to {noise['max']:.6f} (spread {noise['spread']:.6f}, "
        f"standard deviation {noise['std']:.6f}), and the selected one beat the runner-up by {noise['gap']:.6f}."
    )
    if noise.get("tasks", 0) > 1:
        line += (
            f" The standard error of the selected algorithm's T_select score over its {noise['tasks']} tasks is "
            f"{noise['std_error']:.6f}"
        )
        line += (
            ": the choice between the top candidates is within that noise."
            if noise["gap"] < noise["std_error"]
            else "."
        )
    return [line]


def _spent(config: ExperimentConfig, individuals: int, seconds: float) -> bool:
    budget = config.budget
    return (budget.max_individuals is not None and individuals >= budget.max_individuals) or (
        budget.max_seconds is not None and seconds >= budget.max_seconds
    )


def _checkpoint_progress(path: Path) -> tuple[int, int, float]:
    """W, individuals (all islands) and search seconds of a checkpoint, without reading its islands' states."""
    try:
        with np.load(path, allow_pickle=False) as data:
            islands = sum(name.startswith("island") and name.endswith("/counters") for name in data.files)
            per_island = int(data["islands/per_island"][0])
            seconds = float(json.loads(str(data["__meta__"]))["seconds"])
    except (OSError, ValueError, KeyError) as error:
        raise RunDirectoryError(f"checkpoint {str(path)!r} cannot be read: {error}") from error
    return islands, per_island * islands, seconds


def _check_budget_left(path: Path, config: ExperimentConfig) -> None:
    """Raise :class:`RunDirectoryError` when a run is finished, its report written, and no budget is left."""
    checkpoint = path / "checkpoint.npz"
    if not (checkpoint.exists() and (path / "report.json").exists()):
        return
    _, individuals, seconds = _checkpoint_progress(checkpoint)
    if _spent(config, individuals, seconds):
        budget = config.budget
        limits = [
            f"max_individuals {budget.max_individuals:,}" if budget.max_individuals is not None else "",
            f"max_seconds {budget.max_seconds:g}" if budget.max_seconds is not None else "",
        ]
        raise RunDirectoryError(
            f"{str(path)!r} is finished: no budget left ({individuals:,} individuals in {seconds:.1f} s; "
            f"{' and '.join(limit for limit in limits if limit)}). Give a larger --max-individuals or "
            f"--max-seconds to continue it; its report: automl-zero show {path}"
        )


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a run directory's CSV (empty if the file does not exist yet)."""
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def report_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown."""
    selected = report["selected"]
    lines = [
        f"# {report['name']} (seed {report['seed']})",
        "",
        f"{report['individuals']:,} individuals in {report['seconds']:.1f} s "
        f"({report['individuals_per_s']:,.0f}/s on average), FEC hit rate {report['fec_hit_rate']:.1%}, "
        f"{report['discoveries']} improvements of the best; status: {report['status']}.",
        "",
        "Task sets:",
        "",
        *(f"- T_{role}: {text}" for role, text in report["task_sets"].items()),
        "",
        f"## Scores ({_combination_text(report['fitness_combination'])})",
        "",
        "| algorithm | T_search | T_select | T_final |",
        "|---|---|---|---|",
        f"| evolved ({selected['file']}) | {selected['search']:.6f} | {selected['select']:.6f} "
        f"| {selected['final']:.6f} |",
        *(
            f"| {name} | {s['search']:.6f} | {s['select']:.6f} | {s['final']:.6f} |"
            for name, s in report["baselines"].items()
        ),
        *_chance_row(report),
        "",
        *(f"- **Warning:** {warning}." for warning in selection_warnings(report)),
        *([""] if selection_warnings(report) else []),
        "## The selected algorithm",
        "",
        "```",
        selected["algorithm"].rstrip("\n"),
        "```",
        "",
        *_selection_lines(report),
        "",
    ]
    return "\n".join(lines)


def _combination_text(search_combination: str) -> str:
    """How each set's task fitnesses are combined (see :func:`executor_for`)."""
    if search_combination == "mean":
        return "mean fitness over each set's tasks"
    return f"{search_combination} fitness over T_search's tasks, mean over T_select's and T_final's"


def _chance_row(report: Mapping[str, Any]) -> list[str]:
    """The table row of the chance level, where the tasks have one."""
    chance = report.get("chance") or {}
    if not any(chance.get(role) is not None for role in ("search", "select", "final")):
        return []
    cells = " | ".join(
        "-" if chance.get(role) is None else f"{chance[role]:.6f}" for role in ("search", "select", "final")
    )
    return [f"| chance (most frequent class) | {cells} |"]


def summary(run_dir: str | os.PathLike[str]) -> str:
    """A text summary of a run directory (for ``automl-zero show``), finished or not."""
    path = Path(run_dir)
    if not (path / "config.yaml").is_file():
        raise RunDirectoryError(f"{str(path)!r} is not a run directory: it has no config.yaml")
    if (path / "report.md").exists():
        # Rendered again from report.json, so that a report written before the selection warnings existed
        # gets them too (for a current run this is report.md itself).
        try:
            return report_markdown(json.loads((path / "report.json").read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return (path / "report.md").read_text()
    config = load_config(path / "config.yaml")
    progress = read_csv(path / "progress.csv")
    timeline = read_csv(path / "timeline.csv")
    lines = [f"# {config.name} (seed {config.seed}): in progress or interrupted, no report yet", ""]
    if progress:
        last = progress[-1]
        lines.append(
            f"{int(last['individuals']):,} individuals in {float(last['seconds']):.1f} s, "
            f"best fitness on T_search {float(last['best_fitness']):.6f}, "
            f"FEC hit rate {float(last['fec_hit_rate']):.1%}"
        )
    if timeline:
        lines += ["", f"Best so far ({timeline[-1]['algorithm']}):", "", "```"]
        lines.append((path / timeline[-1]["algorithm"]).read_text().rstrip("\n"))
        lines += ["```"]
    lines += ["", f"Resume with: automl-zero resume {path}", ""]
    return "\n".join(lines)


def evaluate_file(algorithm_file: str | os.PathLike[str], config: ExperimentConfig) -> dict[str, float]:
    """Score an algorithm written in the paper's notation on a config's three task sets."""
    return evaluate_algorithm(parse(Path(algorithm_file).read_text()), config)


def evaluate_algorithm(algorithm: Algorithm, config: ExperimentConfig) -> dict[str, float]:
    """Score ``algorithm`` on a config's T_search, T_select and T_final.

    The memory is the config's, widened where the algorithm needs more addresses
    (:func:`~automl_zero.algorithm.memory_holding`): spare addresses change no fitness.
    """
    memory = memory_holding(algorithm, config.memory)
    sets = config_task_sets(config)
    return {
        role: executor_for(role_tasks, memory, config, role).evaluate(algorithm)
        for role, role_tasks in zip(("search", "select", "final"), sets, strict=True)
    }


__all__ = [
    "CHUNK",
    "PROGRESS_COLUMNS",
    "TIMELINE_COLUMNS",
    "Experiment",
    "RunDirectoryError",
    "chance_level",
    "config_task_sets",
    "evaluate_algorithm",
    "evaluate_file",
    "executor_for",
    "read_csv",
    "report_markdown",
    "selection_noise",
    "selection_warnings",
    "summary",
]
