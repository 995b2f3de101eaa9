"""Islands as Ray actors: the same island model on a Ray cluster (an optional extra).

``pip install "automl-zero[ray]"``. Each island is an actor running
:class:`~automl_zero.search.islands.IslandWorker`; the coordinator
(:class:`~automl_zero.search.islands.IslandModel`) drives them in the same
rounds as local processes, so results equal the local backend's for the same
seed and W. An actor whose process dies is restarted by Ray and reloaded from
the island's state at the last checkpoint; the calls it had in flight are
repeated and the run goes on (from then on it is no longer
bit-for-bit reproducible: that island lost the work since the checkpoint).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from automl_zero.search.islands import IslandWorker, WorkerError

#: Rounds per Ray call.
BATCH = 4


def _ray() -> Any:
    try:
        import ray
    except ImportError as error:  # the extra is optional
        raise ImportError(
            'the Ray backend needs Ray: pip install "automl-zero[ray]" (or use backend: local)'
        ) from error
    return ray


def require(address: str | None = None, num_islands: int | None = None) -> None:
    """Check that Ray is installed and, given ``num_islands``, that its cluster has a CPU per island.

    Raises
    ------
    ImportError
        Ray is missing (the message says how to install it).
    ValueError
        The cluster (joined, or started here) has fewer CPUs than islands.

    """
    _ray()
    if num_islands is not None:
        _check_cpus(connect(address, num_islands), num_islands)


def _check_cpus(ray: Any, num_islands: int) -> None:
    # Rounds wait for every island: an actor that Ray cannot place would stall the run forever.
    cpus = ray.cluster_resources().get("CPU", 0)
    if num_islands > cpus:
        raise ValueError(
            f"{num_islands} islands need {num_islands} CPUs (one actor each) but the Ray cluster has {cpus:g}: "
            f"use --workers {int(cpus)} or fewer, or add nodes"
        )


def connect(address: str | None, num_cpus: int) -> Any:
    """Join the Ray cluster at ``address``, or start Ray on this machine with ``num_cpus``; return ``ray``."""
    ray = _ray()
    if not ray.is_initialized():
        if address is None:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
    return ray


class RayIsland:
    """A handle on one island actor: send a call, receive its result, recover from a dead actor."""

    def __init__(self, index: int, args: tuple[Any, ...], actor_class: Any) -> None:
        self.index = index
        self.actor = actor_class.remote(*args)
        self.last_state: Mapping[str, np.ndarray] | None = None
        self.restarts = 0
        # Calls sent and not received yet, oldest first: (method, args, object ref).
        self._pending: deque[tuple[str, tuple[Any, ...], Any]] = deque()
        self._rounds: list[int] = []  # rounds not sent yet: they go BATCH at a time
        self._results: deque[Any] = deque()  # results of a batch, not received yet

    def send(self, method: str, *args: Any) -> None:
        """Start ``method(*args)`` on the actor (an actor runs its calls in order).

        Rounds (``step``) go to the actor :data:`BATCH` at a time, as one call:
        a Ray call costs about a millisecond, a round of the demo's search
        under ten. Any other call, or a receive that needs them, sends the
        rounds held back first.
        """
        if method == "step":
            self._rounds.append(args[0])
            if len(self._rounds) >= BATCH:
                self._send_rounds()
            return
        self._send_rounds()
        self._call(method, args)

    def _call(self, method: str, args: tuple[Any, ...]) -> None:
        self._pending.append((method, args, getattr(self.actor, method).remote(*args)))

    def _send_rounds(self) -> None:
        if self._rounds:
            self._call("steps", (self._rounds,))
            self._rounds = []

    def receive(self) -> Any:
        """The result of the oldest call; a dead actor is restarted, reloaded and its pending calls repeated."""
        if self._results:
            return self._results.popleft()
        if not self._pending:
            self._send_rounds()
        ray = _ray()
        for _attempt in range(3):
            try:
                result = ray.get(self._pending[0][2])
            except ray.exceptions.RayActorError:
                self._recover()
                calls = [(method, args) for method, args, _ in self._pending]
                self._pending.clear()
                for method, args in calls:
                    self._call(method, args)
            else:
                method = self._pending.popleft()[0]
                if method != "steps":
                    return result
                self._results.extend(result)
                return self._results.popleft()
        raise WorkerError(f"island {self.index}: its Ray actor keeps dying")

    def _recover(self) -> None:
        """Wait for Ray to restart the actor, then reload the island's last checkpointed state."""
        ray = _ray()
        self.restarts += 1
        deadline = time.monotonic() + 120
        while True:
            try:
                ray.get(self.actor.ping.remote(), timeout=30)
                break
            except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as error:
                if time.monotonic() > deadline:
                    raise WorkerError(f"island {self.index}: its Ray actor did not restart") from error
                time.sleep(0.2)
        if self.last_state is not None:
            ray.get(self.actor.load.remote(self.last_state))

    def remember(self, state: Mapping[str, np.ndarray]) -> None:
        """Keep the island's state (taken at a checkpoint) to reload after a restart."""
        self.last_state = state

    def close(self) -> None:
        """Stop the actor."""
        ray = _ray()
        ray.kill(self.actor)


def ray_handles(address: str | None, num_islands: int) -> Callable[[int, tuple[Any, ...]], RayIsland]:
    """A handle factory for :class:`~automl_zero.search.islands.IslandModel` that runs islands as actors."""
    ray = connect(address, num_islands)
    _check_cpus(ray, num_islands)
    # One CPU per island; Ray restarts a dead actor (its constructor runs again) as often as needed.
    actor_class = ray.remote(num_cpus=1, max_restarts=-1)(IslandWorker)
    return lambda index, args: RayIsland(index, args, actor_class)
