"""The island model: W populations, migration, local processes and Ray actors."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from automl_zero.search.evolution import EvolutionConfig, RegularizedEvolution, StateChanges, from_layout
from automl_zero.search.islands import (
    SNAPSHOT_EVERY_S,
    IslandModel,
    IslandsConfig,
    IslandWorker,
    LocalPool,
    WorkerHandle,
    WorkerLost,
    _InProcess,
)
from automl_zero.search.space import SearchSpace
from automl_zero.tasks import Task, linear_regression_tasks
from automl_zero.vm.compiled import CompiledExecutor

SPACE = SearchSpace(sizes=(4, 2, 5))
TASKS = linear_regression_tasks(4, 4, 20, 20, seed=3)
CONFIG = EvolutionConfig(population_size=50, tournament_size=5, seed=7)


class Doomed(_InProcess):
    """A worker in this process that is lost (as if it died) at its ``fate``-th message."""

    in_process = False  # as if it were elsewhere: it can be lost, and its islands are snapshotted

    def __init__(self, name: str, fate: int | None) -> None:
        super().__init__()
        self.name, self.fate, self.messages = name, fate, 0

    def receive(self, timeout: float) -> list[Any]:
        self.messages += 1
        if self.fate is not None and self.messages >= self.fate:
            raise WorkerLost("killed by the test")
        return super().receive(timeout)


class Pool(LocalPool):
    """Workers in this process, any number of them; ``fates[i]``: when worker i is lost; ``joining``: added later."""

    def __init__(self, fates: Sequence[int | None] = (), joining: int = 0) -> None:
        super().__init__()
        self.fates, self.joining, self.made = list(fates), joining, 0

    def _worker(self, fate: int | None = None) -> Doomed:
        self.made += 1
        return Doomed(f"worker {self.made - 1}", fate)

    def start(self, num_islands: int, workers: int | None) -> list[WorkerHandle]:
        return [self._worker(fate) for fate in self.fates]

    def replace(self) -> WorkerHandle:
        return self._worker()

    def grow(self, current: int) -> list[WorkerHandle]:
        made, self.joining = [self._worker() for _ in range(self.joining)], 0
        return list(made)


def model(
    islands: int,
    *,
    workers: int = 1,
    interval: int = 1000,
    migrants: int = 3,
    pool: LocalPool | None = None,
    round_timeout_s: float | None = None,
    snapshot_every_s: float | None = None,
) -> IslandModel:
    """W=``islands``; in this process unless ``workers`` > 1 (local processes) or a pool is given.

    Snapshots only at checkpoints unless ``snapshot_every_s`` says otherwise (the default's depend on timing).
    """
    setting = IslandsConfig(
        count=islands,
        workers=workers,
        migration_interval=interval,
        migrants=migrants,
        round_timeout_s=round_timeout_s,
        snapshot_every_s=snapshot_every_s,
    )
    return IslandModel(SPACE, [TASKS], CONFIG, setting, pool=pool)


def hosted(m: IslandModel) -> dict[int, IslandWorker]:
    """Every island of a model whose workers run in this process."""
    return {k: w for slot in m._slots for k, w in slot.handle.host.islands.items()}  # type: ignore[attr-defined]


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
    islands = hosted(m)
    sources = [islands[k].emigrants(3) for k in range(2)]
    run(m, 2)  # they leave now and travel while the islands search
    assert m.state["islands/migrations"][0] == 0 and len(m.state["islands/pending_island"]) == 6
    before = [islands[k].search.state["pop_birth"].copy() for k in range(2)]
    m._migrate()  # 2,000: they arrive (in this process, at once)
    assert m.state["islands/migrations"][0] == 1
    for k in range(2):
        search = islands[k].search
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
    with pytest.raises(ValueError, match="W is fixed"):
        model(3).load_state_dict(saved)


def assert_same(state: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> None:
    assert state.keys() == reference.keys()
    for name, array in reference.items():
        assert np.array_equal(state[name], array), name


def test_placement_does_not_change_the_result() -> None:
    reference = run(model(3), 8)  # migrations at 1,000, 2,000 and 3,000 individuals per island
    assert reference["islands/migrations"][0] == 2
    spread = model(3, pool=Pool([None, None]))
    assert spread.placement() == [[0, 2], [1]]
    assert_same(run(spread, 8), reference)


def test_lost_workers_cost_no_result() -> None:
    reference = run(model(3), 8)
    # Worker 1 is lost at its 8th message, after a snapshot (the state taken after 3 rounds): its island is
    # rebuilt on worker 0 from the snapshot and repeats the calls made since.
    m = model(3, pool=Pool([None, 8]))
    run(m, 3)
    state = run(m, 5)
    assert m.lost_workers == 1 and m.num_workers == 1 and m.placement() == [[0, 1, 2]]
    (message,) = m.messages
    assert message.startswith("lost worker 1, pid") and "killed by the test. Continuing island 1 on worker 0" in message
    # Snapshots only at checkpoints: the round completed since the snapshot is repeated too.
    assert message.endswith("from their state at 1,500 individuals per island (repeating 1,000 individuals)")
    assert m.repeated_individuals == 1000
    assert_same(state, reference)
    # Every worker lost, before any snapshot: a new one rebuilds the islands from the start.
    alone = model(3, pool=Pool([4]))
    assert_same(run(alone, 8), reference)
    assert alone.lost_workers == 1 and alone.placement() == [[0, 1, 2]]
    assert "from their state at 0 individuals per island" in alone.messages[0]


def run_in_flight(m: IslandModel, rounds: int, depth: int, per_island: int = 500) -> int:
    """``rounds`` rounds kept ``depth`` in flight, as a run does; return the rounds in flight when a worker was lost."""
    most = 0

    def watch(call: Any, *args: Any) -> None:
        nonlocal most
        lost, in_flight = m.lost_workers, m.in_flight
        call(*args)
        if m.lost_workers > lost:
            most = max(most, in_flight)

    for _ in range(rounds):
        watch(m.submit, per_island)
        while m.in_flight >= depth:
            watch(m.complete)
    while m.in_flight:
        watch(m.complete)
    return most


@pytest.mark.parametrize("fate", [9, 14, 23])
def test_with_a_snapshot_after_every_round_a_loss_repeats_only_the_rounds_in_flight(fate: int) -> None:
    reference = run(model(3), 16)  # migrations at every 1,000 individuals per island
    depth = 4
    m = model(3, pool=Pool([None, fate]), snapshot_every_s=0)
    run(m, 3)  # a checkpoint at 1,500 individuals per island
    in_flight = run_in_flight(m, 13, depth)
    assert m.lost_workers == 1 and m.placement() == [[0, 1, 2]]
    # Island 1 repeats at most the rounds that were in flight when its worker was lost, not those since the checkpoint.
    assert 0 < in_flight <= depth and 500 <= m.repeated_individuals <= in_flight * 500
    (message,) = m.messages
    assert message.endswith(f"individuals per island (repeating {m.repeated_individuals:,} individuals)")
    # Only the calls after the oldest snapshot are kept (here the rebuilt island's, if lost in the last rounds).
    assert min(m._log, default=m._next_op) >= min(m._base) and len(m._log) <= 2 * depth
    assert_same(m.state, reference)


def test_without_snapshots_between_checkpoints_a_loss_repeats_everything_since_the_last() -> None:
    reference = run(model(3), 16)
    m = model(3, pool=Pool([None, 23]), snapshot_every_s=None)
    run(m, 3)
    run_in_flight(m, 13, 4)
    assert m.lost_workers == 1
    assert "from their state at 1,500 individuals per island" in m.messages[0]  # the checkpoint
    assert m.repeated_individuals > 4 * 500
    assert_same(m.state, reference)


def test_snapshots_follow_each_islands_search_time_and_the_log_keeps_only_what_a_move_needs() -> None:
    m = model(3, pool=Pool([None, None]), snapshot_every_s=0)
    run_in_flight(m, 20, 4)
    # Every round was followed by a snapshot of each island: nothing of the 20 rounds needs repeating.
    assert m._base == [m._next_op] * 3 and len(m._log) == 0
    assert [m._snapshot_individuals[k] for k in range(3)] == [10_000] * 3
    never = model(3, pool=Pool([None, None]), snapshot_every_s=1e9)
    run_in_flight(never, 20, 4)
    assert never._snapshot_individuals == [0, 0, 0] and len(never._log) >= 20  # the start, and every call since
    in_process = model(3, snapshot_every_s=0)  # this process is never lost: no snapshots between checkpoints
    run_in_flight(in_process, 4, 2)
    assert in_process._snapshot_individuals == [0, 0, 0]


def assert_snapshots_are_the_islands_states(m: IslandModel) -> None:
    """With nothing in flight, every island's snapshot is its state now, to the bit."""
    assert m._base == [m._next_op] * m.num_islands and len(m._log) == 0
    islands = hosted(m)
    for k in range(m.num_islands):
        snapshot = m._snapshot(k)
        assert snapshot is not None and snapshot.keys() == islands[k].search.state.keys()
        for name, array in islands[k].search.state.items():
            assert snapshot[name].dtype == array.dtype and np.array_equal(snapshot[name], array), (k, name)


def test_by_default_every_message_brings_the_islands_changes_and_snapshots_stay_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert IslandsConfig().snapshot_every_s == SNAPSHOT_EVERY_S == 0
    answers: list[tuple[int, str]] = []
    take = IslandModel._take_snapshot

    def record(self: IslandModel, key: Any, answer: Any) -> None:
        answers.append((key.island, "changes" if isinstance(answer, StateChanges) else "whole"))
        take(self, key, answer)

    monkeypatch.setattr(IslandModel, "_take_snapshot", record)
    reference = run(model(3), 16)
    m = model(3, pool=Pool([None, None]), snapshot_every_s=SNAPSHOT_EVERY_S)
    run_in_flight(m, 10, 4)
    assert_snapshots_are_the_islands_states(m)
    # The first snapshot of an island started afresh is its whole state; the others are its changes since.
    assert [kind for k, kind in answers if k == 1][:2] == ["whole", "changes"]
    assert {kind for _, kind in answers[3:]} == {"changes"}
    assert len(answers) > 3 * 3
    # After a checkpoint (and its reload), changes count from the states the checkpoint took.
    saved = m.state
    answers.clear()
    run_in_flight(m, 6, 4)
    assert answers and {kind for _, kind in answers} == {"changes"}
    assert_snapshots_are_the_islands_states(m)
    assert saved["island0/counters"][0] == 5000  # the checkpoint's arrays are not changed by later snapshots
    assert_same(m.state, reference)


def test_changes_of_a_few_slots_each_accumulate_into_exact_snapshots() -> None:
    """Rounds of 7 individuals (P=50): each snapshot rewrites a few rows; the coordinator holds their rows back."""
    reference = model(3)
    for _ in range(40):
        reference.step(7)
    m = model(3, pool=Pool([None, None]), snapshot_every_s=0)
    run_in_flight(m, 25, 2, per_island=7)
    assert max(len(unapplied) for unapplied in m._unapplied) > 1
    assert_snapshots_are_the_islands_states(m)
    m._slots[1].handle.fate = m._slots[1].handle.messages + 2  # type: ignore[attr-defined]
    run_in_flight(m, 15, 2, per_island=7)
    assert m.lost_workers == 1
    assert_same(m.state, reference.state)


def test_islands_moved_to_new_workers_send_changes_from_the_state_they_were_given() -> None:
    reference = run(model(3), 16)
    pool = Pool([None], joining=2)
    m = model(3, pool=pool, snapshot_every_s=0)
    run_in_flight(m, 4, 3)
    m.rebalance()  # islands 1 and 2 move, from their snapshots in memory (no checkpoint)
    assert m.placement() == [[0], [1], [2]]
    run_in_flight(m, 4, 3)
    assert_snapshots_are_the_islands_states(m)
    m._slots[1].handle.fate = m._slots[1].handle.messages + 2  # type: ignore[attr-defined]
    in_flight = run_in_flight(m, 8, 3)
    assert m.lost_workers == 1 and 0 < in_flight <= 3
    assert 0 < m.repeated_individuals <= in_flight * 500  # from the snapshot its changes kept up to date
    assert_same(m.state, reference)


def test_workers_that_join_take_islands_over() -> None:
    reference = run(model(3), 8)
    pool = Pool([None], joining=2)
    m = model(3, pool=pool)
    run(m, 3)
    m.rebalance()
    assert m.placement() == [[0], [1], [2]]
    assert list(m.messages) == [
        "worker 1 joined",
        "worker 2 joined",
        "island 1 moved to worker 1",
        "island 2 moved to worker 2",
    ]
    assert_same(run(m, 5), reference)


@pytest.mark.parametrize("every", [None, 0])
def test_snapshots_can_stay_in_the_checkpoint_file(tmp_path: Any, every: float | None) -> None:
    reference = run(model(3), 8)
    m = model(3, pool=Pool([None, 8]), snapshot_every_s=every)  # lost in its second round after the checkpoint
    saved = run(m, 3)
    np.savez(tmp_path / "checkpoint.npz", **saved)  # type: ignore[arg-type]
    m.keep_snapshots_in(tmp_path / "checkpoint.npz")
    assert all(isinstance(snapshot, type(tmp_path)) for snapshot in m._snapshots)
    assert_same(run(m, 5), reference)
    assert m.lost_workers == 1
    # From the file (1,500), or from the snapshot taken after the round before the loss (2,000).
    expected = (
        "1,500 individuals per island (repeating 1,000"
        if every is None
        else "2,000 individuals per island (repeating 500"
    )
    assert f"from their state at {expected} individuals)" in m.messages[0]


@pytest.mark.slow
def test_local_processes_give_the_in_process_result_and_a_killed_one_costs_nothing() -> None:
    reference = run(model(3), 8)
    with model(3, workers=2) as processes:
        pids = [slot.handle.process.pid for slot in processes._slots]  # type: ignore[attr-defined]
        assert os.getpid() not in pids and len(set(pids)) == 2
        run(processes, 4)
        os.kill(pids[1], signal.SIGKILL)
        state = run(processes, 4)
        assert processes.lost_workers == 1 and processes.placement() == [[0, 1, 2]]
        assert "exit code -9" in processes.messages[0]
    assert_same(state, reference)


@pytest.mark.slow
def test_a_local_process_killed_mid_run_costs_only_the_rounds_in_flight() -> None:
    reference = run(model(3), 24)
    depth = 4
    with model(3, workers=2, snapshot_every_s=SNAPSHOT_EVERY_S) as m:  # the default: with every message
        pid = m._slots[1].handle.process.pid  # type: ignore[attr-defined]
        m.warm_up()
        run_in_flight(m, 10, depth)
        for _ in range(depth):
            m.submit(500)
        os.kill(pid, signal.SIGKILL)  # with rounds in flight, far from the start (the only snapshot of every island)
        assert run_in_flight(m, 10, depth) <= depth
        assert m.lost_workers == 1 and m.placement() == [[0, 1, 2]]
        assert "exit code -9" in m.messages[0]
        # Island 1 repeats at most the rounds in flight, here at most depth + 1 (those submitted before the kill).
        assert 0 < m.repeated_individuals <= (depth + 1) * 500
        state = m.state
    assert_same(state, reference)


def test_islands_search_their_own_task_sets_and_score_migrants_on_them() -> None:
    other = linear_regression_tasks(2, 4, 20, 20, seed=99)
    islands = IslandsConfig(count=3, workers=1, migration_interval=10**9, migrants=2)
    m = IslandModel(SPACE, [TASKS, other], CONFIG, islands)
    assert [hosted(m)[k].search.tasks for k in range(3)] == [TASKS, other, TASKS]
    run(m, 2)
    m._migrate()  # they leave
    m.drain()
    m._migrate()  # they arrive
    for island in hosted(m).values():
        search = island.search
        for slot in np.flatnonzero(search.state["pop_birth"] == search.individuals):
            algorithm = from_layout(
                search.state["pop_i"][slot], search.state["pop_f"][slot], search.state["pop_sizes"][slot]
            )
            own = CompiledExecutor(search.tasks, SPACE.memory, seed=search.config.seed).evaluate(algorithm)
            assert search.state["pop_fit"][slot] == own


def test_bad_islands_configs() -> None:
    with pytest.raises(ValueError, match="workers"):
        IslandsConfig(workers=0)
    with pytest.raises(ValueError, match="count"):
        IslandsConfig(count=0)
    with pytest.raises(ValueError, match="round_timeout_s"):
        IslandsConfig(round_timeout_s=0)
    assert IslandsConfig(workers=4).num_islands == 4  # W follows the workers unless count fixes it
    assert (IslandsConfig(count=64, workers=2).num_islands, IslandsConfig(count=64, workers=2).num_workers) == (64, 2)
    assert IslandsConfig(count=2, workers=8).num_workers == 2  # at most one worker per island
    with pytest.raises(ValueError, match="backend"):
        IslandsConfig(backend="slurm")
    assert IslandsConfig().num_workers == IslandsConfig().num_islands == max(1, os.cpu_count() or 1)


@pytest.mark.slow
def test_a_frozen_local_worker_is_lost_at_its_deadline() -> None:
    reference = run(model(3), 8)
    with model(3, workers=2, round_timeout_s=2) as m:
        run(m, 4)
        frozen = m._slots[1].handle.process.pid  # type: ignore[attr-defined]
        os.kill(frozen, signal.SIGSTOP)  # alive but silent, like a machine cut off from the network
        state = run(m, 4)
        assert m.lost_workers == 1 and m.placement() == [[0, 1, 2]]
        assert "no answer within 2 s" in m.messages[0]
    assert_same(state, reference)


@pytest.mark.slow
def test_a_frozen_local_worker_does_not_block_the_coordinator_sending_it_states() -> None:
    reference = run(model(3), 8)

    class BlockedError(Exception):  # not an OSError: nothing on the way mistakes it for a dead worker
        pass

    def stuck(signum: int, frame: Any) -> None:
        raise BlockedError("the coordinator blocked on a frozen worker")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(300)
    try:
        with model(3, workers=2, round_timeout_s=2) as m:
            saved = run(m, 4)
            assert sum(array.nbytes for name, array in saved.items() if name.startswith("island1/")) > 4_000_000
            frozen = m._slots[1].handle.process.pid  # type: ignore[attr-defined]
            os.kill(frozen, signal.SIGSTOP)  # alive, reading nothing: a state does not fit in the pipe
            m.load_state_dict(saved)  # megabytes to each worker, whose pipes hold a fraction of them
            state = run(m, 4)
            assert m.lost_workers == 1 and m.placement() == [[0, 1, 2]]
            assert "no answer within 2 s" in m.messages[0]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert_same(state, reference)


def test_islands_redraw_their_tasks_and_a_restored_model_continues_exactly() -> None:
    def draws(k: int) -> list[Task]:
        return linear_regression_tasks(4, 4, 20, 20, seed=(9, k))

    def redrawing() -> IslandModel:
        config = dataclasses.replace(CONFIG, redraw_tasks_every=700)
        setting = IslandsConfig(count=2, workers=1, migration_interval=1000)
        return IslandModel(SPACE, [TASKS], config, setting, draws=[draws])

    whole = redrawing()
    run(whole, 6)
    assert [t.name for t in hosted(whole)[1].search.tasks] == [t.name for t in draws(4)]  # 3,000 individuals
    first = redrawing()
    saved = run(first, 3)
    second = redrawing()
    second.load_state_dict(saved)
    run(second, 3)
    assert_same(second.state, whole.state)
    assert not np.array_equal(run(model(2), 6)["island0/pop_i"], whole.state["island0/pop_i"])
