"""The island model: W populations evolving side by side, exchanging individuals (migration).

Islands are the unit of state, workers the unit of compute. A worker (this
process, a local process, or a Ray actor) hosts one or more islands; W, the
number of islands, fixes the results, and the number of workers only how fast
they come. The coordinator here advances all islands in rounds of the same
number of individuals each, keeping a few rounds in flight so that workers
never wait for it. At every multiple of ``migration_interval`` individuals per
island, each island sends copies of its ``migrants`` fittest individuals to
another island drawn at random; they arrive at the next multiple, where they
are re-evaluated on that island's tasks and replace the oldest individuals, as
the newest.

Determinism: every island runs the same rounds, migrants leave and arrive at
fixed individual counts, and the destinations come from the coordinator's
seeded generator, so a run is a function of the seed, W and the round size,
whatever the backend, the number of workers and the machine's speed. What
differs with W is the search itself (W populations of P, each with its own
seed).

Losing a worker: an island is a function of its state at its last snapshot
and of the calls made to it since, which the coordinator keeps. Snapshots
come with every checkpoint (every island's, in :attr:`IslandModel.state`) and,
in between, piggybacked on the rounds: every message to a worker that changes
an island asks, after its last call, for the island's changes since its
previous snapshot (the population slots written, the FEC cache's entries
touched, the small arrays: ~0.3 MB for the demo, against 7 MB for its state),
and the coordinator applies them to the state it keeps of the island (one per
island). Answers come back a message at a time, so that is the latest state
the coordinator could have. A worker that dies, or misses its deadline, is
dropped; its islands are rebuilt on the remaining workers from their snapshots
and the calls since are repeated, so the run goes on to exactly the result it
would have had. What the loss costs is the time to redo the lost islands'
work since their snapshots: only their rounds in flight (with
``snapshot_every_s`` > 0, snapshots come once an island has searched that
many seconds since its last, and a loss may also repeat that much; with None,
only with checkpoints, and a loss repeats everything since the last one).
Islands hosted in the coordinator's own process are never lost, and never
snapshotted between checkpoints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import queue
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from automl_zero.algorithm import Algorithm
from automl_zero.search.evolution import EvolutionConfig, RegularizedEvolution, StateChanges, from_layout
from automl_zero.search.space import SearchSpace
from automl_zero.tasks.base import Task
from automl_zero.vm.encode import decode

BACKENDS = ("local", "ray")

#: A worker's answer to a message that builds islands (and compiles or loads their code) may take this long.
START_TIMEOUT_S = 600.0
#: The default deadline of a round: this many seconds, or ten times the slowest round the worker has taken.
MIN_ROUND_TIMEOUT_S = 30.0
#: Rounds held back and sent to a busy worker in one message (fewer, larger messages; a Ray call costs ~1 ms).
BATCH = 4
#: The default ``snapshot_every_s``: with every message (its changes cost ~1 ms per island, the demo's rounds 10 ms).
SNAPSHOT_EVERY_S = 0.0
#: Changes of an island whose population rows the coordinator holds back, at most (see IslandModel._unapplied).
_UNAPPLIED = 8
#: Calls that change an island's state: repeated, after its snapshot, when the island moves to another worker.
_MUTATING = frozenset({"step", "immigrate", "load"})

#: One call of a message: (island, method, arguments).
Call = tuple[int, str, tuple[Any, ...]]


@dataclass(frozen=True)
class IslandsConfig:
    """How many islands, how they exchange individuals, and where they run.

    Parameters
    ----------
    count : int or None
        W, the number of islands; it fixes the results. None: ``workers`` (every core when that is None too).
    workers : int or None
        Workers hosting the islands (local processes or Ray actors, one core each), at most W. None: every
        core (local) or every CPU of the Ray cluster, growing as nodes join.
    migration_interval : int
        Individuals per island between migrations; 0 turns migration off.
    migrants : int
        How many of its fittest individuals an island sends each time.
    backend : {"local", "ray"}
        Local processes, or Ray actors (``pip install "automl-zero[ray]"``).
    address : str, optional
        Ray: the cluster to join (e.g. ``"auto"`` or ``"ray://head:10001"``);
        None starts Ray on this machine.
    round_timeout_s : float or None
        How long a worker may take over a round before it counts as lost. None:
        :data:`MIN_ROUND_TIMEOUT_S` or ten times its slowest round so far, whichever is longer.
    snapshot_every_s : float or None
        Seconds of an island's own search between snapshots of its state taken
        along with its rounds, which bound the work a lost worker costs (its
        islands repeat what they did since their snapshots). 0 (the default,
        :data:`SNAPSHOT_EVERY_S`): with every message to its worker, so that a
        loss repeats only the rounds in flight; None: only at checkpoints.

    """

    count: int | None = None
    workers: int | None = None
    migration_interval: int = 50_000
    migrants: int = 5
    backend: str = "local"
    address: str | None = None
    round_timeout_s: float | None = None
    snapshot_every_s: float | None = SNAPSHOT_EVERY_S

    def __post_init__(self) -> None:
        for name in ("count", "workers"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive integer or null, got {value!r}")
        if self.migration_interval < 0 or self.migrants < 0:
            raise ValueError("migration_interval and migrants must be >= 0")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.round_timeout_s is not None and not self.round_timeout_s > 0:
            raise ValueError(f"round_timeout_s must be > 0 or null, got {self.round_timeout_s!r}")
        if self.snapshot_every_s is not None and not self.snapshot_every_s >= 0:
            raise ValueError(f"snapshot_every_s must be >= 0 or null, got {self.snapshot_every_s!r}")

    @property
    def num_islands(self) -> int:
        """W: ``count``, else ``workers``, else the number of cores."""
        return self.count or self.workers or _cores()

    @property
    def num_workers(self) -> int:
        """Local workers: ``workers`` (every core when None), at most one per island."""
        return min(self.num_islands, self.workers or _cores())


def _cores() -> int:
    return max(1, os.cpu_count() or 1)


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
    draws : callable, optional
        Fresh T_search draws, for ``config.redraw_tasks_every`` (see
        :class:`~automl_zero.search.evolution.RegularizedEvolution`).

    """

    def __init__(
        self,
        space: SearchSpace,
        tasks: Sequence[Task],
        config: EvolutionConfig,
        initial_algorithm: Algorithm | None = None,
        draws: Callable[[int], Sequence[Task]] | None = None,
    ) -> None:
        self.search = RegularizedEvolution(space, tasks, config, initial_algorithm, draws)
        self._initial = initial_algorithm
        self.busy_seconds = 0.0  # in step: the rest of a worker's time is waiting and talking
        self._reported_best = -np.inf

    def warm_up(self, migration: bool = True) -> None:
        """Compile or load the compiled code of the search (and of migration) for these tasks."""
        search = self.search
        tiny = dataclasses.replace(search.config, population_size=2, tournament_size=1, redraw_tasks_every=0)
        evolution = RegularizedEvolution(search.space, search.tasks, tiny, self._initial)
        evolution.step(3)
        if migration:
            evolution.immigrate(evolution.emigrants(1))  # scores a migrant: the executor migration uses

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
        """The island's whole state (:meth:`snapshot`'s changes count from it)."""
        self.search.clear_changes()
        return self.search.state_dict()

    def snapshot(self, whole: bool) -> dict[str, np.ndarray] | StateChanges:
        """The island's state: ``whole``, or its changes since the last :meth:`state`, :meth:`snapshot` or :meth:`load`.

        The coordinator holds that earlier state (or a later one): the changes bring it up to date.
        """
        return self.state() if whole else self.search.changes()

    def load(self, state: Mapping[str, np.ndarray]) -> None:
        """Restore a state from :meth:`state` (:meth:`snapshot`'s changes count from it)."""
        self.search.load_state_dict(dict(state))
        # The coordinator's best is at least this island's at the time of the state.
        self._reported_best = self.search.best_fitness

    def ping(self) -> int:
        """The worker's process id (to check it is alive, and for tests)."""
        return os.getpid()


class IslandHost:
    """A worker: the islands it hosts, and the coordinator's calls on them, run in order."""

    def __init__(self) -> None:
        self.islands: dict[int, IslandWorker] = {}

    def run(self, calls: Sequence[Call]) -> list[Any]:
        """Run each ``(island, method, args)`` in order; return their results.

        ``add`` and ``drop`` build and remove islands; any other method is
        :class:`IslandWorker`'s.
        """
        out: list[Any] = []
        for island, method, args in calls:
            try:
                if method == "add":
                    out.append(self.add(island, *args))
                elif method == "drop":
                    del self.islands[island]
                    out.append(None)
                else:
                    out.append(getattr(self.islands[island], method)(*args))
            except Exception as error:
                raise RuntimeError(f"island {island}, {method}: {error!r}") from error
        return out

    def add(
        self,
        island: int,
        args: tuple[Any, ...],
        state: Mapping[str, np.ndarray] | None = None,
        migration: bool = True,
    ) -> str:
        """Build island ``island`` from its arguments, warmed up, in ``state`` if given; return :meth:`where`."""
        worker = IslandWorker(*args)
        worker.warm_up(migration)
        if state is not None:
            worker.load(state)
        self.islands[island] = worker
        return self.where()

    def where(self) -> str:
        """Which process on which machine this worker is."""
        return f"pid {os.getpid()} on {socket.gethostname()}"


class WorkerError(RuntimeError):
    """An island failed (an error in its calls), or no worker is left to continue it."""


class WorkerLost(Exception):  # noqa: N818 (an event, not a programming error: the islands move on)
    """A worker died or missed its deadline; its islands continue on other workers."""


class WorkerHandle(Protocol):
    """The coordinator's side of a worker: messages (lists of calls) go out, their results come back in order."""

    name: str

    def send(self, calls: list[Call]) -> None:
        """Start running ``calls`` (after the messages sent before)."""

    def receive(self, timeout: float) -> list[Any]:
        """The results of the oldest message; :class:`WorkerLost` when it does not come within ``timeout``."""

    def close(self) -> None:
        """Stop the worker (whatever it still runs is abandoned)."""


class WorkerPool(Protocol):
    """Where workers come from: the local machine or a Ray cluster."""

    def start(self, num_islands: int, workers: int | None) -> list[WorkerHandle]:
        """The run's first workers (at least one)."""

    def replace(self) -> WorkerHandle | None:
        """A new worker when every worker is lost; None when none can be had."""

    def grow(self, current: int) -> list[WorkerHandle]:
        """New workers ready to take islands now (Ray: nodes that joined), with ``current`` working."""

    def close(self) -> None:
        """Release what the pool holds besides its workers."""


class _InProcess:
    """A worker in this process: no copies, no processes (one worker)."""

    name = "this process"
    #: It is the coordinator's own process, so it is never lost: its islands need no snapshots between checkpoints.
    in_process = True

    def __init__(self) -> None:
        self.host = IslandHost()
        self._results: deque[Any] = deque()

    def send(self, calls: list[Call]) -> None:
        try:
            self._results.append((True, self.host.run(calls)))
        except Exception as error:
            self._results.append((False, error))

    def receive(self, timeout: float) -> list[Any]:
        ok, value = self._results.popleft()
        if not ok:
            raise WorkerError(f"{value!r}") from value
        return value

    def close(self) -> None:
        self.host.islands.clear()


class _Sender:
    """Writes one end of a pipe in order, the large messages from a thread of its own.

    A large message (island states: megabytes) is handed to the thread, and so
    is every message after it until it is through, so that they keep their
    order; the others are written at once, as they are small. The caller goes
    on while a slow (or frozen) reader has yet to take a large message.
    """

    def __init__(self, connection: Any, name: str) -> None:
        self._connection = connection
        self._name = name
        self._outgoing: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._queued = 0  # messages handed to the thread and not written yet

    def send(self, message: Any, large: bool) -> None:
        """Write ``message``, from the thread when it is ``large`` or one is still being written there."""
        with self._lock:
            later = self._queued > 0 or large
            if later:
                self._queued += 1
                if self._thread is None:
                    self._thread = threading.Thread(target=self._write, daemon=True, name=self._name)
                    self._thread.start()
                self._outgoing.put(message)
        if not later:
            self._connection.send(message)

    @property
    def writing(self) -> bool:
        """Whether the thread holds messages not written yet."""
        with self._lock:
            return self._queued > 0

    def _write(self) -> None:
        while (message := self._outgoing.get()) is not _STOP:
            try:
                self._connection.send(message)
            except (OSError, ValueError):  # the other end is gone (or this one closed): its next read says so
                return
            with self._lock:
                self._queued -= 1

    def close(self, timeout: float) -> None:
        """Stop the thread, waiting up to ``timeout`` seconds for what it still writes."""
        if self._thread is not None:
            self._outgoing.put(_STOP)
            self._thread.join(timeout=timeout)


#: What tells a :class:`_Sender`'s thread to stop (``None`` is a message: the request to stop a worker).
_STOP = object()


def _serve(connection: Any) -> None:
    """A local worker process: answer messages until told to stop.

    Answers that hold island states (snapshots, megabytes) are written by a
    thread (:class:`_Sender`), so that the islands go on with the next
    message while the coordinator has yet to read them.
    """
    host = IslandHost()
    answers = _Sender(connection, "answers")
    while True:
        calls = connection.recv()
        if calls is None:
            answers.close(timeout=0.0)
            return
        try:
            answer: tuple[bool, Any] = (True, host.run(calls))  # fresh objects: the islands do not touch them again
        except Exception as error:
            answer = (False, error)
        answers.send(answer, large=any(method in ("state", "snapshot") for _, method, _ in calls))


class _Process:
    """A worker in a local process, spoken to through a pipe.

    Messages that build or load islands (megabytes: their states) are written
    by a thread, as are the messages after them until they are through, so
    that a worker that is alive but reads nothing (frozen) cannot block the
    coordinator; it is lost at its deadline instead. The others, small, are
    written at once.
    """

    def __init__(self, index: int) -> None:
        # Spawn, not fork: the parent holds Numba's and BLAS's threads, which fork does not copy safely.
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True, name=f"islands-{index}")
        self.process.start()
        child.close()
        self.name = f"local worker {index}"
        self._messages = _Sender(self.connection, f"{self.name} messages")

    def _died(self) -> WorkerLost:
        self.process.join(timeout=1)
        return WorkerLost(f"its process died (exit code {self.process.exitcode})")

    def send(self, calls: list[Call]) -> None:
        try:
            self._messages.send(calls, large=any(method in ("add", "load") for _, method, _ in calls))
        except OSError as error:  # a broken pipe: the process is gone
            raise self._died() from error

    def receive(self, timeout: float) -> list[Any]:
        try:
            if not self.connection.poll(timeout):
                raise WorkerLost(f"no answer within {timeout:.0f} s")
            ok, value = self.connection.recv()
        except (EOFError, OSError) as error:
            raise self._died() from error
        if not ok:
            raise WorkerError(f"{value!r}") from value
        return value

    def close(self) -> None:
        if self.process.is_alive() and not self._messages.writing:
            # Only if the pipe has room: a frozen worker whose pipe is full would block the coordinator.
            if select.select([], [self.connection.fileno()], [], 0)[1]:
                with contextlib.suppress(OSError):
                    self.connection.send(None)
            # A busy (or frozen) worker reads the request to stop only after its rounds: do not wait for them.
            self.process.join(timeout=0.5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self._messages.close(timeout=5)  # its write fails once the process is gone
        self.connection.close()


class LocalPool:
    """Workers on this machine: this process for one worker, spawned processes for several."""

    def __init__(self) -> None:
        self._started = 0

    def _process(self) -> _Process:
        self._started += 1
        return _Process(self._started - 1)

    def start(self, num_islands: int, workers: int | None) -> list[WorkerHandle]:
        """One worker in this process, or ``workers`` processes (every core when None), at most W."""
        count = min(num_islands, workers or _cores())
        if count == 1:
            return [_InProcess()]
        return [self._process() for _ in range(count)]

    def replace(self) -> WorkerHandle | None:
        """A new process."""
        return self._process()

    def grow(self, current: int) -> list[WorkerHandle]:
        """None: a local run keeps the workers it started with."""
        return []

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class _SnapshotKey:
    """What a snapshot request answers: ``island``'s state before op ``base``, at ``individuals`` per island.

    The answer is the whole state when ``since`` is None, otherwise its changes since its state before op
    ``since`` (which the coordinator holds, or a later one).
    """

    island: int
    base: int
    individuals: int
    since: int | None


#: What a call's result is for: ``(op, island)`` for an op's call (op None: building or dropping an island), or
#: a snapshot.
_Key = tuple[int | None, int] | _SnapshotKey


@dataclass(eq=False)
class _Slot:
    """A worker as the coordinator sees it: its islands and the messages it has not answered yet."""

    handle: WorkerHandle
    name: str
    islands: list[int] = field(default_factory=list)
    outbox: list[Call] = field(default_factory=list)  # calls held back (rounds, sent BATCH at a time)
    outbox_keys: list[_Key] = field(default_factory=list)
    # Messages sent and not answered, oldest first: their calls' keys, and whether they build islands.
    sent: deque[tuple[list[_Key], bool]] = field(default_factory=deque)
    clock: float = 0.0  # since when the oldest message sent is the worker's to answer
    slowest: float = 0.0  # the longest it took over a message that built no island
    # For each island it hosts: the op before which its state is the one its changes count from (the coordinator
    # has it, or a later one), or None when the coordinator has no such state (the island started afresh there).
    known: dict[int, int | None] = field(default_factory=dict)


@dataclass
class _Op:
    """One call on every island (a round, a migration, a state): its arguments per island and results so far."""

    method: str
    args: list[tuple[Any, ...]]
    individuals: int = 0  # per island, once it is done (and every op before it)
    results: dict[int, Any] = field(default_factory=dict)
    done: bool = False


class IslandModel:
    """W islands on a pool of workers, and their migration, with the interface the experiment uses of a search.

    Parameters
    ----------
    space : SearchSpace
    task_sets : sequence of sequence of Task
        T_search per island: island ``k`` searches ``task_sets[k % len(task_sets)]``.
    config : EvolutionConfig
        The run's; island ``k`` gets seed :func:`island_seed`.
    islands : IslandsConfig
    initial_algorithm : Algorithm, optional
    pool : WorkerPool, optional
        Where the workers come from: :class:`LocalPool` (the default) or
        :class:`~automl_zero.search.ray_backend.RayPool` (required for ``backend="ray"``).
    draws : sequence of callable, optional
        Fresh T_search draws per task set (``config.redraw_tasks_every``):
        islands of ``task_sets[j]`` redraw with ``draws[j]``.

    """

    def __init__(
        self,
        space: SearchSpace,
        task_sets: Sequence[Sequence[Task]],
        config: EvolutionConfig,
        islands: IslandsConfig,
        initial_algorithm: Algorithm | None = None,
        pool: WorkerPool | None = None,
        draws: Sequence[Callable[[int], Sequence[Task]] | None] = (),
    ) -> None:
        if not task_sets:
            raise ValueError("the island model needs at least one task set")
        if pool is None and islands.backend != "local":
            raise ValueError("backend 'ray' needs pool=automl_zero.search.ray_backend.RayPool(...)")
        self.space = space
        self.config = config
        self.islands = islands
        self.num_islands = islands.num_islands
        self._island_args = [
            (
                space,
                list(task_sets[k % len(task_sets)]),
                dataclasses.replace(config, seed=island_seed(config.seed, k)),
                initial_algorithm,
                draws[k % len(task_sets)] if draws else None,
            )
            for k in range(self.num_islands)
        ]
        self._pool: WorkerPool = pool if pool is not None else LocalPool()
        self._slots: list[_Slot] = []
        self._owner: list[_Slot] = []
        # The calls since the oldest snapshot, by op number: what a moved island repeats (from its own snapshot).
        self._log: dict[int, _Op] = {}
        self._next_op = 0
        # Island k's snapshot holds its state before op _base[k], at _snapshot_individuals[k] individuals. None: the
        # start; a path: the checkpoint file that holds it.
        self._snapshots: list[Mapping[str, np.ndarray] | Path | None] = [None] * self.num_islands
        # Whether a snapshot's arrays are the coordinator's own to bring up to date in place (not shared, writable).
        self._owned = [False] * self.num_islands
        # Changes taken in whose population rows are not applied yet, oldest first: the rows of one that wrote every
        # slot make those of the earlier ones moot, so they are applied only when the snapshot is read.
        self._unapplied: list[list[StateChanges]] = [[] for _ in range(self.num_islands)]
        self._base = [0] * self.num_islands
        self._snapshot_individuals = [0] * self.num_islands
        self._checkpoint_op = 0  # the op count at the last state taken or loaded (every island's snapshot)
        # Each island's busy seconds when its last snapshot was asked for; staggered at the start, so that the
        # islands of a worker take turns.
        every = islands.snapshot_every_s or 0.0
        self._snapshot_mark = [-every * k / self.num_islands for k in range(self.num_islands)]
        #: Individuals that islands rebuilt on another worker were sent again (summed over those islands).
        self.repeated_individuals = 0
        # Ops sent to every island and not completed yet, oldest first: (kind, individuals per island, op).
        self._calls: deque[tuple[str, int, int]] = deque()
        self._losses_in_a_row = 0
        #: Workers lost so far.
        self.lost_workers = 0
        #: What happened to workers (lost, joined, islands moved), for the caller to take and show.
        self.messages: deque[str] = deque()
        try:
            handles = self._pool.start(self.num_islands, islands.workers)
            self._slots = [_Slot(handle, handle.name) for handle in handles]
            self._owner = [self._slots[k % len(self._slots)] for k in range(self.num_islands)]
            for k in range(self.num_islands):
                self._place(k, self._owner[k])
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

    # -- workers: messages, deadlines, losses ------------------------------------------------------

    @property
    def num_workers(self) -> int:
        """Workers hosting islands now."""
        return len(self._slots)

    def placement(self) -> list[list[int]]:
        """The islands each worker hosts now."""
        return [sorted(slot.islands) for slot in self._slots]

    def _flush(self, slot: _Slot, force: bool = True) -> None:
        """Send the calls held back for a worker: when asked, when it runs low on work, or a batch is full."""
        if not slot.outbox:
            return
        if not (force or len(slot.sent) < 2 or len(slot.outbox) >= BATCH * max(1, len(slot.islands))):
            return
        calls, keys = slot.outbox, slot.outbox_keys
        slot.outbox, slot.outbox_keys = [], []
        self._send(slot, calls, keys)

    def _send(self, slot: _Slot, calls: list[Call], keys: list[_Key]) -> None:
        self._ask_for_snapshots(slot, calls, keys)
        if not slot.sent:
            slot.clock = time.monotonic()
        slot.sent.append((keys, any(method == "add" for _, method, _ in calls)))
        try:
            slot.handle.send(calls)
        except WorkerLost as error:
            self._lose(slot, str(error))

    def _deadline(self, slot: _Slot, builds: bool) -> float:
        if builds:
            return max(START_TIMEOUT_S, self.islands.round_timeout_s or 0.0)
        return self.islands.round_timeout_s or max(MIN_ROUND_TIMEOUT_S, 10 * slot.slowest)

    def _receive(self, slot: _Slot) -> None:
        """Take in a worker's answer to its oldest message; a worker that died or is late is lost."""
        keys, builds = slot.sent[0]
        timeout = self._deadline(slot, builds)
        try:
            results = slot.handle.receive(max(0.0, slot.clock + timeout - time.monotonic()))
        except WorkerLost as error:
            self._lose(slot, str(error))
            return
        now = time.monotonic()
        slot.sent.popleft()
        if not builds:
            slot.slowest = max(slot.slowest, now - slot.clock)
        slot.clock = now
        for key, result in zip(keys, results, strict=True):
            if isinstance(key, _SnapshotKey):
                self._take_snapshot(key, result)
                continue
            op, island = key
            if op is None:
                if isinstance(result, str):  # an island was built: the worker says where it runs
                    slot.name = f"{slot.handle.name}, {result}"
                continue
            entry = self._log.get(op)
            if entry is not None and not entry.done:
                entry.results.setdefault(island, result)  # a repeated call's result equals the first

    def _place(self, island: int, slot: _Slot) -> int:
        """Build ``island`` on ``slot`` from its snapshot and repeat the calls made since; return its individuals.

        The individuals are those of the rounds it repeats (sent again).
        """
        self._flush(slot)
        slot.islands.append(island)
        self._owner[island] = slot
        migrates = self.num_islands > 1 and self.islands.migration_interval > 0 and self.islands.migrants > 0
        calls: list[Call] = [(island, "add", (self._island_args[island], self._snapshot(island), migrates))]
        keys: list[_Key] = [(None, island)]
        repeated = 0
        for op in range(self._base[island], self._next_op):
            entry = self._log[op]
            if entry.method in _MUTATING or not entry.done:
                calls.append((island, entry.method, entry.args[island]))
                keys.append((op, island))
                if entry.method == "step":
                    repeated += entry.args[island][0]
        slot.known[island] = self._base[island] if self._snapshots[island] is not None else None
        self._send(slot, calls, keys)
        self.repeated_individuals += repeated
        return repeated

    def _snapshot(self, island: int) -> Mapping[str, np.ndarray] | None:
        snapshot = self._snapshots[island]
        if self._unapplied[island]:
            assert isinstance(snapshot, dict)
            for changes in self._unapplied[island]:
                changes.apply_rows(snapshot)
            self._unapplied[island] = []
        if isinstance(snapshot, Path):
            prefix = f"island{island}/"
            with np.load(snapshot, allow_pickle=False) as data:
                return {name[len(prefix) :]: data[name] for name in data.files if name.startswith(prefix)}
        return snapshot

    def _ask_for_snapshots(self, slot: _Slot, calls: list[Call], keys: list[_Key]) -> None:
        """Ask for the state of each island that a message changes, after its last call, when one is due.

        Answers come after a whole message, so a snapshot after its last call
        is the latest the coordinator can get: with ``snapshot_every_s=0``, a
        loss repeats only the rounds in flight. Each answer is the island's
        changes since the worker's last one (the whole state the first time).
        """
        every = self.islands.snapshot_every_s
        if every is None or getattr(slot.handle, "in_process", False):
            return
        last: dict[int, int] = {}  # island: its last op in the message, when the message changes its state
        for (island, method, _), key in zip(calls, keys, strict=True):
            if isinstance(key, _SnapshotKey) or key[0] is None:
                last.pop(island, None)  # built or dropped here: its state is known
            elif method in ("step", "immigrate"):
                last[island] = key[0]
            elif method in ("state", "load"):  # the coordinator takes or gives the whole state
                last.pop(island, None)
            elif island in last:
                last[island] = key[0]
        for island, op in last.items():
            if not self._snapshot_due(island, every):
                continue
            since = slot.known.get(island)
            calls.append((island, "snapshot", (since is None,)))
            keys.append(_SnapshotKey(island, op + 1, self._log[op].individuals, since))
            slot.known[island] = op + 1

    def _snapshot_due(self, island: int, every: float) -> bool:
        """Whether ``island`` has searched ``every`` seconds since its last snapshot (0: always).

        Its time is as of its last completed round (a round in flight's is not known yet).
        """
        if every == 0:
            return True
        busy = float(self._stats[island].get("busy_seconds", 0.0))
        self._snapshot_mark[island] = min(self._snapshot_mark[island], busy)  # rebuilt elsewhere: it starts at 0
        if busy - self._snapshot_mark[island] < every:
            return False
        self._snapshot_mark[island] = busy
        return True

    def _take_snapshot(self, key: _SnapshotKey, answer: Mapping[str, np.ndarray] | StateChanges) -> None:
        """Keep an island's snapshot (unless a later one is held) and forget the calls no island needs any more."""
        island = key.island
        if key.base <= self._base[island]:
            return
        if isinstance(answer, StateChanges):
            if key.since is None or key.since > self._base[island]:
                raise RuntimeError(f"island {island}: changes since op {key.since}, but its snapshot is older")
            snapshot = self._own_snapshot(island)
            answer.apply_rest(snapshot)
            unapplied = self._unapplied[island]
            if len(answer.slots) == len(snapshot["pop_fit"]):
                unapplied.clear()  # every row rewritten
            unapplied.append(answer)
            if len(unapplied) > _UNAPPLIED:
                self._snapshot(island)
        else:
            self._snapshots[island] = answer
            self._owned[island] = all(array.flags.writeable for array in answer.values())
            self._unapplied[island] = []
        self._base[island], self._snapshot_individuals[island] = key.base, key.individuals
        self._forget()

    def _own_snapshot(self, island: int) -> dict[str, np.ndarray]:
        """An island's snapshot as arrays of the coordinator's own, to bring up to date in place.

        (Its population rows may lag: see :attr:`_unapplied`; :meth:`_snapshot` applies them.)
        """
        snapshot = self._snapshots[island]
        if self._owned[island]:
            assert isinstance(snapshot, dict)
            return snapshot
        shared = self._snapshot(island)  # only the coordinator's own snapshots have changes unapplied
        if shared is None:
            raise RuntimeError(f"island {island} has no snapshot to bring up to date")
        fresh = isinstance(snapshot, Path)  # just read from the file
        owned = {name: array if fresh else np.array(array) for name, array in shared.items()}
        self._snapshots[island], self._owned[island] = owned, True
        return owned

    def _forget(self) -> None:
        """Drop the completed calls that every island's snapshot already includes: no move repeats them."""
        oldest = min(self._base)
        while self._log:
            op = next(iter(self._log))  # ops are logged in order
            if op >= oldest or not self._log[op].done:
                return
            del self._log[op]

    def _lose(self, slot: _Slot, reason: str) -> None:
        """Drop a worker and continue its islands on the others (a new worker when none is left)."""
        if slot not in self._slots:
            return
        self._slots.remove(slot)
        with contextlib.suppress(Exception):
            slot.handle.close()
        self.lost_workers += 1
        self._losses_in_a_row += 1
        if self._losses_in_a_row > 2 * self.num_islands + 2:
            raise WorkerError(f"workers keep being lost without progress (last: {slot.name}: {reason})")
        if not self._slots:
            handle = self._pool.replace()
            if handle is None:
                raise WorkerError(f"{slot.name} was lost ({reason}) and no worker is left to continue its islands")
            self._slots.append(_Slot(handle, handle.name))
        moved: dict[int, list[int]] = {}
        repeated = 0
        for island in sorted(slot.islands):
            target = min(self._slots, key=lambda s: len(s.islands))
            repeated += self._place(island, target)
            moved.setdefault(id(target), []).append(island)
        where = "; ".join(f"{_plural('island', moved[id(s)])} on {s.name}" for s in self._slots if id(s) in moved)
        at = sorted({self._snapshot_individuals[k] for k in slot.islands})
        states = f"their state at {at[0]:,}" if len(at) == 1 else f"their states at {at[0]:,} to {at[-1]:,}"
        self.messages.append(
            f"lost {slot.name}: {reason}. Continuing {where}, from {states} individuals per island "
            f"(repeating {repeated:,} individuals)"
        )

    # -- calls to every island, in parallel ---------------------------------------------------------

    def _broadcast(self, method: str, args: Sequence[tuple[Any, ...]] | None = None, force: bool = True) -> int:
        """Send ``method`` to every island (held back for a batch unless ``force``); return its op number."""
        op = self._next_op
        self._next_op += 1
        per_island = list(args) if args is not None else [()] * self.num_islands
        individuals = int(self._state["per_island"][0]) + self._submitted_steps()
        if method == "step":
            individuals += per_island[0][0]
        self._log[op] = _Op(method, per_island, individuals)
        # The islands each worker hosts now: an island moved by a loss below repeats this op where it lands.
        for slot, islands in [(slot, list(slot.islands)) for slot in self._slots]:
            if slot not in self._slots:  # lost while this op was being sent
                continue
            for island in islands:
                slot.outbox.append((island, method, per_island[island]))
                slot.outbox_keys.append((op, island))
            self._flush(slot, force)
        return op

    def _wait(self, op: int) -> list[Any]:
        """Every island's result of ``op`` (after those of the calls sent before it to the same workers)."""
        entry = self._log[op]
        while len(entry.results) < self.num_islands:
            island = next(k for k in range(self.num_islands) if k not in entry.results)
            slot = self._owner[island]
            # Send the calls held back if this one is among them; otherwise only if the worker runs low on work
            # (fewer, larger messages: each ends with its islands' snapshots).
            self._flush(slot, not slot.sent or (op, island) in slot.outbox_keys)
            if not slot.sent:
                raise RuntimeError(f"island {island} has no call in flight for op {op}")
            self._receive(slot)
        self._losses_in_a_row = 0
        results = [entry.results[k] for k in range(self.num_islands)]
        entry.done, entry.results = True, {}
        self._forget()
        return results

    def _all(self, method: str, args: Sequence[tuple[Any, ...]] | None = None) -> list[Any]:
        self.drain()  # results come back in order: first those of the calls in flight
        return self._wait(self._broadcast(method, args))

    def warm_up(self) -> None:
        """Wait for every worker to build its islands and compile or load their code."""
        self._all("ping")

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
        op = self._broadcast("step", [(per_island,)] * self.num_islands, False)
        self._calls.append(("step", per_island, op))

    def _submitted_steps(self) -> int:
        return sum(size for kind, size, _ in self._calls if kind == "step")

    @property
    def in_flight(self) -> int:
        """Rounds started and not completed yet."""
        return sum(kind == "step" for kind, _, _ in self._calls)

    @property
    def submitted_individuals(self) -> int:
        """Individuals of all islands, counting the rounds in flight."""
        return (int(self._state["per_island"][0]) + self._submitted_steps()) * self.num_islands

    def complete(self) -> None:
        """Wait for the oldest round in flight on every island and take in its results."""
        while self._calls:
            kind, per_island, op = self._calls.popleft()
            results = self._wait(op)
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
        # Rarely (rounds in flight span an interval): wait for the previous emigrants, but complete no round, so
        # that the caller still takes in every round itself.
        for call in [call for call in self._calls if call[0] == "emigrants"]:
            self._calls.remove(call)
            self._take_emigrants(self._wait(call[2]))
        s = self._state
        if len(s["pending_island"]):
            arrived = [s["pending_island"] == k for k in range(self.num_islands)]
            groups = [
                {"ints": s["pending_i"][a], "floats": s["pending_f"][a], "sizes": s["pending_sizes"][a]}
                for a in arrived
            ]
            op = self._broadcast("immigrate", [([group],) for group in groups])
            self._calls.append(("immigrate", 0, op))
            s["migrations"][0] += 1
        op = self._broadcast("emigrants", [(self.islands.migrants,)] * self.num_islands)
        self._calls.append(("emigrants", 0, op))

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

    # -- placement ----------------------------------------------------------------------------------

    def rebalance(self) -> None:
        """Take in new workers (Ray: nodes that joined) and spread the islands evenly; between rounds.

        Cheapest right after :attr:`state` (a checkpoint): a moving island
        is rebuilt from the snapshot just taken, with nothing to repeat.
        """
        self.drain()
        for handle in self._pool.grow(len(self._slots)):
            self._slots.append(_Slot(handle, handle.name))
            self.messages.append(f"{handle.name} joined")
        share, extra = divmod(self.num_islands, len(self._slots))
        ordered = sorted(self._slots, key=lambda s: -len(s.islands))  # the fullest keep the extra islands
        want = {id(slot): share + (i < extra) for i, slot in enumerate(ordered)}
        leaving = []
        for slot in ordered:
            while len(slot.islands) > want[id(slot)]:
                island = max(slot.islands)
                slot.islands.remove(island)
                slot.known.pop(island, None)
                slot.outbox.append((island, "drop", ()))
                slot.outbox_keys.append((None, island))
                self._flush(slot)
                leaving.append(island)
        moved: dict[int, list[int]] = {}
        for island in sorted(leaving):
            target = next(s for s in ordered if len(s.islands) < want[id(s)])
            self._place(island, target)
            moved.setdefault(id(target), []).append(island)
        for slot in self._slots:
            if id(slot) in moved:
                self.messages.append(f"{_plural('island', moved[id(slot)])} moved to {slot.name}")

    def keep_snapshots_in(self, path: str | os.PathLike[str]) -> None:
        """Read the islands' snapshots from ``path`` (a checkpoint of :attr:`state` just written or loaded).

        The coordinator then holds no copy of the islands' states taken
        then: a moved island reads its own from the file, until a later
        snapshot of it (``snapshot_every_s``) replaces it.
        """
        for k in range(self.num_islands):
            if self._base[k] == self._checkpoint_op:
                self._snapshots[k], self._owned[k], self._unapplied[k] = Path(path), False, []

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
        return decode(from_layout(s["best_i"], s["best_f"], s["best_sizes"]))

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
        """The whole model's state: the coordinator's and every island's (fetched from the workers).

        It is also every island's snapshot: an island that moves from now on
        starts from it (or from a later one).
        """
        self.drain()
        islands = self._all("state")
        self._snapshots_taken(islands)
        out = {f"islands/{name}": array.copy() for name, array in self._state.items()}
        for k, island in enumerate(islands):
            out.update({f"island{k}/{name}": array for name, array in island.items()})
        return out

    def load_state_dict(self, state: Mapping[str, np.ndarray]) -> None:
        """Restore a state from :attr:`state` (the same config and W; any number of workers)."""
        found = {name.split("/")[0] for name in state}
        expected = {"islands", *(f"island{k}" for k in range(self.num_islands))}
        if found != expected:
            raise ValueError(
                f"the checkpoint holds {len(found - {'islands'})} islands but this run has {self.num_islands}; "
                "W is fixed for a run (islands.count)"
            )
        for name in self._state:
            self._state[name] = np.array(state[f"islands/{name}"])
        per_island = [
            {name.split("/", 1)[1]: array for name, array in state.items() if name.startswith(f"island{k}/")}
            for k in range(self.num_islands)
        ]
        self._all("load", [(island,) for island in per_island])
        self._snapshots_taken(per_island)
        self._stats = [{} for _ in range(self.num_islands)]
        self.discoveries.clear()

    def _snapshots_taken(self, islands: Sequence[Mapping[str, np.ndarray]]) -> None:
        """Every island's state, with nothing in flight: they are the snapshots, and no call needs repeating."""
        self._snapshots = list(islands)
        self._owned = [False] * self.num_islands  # the caller's too
        self._unapplied = [[] for _ in range(self.num_islands)]
        self._base = [self._next_op] * self.num_islands
        for slot in self._slots:  # their islands' changes count from these states
            slot.known = dict.fromkeys(slot.islands, self._next_op)
        self._snapshot_individuals = [int(self._state["per_island"][0])] * self.num_islands
        self._checkpoint_op = self._next_op
        self._log.clear()

    def close(self) -> None:
        """Stop the workers (rounds in flight are abandoned)."""
        self._calls.clear()
        for slot in self._slots:
            with contextlib.suppress(Exception):
                slot.handle.close()
        self._slots = []
        self._pool.close()

    def __enter__(self) -> IslandModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plural(word: str, items: Sequence[int]) -> str:
    return f"{word}{'s' if len(items) > 1 else ''} {', '.join(map(str, items))}"
