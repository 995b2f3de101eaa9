"""Live progress of a search: a rich panel on a terminal, one plain line per update otherwise.

A search reports a *snapshot* every few seconds: a mapping with the columns
of the run directory's ``progress.csv`` (:data:`PROGRESS_COLUMNS`). Its
``individuals_per_s`` is the recent rate, over the interval since the last
report, and shows as ``/s recent``; a run's report gives the average over the
whole search.
:class:`ProgressView` shows the latest one together with the budget left;
:func:`format_line` is the one-line form used when the output is not a
terminal (a log file, a CI job, a pipe).

Missing keys and values that are not finite numbers show as ``-``: a view
never stops a search.

Examples
--------
>>> snapshot = {"seconds": 12.0, "individuals": 1234567, "individuals_per_s": 103000,
...             "best_fitness": 0.912345, "mean_fitness": 0.512345, "fec_hit_rate": 0.87}
>>> format_line(snapshot, max_seconds=300, max_individuals=None)
'[  12.0s] 1,234,567 individuals (103,000/s recent)  best 0.912345  mean 0.512345  FEC 87%  left 288s (96%)'
>>> format_line({}, max_seconds=None, max_individuals=None)
'[      -] - individuals (-/s recent)  best -  mean -  FEC -  no limit'

"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from types import TracebackType
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from automl_zero.rundir import PROGRESS_COLUMNS

__all__ = ["PROGRESS_COLUMNS", "ProgressView", "format_line"]


_MISSING = "-"


def _value(snapshot: Mapping[str, float], key: str) -> float | None:
    """``snapshot[key]`` as a finite float, or None when it is missing or not a finite number."""
    try:
        value = float(snapshot[key])
    except (KeyError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _count(value: float | None) -> str:
    """A count with thousands separators: ``1,234,567``."""
    return _MISSING if value is None else f"{round(value):,d}"


def _fitness(value: float | None) -> str:
    """A fitness with six decimals."""
    return _MISSING if value is None else f"{value:.6f}"


def _percent(value: float | None) -> str:
    """A fraction in [0, 1] as a whole percentage: ``87%``."""
    return _MISSING if value is None else f"{100.0 * value:.0f}%"


def _seconds(value: float | None) -> str:
    """A duration in whole seconds: ``288s``."""
    return _MISSING if value is None else f"{value:,.0f}s"


def _left(used: float | None, limit: float) -> tuple[float | None, float | None]:
    """What is left of ``limit`` after ``used``, absolute and as a fraction of the limit (both clamped at 0)."""
    if used is None:
        return None, None
    left = max(limit - used, 0.0)
    return left, (left / limit if limit > 0 else 0.0)


def _budget_parts(
    snapshot: Mapping[str, float], max_seconds: float | None, max_individuals: int | None
) -> tuple[str | None, str | None]:
    """The budget left as text, ``(seconds part, individuals part)``; a part is None when it has no limit."""
    seconds_part = individuals_part = None
    if max_seconds is not None:
        left, fraction = _left(_value(snapshot, "seconds"), float(max_seconds))
        seconds_part = f"{_seconds(left)} ({_percent(fraction)})" if left is not None else _MISSING
    if max_individuals is not None:
        left, fraction = _left(_value(snapshot, "individuals"), float(max_individuals))
        individuals_part = f"{_count(left)} individuals ({_percent(fraction)})" if left is not None else _MISSING
    return seconds_part, individuals_part


def _budget_used(snapshot: Mapping[str, float], max_seconds: float | None, max_individuals: int | None) -> float | None:
    """Fraction of the budget spent (the larger of time and individuals; the search stops at the first), or None."""
    fractions = []
    for key, limit in (("seconds", max_seconds), ("individuals", max_individuals)):
        used = _value(snapshot, key)
        if limit is not None and used is not None:
            fractions.append(min(used / limit, 1.0) if limit > 0 else 1.0)
    return max(fractions) if fractions else None


def format_line(snapshot: Mapping[str, float], max_seconds: float | None, max_individuals: int | None) -> str:
    """One compact line describing a progress snapshot.

    Parameters
    ----------
    snapshot : mapping of str to float
        Keys as in :data:`PROGRESS_COLUMNS`; missing or non-finite values show as ``-``.
        ``fec_hit_rate`` is a fraction in [0, 1].
    max_seconds : float or None
        The search's time budget in seconds, None for no limit.
    max_individuals : int or None
        The search's budget of individuals, None for no limit.

    Returns
    -------
    str
        For example ``[  12.0s] 1,234,567 individuals (103,000/s recent)  best 0.912345  mean 0.512345  FEC 87%
        left 288s (96%)``; the budget part is ``no limit`` when both limits are None.

    """
    elapsed = _value(snapshot, "seconds")
    elapsed_text = _MISSING if elapsed is None else f"{elapsed:.1f}s"
    parts = [p for p in _budget_parts(snapshot, max_seconds, max_individuals) if p is not None]
    budget = "left " + ", ".join(parts) if parts else "no limit"
    return (
        f"[{elapsed_text:>7}] {_count(_value(snapshot, 'individuals'))} individuals"
        f" ({_count(_value(snapshot, 'individuals_per_s'))}/s recent)"
        f"  best {_fitness(_value(snapshot, 'best_fitness'))}"
        f"  mean {_fitness(_value(snapshot, 'mean_fitness'))}"
        f"  FEC {_percent(_value(snapshot, 'fec_hit_rate'))}"
        f"  {budget}"
    )


class ProgressView:
    """Live progress of a search: rich on a terminal, one plain line per update otherwise.

    Use it as a context manager: entering starts the live display, leaving
    stops it (the last state stays on screen).

    Parameters
    ----------
    max_seconds : float or None
        Time budget of the search in seconds; None for no limit.
    max_individuals : int or None
        Budget of individuals; None for no limit.
    title : str, default ""
        Title of the panel (plain mode: printed once on entering, if not empty).
    plain : bool or None, default None
        True for one plain line per update, False for the rich live view
        (forced even when ``stream`` is not a terminal), None to choose by
        ``stream.isatty()``.
    stream : text stream or None, default None
        Where to write; ``sys.stdout`` when None.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with ProgressView(max_seconds=None, max_individuals=1000, plain=True, stream=out) as view:
    ...     view.update({"seconds": 1.0, "individuals": 250, "individuals_per_s": 250})
    ...     view.message("new best 0.5")
    >>> print(out.getvalue(), end="")
    [   1.0s] 250 individuals (250/s recent)  best -  mean -  FEC -  left 750 individuals (75%)
    new best 0.5

    """

    def __init__(
        self,
        *,
        max_seconds: float | None,
        max_individuals: int | None,
        title: str = "",
        plain: bool | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.max_seconds = max_seconds
        self.max_individuals = max_individuals
        self.title = title
        self.stream: TextIO = sys.stdout if stream is None else stream
        forced_rich = plain is False
        if plain is None:
            isatty = getattr(self.stream, "isatty", None)
            plain = not (callable(isatty) and isatty())
        self.plain: bool = plain
        self._snapshot: Mapping[str, float] = {}
        self._live: Live | None = None
        self._console: Console | None = None
        if not plain:
            # An explicit plain=False means "rich even if this is not a terminal".
            self._console = Console(file=self.stream, force_terminal=True if forced_rich else None)

    # -- context manager -------------------------------------------------------------------------------------

    def __enter__(self) -> ProgressView:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the live display (rich mode) or print the title (plain mode); does nothing if started."""
        if self.plain:
            if self.title:
                self._write(self.title)
            return
        if self._live is None:
            assert self._console is not None
            self._live = Live(self._render(), console=self._console, auto_refresh=False, transient=False)
            self._live.start(refresh=True)

    def stop(self) -> None:
        """Stop the live display, leaving its last state on screen."""
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()

    # -- reporting -------------------------------------------------------------------------------------------

    def update(self, snapshot: Mapping[str, float]) -> None:
        """Show a new progress snapshot (keys: :data:`PROGRESS_COLUMNS`; missing ones show as ``-``)."""
        self._snapshot = dict(snapshot)
        if self.plain:
            self._write(format_line(self._snapshot, self.max_seconds, self.max_individuals))
        elif self._live is None:
            self.start()
        else:
            self._live.update(self._render(), refresh=True)

    def message(self, text: str) -> None:
        """Print a line above the live view (plain mode: just the line)."""
        if self.plain:
            self._write(text)
            return
        console = self._live.console if self._live is not None else self._console
        assert console is not None
        console.print(text, markup=False, highlight=False)

    def _write(self, line: str) -> None:
        """Write one line to the stream and flush it, so that logs are current."""
        self.stream.write(line + "\n")
        self.stream.flush()

    def _render(self) -> RenderableType:
        """The rich panel for the latest snapshot."""
        s = self._snapshot
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column(justify="right", min_width=28)  # a steady width: the panel does not jump as numbers grow
        grid.add_column(style="dim", min_width=10)
        rate = f"{_count(_value(s, 'individuals_per_s'))}/s recent"
        grid.add_row("individuals", _count(_value(s, "individuals")), rate)
        grid.add_row("best fitness", _fitness(_value(s, "best_fitness")), "")
        grid.add_row("mean fitness", _fitness(_value(s, "mean_fitness")), "")
        fec_detail = f"{_count(_value(s, 'fec_hits'))} hits" if "fec_hits" in s else ""
        grid.add_row("FEC hit rate", _percent(_value(s, "fec_hit_rate")), fec_detail)
        if "hurdle_pass_rate" in s:
            grid.add_row("hurdle pass rate", _percent(_value(s, "hurdle_pass_rate")), "")
        elapsed = _value(s, "seconds")
        grid.add_row("elapsed", _MISSING if elapsed is None else f"{elapsed:,.1f}s", "")
        seconds_part, individuals_part = _budget_parts(s, self.max_seconds, self.max_individuals)
        if seconds_part is None and individuals_part is None:
            grid.add_row("budget", "no limit", "")
        if seconds_part is not None:
            grid.add_row("time left", seconds_part, "")
        if individuals_part is not None:
            grid.add_row("individuals left", individuals_part, "")
        body: RenderableType = grid
        used = _budget_used(s, self.max_seconds, self.max_individuals)
        if used is not None:
            bar = Table.grid(padding=(0, 1))
            bar.add_row(ProgressBar(total=1.0, completed=used, width=40), Text(f"{100.0 * used:.0f}% of budget"))
            body = Group(grid, Text(""), bar)
        return Panel(body, title=self.title or "AutoML-Zero search", expand=False)
