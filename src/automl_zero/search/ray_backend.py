"""Islands on Ray actors: the island model on a Ray cluster (an optional extra).

``pip install "automl-zero[ray]"``. Each worker is an actor with one CPU
running :class:`~automl_zero.search.islands.IslandHost`, which hosts one or
more islands; the coordinator (:class:`~automl_zero.search.islands.IslandModel`)
drives them exactly as it drives local processes, so results equal the local
backend's for the same seed and W, however many actors there are.

An actor that dies, or whose node dies, is dropped at once (Ray reports it
unavailable within seconds; the coordinator's deadline catches the rest): its
islands continue on the other actors from their last snapshot. New actors
are started where the cluster has room (a restarted node, a node that joined)
and take islands over at the next checkpoint. Ray's own log messages go to
``ray.log`` in the run directory, not to the run's output.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import deque
from pathlib import Path
from typing import Any

from automl_zero.search.islands import Call, IslandHost, WorkerError, WorkerHandle, WorkerLost

#: A joining actor that is not ready after this long (the cluster has no room for it after all) is given up.
JOIN_TIMEOUT_S = 600.0


def _ray() -> Any:
    try:
        import ray
    except ImportError as error:  # the extra is optional
        raise ImportError(
            'the Ray backend needs Ray: pip install "automl-zero[ray]" (or use backend: local)'
        ) from error
    return ray


def require() -> None:
    """Check that Ray is installed.

    Raises
    ------
    ImportError
        Ray is missing (the message says how to install it).

    """
    _ray()


def connect(address: str | None, num_cpus: int | None = None, log_dir: str | os.PathLike[str] | None = None) -> Any:
    """Join the Ray cluster at ``address``, or start Ray on this machine with ``num_cpus``; return ``ray``.

    Ray's Python log messages go to ``log_dir/ray.log`` (nowhere when None), and
    its processes' logs stay in Ray's session directory: none reach the run's output.
    """
    ray = _ray()
    if log_dir is not None:
        handler = logging.FileHandler(Path(log_dir) / "ray.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for name in ("ray", "ray.data", "ray.tune", "ray.rllib", "ray.train", "ray.serve"):
            logger = logging.getLogger(name)
            logger.handlers = [handler]
            logger.propagate = False
    if not ray.is_initialized():
        quiet = {"log_to_driver": False, "configure_logging": False}
        if address is None:
            ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False, **quiet)
        else:
            ray.init(address=address, **quiet)
    return ray


class RayWorker:
    """A handle on one actor: messages are remote calls of :meth:`IslandHost.run`, answered in order."""

    def __init__(self, actor: Any, name: str) -> None:
        self.actor = actor
        self.name = name
        self._refs: deque[Any] = deque()

    def send(self, calls: list[Call]) -> None:
        """Start ``run(calls)`` on the actor (an actor runs its calls in order)."""
        self._refs.append(self.actor.run.remote(calls))

    def receive(self, timeout: float) -> list[Any]:
        """The oldest call's result; :class:`WorkerLost` when the actor is gone or late."""
        ray = _ray()
        ready, _ = ray.wait([self._refs[0]], timeout=timeout)
        if not ready:
            raise WorkerLost(f"no answer within {timeout:.0f} s")
        try:
            result = ray.get(self._refs.popleft())
        except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError) as error:
            # Unavailable: its process or node is gone, or unreachable; either way the islands move on.
            raise WorkerLost(f"its actor is gone ({type(error).__name__})") from error
        except ray.exceptions.RayTaskError as error:
            raise WorkerError(str(error.cause if error.cause is not None else error)) from error
        return result

    def close(self) -> None:
        """Stop the actor."""
        with contextlib.suppress(Exception):
            _ray().kill(self.actor)


class RayPool:
    """Ray actors (one CPU each) as workers: as many as asked for and the cluster has room for.

    Parameters
    ----------
    address : str, optional
        The cluster to join; None starts Ray on this machine.
    log_dir : path, optional
        Where ``ray.log`` goes (the run directory).

    """

    def __init__(self, address: str | None = None, log_dir: str | os.PathLike[str] | None = None) -> None:
        self.address = address
        self.log_dir = log_dir
        self._want = 0
        self._started = 0
        self._actor_class: Any = None
        # Actors started to take islands over, not ready yet: (handle, ready ref, since).
        self._joining: list[tuple[RayWorker, Any, float]] = []

    def _new(self) -> RayWorker:
        self._started += 1
        return RayWorker(self._actor_class.remote(), f"Ray actor {self._started - 1}")

    def start(self, num_islands: int, workers: int | None) -> list[WorkerHandle]:
        """``workers`` actors (every CPU of the cluster when None), at most W and at most the cluster's CPUs."""
        ray = connect(self.address, workers, self.log_dir)
        # Ray must not restart a dead actor by itself: its islands continue elsewhere at once.
        self._actor_class = ray.remote(num_cpus=1, max_restarts=0)(IslandHost)
        self._want = min(num_islands, workers or num_islands)
        cpus = int(ray.cluster_resources().get("CPU", 0))
        return [self._new() for _ in range(max(1, min(self._want, cpus)))]

    def replace(self) -> WorkerHandle | None:
        """A new actor (Ray places it where there is room)."""
        return self._new()

    def grow(self, current: int) -> list[WorkerHandle]:
        """Actors started earlier that are ready now; start more where the cluster has room for them."""
        ray = _ray()
        ready: list[WorkerHandle] = []
        waiting = []
        for handle, ref, since in self._joining:
            done, _ = ray.wait([ref], timeout=0)
            if done:
                with contextlib.suppress(Exception):
                    ray.get(ref)
                    ready.append(handle)
                    continue
                handle.close()
            elif time.monotonic() - since > JOIN_TIMEOUT_S:
                handle.close()
            else:
                waiting.append((handle, ref, since))
        self._joining = waiting
        room = int(ray.available_resources().get("CPU", 0))
        while current + len(ready) + len(self._joining) < self._want and room > 0:
            handle = self._new()
            self._joining.append((handle, handle.actor.where.remote(), time.monotonic()))
            room -= 1
        return ready

    def close(self) -> None:
        """Stop the actors that did not join."""
        for handle, _, _ in self._joining:
            handle.close()
        self._joining = []
