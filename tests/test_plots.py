"""Plots of a run directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from automl_zero.plots import (
    TIMELINE_COLUMNS,
    NothingToPlotError,
    RunFileError,
    _plot_fitness,
    best_fitness_steps,
    plot_run,
    read_progress,
    read_reference_levels,
    read_timeline,
)
from automl_zero.progress import PROGRESS_COLUMNS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAMES = ["fitness_vs_individuals.png", "fitness_vs_time.png", "discoveries.png"]


def write_run(run_dir: Path, *, reports: int = 20, discoveries: int = 8, scale: float = 1.0) -> Path:
    """A run directory with a progress.csv and a timeline.csv in the experiment's format."""
    run_dir.mkdir(parents=True, exist_ok=True)
    lines = [",".join(PROGRESS_COLUMNS)]
    for i in range(1, reports + 1):
        best = scale * (1.0 - 1.0 / (1.0 + 0.3 * i))
        lines.append(f"{2.0 * i},{5000 * i},2500.0,{best},{best / 2},0.8,{4000 * i},{100 * i},0.5,{10**6 * i}")
    (run_dir / "progress.csv").write_text("\n".join(lines) + "\n")
    lines = [",".join(TIMELINE_COLUMNS)]
    individuals, fitness = 1, 0.1
    for k in range(discoveries):
        lines.append(f"{individuals / 2500},{individuals},{scale * fitness},{6 + k},discoveries/{k:06d}.txt")
        individuals, fitness = 2 * individuals + 3, fitness + (0.9 - fitness) * 0.3
    (run_dir / "timeline.csv").write_text("\n".join(lines) + "\n")
    return run_dir


def check_pngs(paths: list[Path], directory: Path) -> None:
    assert [p.name for p in paths] == NAMES
    for path in paths:
        assert path.parent == directory
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        assert len(data) > 10_000


def test_plot_run_writes_the_pngs(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run")
    check_pngs(plot_run(run), run / "plots")


@pytest.mark.parametrize("discoveries", [1, 15, 40])
def test_plot_run_into_out_dir(tmp_path: Path, discoveries: int) -> None:
    run = write_run(tmp_path / "run", discoveries=discoveries)
    out = tmp_path / "a" / "b"
    check_pngs(plot_run(str(run), out_dir=str(out)), out)


def test_images_differ_when_data_differ(tmp_path: Path) -> None:
    first = plot_run(write_run(tmp_path / "one"))
    second = plot_run(write_run(tmp_path / "two", scale=0.5))
    for a, b in zip(first, second, strict=True):
        assert a.name == b.name
        assert a.read_bytes() != b.read_bytes()


def test_read_functions(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", reports=3, discoveries=2)
    progress = read_progress(run)
    assert list(progress) == list(PROGRESS_COLUMNS)
    assert progress["individuals"].tolist() == [5000, 10000, 15000]
    timeline, algorithms = read_timeline(run)
    assert timeline["instructions"].tolist() == [6, 7]
    assert algorithms == ["discoveries/000000.txt", "discoveries/000001.txt"]


def test_extra_columns_blank_lines_and_empty_timeline_are_fine(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run")
    text = (run / "progress.csv").read_text().splitlines()
    text = [line + (",extra" if i == 0 else ",1") for i, line in enumerate(text)]
    (run / "progress.csv").write_text("\n".join(text) + "\n\n")
    (run / "timeline.csv").write_text(",".join(TIMELINE_COLUMNS) + "\n")
    check_pngs(plot_run(run), run / "plots")


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere"):
        plot_run(tmp_path / "nowhere")


@pytest.mark.parametrize("name", ["progress.csv", "timeline.csv"])
def test_missing_csv(tmp_path: Path, name: str) -> None:
    run = write_run(tmp_path / "run")
    (run / name).unlink()
    with pytest.raises(FileNotFoundError, match=name):
        plot_run(run)


def test_header_only_progress_is_nothing_to_plot(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run")
    (run / "progress.csv").write_text(",".join(PROGRESS_COLUMNS) + "\n")
    with pytest.raises(NothingToPlotError, match="nothing to plot yet"):
        plot_run(run)
    assert not (run / "plots").exists()


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("progress.csv", lambda t: t.replace("best_fitness", "best"), "wrong header.*best_fitness"),
        ("progress.csv", lambda t: "", "empty file"),
        ("progress.csv", lambda t: t.replace("0.8,", "abc,", 1), "'fec_hit_rate' is not a number: 'abc'"),
        ("progress.csv", lambda t: t.replace(",0.5,", ",", 1), "line 2: 9 cells"),
        ("timeline.csv", lambda t: t.replace("instructions", "size"), "missing column.*instructions"),
        ("timeline.csv", lambda t: t.replace(",6,", ",six,", 1), "line 2: column 'instructions'"),
    ],
)
def test_malformed_csv(tmp_path: Path, name: str, edit: object, message: str) -> None:
    run = write_run(tmp_path / "run")
    path = run / name
    path.write_text(edit(path.read_text()))  # type: ignore[operator]
    with pytest.raises(RunFileError, match=message) as info:
        plot_run(run)
    assert name in str(info.value)
    assert isinstance(info.value, ValueError)


REPORT = {
    "baselines": {
        "logistic_regression": {"search": 0.93, "select": 0.9, "final": 0.91},
        "two_layer_network": {"search": 0.85, "select": 0.8, "final": 0.82},
    },
    "chance": {"search": 0.5, "select": 0.5, "final": 0.5},
}


def test_reference_levels_come_from_the_report(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run")
    assert read_reference_levels(run) == []  # no report yet: nothing to compare with
    (run / "report.json").write_text(json.dumps(REPORT))
    assert read_reference_levels(run) == [
        ("logistic_regression (baseline)", 0.93),
        ("two_layer_network (baseline)", 0.85),
        ("chance (most frequent class)", 0.5),
    ]
    regression = {"baselines": {"linear_regression": {"search": 0.7}}, "chance": {"search": None}}
    (run / "report.json").write_text(json.dumps(regression))
    assert read_reference_levels(run) == [("linear_regression (baseline)", 0.7)]  # regression: no chance level
    (run / "report.json").write_text("{")
    with pytest.raises(RunFileError, match=r"report\.json: not valid JSON"):
        plot_run(run)


def test_best_fitness_is_drawn_as_steps_at_the_discoveries(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", reports=4, discoveries=5)
    (run / "report.json").write_text(json.dumps(REPORT))
    progress, (timeline, _) = read_progress(run), read_timeline(run)
    for x, at in (("individuals", "individuals"), ("seconds", "seconds")):
        figure = Figure()
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        _plot_fitness(progress[x], progress, axes, (timeline[at], timeline["fitness"]), read_reference_levels(run))
        lines = {line.get_label(): line for line in axes.get_lines()}
        best = lines["best fitness (at discoveries)"]
        assert best.get_drawstyle() == "steps-post"
        # The best changes exactly at each discovery (not at the progress samples) and lasts to the last report.
        assert list(best.get_xdata()) == [*timeline[at].tolist(), progress[x][-1]]
        assert list(best.get_ydata()) == [*timeline["fitness"].tolist(), timeline["fitness"][-1]]
        assert list(lines["mean fitness (population, at reports)"].get_xdata()) == progress[x].tolist()
        levels = {
            label: line.get_ydata()[0] for label, line in lines.items() if "baseline" in label or "chance" in label
        }
        assert levels == {
            "logistic_regression (baseline): 0.9300": 0.93,
            "two_layer_network (baseline): 0.8500": 0.85,
            "chance (most frequent class): 0.5000": 0.5,
        }
    assert best_fitness_steps(timeline["individuals"][:0], timeline["fitness"][:0], 10.0)[0].size == 0
