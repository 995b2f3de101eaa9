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
import sys
import time
from collections import deque
from collections.abc import Iterator
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

    With ``log_dir``, Ray's messages to this process (its Python log records,
    and the errors its nodes report, such as a worker that died) go to
    ``log_dir/ray.log`` instead of the run's output; its processes' own logs
    stay in Ray's session directory (``/tmp/ray/session_latest/logs`` on each node).
    """
    ray = _ray()
    log = None if log_dir is None else Path(log_dir) / "ray.log"
    if log is not None:
        _log_to(log)
    if not ray.is_initialized():
        quiet = {"log_to_driver": False, "configure_logging": False}
        # Ray's C++ core writes its notices (e.g. about token authentication) straight to file descriptor 2.
        with _stderr_to(log) if log is not None else contextlib.nullcontext():
            if address is None:
                ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False, **quiet)
            else:
                ray.init(address=address, **quiet)
    return ray


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Point file descriptor 2 (and what processes started meanwhile inherit) at ``path``."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "ab") as log:
            os.dup2(log.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _log_to(path: Path) -> None:
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("ray")
    for old in logger.handlers:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.propagate = False

    def to_file(data: dict[str, Any], ignore_prefix: bool = False) -> None:
        with open(path, "a") as f:
            for line in data.get("lines", ()):
                f.write(f"({data.get('pid', '')} {data.get('ip', '')}) {line}\n")

    # The driver prints what nodes report (e.g. "A worker died or was killed ...") through this function of
    # Ray's, whatever log_to_driver says; there is no option to send it elsewhere.
    with contextlib.suppress(ImportError, AttributeError):
        import ray._private.worker as ray_worker

        if hasattr(ray_worker, "print_to_stdstream"):
            ray_worker.print_to_stdstream = to_file


class RayHost(IslandHost):
    """The island host as a Ray actor: it also says which Ray node it runs on."""

    def where(self) -> str:
        """Which process on which node (Ray's node id) this worker is."""
        node = _ray().get_runtime_context().get_node_id()
        return f"{super().where()}, node {node[:12]}"


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
        self._actor_class = ray.remote(num_cpus=1, max_restarts=0)(RayHost)
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
