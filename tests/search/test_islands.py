"""The island model: W populations, migration, local processes and Ray actors."""

from __future__ import annotations

import os
import signal
from typing import Any

import numpy as np
import pytest

from automl_zero.search.evolution import EvolutionConfig, RegularizedEvolution, _from_layout
from automl_zero.search.islands import IslandModel, IslandsConfig, IslandWorker, WorkerError, _InProcess
from automl_zero.search.space import SearchSpace
from automl_zero.tasks import linear_regression_tasks
from automl_zero.vm.compiled import CompiledExecutor

SPACE = SearchSpace(sizes=(4, 2, 5))
TASKS = linear_regression_tasks(4, 4, 20, 20, seed=3)
CONFIG = EvolutionConfig(population_size=50, tournament_size=5, seed=7)


def in_process(index: int, args: tuple[Any, ...]) -> _InProcess:
    return _InProcess(IslandWorker(*args))


def model(workers: int, *, local: bool = False, interval: int = 1000, migrants: int = 3) -> IslandModel:
    islands = IslandsConfig(workers=workers, migration_interval=interval, migrants=migrants)
    return IslandModel(SPACE, [TASKS], CONFIG, islands, make_handle=None if local else in_process)


def run(m: IslandModel, rounds: int, per_island: int = 500) -> dict[str, np.ndarray]:
    for _ in range(rounds):
        m.step(per_island)
    return m.state


def test_one_island_is_plain_regularized_evolution() -> None:
    plain = RegularizedEvolution(SPACE, TASKS, CONFIG)
    plain.step(3000)
    one = model(1)
    state = run(one, 6)
    assert one.individuals == 3000 and one.best_fitness == plain.best_fitness
    assert one.best_individual == plain.best_individual
    assert one.best_algorithm() == plain.best_algorithm()
    for name, array in plain.state.items():
        assert np.array_equal(state[f"island0/{name}"], array), name


def test_migrants_taken_at_one_migration_replace_the_oldest_at_the_next() -> None:
    m = model(2, interval=1000)
    run(m, 2)  # 1,000 individuals per island: the next round starts with a migration
    sources = [IslandWorker.emigrants(h.worker, 3) for h in m.handles]  # type: ignore[attr-defined]
    run(m, 2)  # they leave now and travel while the islands search
    assert m.state["islands/migrations"][0] == 0 and len(m.state["islands/pending_island"]) == 6
    before = [h.worker.search.state["pop_birth"].copy() for h in m.handles]  # type: ignore[attr-defined]
    m._migrate()  # 2,000: they arrive (in this process, at once)
    assert m.state["islands/migrations"][0] == 1
    for k, handle in enumerate(m.handles):
        search = handle.worker.search  # type: ignore[attr-defined]
        newest = np.flatnonzero(search.state["pop_birth"] == search.individuals)
        assert len(newest) == 3  # three migrants arrived, each born now
        assert set(np.flatnonzero(before[k] != search.state["pop_birth"])) == set(newest)
        other = sources[1 - k]  # with two islands, each sends to the other
        assert {row.tobytes() for row in search.state["pop_i"][newest]} == {row.tobytes() for row in other["ints"]}


def test_migration_happens_on_schedule_and_runs_are_deterministic() -> None:
    a, b = model(2, interval=1000), model(2, interval=1000)
    state_a = run(a, 6)
    for _ in range(6):  # the same rounds, kept in flight three at a time
        b.submit(500)
        if b.in_flight == 3:
            b.complete()
    assert b.submitted_individuals == 6000
    state_b = b.state
    # 3,000 individuals per island: migrants leave at 1,000 and 2,000; those of 1,000 arrive at 2,000
    assert a.state["islands/migrations"][0] == 1
    for name in state_a:
        assert np.array_equal(state_a[name], state_b[name]), name
    assert a.individuals == 6000
    c = model(2, interval=0)
    run(c, 6)
    assert c.state["islands/migrations"][0] == 0


def test_a_restored_model_continues_exactly() -> None:
    whole = model(2)
    run(whole, 6)
    first = model(2)
    saved = run(first, 3)
    second = model(2)
    second.load_state_dict(saved)
    run(second, 3)
    for name, array in whole.state.items():
        assert np.array_equal(second.state[name], array), name
    with pytest.raises(ValueError, match="same number of workers"):
        model(3).load_state_dict(saved)


@pytest.mark.slow
def test_local_processes_give_the_in_process_result() -> None:
    with model(2, local=True) as processes:
        pids = [h.process.pid for h in processes.handles]  # type: ignore[attr-defined]
        assert os.getpid() not in pids and len(set(pids)) == 2
        state = run(processes, 4)
    reference = run(model(2), 4)
    for name, array in reference.items():
        assert np.array_equal(state[name], array), name


@pytest.mark.slow
def test_a_dead_local_worker_is_reported() -> None:
    with model(2, local=True) as m:
        m.step(10)
        os.kill(m.handles[1].process.pid, signal.SIGKILL)  # type: ignore[attr-defined]
        with pytest.raises(WorkerError, match="island 1"):
            m.step(10)


@pytest.mark.slow
def test_ray_gives_the_local_result_and_survives_a_killed_worker() -> None:
    ray = pytest.importorskip("ray")
    from automl_zero.search.ray_backend import connect, ray_handles

    connect(None, 2)
    try:
        islands = IslandsConfig(workers=2, migration_interval=1000, migrants=3, backend="ray")
        with IslandModel(SPACE, [TASKS], CONFIG, islands, make_handle=ray_handles(None, 2)) as on_ray:
            state = run(on_ray, 4)
            reference = run(model(2), 4)
            for name, array in reference.items():
                assert np.array_equal(state[name], array), name
            # Kill one actor's process: Ray restarts it, it reloads the last state and the run goes on.
            on_ray.handles[1].send("ping")
            os.kill(on_ray.handles[1].receive(), signal.SIGKILL)
            run(on_ray, 2)
            assert on_ray.handles[1].restarts == 1  # type: ignore[attr-defined]
            assert on_ray.individuals == 6000
        with pytest.raises(ValueError, match="3 islands need 3 CPUs"):
            ray_handles(None, 3)  # Ray runs here with 2 CPUs
    finally:
        ray.shutdown()


def test_islands_search_their_own_task_sets_and_score_migrants_on_them() -> None:
    other = linear_regression_tasks(2, 4, 20, 20, seed=99)
    islands = IslandsConfig(workers=3, migration_interval=10**9, migrants=2)
    m = IslandModel(SPACE, [TASKS, other], CONFIG, islands, make_handle=in_process)
    assert [h.worker.search.tasks for h in m.handles] == [TASKS, other, TASKS]  # type: ignore[attr-defined]
    run(m, 2)
    m._migrate()  # they leave
    m.drain()
    m._migrate()  # they arrive
    for handle in m.handles:
        search = handle.worker.search  # type: ignore[attr-defined]
        for slot in np.flatnonzero(search.state["pop_birth"] == search.individuals):
            algorithm = _from_layout(
                search.state["pop_i"][slot], search.state["pop_f"][slot], search.state["pop_sizes"][slot]
            )
            own = CompiledExecutor(search.tasks, SPACE.memory, seed=search.config.seed).evaluate(algorithm)
            assert search.state["pop_fit"][slot] == own


def test_bad_islands_configs() -> None:
    with pytest.raises(ValueError, match="workers"):
        IslandsConfig(workers=0)
    with pytest.raises(ValueError, match="backend"):
        IslandsConfig(backend="slurm")
    assert IslandsConfig().num_workers == max(1, os.cpu_count() or 1)
