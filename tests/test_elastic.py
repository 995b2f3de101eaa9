"""Elastic islands end to end: a run that loses a worker (a local process, a Ray actor, a Ray node) finishes,
writes its report, and ends in the state of an undisturbed run with the same seed and W; resume's errors."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from automl_zero.cli import main
from automl_zero.config import ExperimentConfig, config_from_dict, dump_config
from automl_zero.experiment import CHUNK, Experiment, read_csv

W = 3


def config(workers: int, max_individuals: int = 150_000, **islands: Any) -> ExperimentConfig:
    """W=3 islands of the demo's space on small linear regression tasks, checkpointed often."""
    return config_from_dict(
        {
            "name": "elastic",
            "seed": 4,
            "memory": {"scalars": 5, "vectors": 3, "matrices": 1},
            "tasks": {
                "search": {"family": "linear_regression", "num_tasks": 4, "num_train": 20, "num_valid": 20},
                "select": {"num_tasks": 5, "num_train": 50},
                "final": {"num_tasks": 5, "num_train": 50},
            },
            "search_space": {"setup_ops": "demo", "predict_ops": "demo", "learn_ops": "demo", "sizes": [4, 2, 5]},
            "evolution": {"population_size": 50, "tournament_size": 5},
            "budget": {"max_individuals": max_individuals},
            "run": {"checkpoint_every_s": 0.1, "report_every_s": 0.05, "candidates": 3, "baselines": []},
            "islands": {"count": W, "workers": workers, "migration_interval": 2000, "migrants": 3, **islands},
        }
    )


def undisturbed(tmp_path: Path) -> dict[str, Any]:
    """The reference: the same seed and W on one worker (this process), never interrupted."""
    with Experiment.create(config(1), tmp_path / "undisturbed") as experiment:
        experiment.run()
        experiment.report()
        return outcome(experiment)


def outcome(experiment: Experiment) -> dict[str, Any]:
    """What must not depend on workers: the whole search state, the discoveries and the selected algorithm."""
    run_dir = experiment.run_dir
    return {
        "state": experiment.search.state,
        "timeline": [(row["individuals"], row["fitness"]) for row in read_csv(run_dir / "timeline.csv")],
        "selected": json.loads((run_dir / "report.json").read_text())["selected"],
    }


def assert_same(got: dict[str, Any], reference: dict[str, Any]) -> None:
    assert got["state"].keys() == reference["state"].keys()
    for name, array in reference["state"].items():
        assert np.array_equal(got["state"][name], array), name
    assert got["timeline"] == reference["timeline"]
    assert got["selected"] == reference["selected"]


def run_and_kill(experiment: Experiment, kill: Any) -> list[str]:
    """Run to the end, calling ``kill()`` once, at the first progress report after the first checkpoint."""
    messages: list[str] = []
    killed = []

    def on_progress(row: dict[str, float]) -> None:
        if not killed and (experiment.run_dir / "checkpoint.npz").exists():
            killed.append(row["individuals"])
            kill()

    experiment.warm_up()
    experiment.run(on_progress=on_progress, on_message=messages.append)
    experiment.report()
    assert killed and killed[0] < config(1).budget.max_individuals  # it died mid-run
    return messages


def worker_pids(experiment: Experiment) -> list[int]:
    """Process ids of the workers, from their names (``pid N on ...``, known once they built their islands)."""
    experiment.warm_up()
    return [int(re.search(r"pid (\d+)", slot.name).group(1)) for slot in experiment.search._slots]  # type: ignore[union-attr]


def test_resume_says_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resume", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    config_file = tmp_path / "small.yaml"
    config_file.write_text(dump_config(config(1, max_individuals=3000)))
    assert main(["run", str(config_file), "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    assert main(["resume", str(tmp_path / "run")]) == 2  # finished, with its report: nothing to do
    err = capsys.readouterr().err
    assert "no budget left" in err and "3,000 individuals" in err and "--max-individuals" in err
    # W stays the run's on any number of workers: 3 islands on 2 processes.
    assert main(["resume", str(tmp_path / "run"), "--max-individuals", "6000", "--workers", "2"]) == 0
    assert "3 islands on 2 local workers" in capsys.readouterr().out
    with Experiment.open(tmp_path / "run") as resumed:
        assert resumed.search.individuals == 6000 and resumed.config.islands.workers == 2


def repeated(message: str) -> int:
    """The individuals a loss repeats, as its message says."""
    found = re.search(r"\(repeating ([\d,]+) individuals\)$", message)
    assert found, message
    return int(found.group(1).replace(",", ""))


@pytest.mark.slow
def test_a_local_worker_killed_with_sigkill_costs_no_result(tmp_path: Path) -> None:
    reference = undisturbed(tmp_path)
    # The default snapshots (with every message): the lost island repeats only its rounds in flight (at most 32).
    assert config(2).islands.snapshot_every_s == 0
    with Experiment.create(config(2), tmp_path / "killed") as experiment:
        pids = worker_pids(experiment)
        assert len(set(pids)) == 2 and os.getpid() not in pids
        messages = run_and_kill(experiment, lambda: os.kill(pids[1], signal.SIGKILL))
        assert experiment.search.lost_workers == 1 and experiment.search.placement() == [[0, 1, 2]]
        (lost,) = [m for m in messages if m.startswith("lost")]
        assert f"pid {pids[1]}" in lost and "exit code -9" in lost and "Continuing island 1 on local worker 0" in lost
        # (None when the worker had answered every round sent to it before it died.)
        assert repeated(lost) == experiment.search.repeated_individuals <= 32 * CHUNK
        assert_same(outcome(experiment), reference)
    assert (tmp_path / "killed" / "report.md").is_file()


@pytest.mark.slow
def test_a_killed_ray_actor_costs_no_result(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    reference = undisturbed(tmp_path)
    try:
        with Experiment.create(config(2, backend="ray"), tmp_path / "ray") as experiment:
            pids = worker_pids(experiment)
            messages = run_and_kill(experiment, lambda: os.kill(pids[0], signal.SIGKILL))
            # Ray may restart the actor, and a later checkpoint then spreads the islands over both again.
            assert experiment.search.lost_workers == 1
            assert sorted(i for islands in experiment.search.placement() for i in islands) == [0, 1, 2]
            (lost,) = [m for m in messages if m.startswith("lost")]
            assert lost.startswith("lost Ray actor 0") and "Continuing islands 0, 2 on Ray actor 1" in lost
            assert repeated(lost) <= 2 * 32 * CHUNK  # two islands, each at most its rounds in flight
            assert_same(outcome(experiment), reference)
    finally:
        ray.shutdown()
    assert (tmp_path / "ray" / "report.md").is_file()
    assert (tmp_path / "ray" / "ray.log").is_file()


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@contextlib.contextmanager
def ray_cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, subprocess.Popen[bytes], int]]:
    """A head and a second node, each `ray start --block` in a session of its own, on ports of their own.

    Yields the head's address, the second node's process and its node manager port; stops only what it started.
    """
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")  # `ray start --head` would require a token otherwise
    ray_command = str(Path(sys.executable).with_name("ray"))
    temp_dir = tempfile.mkdtemp(prefix="az-ray-", dir="/tmp")  # short: Ray's socket paths must fit
    ports = _free_ports(9)
    address = f"{socket.gethostbyname(socket.gethostname())}:{ports[0]}"
    common = ["--num-cpus=1", "--block", "--disable-usage-stats"]
    nodes = []

    def start(*args: str, agent: int, manager: int, objects: int, metrics: int) -> subprocess.Popen[bytes]:
        command = [ray_command, "start", *args, *common, f"--node-manager-port={manager}"]
        command += [f"--object-manager-port={objects}", f"--dashboard-agent-listen-port={agent}"]
        command += [f"--metrics-export-port={metrics}"]
        log = open(Path(temp_dir) / f"node{len(nodes)}.log", "wb")  # noqa: SIM115 (the node keeps it)
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        nodes.append(process)
        return process

    try:
        start(
            "--head",
            f"--port={ports[0]}",
            "--include-dashboard=false",
            f"--temp-dir={temp_dir}",
            agent=ports[1],
            manager=ports[2],
            objects=ports[3],
            metrics=ports[4],
        )
        deadline = time.monotonic() + 180
        while subprocess.run([ray_command, "status", f"--address={address}"], capture_output=True).returncode:
            assert time.monotonic() < deadline and nodes[0].poll() is None, "the head did not start"
            time.sleep(1)
        second = start(f"--address={address}", agent=ports[5], manager=ports[6], objects=ports[7], metrics=ports[8])
        status = [ray_command, "status", f"--address={address}"]
        while "/2.0 CPU" not in subprocess.run(status, capture_output=True, text=True).stdout:  # it joined
            assert time.monotonic() < deadline and second.poll() is None, "the second node did not join"
            time.sleep(1)
        yield address, second, ports[6]
    finally:
        for process in nodes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in nodes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(temp_dir, ignore_errors=True)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux: from /proc), found before any of them dies."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            children.setdefault(int(stat.read_text().rsplit(")", 1)[1].split()[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds a node's processes in /proc")
def test_a_run_survives_losing_a_node_of_a_real_ray_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ray")
    reference = undisturbed(tmp_path)
    with ray_cluster(monkeypatch) as (address, second, _):
        config_file = tmp_path / "cluster.yaml"
        config_file.write_text(dump_config(config(2, backend="ray", address=address)))
        run_dir = tmp_path / "cluster"
        # The run as a user starts it (its own process, its own Ray driver), on the head and the second node.
        command = [sys.executable, "-m", "automl_zero", "run", str(config_file), "--out", str(run_dir)]
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 240
            while not (run_dir / "checkpoint.npz").exists():  # a checkpoint: the search is under way
                assert run.poll() is None and time.monotonic() < deadline, "the run did not start"
                time.sleep(0.02)
            for pid in descendants(second.pid):  # the second machine dies: all its processes
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            output, _ = run.communicate(timeout=300)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    assert run.returncode == 0, output
    assert re.search(
        r"lost Ray actor \d, pid \d+ on .*: its actor is gone .*Continuing islands? [\d, ]+ on Ray actor", output
    )
    assert "(raylet)" not in output and "[state-dump]" not in output  # Ray's logs are not the run's output
    assert (run_dir / "report.md").is_file() and (run_dir / "ray.log").is_file()
    with np.load(run_dir / "checkpoint.npz") as final:
        state = {name: final[name] for name in final.files if name != "__meta__"}
    timeline = [(row["individuals"], row["fitness"]) for row in read_csv(run_dir / "timeline.csv")]
    selected = json.loads((run_dir / "report.json").read_text())["selected"]
    assert_same({"state": state, "timeline": timeline, "selected": selected}, reference)
