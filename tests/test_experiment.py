"""Experiments end to end: the run directory, determinism, checkpoints, resume after a kill, the CLI."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, parse
from automl_zero.cli import main
from automl_zero.config import (
    BudgetConfig,
    ExperimentConfig,
    config_from_dict,
    config_to_dict,
    dump_config,
    load_config,
)
from automl_zero.experiment import (
    Experiment,
    RunDirectoryError,
    chance_level,
    read_csv,
    report_markdown,
    selection_noise,
    selection_warnings,
    summary,
)
from automl_zero.tasks.base import EvalType, Task

ROOT = Path(__file__).resolve().parents[1]


def small_config(max_individuals: int = 6000, seed: int = 0, workers: int = 1, **run: Any) -> ExperimentConfig:
    """The demo's space on small linear regression tasks: quick, and it improves often."""
    return config_from_dict(
        {
            "name": "small",
            "seed": seed,
            "memory": {"scalars": 5, "vectors": 3, "matrices": 1},
            "tasks": {
                "search": {"family": "linear_regression", "num_tasks": 4, "num_train": 20, "num_valid": 20},
                "select": {"num_tasks": 5, "num_train": 50},
                "final": {"num_tasks": 5, "num_train": 50},
            },
            "search_space": {"setup_ops": "demo", "predict_ops": "demo", "learn_ops": "demo", "sizes": [4, 2, 5]},
            "evolution": {"population_size": 50, "tournament_size": 5},
            "budget": {"max_individuals": max_individuals},
            "run": {"checkpoint_every_s": 60, "report_every_s": 0.05, "candidates": 3, **run},
            "islands": {"workers": workers, "migration_interval": 2000, "migrants": 3},
        }
    )


def timeline(run_dir: Path) -> list[tuple[int, str, str]]:
    """(individual, fitness, algorithm text) of every discovery."""
    return [
        (int(row["individuals"]), row["fitness"], (run_dir / row["algorithm"]).read_text())
        for row in read_csv(run_dir / "timeline.csv")
    ]


def run_to_end(config: ExperimentConfig, run_dir: Path) -> Experiment:
    experiment = Experiment.create(config, run_dir)
    experiment.run()
    experiment.report()
    return experiment


def test_run_writes_the_run_directory(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    experiment = run_to_end(small_config(), run_dir)
    for name in ("config.yaml", "progress.csv", "timeline.csv", "checkpoint.npz", "report.json", "report.md"):
        assert (run_dir / name).is_file(), name
    progress = read_csv(run_dir / "progress.csv")
    individuals = [int(row["individuals"]) for row in progress]
    assert individuals == sorted(individuals) and individuals[-1] == 6000
    discoveries = timeline(run_dir)
    assert len(discoveries) >= 2
    fitnesses = [float(f) for _, f, _ in discoveries]
    assert fitnesses == sorted(fitnesses) and len(set(fitnesses)) == len(fitnesses)
    for _, _, text in discoveries:
        parse(text)  # every discovery is a valid algorithm in the paper's notation
    report = experiment.report()
    selected = report["selected"]
    assert selected["algorithm"] == (run_dir / "best_algorithm.txt").read_text()
    assert 0.0 <= selected["final"] <= 1.0 and report["individuals"] == 6000
    assert set(report["baselines"]) == {"linear_regression"}
    # The selected algorithm really has the reported T_select score: the best among the candidates.
    assert selected["select"] == max(c["select"] for c in report["candidates"])
    assert "| evolved" in (run_dir / "report.md").read_text()
    assert summary(run_dir) == (run_dir / "report.md").read_text()
    # How noisy selection was: the candidates' T_select scores, and the selected one's standard error.
    assert report["chance"] == {"search": None, "select": None, "final": None}  # regression has no chance level
    scores = [c["select"] for c in report["candidates"]]
    noise = report["selection"]
    assert noise["candidates"] == len(scores) == 3
    assert (noise["min"], noise["max"], noise["spread"]) == (min(scores), max(scores), max(scores) - min(scores))
    assert noise["tasks"] == 5 and noise["std_error"] > 0.0
    assert f"spread {noise['spread']:.6f}" in (run_dir / "report.md").read_text()


def test_same_config_and_seed_discover_the_same_algorithms(tmp_path: Path) -> None:
    run_to_end(small_config(), tmp_path / "a")
    run_to_end(small_config(), tmp_path / "b")
    run_to_end(small_config(seed=1), tmp_path / "c")
    assert timeline(tmp_path / "a") == timeline(tmp_path / "b")
    assert timeline(tmp_path / "a") != timeline(tmp_path / "c")


def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    run_to_end(small_config(6000), tmp_path / "whole")
    first = Experiment.create(small_config(3000), tmp_path / "parts")
    first.run()
    resumed = Experiment.open(tmp_path / "parts", max_individuals=6000)
    assert resumed.search.individuals == 3000 and not resumed.finished
    resumed.run()
    assert timeline(tmp_path / "parts") == timeline(tmp_path / "whole")
    for name, array in Experiment.open(tmp_path / "whole").search.state.items():
        assert np.array_equal(resumed.search.state[name], array), name


def whole_and_resumed(
    config: Callable[[int], ExperimentConfig], stop: int, total: int, tmp_path: Path
) -> tuple[Experiment, Experiment]:
    """An uninterrupted run of ``total`` individuals, and one stopped at ``stop`` and resumed; same end state."""
    whole = run_to_end(config(total), tmp_path / "whole")
    first = Experiment.create(config(stop), tmp_path / "parts")
    first.run()
    first.close()
    resumed = Experiment.open(tmp_path / "parts", max_individuals=total)
    resumed.run()
    for name, array in whole.search.state.items():
        assert np.array_equal(resumed.search.state[name], array), name
    return whole, resumed


def test_a_run_with_fresh_task_draws_resumes_exactly_on_every_island(tmp_path: Path) -> None:
    """Two islands redraw T_search every 1,000 individuals; a resume continues the draws."""

    def config(individuals: int) -> ExperimentConfig:
        base = small_config(individuals)
        return dataclasses.replace(
            base,
            evolution=dataclasses.replace(base.evolution, redraw_tasks_every=1000),
            islands=dataclasses.replace(base.islands, count=2),
        )

    # Stopped between two migrations (1,250 per island, migrating every 2,000): the resumed run's rounds
    # end where the uninterrupted run's do, so it migrates at the same moments.
    whole, resumed = whole_and_resumed(config, 2500, 6000, tmp_path)
    assert timeline(tmp_path / "parts") == timeline(tmp_path / "whole")
    # Fitnesses from different draws do not compare: the final populations' fittest are candidates too.
    report = resumed.report()
    names = [c["file"] for c in report["candidates"]]
    assert sum(name.startswith("candidates/island") for name in names) == 3
    assert len({(tmp_path / "parts" / name).read_text() for name in names if name.startswith("candidates/")}) == 3
    resumed.close()
    whole.close()
    # Not the fixed T_search's run.
    fixed_evolution = dataclasses.replace(small_config().evolution, redraw_tasks_every=0)
    fixed = run_to_end(dataclasses.replace(config(6000), evolution=fixed_evolution), tmp_path / "fixed")
    fixed.close()
    assert timeline(tmp_path / "fixed") != timeline(tmp_path / "whole")


def test_digits_pairs_redraw_their_projections_and_resume_exactly(tmp_path: Path) -> None:
    """A data-set family's draws: the search pairs with fresh projections and splits, resumed exactly."""

    def config(individuals: int) -> ExperimentConfig:
        base = small_config(individuals)
        tasks = {"family": "projected_binary", "dataset": "digits", "num_features": 8, "num_tasks": 3}
        return dataclasses.replace(
            base,
            tasks=config_from_dict({"tasks": {"search": tasks, "num_select_pairs": 40}}).tasks,
            evolution=dataclasses.replace(base.evolution, redraw_tasks_every=500),
        )

    whole, resumed = whole_and_resumed(config, 1200, 3000, tmp_path)
    # The stop, mid-round, recorded the best it had (at 1,083); the uninterrupted run's round went on to 1,523
    # first. Every other row is the same.
    parts, uninterrupted = timeline(tmp_path / "parts"), timeline(tmp_path / "whole")
    assert [row for row in parts if not 1000 <= row[0] < 1200] == uninterrupted
    assert len(parts) == len(uninterrupted) + 1
    resumed.close()
    whole.close()


def test_a_failed_checkpoint_write_keeps_the_previous_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    experiment = Experiment.create(small_config(2000), tmp_path / "run")
    experiment.run()
    good = (tmp_path / "run" / "checkpoint.npz").read_bytes()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    experiment.search.step(1000)
    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        experiment.checkpoint()
    assert (tmp_path / "run" / "checkpoint.npz").read_bytes() == good
    monkeypatch.undo()
    assert Experiment.open(tmp_path / "run").search.individuals == 2000


def test_rows_after_the_last_checkpoint_are_dropped_on_resume(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    Experiment.create(small_config(3000), run_dir).run()
    kept = read_csv(run_dir / "timeline.csv")
    # A lost session appended rows after the checkpoint, one of them cut short by the kill.
    with open(run_dir / "timeline.csv", "a") as f:
        f.write("9.0,3500,0.99,10,discoveries/999999.txt\n4.0,36")
    with open(run_dir / "progress.csv", "a") as f:
        f.write("9.0,4000,1.0,0.99,0.5,0.5,1,1,1.0,10\n")
    experiment = Experiment.open(run_dir)
    assert read_csv(run_dir / "timeline.csv") == kept
    assert all(int(row["individuals"]) <= 3000 for row in read_csv(run_dir / "progress.csv"))
    assert experiment.snapshot.discoveries == len(kept)


def test_create_refuses_an_existing_run_and_open_a_non_run(tmp_path: Path) -> None:
    Experiment.create(small_config(1000), tmp_path / "run")
    with pytest.raises(RunDirectoryError, match="already holds a run"):
        Experiment.create(small_config(1000), tmp_path / "run")
    with pytest.raises(RunDirectoryError, match="not a run directory"):
        Experiment.open(tmp_path)


def _cli_run(config_file: Path, run_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "automl_zero", "run", str(config_file), "--out", str(run_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _wait_for_checkpoints(run_dir: Path, process: subprocess.Popen[str], count: int) -> None:
    """Wait until the running search has replaced its checkpoint ``count`` times."""
    seen: set[int] = set()
    deadline = time.monotonic() + 300
    while len(seen) < count:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, "no checkpoints"
        with contextlib.suppress(FileNotFoundError):
            seen.add((run_dir / "checkpoint.npz").stat().st_mtime_ns)
        time.sleep(0.05)


@pytest.mark.slow
def test_a_run_killed_with_sigkill_resumes_to_the_same_result(tmp_path: Path) -> None:
    """A real process, killed at an arbitrary moment, resumes from its last checkpoint to the same end."""
    budget = 1_500_000
    config = small_config(budget, checkpoint_every_s=0.3, report_every_s=0.5)
    config_file = tmp_path / "small.yaml"
    config_file.write_text(dump_config(config))
    killed = tmp_path / "killed"
    process = _cli_run(config_file, killed)
    _wait_for_checkpoints(killed, process, 3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    resumed = Experiment.open(killed)
    assert 0 < resumed.search.individuals < budget  # it died mid-run
    resumed.run()
    run_to_end(config, tmp_path / "whole")
    assert timeline(killed) == timeline(tmp_path / "whole")


@pytest.mark.slow
def test_ctrl_c_stops_with_a_checkpoint_and_exit_status_130(tmp_path: Path) -> None:
    config = small_config(50_000_000, checkpoint_every_s=600)
    config_file = tmp_path / "small.yaml"
    config_file.write_text(dump_config(config))
    run_dir = tmp_path / "run"
    process = _cli_run(config_file, run_dir)
    deadline = time.monotonic() + 300
    while not (run_dir / "progress.csv").exists():  # the search has started
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "automl-zero resume" in output
    experiment = Experiment.open(run_dir)
    assert experiment.snapshot.status == "interrupted" and experiment.search.individuals > 0


def test_cli_evaluate_show_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file = tmp_path / "small.yaml"
    config_file.write_text(dump_config(small_config()))
    algorithm_file = tmp_path / "sgd.txt"
    algorithm_file.write_text(str(REFERENCE_LINEAR_REGRESSION))
    assert main(["evaluate", str(algorithm_file), "--config", str(config_file)]) == 0
    out = capsys.readouterr().out
    assert "T_search" in out and "T_select" in out and "T_final" in out

    (tmp_path / "bad.yaml").write_text("evolution:\n  populaton_size: 10\n")
    assert main(["run", str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:2" in err and "population_size" in err
    assert not (tmp_path / "never").exists()  # bad input: nothing written

    (tmp_path / "broken.txt").write_text("def Setup():\n  s2 = frobnicate(s1)\n")
    assert main(["evaluate", str(tmp_path / "broken.txt"), "--config", str(config_file)]) == 2
    assert main(["evaluate", str(tmp_path / "missing.txt"), "--config", str(config_file)]) == 2
    assert main(["show", str(tmp_path)]) == 2
    assert main(["resume", str(tmp_path / "nothing")]) == 2
    assert main(["config", "--defaults"]) == 0
    assert "population_size" in capsys.readouterr().out


def test_cli_run_show_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file = tmp_path / "small.yaml"
    config_file.write_text(dump_config(small_config(3000)))
    run_dir = tmp_path / "run"
    assert main(["run", str(config_file), "--out", str(run_dir), "--max-individuals", "2000"]) == 0
    assert "T_final" in capsys.readouterr().out
    assert main(["show", str(run_dir)]) == 0
    assert "2,000 individuals" in capsys.readouterr().out
    assert main(["plot", str(run_dir)]) == 0
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == [
        "discoveries.png",
        "fitness_vs_individuals.png",
        "fitness_vs_time.png",
    ]
    assert main(["run", str(config_file), "--out", str(run_dir)]) == 2  # the directory holds a run
    # Resuming with a larger budget continues the same run.
    assert main(["resume", str(run_dir), "--max-individuals", "3000"]) == 0
    assert Experiment.open(run_dir).search.individuals == 3000


@pytest.mark.slow
def test_islands_in_local_processes_make_one_resumable_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = config_to_dict(small_config(8000))
    data["tasks"]["island_search"] = [{"family": "teacher_net"}]  # island 1 searches other tasks
    data["islands"]["migration_interval"] = 1000
    config_file = tmp_path / "islands.yaml"
    config_file.write_text(dump_config(config_from_dict(data)))
    whole = tmp_path / "whole"
    assert main(["run", str(config_file), "--out", str(whole), "--workers", "2"]) == 0
    assert "2 islands on 2 local workers, migration every 1,000" in capsys.readouterr().out
    # Half of the run, then resumed on one worker: the same discoveries and the same state as the run that never
    # stopped (W fixes the result, not the number of workers).
    config = load_config(whole / "config.yaml")
    assert config.islands.workers == 2
    with Experiment.create(dataclasses.replace(config, budget=BudgetConfig(max_individuals=4000)), tmp_path / "p") as e:
        first, second = e.task_sets.search, e.task_sets.island_search[0]
        assert first[0].name.startswith("linear_regression") and second[0].name.startswith("teacher_net")
        e.run()
        assert e.search.individuals == 4000 and e.search.state["islands/migrations"][0] == 0
        assert len(e.search.state["islands/pending_island"]) == 6  # taken at 1,000 per island, arrive at 2,000
    with Experiment.open(tmp_path / "p", workers=1, max_individuals=8000) as resumed:
        assert resumed.search.num_workers == 1 and resumed.config.islands.count == 2
        resumed.run()
        assert timeline(tmp_path / "p") == timeline(whole)
        with Experiment.open(whole) as reference:
            reference_state = reference.search.state
        for name, array in reference_state.items():
            assert np.array_equal(resumed.search.state[name], array), name
        assert resumed.search.stats()["islands"] == 2
        assert resumed.search.state["islands/migrations"][0] == 2  # at 2,000 (after the resume) and 3,000


@pytest.mark.slow
def test_a_run_on_ray_equals_the_local_run(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    config_file = tmp_path / "small.yaml"
    config_file.write_text(dump_config(small_config(4000)))
    assert main(["run", str(config_file), "--out", str(tmp_path / "local"), "--workers", "2"]) == 0
    try:
        on_ray_run = ["run", str(config_file), "--out", str(tmp_path / "ray"), "--workers", "2", "--backend", "ray"]
        assert main(on_ray_run) == 0
    finally:
        ray.shutdown()
    assert load_config(tmp_path / "ray" / "config.yaml").islands.backend == "ray"
    assert timeline(tmp_path / "ray") == timeline(tmp_path / "local")
    local, on_ray = (json.loads((tmp_path / name / "report.json").read_text()) for name in ("local", "ray"))
    assert on_ray["selected"] == local["selected"]


def test_the_ray_backend_without_ray_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails, as when the extra is not installed
    config_file = tmp_path / "small.yaml"
    config_file.write_text(dump_config(small_config(1000)))
    assert main(["run", str(config_file), "--out", str(tmp_path / "run"), "--backend", "ray"]) == 2
    assert 'pip install "automl-zero[ray]"' in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # nothing written


def a_report(selected: tuple[float, float], baselines: dict[str, tuple[float, float]], **extra: Any) -> dict[str, Any]:
    """A report as Experiment.report writes it, with (T_select, T_final) scores."""
    return {
        "name": "r",
        "seed": 0,
        "status": "finished",
        "seconds": 1.0,
        "individuals": 10,
        "individuals_per_s": 10.0,
        "fec_hit_rate": 0.0,
        "discoveries": 2,
        "task_sets": {"search": "s", "select": "s", "final": "f"},
        "selected": {
            "file": "d.txt",
            "algorithm": "def Setup():\n",
            "search": 0.7,
            "select": selected[0],
            "final": selected[1],
        },
        "candidates": [{"file": "d.txt", "select": selected[0]}, {"file": "e.txt", "select": selected[0] - 0.01}],
        "baselines": {name: {"search": 0.9, "select": v[0], "final": v[1]} for name, v in baselines.items()},
        "fitness_combination": "mean",
        **extra,
    }


def test_selection_warnings_flag_below_chance_and_below_the_weakest_baseline() -> None:
    chance = {"chance": {"search": 0.5, "select": 0.5, "final": 0.5}}
    fine = a_report((0.97, 0.96), {"logistic_regression": (0.95, 0.96), "two_layer_network": (0.97, 0.98)}, **chance)
    assert selection_warnings(fine) == []  # above chance and above the weakest baseline, below the strongest
    # The digits run of the issue: 0.635 on T_select, 0.432 on T_final beside baselines at 0.966.
    bad = a_report((0.635, 0.432), {"logistic_regression": (0.95, 0.966), "two_layer_network": (0.96, 0.97)}, **chance)
    warnings = selection_warnings(bad)
    assert warnings == [
        "the selected algorithm scores below the weakest baseline on T_select: 0.635000 < 0.950000 "
        "(logistic_regression)",
        "the selected algorithm scores below chance on T_final: 0.432000 < 0.500000 (always predicting the most "
        "frequent class); it learned nothing that generalizes",
        "the selected algorithm scores below the weakest baseline on T_final: 0.432000 < 0.966000 "
        "(logistic_regression)",
    ]
    text = report_markdown(bad)
    assert all(f"- **Warning:** {w}." in text for w in warnings)
    assert "| chance (most frequent class) | 0.500000 | 0.500000 | 0.500000 |" in text
    assert "**Warning:**" not in report_markdown(fine)
    assert "## Scores (mean fitness over each set's tasks)" in report_markdown(fine)
    median = report_markdown(a_report((0.97, 0.96), {}, fitness_combination="median"))
    assert "## Scores (median fitness over T_search's tasks, mean over T_select's and T_final's)" in median
    # A report without chance levels (regression, or written before them) compares the baselines only.
    assert selection_warnings(a_report((0.3, 0.2), {"linear_regression": (0.4, 0.1)})) == [
        "the selected algorithm scores below the weakest baseline on T_select: 0.300000 < 0.400000 (linear_regression)"
    ]


def test_show_flags_a_report_written_before_the_warnings(tmp_path: Path) -> None:
    run_dir = tmp_path / "old"
    run_dir.mkdir()
    (run_dir / "config.yaml").write_text(dump_config(small_config()))
    old = a_report((0.6, 0.5), {"linear_regression": (0.8, 0.7)})
    (run_dir / "report.json").write_text(json.dumps(old))
    (run_dir / "report.md").write_text("# the old report, without warnings\n")
    shown = summary(run_dir)
    assert "**Warning:** the selected algorithm scores below the weakest baseline on T_final" in shown
    assert "their T_select scores range from 0.590000 to 0.600000 (spread 0.010000" in shown
    (run_dir / "report.json").write_text("{not json")
    assert summary(run_dir) == "# the old report, without warnings\n"


def test_chance_level_and_selection_noise() -> None:
    x = np.zeros((4, 2))
    binary = Task(x, np.zeros(4), x, np.array([1.0, 1.0, 1.0, 0.0]), eval_type=EvalType.ACCURACY)
    balanced = Task(x, np.zeros(4), x, np.array([0.0, 1.0, 0.0, 1.0]), eval_type=EvalType.ACCURACY)
    three = Task(
        np.zeros((6, 3)),
        np.zeros(6),
        np.zeros((6, 3)),
        np.array([0.0, 1.0, 2.0, 2.0, 1.0, 0.0]),
        eval_type=EvalType.MULTICLASS,
        num_classes=3,
    )
    assert chance_level([binary, balanced]) == 0.625  # the mean of 0.75 and 0.5, as the fitness combines
    assert chance_level([three]) == pytest.approx(1 / 3)
    assert chance_level([Task(x, np.zeros(4), x, np.zeros(4))]) is None  # regression
    noise = selection_noise([0.8, 0.9, 0.85], np.array([1.0, 0.8, 0.9]))
    assert noise["spread"] == pytest.approx(0.1) and noise["gap"] == pytest.approx(0.05)
    assert noise["std_error"] == pytest.approx(np.std([1.0, 0.8, 0.9], ddof=1) / np.sqrt(3))
    assert selection_noise([0.5], np.array([0.5]))["gap"] == 0.0


@pytest.mark.slow
def test_a_multiclass_run_reports_its_baselines_and_flags_a_weak_selection(tmp_path: Path) -> None:
    config = config_from_dict(
        {
            "name": "digits10",
            "memory": {"scalars": 5, "vectors": 9, "matrices": 2},
            "tasks": {
                "search": {
                    "family": "multiclass",
                    "dataset": "digits",
                    "num_features": 16,
                    "num_tasks": 2,
                    "num_train": 150,
                    "num_valid": 100,
                },
                "final": {"num_tasks": 1},
            },
            "search_space": {"sizes": [3, 3, 3]},
            "evolution": {"population_size": 20, "tournament_size": 4},
            "budget": {"max_individuals": 1000},
            "run": {"candidates": 3, "baselines": ["softmax_regression", "two_layer_softmax_network"]},
            "islands": {"workers": 1},
        }
    )
    report = run_to_end(config, tmp_path / "run").report()
    assert set(report["baselines"]) == {"softmax_regression", "two_layer_softmax_network"}
    assert report["chance"]["final"] is not None and report["chance"]["final"] < 0.2  # 10 classes
    for scores in report["baselines"].values():
        assert scores["final"] > 0.6 > 3 * report["chance"]["final"]
    # 1000 random-program individuals learn far less than softmax regression: the report says so.
    assert report["selected"]["final"] < min(s["final"] for s in report["baselines"].values())
    assert any("below the weakest baseline on T_final" in w for w in report["warnings"])
    assert "**Warning:**" in summary(tmp_path / "run")
