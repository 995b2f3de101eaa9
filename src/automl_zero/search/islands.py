"""The island model: W populations evolving side by side, exchanging individuals (migration).

Each island runs regularized evolution on its own population (and possibly
its own task set) in its own worker: this process (one island), local
processes (the default for several), or Ray actors (a cluster). The
coordinator here advances all islands in rounds of the same number of
individuals each, keeping a few rounds in flight so that workers never wait
for it. At every multiple of ``migration_interval`` individuals per island,
each island sends copies of its ``migrants`` fittest individuals to another
island drawn at random; they arrive at the next multiple, where they are
re-evaluated on that island's tasks and replace the oldest individuals, as
the newest.

Determinism: every island runs the same rounds, migrants leave and arrive at
fixed individual counts, and the destinations come from the coordinator's
seeded generator, so a run is a function of the seed, the number of islands
W and the round size, whatever the backend and the machine's speed. What
differs with W is the search itself (W populations of P, each with its own
seed).
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from automl_zero.algorithm import Algorithm
from automl_zero.search.evolution import EvolutionConfig, RegularizedEvolution, _from_layout
from automl_zero.search.space import SearchSpace
from automl_zero.tasks.base import Task
from automl_zero.vm.encode import decode

BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class IslandsConfig:
    """How many islands, how they exchange individuals, and where they run.

    Parameters
    ----------
    workers : int or None
        W, the number of islands (one worker each). None: every core
        (``os.cpu_count()``).
    migration_interval : int
        Individuals per island between migrations; 0 turns migration off.
    migrants : int
        How many of its fittest individuals an island sends each time.
    backend : {"local", "ray"}
        Local processes, or Ray actors (``pip install "automl-zero[ray]"``).
    address : str, optional
        Ray: the cluster to join (e.g. ``"auto"`` or ``"ray://head:10001"``);
        None starts Ray on this machine.

    """

    workers: int | None = None
    migration_interval: int = 50_000
    migrants: int = 5
    backend: str = "local"
    address: str | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and (isinstance(self.workers, bool) or self.workers < 1):
            raise ValueError(f"workers must be a positive integer or null (every core), got {self.workers!r}")
        if self.migration_interval < 0 or self.migrants < 0:
            raise ValueError("migration_interval and migrants must be >= 0")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")

    @property
    def num_workers(self) -> int:
        """W, with None resolved to the number of cores."""
        return self.workers if self.workers is not None else max(1, os.cpu_count() or 1)


def island_seed(seed: int, island: int) -> int:
    """Island 0 keeps the run's seed (one island is plain regularized evolution); the others get their own."""
    return seed if island == 0 else seed + (island << 32)


class IslandWorker:
    """One island: a regularized evolution and what the coordinator asks of it.

    Parameters
    ----------
    space : SearchSpace
    tasks : sequence of Task
        This island's T_search.
    config : EvolutionConfig
        Its seed is already the island's.
    initial_algorithm : Algorithm, optional

    """

    def __init__(
        self,
        space: SearchSpace,
        tasks: Sequence[Task],
        config: EvolutionConfig,
        initial_algorithm: Algorithm | None = None,
    ) -> None:
        self.search = RegularizedEvolution(space, tasks, config, initial_algorithm)
        self._args = (space, list(tasks), config, initial_algorithm)
        self.busy_seconds = 0.0  # in step: the rest of a worker's time is waiting and talking
        self._reported_best = -np.inf

    def warm_up(self) -> None:
        """Compile or load the search's compiled code for these tasks (outside any clock)."""
        space, tasks, config, initial = self._args
        tiny = dataclasses.replace(config, population_size=2, tournament_size=1)
        RegularizedEvolution(space, tasks, tiny, initial).step(3)

    def step(self, count: int) -> dict[str, Any]:
        """Run ``count`` more individuals; return the island's stats.

        When the island's best improved since the last report, the stats
        also hold it (``"best"``, as :meth:`best` gives it): the coordinator
        reads results while the island already runs its next round, so it
        cannot ask for the best afterwards.
        """
        start = time.perf_counter()
        self.search.step(count)
        self.busy_seconds += time.perf_counter() - start
        out: dict[str, Any] = self.stats()
        if self.search.best_fitness > self._reported_best:
            self._reported_best = self.search.best_fitness
            out["best"] = self.best()
        return out

    def steps(self, counts: Sequence[int]) -> list[dict[str, Any]]:
        """Several rounds in one call (:meth:`step` for each): fewer, larger messages for Ray."""
        return [self.step(count) for count in counts]

    def stats(self) -> dict[str, float]:
        """The island's stats, as :meth:`step` returns them."""
        return {
            **self.search.stats(),
            "best_individual": self.search.best_individual,
            "busy_seconds": self.busy_seconds,
        }

    def emigrants(self, count: int) -> dict[str, np.ndarray]:
        """See :meth:`RegularizedEvolution.emigrants`."""
        return self.search.emigrants(count)

    def immigrate(self, groups: Sequence[Mapping[str, np.ndarray]]) -> None:
        """Take in migrant groups, in order."""
        for group in groups:
            self.search.immigrate(group)

    def best(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The island's best algorithm, as arrays."""
        s = self.search.state
        return s["best_i"].copy(), s["best_f"].copy(), s["best_sizes"].copy()

    def state(self) -> dict[str, np.ndarray]:
        """The island's whole state."""
        return self.search.state_dict()

    def load(self, state: Mapping[str, np.ndarray]) -> None:
        """Restore a state from :meth:`state`."""
        self.search.load_state_dict(dict(state))
        # The coordinator's best is at least this island's at the time of the state.
        self._reported_best = self.search.best_fitness

    def ping(self) -> int:
        """The worker's process id (to check it is alive, and for tests)."""
        return os.getpid()


class _Handle(Protocol):
    def send(self, method: str, *args: Any) -> None: ...
    def receive(self) -> Any: ...
    def close(self) -> None: ...


class _InProcess:
    """An island in this process (W=1): no copies, no processes."""

    def __init__(self, worker: IslandWorker) -> None:
        self.worker = worker
        self._results: deque[Any] = deque()

    def send(self, method: str, *args: Any) -> None:
        self._results.append(getattr(self.worker, method)(*args))

    def receive(self) -> Any:
        return self._results.popleft()

    def close(self) -> None:
        pass


def _serve(connection: Any, args: tuple[Any, ...]) -> None:
    """A local worker process: build the island, then answer calls until told to stop."""
    worker = IslandWorker(*args)
    while True:
        message = connection.recv()
        if message is None:
            return
        method, call_args = message
        try:
            connection.send((True, getattr(worker, method)(*call_args)))
        except Exception as error:
            connection.send((False, error))


class WorkerError(RuntimeError):
    """A worker failed; the message says which island and why."""


class _Process:
    """An island in a local process, spoken to through a pipe."""

    def __init__(self, index: int, args: tuple[Any, ...]) -> None:
        # Spawn, not fork: the parent holds Numba's and BLAS's threads, which fork does not copy safely.
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, args), daemon=True, name=f"island-{index}")
        self.process.start()
        child.close()
        self.index = index

    def send(self, method: str, *args: Any) -> None:
        try:
            self.connection.send((method, args))
        except OSError as error:  # a broken pipe: the process is gone
            raise WorkerError(f"island {self.index}: its process died (exit code {self.process.exitcode})") from error

    def receive(self) -> Any:
        try:
            ok, value = self.connection.recv()
        except (EOFError, OSError) as error:
            raise WorkerError(f"island {self.index}: its process died (exit code {self.process.exitcode})") from error
        if not ok:
            raise WorkerError(f"island {self.index}: {value!r}") from value
        return value

    def close(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self.connection.send(None)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
        self.connection.close()


class IslandModel:
    """W islands and their migration, with the interface the experiment uses of a search.

    Parameters
    ----------
    space : SearchSpace
    task_sets : sequence of sequence of Task
        T_search per island: island ``k`` searches ``task_sets[k % len(task_sets)]``.
    config : EvolutionConfig
        The run's; island ``k`` gets seed :func:`island_seed`.
    islands : IslandsConfig
    initial_algorithm : Algorithm, optional
    make_handle : callable, optional
        ``(index, args) -> handle``; overrides the backend (used by the Ray backend).

    """

    def __init__(
        self,
        space: SearchSpace,
        task_sets: Sequence[Sequence[Task]],
        config: EvolutionConfig,
        islands: IslandsConfig,
        initial_algorithm: Algorithm | None = None,
        make_handle: Callable[[int, tuple[Any, ...]], _Handle] | None = None,
    ) -> None:
        if not task_sets:
            raise ValueError("the island model needs at least one task set")
        self.space = space
        self.config = config
        self.islands = islands
        self.num_islands = islands.num_workers
        island_args = [
            (
                space,
                list(task_sets[k % len(task_sets)]),
                dataclasses.replace(config, seed=island_seed(config.seed, k)),
                initial_algorithm,
            )
            for k in range(self.num_islands)
        ]
        self.handles: list[_Handle] = []
        # Calls sent to every island and not received yet, oldest first: ("step", size), ("emigrants", 0), ...
        self._calls: deque[tuple[str, int]] = deque()
        try:
            if make_handle is None and islands.backend == "ray":
                from automl_zero.search.ray_backend import ray_handles

                make_handle = ray_handles(islands.address, self.num_islands)
            for k, args in enumerate(island_args):
                if make_handle is not None:
                    self.handles.append(make_handle(k, args))
                elif self.num_islands == 1:
                    self.handles.append(_InProcess(IslandWorker(*args)))
                else:
                    self.handles.append(_Process(k, args))
        except BaseException:
            self.close()
            raise
        capacity = space.capacity
        self._state: dict[str, np.ndarray] = {
            "per_island": np.zeros(1, dtype=np.int64),
            "best_fit": np.full(1, -1.0),
            "best_individual": np.full(1, -1, dtype=np.int64),
            "best_i": np.zeros((3, capacity, 4), dtype=np.int64),
            "best_f": np.zeros((3, capacity, 3)),
            "best_sizes": np.zeros(3, dtype=np.int64),
            "migrations": np.zeros(1, dtype=np.int64),
            # Migration intervals passed (per island) when the last migration happened.
            "migration_mark": np.zeros(1, dtype=np.int64),
            # Migrants taken at the last migration, to arrive at the next one, and their destinations.
            "pending_i": np.zeros((0, 3, capacity, 4), dtype=np.int64),
            "pending_f": np.zeros((0, 3, capacity, 3)),
            "pending_sizes": np.zeros((0, 3), dtype=np.int64),
            "pending_island": np.zeros(0, dtype=np.int64),
        }
        #: (individual, fitness, algorithm) of each improvement of the best, in order, for the caller to take.
        self.discoveries: deque[tuple[int, float, Algorithm]] = deque()
        self._stats: list[dict[str, float]] = [{} for _ in range(self.num_islands)]

    # -- calls to every island, in parallel ---------------------------------------------------------

    def _all(self, method: str, args: Sequence[tuple[Any, ...]] | None = None) -> list[Any]:
        self.drain()  # results come back in order: first those of the calls in flight
        self._send_all(method, args)
        return [handle.receive() for handle in self.handles]

    def _send_all(self, method: str, args: Sequence[tuple[Any, ...]] | None = None) -> None:
        for k, handle in enumerate(self.handles):
            handle.send(method, *(args[k] if args is not None else ()))

    def warm_up(self) -> None:
        """Have every worker compile or load its compiled code."""
        self._all("warm_up")

    def step(self, per_island: int) -> None:
        """Run ``per_island`` more individuals on every island (one round), and wait for them."""
        self.submit(per_island)
        self.drain()

    def submit(self, per_island: int) -> None:
        """Start a round of ``per_island`` individuals on every island without waiting for it.

        Rounds complete in order (:meth:`complete`); keeping a few in flight
        lets every worker go on while the coordinator reads results, and
        changes nothing in the outcome. When the islands pass a multiple of
        the migration interval, each is asked for its fittest (queued after
        its rounds, so nobody waits), and the migrants taken at the previous
        multiple are delivered.
        """
        if per_island <= 0:
            return
        interval = self.islands.migration_interval
        if self.num_islands > 1 and interval > 0 and self.islands.migrants > 0:
            submitted = int(self._state["per_island"][0]) + self._submitted_steps()
            if submitted // interval > self._state["migration_mark"][0]:
                self._migrate()
                self._state["migration_mark"][0] = submitted // interval
        self._send_all("step", [(per_island,)] * self.num_islands)
        self._calls.append(("step", per_island))

    def _submitted_steps(self) -> int:
        return sum(size for kind, size in self._calls if kind == "step")

    @property
    def in_flight(self) -> int:
        """Rounds started and not completed yet."""
        return sum(kind == "step" for kind, _ in self._calls)

    @property
    def submitted_individuals(self) -> int:
        """Individuals of all islands, counting the rounds in flight."""
        return (int(self._state["per_island"][0]) + self._submitted_steps()) * self.num_islands

    def complete(self) -> None:
        """Wait for the oldest round in flight on every island and take in its results."""
        while self._calls:
            kind, per_island = self._calls.popleft()
            results = [handle.receive() for handle in self.handles]
            if kind == "emigrants":
                self._take_emigrants(results)
            elif kind == "step":
                self._take_round(per_island, results)
                return

    def _take_round(self, per_island: int, results: list[dict[str, Any]]) -> None:
        self._stats = [{name: value for name, value in r.items() if name != "best"} for r in results]
        self._state["per_island"][0] += per_island
        best_island = max(range(self.num_islands), key=lambda k: results[k]["best_fitness"])
        best = results[best_island]["best_fitness"]
        if best > self._state["best_fit"][0]:
            # Better than every best reported before, so the island's best improved: its result holds it.
            self._state["best_fit"][0] = best
            self._state["best_i"], self._state["best_f"], self._state["best_sizes"] = results[best_island]["best"]
            # One island: the exact individual; several: the last individual of this round.
            self._state["best_individual"][0] = (
                int(results[0]["best_individual"]) if self.num_islands == 1 else self.individuals - 1
            )
            self.discoveries.append((self.best_individual, self.best_fitness, self.best_algorithm()))

    def drain(self) -> None:
        """Complete every call in flight."""
        while self._calls:
            self.complete()

    def _migrate(self) -> None:
        """Deliver the migrants taken at the last multiple of the interval; ask every island for new ones."""
        while any(kind == "emigrants" for kind, _ in self._calls):  # rarely: only when rounds outnumber the interval
            self.complete()
        s = self._state
        arrived = [s["pending_island"] == k for k in range(self.num_islands)]
        groups = [
            {"ints": s["pending_i"][a], "floats": s["pending_f"][a], "sizes": s["pending_sizes"][a]} for a in arrived
        ]
        if len(s["pending_island"]):
            self._send_all("immigrate", [([group],) for group in groups])
            self._calls.append(("immigrate", 0))
            s["migrations"][0] += 1
        self._send_all("emigrants", [(self.islands.migrants,)] * self.num_islands)
        self._calls.append(("emigrants", 0))

    def _take_emigrants(self, outgoing: list[dict[str, np.ndarray]]) -> None:
        """Send each island's emigrants to a random other island (they arrive at the next migration)."""
        rng = np.random.default_rng([self.config.seed, 0x15_1A_0D, int(self._state["migration_mark"][0])])
        destinations = []
        for source in range(self.num_islands):
            destination = int(rng.integers(self.num_islands - 1))
            destinations.append(destination + (destination >= source))  # any island but the source
        s = self._state
        s["pending_i"] = np.concatenate([group["ints"] for group in outgoing])
        s["pending_f"] = np.concatenate([group["floats"] for group in outgoing])
        s["pending_sizes"] = np.concatenate([group["sizes"] for group in outgoing])
        s["pending_island"] = np.repeat(destinations, [len(group["sizes"]) for group in outgoing]).astype(np.int64)

    # -- what the experiment reads ------------------------------------------------------------------

    @property
    def individuals(self) -> int:
        """Individuals evaluated on all islands together."""
        return int(self._state["per_island"][0]) * self.num_islands

    @property
    def best_fitness(self) -> float:
        """The best fitness found on any island (on that island's tasks)."""
        return float(self._state["best_fit"][0]) if self._state["best_fit"][0] >= 0 else 0.0

    @property
    def best_individual(self) -> int:
        """When the best was found, counted in individuals of all islands."""
        return int(self._state["best_individual"][0])

    def best_algorithm(self) -> Algorithm:
        """The best algorithm found on any island."""
        s = self._state
        return decode(_from_layout(s["best_i"], s["best_f"], s["best_sizes"]))

    def _current_stats(self) -> list[dict[str, float]]:
        if not self._stats[0]:  # no round completed since the start or a restore: ask the islands
            self._stats = self._all("stats")
        return self._stats

    def island_stats(self) -> list[dict[str, float]]:
        """Each island's stats after the last completed round (``busy_seconds``: its time in search steps)."""
        return [dict(stats) for stats in self._current_stats()]

    def stats(self) -> dict[str, float]:
        """Counters summed (rates and means averaged) over the islands."""
        self._current_stats()
        summed = ("structural_hits", "fec_hits", "full_evaluations", "train_steps")
        averaged = ("mean_fitness", "fec_hit_rate", "hurdle", "hurdle_pass_rate")
        out: dict[str, float] = {name: sum(s[name] for s in self._stats) for name in summed}
        out.update({name: float(np.mean([s[name] for s in self._stats])) for name in averaged})
        out["individuals"] = self.individuals
        out["best_fitness"] = self.best_fitness
        out["islands"] = self.num_islands
        return out

    @property
    def state(self) -> dict[str, np.ndarray]:
        """The whole model's state: the coordinator's and every island's (fetched from the workers)."""
        self.drain()
        out = {f"islands/{name}": array.copy() for name, array in self._state.items()}
        for k, (handle, island) in enumerate(zip(self.handles, self._all("state"), strict=True)):
            out.update({f"island{k}/{name}": array for name, array in island.items()})
            remember = getattr(handle, "remember", None)
            if remember is not None:  # Ray: what a restarted actor reloads
                remember(island)
        return out

    def load_state_dict(self, state: Mapping[str, np.ndarray]) -> None:
        """Restore a state from :attr:`state` (same config and W)."""
        found = {name.split("/")[0] for name in state}
        expected = {"islands", *(f"island{k}" for k in range(self.num_islands))}
        if found != expected:
            raise ValueError(
                f"the checkpoint holds {sorted(found - {'islands'})} but this run has {self.num_islands} islands; "
                "resume with the same number of workers"
            )
        for name in self._state:
            self._state[name] = np.array(state[f"islands/{name}"])
        per_island = [
            {name.split("/", 1)[1]: array for name, array in state.items() if name.startswith(f"island{k}/")}
            for k in range(self.num_islands)
        ]
        self._all("load", [(island,) for island in per_island])
        self._stats = [{} for _ in range(self.num_islands)]
        self.discoveries.clear()

    def close(self) -> None:
        """Stop the workers (rounds in flight are abandoned)."""
        self._calls.clear()
        for handle in self.handles:
            handle.close()
        self.handles = []

    def __enter__(self) -> IslandModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
