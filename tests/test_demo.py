"""The demo: runs, reports progress, stops on time, and rediscovers linear regression."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from automl_zero import demo
from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize, parse
from automl_zero.cli import main
from automl_zero.demo import Progress, run_demo
from automl_zero.search.evolution import EvolutionConfig, RegularizedEvolution, budget_from_reference
from automl_zero.search.space import SearchSpace
from automl_zero.tasks import linear_regression_tasks


@pytest.mark.parametrize(("max_seconds", "chunks"), [(0.5, 1), (2.0, 3)])
def test_demo_stops_at_the_first_check_past_its_time_budget(
    monkeypatch: pytest.MonkeyPatch, max_seconds: float, chunks: int
) -> None:
    """A clock that advances one second per chunk of the search: the demo checks it after every chunk."""
    clock = [0.0]

    class OneSecondPerChunk(RegularizedEvolution):
        def step(self, cycles: int) -> None:
            super().step(cycles)
            clock[0] += 1.0

    monkeypatch.setattr(demo, "RegularizedEvolution", OneSecondPerChunk)
    monkeypatch.setattr(demo, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    seen: list[Progress] = []
    result = run_demo(seed=0, max_seconds=max_seconds, progress=seen.append)
    assert [p.elapsed_s for p in seen] == [float(k) for k in range(1, chunks + 1)]
    assert [p.individuals for p in seen] == [demo.CHUNK * k for k in range(1, chunks + 1)]
    assert result.seconds == chunks and result.individuals == chunks * demo.CHUNK
    assert result.experiments == 1 and result.individuals == seen[-1].total_individuals
    assert result.algorithm is not None and len(result.select_history) == 1
    assert seen[-1].fec_hit_rate > 0.5


def test_demo_ends_an_experiment_once_it_succeeds() -> None:
    """Seed 3 finds linear regression early in its first experiment; the demo stops there, not at 2e8 steps."""
    result = run_demo(seed=3, max_seconds=300)
    assert result.success and result.experiments == 1 and result.select_history == [result.select_fitness]
    assert result.search_fitness > demo.SUFFICIENT_FITNESS and result.select_fitness > demo.SUFFICIENT_FITNESS
    # An experiment of 2e8 training steps holds about a million individuals.
    assert result.individuals < 500_000


@pytest.mark.slow
def test_demo_runs_experiments_out_as_the_original_does() -> None:
    """--full-experiments: the same first experiment, run to its 2e8 training steps, succeeds too."""
    early = run_demo(seed=3, max_seconds=300)
    full = run_demo(seed=3, max_seconds=300, stop_at_success=False)
    assert full.success and full.experiments == 1
    assert full.individuals > 2 * early.individuals and full.individuals % demo.CHUNK == 0
    assert full.final_fitness > demo.SUFFICIENT_FITNESS


@pytest.mark.slow
def test_demo_rediscovers_linear_regression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Seed 4 succeeds in its first experiment (about 1.5 million individuals) and saves what it found."""
    best = tmp_path / "best.txt"
    status = main(["demo", "--seed", "4", "--max-seconds", "300", "--out", str(best)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "Success after" in out and "T_final 1.0000" in out
    assert str(parse(best.read_text())) in out
    assert f"best algorithm written to {best}" in out


def test_demo_writes_its_best_algorithm_and_overwrites_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    clock = [0.0]

    class OneSecondPerChunk(RegularizedEvolution):
        def step(self, cycles: int) -> None:
            super().step(cycles)
            clock[0] += 1.0

    monkeypatch.setattr(demo, "RegularizedEvolution", OneSecondPerChunk)
    monkeypatch.setattr(demo, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    assert main(["demo", "--seed", "3", "--max-seconds", "0.5"]) == 1  # no success in one chunk
    out = capsys.readouterr().out
    assert "best algorithm written to demo-seed3.txt" in out
    assert str(parse((tmp_path / "demo-seed3.txt").read_text())) in out
    before = (tmp_path / "demo-seed3.txt").read_text()
    assert main(["demo", "--seed", "3", "--max-seconds", "0.5"]) == 2  # refused before any search
    assert "demo-seed3.txt already exists; pass --force" in capsys.readouterr().err
    assert (tmp_path / "demo-seed3.txt").read_text() == before
    assert main(["demo", "--seed", "5", "--max-seconds", "0.5", "--out", "demo-seed3.txt", "--force"]) == 1
    assert (tmp_path / "demo-seed3.txt").read_text() != before


def test_demo_rejects_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--max-seconds", "-2.5"]) == 2
    assert "--max-seconds must be positive, got -2.5" in capsys.readouterr().err


def test_budget_from_reference_scales_its_cost() -> None:
    space = SearchSpace()
    tasks = linear_regression_tasks(10, 4, 100, 100)
    budget = budget_from_reference(REFERENCE_LINEAR_REGRESSION, tasks, SearchSpace(memory=MemorySize(5, 3, 1)), 2.0)
    assert budget == 2 * (100 * 14 + 100 * 4 + 1)
    search = RegularizedEvolution(space, tasks, EvolutionConfig(population_size=20, tournament_size=2, max_cost=budget))
    search.step(100)
    assert search.individuals == 100


def test_task_sets_of_different_roles_differ() -> None:
    search = linear_regression_tasks(1, 4, 5, 5, seed=(0, 100010, 10))
    select = linear_regression_tasks(1, 4, 5, 5, seed=(1, 100010, 10))
    assert not (search[0].train_x == select[0].train_x).all()
    with pytest.raises(ValueError, match="non-negative"):
        linear_regression_tasks(1, seed=-1)


def test_the_search_and_the_selection_share_one_compiled_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first run compiles a single evaluation: the demo's ops, 10 tasks of 4 features."""
    from automl_zero.vm.compiled import CompiledExecutor, evaluation_signature

    executors: list[CompiledExecutor] = []
    searches: list[RegularizedEvolution] = []

    class Executor(CompiledExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            executors.append(self)

    class Search(RegularizedEvolution):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            searches.append(self)

    monkeypatch.setattr(demo, "CompiledExecutor", Executor)
    monkeypatch.setattr(demo, "RegularizedEvolution", Search)
    run_demo(seed=0, max_seconds=0.01)
    evaluation = searches[-1].evaluation()
    assert {search.evaluation().dispatcher for search in searches} == {evaluation.dispatcher}
    assert {search.evaluation().signature() for search in searches} == {evaluation.signature()}
    for executor in executors:  # T_select (and T_final), in batches of 10 tasks
        assert executor._evaluate is evaluation.dispatcher
        assert {evaluation_signature(batch) for batch in executor._batches} == {evaluation.signature()}


def test_the_demo_can_search_on_fresh_task_draws() -> None:
    """evolution.redraw_tasks_every: each experiment redraws its T_search from streams of its own."""
    config = EvolutionConfig(redraw_tasks_every=5000)
    result = run_demo(seed=0, max_seconds=0.01, config=config)  # one chunk of 10,000 individuals: two draws
    assert result.individuals == demo.CHUNK and result.algorithm is not None
    search = linear_regression_tasks(10, 4, 100, 100, seed=(0, 0, 1))
    drawn = [demo.search_draws(0, 1)(k) for k in (1, 2)] + [demo.search_draws(0, 2)(1)]
    names = {t.name for t in search} | {t.name for tasks in drawn for t in tasks}
    assert len(names) == 40
