"""The live progress view and its one-line form."""

from __future__ import annotations

import io
import math

import pytest

from automl_zero.progress import PROGRESS_COLUMNS, ProgressView, format_line

SNAPSHOT = {
    "seconds": 12.0,
    "individuals": 1_234_567,
    "individuals_per_s": 103_000.4,
    "best_fitness": 0.912345,
    "mean_fitness": 0.512345,
    "fec_hit_rate": 0.87,
    "fec_hits": 1_000_000,
    "structural_hits": 12_345,
    "hurdle_pass_rate": 0.25,
    "train_steps": 5e9,
}


def test_snapshot_keys_are_the_progress_columns() -> None:
    assert set(SNAPSHOT) == set(PROGRESS_COLUMNS)


def test_format_line_shows_the_numbers() -> None:
    line = format_line(SNAPSHOT, max_seconds=300, max_individuals=None)
    assert line == (
        "[  12.0s] 1,234,567 individuals (103,000/s recent)  best 0.912345  mean 0.512345  FEC 87%  left 288s (96%)"
    )


def test_format_line_budgets() -> None:
    assert format_line(SNAPSHOT, None, None).endswith("  no limit")
    assert format_line(SNAPSHOT, None, 10_000_000).endswith("left 8,765,433 individuals (88%)")
    assert format_line(SNAPSHOT, 300, 10_000_000).endswith("left 288s (96%), 8,765,433 individuals (88%)")
    # Past the budget: clamped at zero, not negative.
    assert format_line(SNAPSHOT, 10, 1000).endswith("left 0s (0%), 0 individuals (0%)")


@pytest.mark.parametrize("bad", [None, "x", math.nan, math.inf])
def test_format_line_missing_or_bad_values_show_a_dash(bad: object) -> None:
    snapshot = {key: bad for key in SNAPSHOT}
    line = format_line(snapshot, max_seconds=60, max_individuals=100)  # type: ignore[arg-type]
    assert line == "[      -] - individuals (-/s recent)  best -  mean -  FEC -  left -, -"
    assert format_line({}, None, None) == "[      -] - individuals (-/s recent)  best -  mean -  FEC -  no limit"


def test_plain_mode_writes_one_line_per_update() -> None:
    out = io.StringIO()
    with ProgressView(max_seconds=100, max_individuals=None, plain=True, stream=out) as view:
        for i in range(1, 4):
            view.update({**SNAPSHOT, "seconds": 10.0 * i, "individuals": 1000 * i})
        view.message("new best 0.93 at 3,000 individuals")
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("[  10.0s] 1,000 individuals") and lines[0].endswith("left 90s (90%)")
    assert lines[2].endswith("left 70s (70%)")
    assert lines[3] == "new best 0.93 at 3,000 individuals"


def test_plain_is_chosen_when_the_stream_is_not_a_terminal() -> None:
    out = io.StringIO()
    view = ProgressView(max_seconds=None, max_individuals=None, title="run", stream=out)
    assert view.plain
    with view:
        view.update({})
    assert out.getvalue().splitlines() == ["run", format_line({}, None, None)]


def test_rich_mode_forced_on_a_non_terminal_shows_the_numbers() -> None:
    out = io.StringIO()
    with ProgressView(max_seconds=300, max_individuals=10_000_000, title="demo", plain=False, stream=out) as view:
        assert not view.plain
        view.update(SNAPSHOT)
        view.message("new best [0.93] at 120,000 individuals")
        view.update({"seconds": 13.0})  # most keys missing: no crash
        view.update(SNAPSHOT)
    text = out.getvalue()
    for expected in (
        "demo",
        "1,234,567",
        "103,000/s recent",
        "0.912345",
        "0.512345",
        "87%",
        "288s (96%)",
        "8,765,433 individuals (88%)",
        "12% of budget",
        "new best [0.93] at 120,000 individuals",
    ):
        assert expected in text


def test_rich_mode_without_limits_and_update_before_enter() -> None:
    out = io.StringIO()
    view = ProgressView(max_seconds=None, max_individuals=None, plain=False, stream=out)
    view.message("before start")
    view.update(SNAPSHOT)  # starts the live display lazily
    view.stop()
    view.stop()  # idempotent
    text = out.getvalue()
    assert "before start" in text and "no limit" in text and "1,234,567" in text
