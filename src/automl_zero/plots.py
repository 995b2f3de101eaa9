"""Plots of a run directory: fitness over individuals and time, and the discovery timeline.

:func:`plot_run` reads the two CSV files an experiment writes into its run
directory and draws three PNG figures:

- ``fitness_vs_individuals.png``: the best fitness so far as steps at the
  discoveries (``timeline.csv``: the exact individual of each improvement) and
  the population's mean fitness, sampled at each progress report
  (``progress.csv``), against the number of individuals evaluated;
- ``fitness_vs_time.png``: the same against search seconds;
- ``discoveries.png``: the best fitness as a step function of individuals,
  each improvement marked and annotated with its fitness and size in
  instructions (``timeline.csv``).

Once the run has a ``report.json``, each figure also draws the baselines'
fitness on T_search and the chance level of T_search where its tasks have
one (classification: always predicting the most frequent class), the levels
the search's fitness compares with.

Figures are drawn with :class:`matplotlib.figure.Figure` and the Agg canvas
directly, so plotting neither needs a display nor changes pyplot's global
state.

Examples
--------
>>> paths = plot_run("runs/demo")  # doctest: +SKIP
>>> [p.name for p in paths]  # doctest: +SKIP
['fitness_vs_individuals.png', 'fitness_vs_time.png', 'discoveries.png']

"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from automl_zero.rundir import PROGRESS_COLUMNS, TIMELINE_COLUMNS

__all__ = [
    "TIMELINE_COLUMNS",
    "NothingToPlotError",
    "RunFileError",
    "plot_run",
    "best_fitness_steps",
    "read_progress",
    "read_reference_levels",
    "read_timeline",
]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

#: Annotate every discovery when there are at most this many, else only the last ``_ANNOTATE_LAST``.
_ANNOTATE_ALL = 15
_ANNOTATE_LAST = 10
#: Least horizontal distance, in pixels, between two annotated discoveries (labels are vertical).
_LABEL_GAP_PX = 13.0


class RunFileError(ValueError):
    """A file of a run directory is malformed: wrong header, ragged row or non-numeric cell."""


class NothingToPlotError(RunFileError):
    """``progress.csv`` exists but has no rows yet."""


def _read_csv(path: Path, numeric: Sequence[str], text: Sequence[str] = ()) -> tuple[dict[str, FloatArray], list[str]]:
    """Read the named columns of a CSV file with a header row.

    Returns the ``numeric`` columns as float arrays and, if ``text`` names one
    column, its cells. Raises FileNotFoundError if the file is missing and
    :class:`RunFileError` (naming the file and line) if it is malformed.
    Extra columns are ignored.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (the run directory has not written it)")
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise RunFileError(f"{path}: empty file (expected a header row: {','.join((*numeric, *text))})")
    header = [cell.strip() for cell in rows[0]]
    missing = [c for c in (*numeric, *text) if c not in header]
    if missing:
        raise RunFileError(
            f"{path}: wrong header {','.join(header)!r}; missing column(s) {', '.join(missing)} "
            f"(expected {','.join((*numeric, *text))})"
        )
    index = {name: header.index(name) for name in (*numeric, *text)}
    values: dict[str, list[float]] = {name: [] for name in numeric}
    texts: list[str] = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue  # a blank line, e.g. a trailing one
        if len(row) != len(header):
            raise RunFileError(f"{path}, line {line}: {len(row)} cells, but the header has {len(header)}")
        for name in numeric:
            cell = row[index[name]].strip()
            try:
                values[name].append(float(cell))
            except ValueError:
                raise RunFileError(f"{path}, line {line}: column {name!r} is not a number: {cell!r}") from None
        for name in text:
            texts.append(row[index[name]].strip())
    return {name: np.asarray(v, dtype=np.float64) for name, v in values.items()}, texts


def read_progress(run_dir: str | os.PathLike[str]) -> dict[str, FloatArray]:
    """Read ``progress.csv`` of a run directory.

    Parameters
    ----------
    run_dir : str or path-like
        The run directory.

    Returns
    -------
    dict of str to ndarray
        One float array per column of :data:`~automl_zero.progress.PROGRESS_COLUMNS`, one entry per report.

    Raises
    ------
    FileNotFoundError
        If the directory or the file does not exist.
    RunFileError
        If the file is malformed.

    """
    return _read_csv(_run_dir(run_dir) / "progress.csv", PROGRESS_COLUMNS)[0]


def read_timeline(run_dir: str | os.PathLike[str]) -> tuple[dict[str, FloatArray], list[str]]:
    """Read ``timeline.csv`` of a run directory: one row per improvement of the best fitness.

    Parameters
    ----------
    run_dir : str or path-like
        The run directory.

    Returns
    -------
    columns : dict of str to ndarray
        The numeric columns (``seconds``, ``individuals``, ``fitness``, ``instructions``) as float arrays.
    algorithms : list of str
        The ``algorithm`` column: paths, relative to ``run_dir``, of the files holding each algorithm.

    Raises
    ------
    FileNotFoundError
        If the directory or the file does not exist.
    RunFileError
        If the file is malformed.

    """
    return _read_csv(_run_dir(run_dir) / "timeline.csv", TIMELINE_COLUMNS[:-1], TIMELINE_COLUMNS[-1:])


def _run_dir(run_dir: str | os.PathLike[str]) -> Path:
    """``run_dir`` as a Path; FileNotFoundError unless it is a directory."""
    path = Path(run_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such run directory")
    return path


def _finite(values: FloatArray) -> FloatArray:
    """``values`` with infinities replaced by NaN (a gap in the line rather than a broken axis)."""
    return np.where(np.isfinite(values), values, np.nan)


def _count_label(x: float, _pos: object = None) -> str:
    """A compact axis label for a count: ``950``, ``12k``, ``1.5M``."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def _new_figure() -> tuple[Figure, Axes]:
    """A figure on an Agg canvas (no pyplot, no global backend) with one axes."""
    figure = Figure(figsize=(8.0, 5.0), dpi=100)
    figure.subplots_adjust(left=0.09, right=0.97, bottom=0.1, top=0.93)  # fixed: a constrained layout costs 2x
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.grid(True, alpha=0.3)
    return figure, axes


def read_reference_levels(run_dir: str | os.PathLike[str]) -> list[tuple[str, float]]:
    """The levels a run's search fitness compares with, from its ``report.json``: ``[(label, fitness), ...]``.

    Each baseline's fitness on T_search, then the chance level of T_search
    (the fitness of always predicting the most frequent class) where its tasks
    have one. Empty while the run has no report (it is written at the end).

    Raises
    ------
    RunFileError
        If ``report.json`` is not valid JSON.

    """
    path = _run_dir(run_dir) / "report.json"
    if not path.is_file():
        return []
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise RunFileError(f"{path}: not valid JSON: {error}") from None
    levels = [
        (f"{name} (baseline)", float(scores["search"]))
        for name, scores in (report.get("baselines") or {}).items()
        if isinstance(scores, dict) and scores.get("search") is not None
    ]
    chance = (report.get("chance") or {}).get("search")
    if chance is not None:
        levels.append(("chance (most frequent class)", float(chance)))
    return [(label, value) for label, value in levels if math.isfinite(value)]


def best_fitness_steps(at: FloatArray, fitness: FloatArray, end: float) -> tuple[FloatArray, FloatArray]:
    """The best fitness so far as a step function: ``fitness[k]`` from ``at[k]`` on, drawn up to ``end``.

    ``at`` holds the discoveries' individuals (or seconds) from ``timeline.csv``:
    the best changes exactly there, not at the progress reports' samples.

    Examples
    --------
    >>> x, y = best_fitness_steps(np.array([3.0, 50.0]), np.array([0.2, 0.7]), 80.0)
    >>> x.tolist(), y.tolist()
    ([3.0, 50.0, 80.0], [0.2, 0.7, 0.7])

    """
    fitness = _finite(fitness)
    if at.size and end > at[-1]:
        return np.append(at, end), np.append(fitness, fitness[-1])
    return at, fitness


_REFERENCE_STYLES = (("tab:green", "--"), ("tab:purple", "--"), ("tab:brown", "--"), ("tab:olive", "--"))


def _plot_references(axes: Axes, levels: Sequence[tuple[str, float]]) -> None:
    """Horizontal lines at the baselines' fitness and the chance level (T_search)."""
    baselines = 0
    for label, value in levels:
        if label.startswith("chance"):
            color, style = "gray", ":"
        else:
            color, style = _REFERENCE_STYLES[baselines % len(_REFERENCE_STYLES)]
            baselines += 1
        axes.axhline(value, color=color, linestyle=style, linewidth=1.2, label=f"{label}: {value:.4f}")


def _plot_fitness(
    x: FloatArray,
    progress: dict[str, FloatArray],
    axes: Axes,
    discoveries: tuple[FloatArray, FloatArray],
    levels: Sequence[tuple[str, float]],
) -> None:
    """The best fitness as steps at the ``discoveries`` (x, fitness), and the sampled mean fitness, against ``x``."""
    at, fitness = discoveries
    if at.size:
        steps_x, steps_y = best_fitness_steps(at, fitness, float(x[-1]))
        axes.step(
            steps_x, steps_y, where="post", color="tab:blue", linewidth=2.0, label="best fitness (at discoveries)"
        )
    else:  # no discovery recorded yet: the sampled best is all there is
        axes.plot(x, _finite(progress["best_fitness"]), color="tab:blue", linewidth=2.0, label="best fitness")
    axes.plot(
        x,
        _finite(progress["mean_fitness"]),
        color="tab:orange",
        linewidth=1.2,
        alpha=0.8,
        label="mean fitness (population, at reports)",
    )
    _plot_references(axes, levels)
    axes.set_ylabel("fitness on T_search")
    axes.legend(loc="best", fontsize=8)  # the lines move with the run: let matplotlib find the empty corner


def _labelled(axes: Axes, individuals: FloatArray, fitness: FloatArray) -> list[int]:
    """Which discoveries to annotate: all when few, else the last ones; never two labels too close in x.

    Labels are vertical, so two of them collide when their points are closer
    than about a text height along the x axis; the later (better) discovery wins.
    """
    first = 0 if individuals.size <= _ANNOTATE_ALL else individuals.size - _ANNOTATE_LAST
    low, high = axes.get_xlim()
    if axes.get_xscale() == "log":
        position = np.log10(np.maximum(individuals, low)) - math.log10(low)
        width = math.log10(high) - math.log10(low)
    else:
        position, width = individuals - low, high - low
    axes_px = max(axes.bbox.width, 1.0)  # in display pixels (before the final layout; close enough)
    min_gap = _LABEL_GAP_PX / axes_px * (width if width > 0 else 1.0)
    chosen: list[int] = []
    for k in range(individuals.size - 1, first - 1, -1):
        if math.isfinite(fitness[k]) and (not chosen or position[chosen[-1]] - position[k] >= min_gap):
            chosen.append(k)
    return chosen


def _plot_discoveries(
    axes: Axes, timeline: dict[str, FloatArray], last_individuals: float, levels: Sequence[tuple[str, float]]
) -> None:
    """The best fitness as a step function of individuals, each improvement marked and (some) annotated."""
    individuals = timeline["individuals"]
    fitness = _finite(timeline["fitness"])
    if individuals.size == 0:
        axes.text(0.5, 0.5, "no discoveries yet", transform=axes.transAxes, ha="center", va="center")
        return
    # Extend the last step to the end of the run, so the plot spans the whole search.
    x, y = best_fitness_steps(individuals, fitness, last_individuals)
    axes.step(x, y, where="post", color="tab:blue", linewidth=1.5, label="best fitness")
    axes.plot(individuals, fitness, "o", color="tab:red", markersize=5, label="new best")
    _plot_references(axes, levels)
    if individuals[0] > 0 and x[-1] / individuals[0] >= 100.0:
        axes.set_xscale("log")  # discoveries crowd the start of a search
    else:
        axes.xaxis.set_major_formatter(FuncFormatter(_count_label))
    for k in _labelled(axes, individuals, fitness):
        size = timeline["instructions"][k]
        size_text = f"{size:.0f} instr" if math.isfinite(size) else "? instr"
        low, high = axes.get_ylim()
        above = fitness[k] < (low + high) / 2  # the empty side: above-left of the curve, or below-right of it
        axes.annotate(
            f"{fitness[k]:.4g} · {size_text}",
            (individuals[k], fitness[k]),
            xytext=(2, 6 if above else -6),
            textcoords="offset points",
            rotation=90,
            ha="left",
            va="bottom" if above else "top",
            fontsize=7,
            color="dimgray",
        )
    axes.legend(loc="upper left", fontsize=8)


def plot_run(run_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Draw the plots of a run directory as PNG files.

    Parameters
    ----------
    run_dir : str or path-like
        A run directory holding ``progress.csv`` and ``timeline.csv``.
    out_dir : str or path-like or None, default None
        Where to write the PNGs (created if needed); ``run_dir/plots`` when None.

    Returns
    -------
    list of Path
        The files written: ``fitness_vs_individuals.png``, ``fitness_vs_time.png``, ``discoveries.png``.

    Raises
    ------
    FileNotFoundError
        If the run directory or one of its CSV files is missing.
    RunFileError
        If a CSV file is malformed (wrong header, ragged row, non-numeric cell).
    NothingToPlotError
        If ``progress.csv`` has no rows yet (a subclass of :class:`RunFileError`).

    """
    directory = _run_dir(run_dir)
    progress = read_progress(directory)
    if progress["individuals"].size == 0:
        raise NothingToPlotError(f"{directory / 'progress.csv'}: no progress rows yet: nothing to plot yet")
    timeline, _ = read_timeline(directory)
    levels = read_reference_levels(directory)
    target = directory / "plots" if out_dir is None else Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    title = directory.resolve().name
    written = []

    figure, axes = _new_figure()
    _plot_fitness(progress["individuals"], progress, axes, (timeline["individuals"], timeline["fitness"]), levels)
    axes.xaxis.set_major_formatter(FuncFormatter(_count_label))
    axes.set_xlabel("individuals")
    axes.set_title(f"{title}: fitness vs individuals")
    written.append(target / "fitness_vs_individuals.png")
    figure.savefig(written[-1])

    figure, axes = _new_figure()
    _plot_fitness(progress["seconds"], progress, axes, (timeline["seconds"], timeline["fitness"]), levels)
    axes.set_xlabel("search time (s)")
    axes.set_title(f"{title}: fitness vs time")
    written.append(target / "fitness_vs_time.png")
    figure.savefig(written[-1])

    figure, axes = _new_figure()
    _plot_discoveries(axes, timeline, float(progress["individuals"][-1]), levels)
    axes.set_xlabel("individuals")
    axes.set_ylabel("best fitness")
    axes.set_title(f"{title}: discoveries ({timeline['individuals'].size} improvements)")
    written.append(target / "discoveries.png")
    figure.savefig(written[-1])
    return written
