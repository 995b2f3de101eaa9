"""Tune the constants of an algorithm, as the paper does before its final evaluation.

Evolution finds constants (a learning rate ``s2 = 0.001``, the spread of an
initialization ``gaussian(0.0, 0.3, ...)``) only as well as mutation happens
to. The paper treats them as hyperparameters and tunes them by random search
on T_select before scoring the algorithm on T_final. :func:`constants` lists
them; :func:`tune` searches them with an executor built on T_select, by
default with Powell's method in log space (it gained the most per trial in
our measurements), or by the paper's random search, log-uniform over four
decades either way of each constant.

Which parameters count as constants: the real-valued ones of the op table,
:attr:`~automl_zero.ops.Param.VALUE` (``s2 = 0.001``, ``v3[0.25] = 1.5``)
and the distribution parameters (``LOW``/``HIGH`` of ``uniform``,
``MEAN``/``STD`` of ``gaussian``). Index parameters (``v3[0.25]``) are left
out: they choose a feature, a categorical choice that a search over real
numbers cannot move sensibly (every value in ``[k/F, (k+1)/F)`` is the same
program).

Examples
--------
>>> from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION
>>> [c.description for c in constants(REFERENCE_LINEAR_REGRESSION)]
['s2 = 0.001 (Setup #0)']

"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from automl_zero.algorithm import Algorithm
from automl_zero.ops import Param
from automl_zero.vm.compiled import live_instructions
from automl_zero.vm.encode import EncodedAlgorithm, decode, encode

__all__ = ["DEFAULT_METHOD", "DEFAULT_SCALES", "METHODS", "Constant", "TuneResult", "constants", "tune"]

#: The search methods :func:`tune` accepts.
METHODS = ("random", "powell")
#: The method :func:`tune` uses by default: the one that gained the most in the measurements noted at ``_SEARCHES``.
DEFAULT_METHOD = "powell"
#: Default ``scale`` per method: random search draws within four decades either way of each constant
#: (a factor of 10 could not reach a learning rate set 4 decades too small); Powell's first step is one decade.
DEFAULT_SCALES = {"random": 1e4, "powell": 10.0}

#: Log-magnitudes are clipped here so that every tried constant stays finite.
_MAX_LOG = 690.0


class Executor(Protocol):
    """What :func:`tune` needs from an executor (compiled or reference)."""

    def evaluate(self, algorithm: Algorithm | EncodedAlgorithm) -> float:
        """Return the fitness of ``algorithm`` on the executor's tasks."""
        ...


@dataclass(frozen=True)
class Constant:
    """One tunable real parameter of an instruction.

    Attributes
    ----------
    component : str
        ``"setup"``, ``"predict"`` or ``"learn"``.
    position : int
        Index of the instruction in its component function.
    slot : int
        Which of the instruction's parameters (``d0``, ``d1``, ``d2``).
    value : float
        Its current value.
    description : str
        The instruction, where it is and, for ops with several parameters,
        which one, e.g. ``"s2 = 0.001 (Setup #0)"`` or
        ``"v3 = gaussian(0.0, 0.3, n_features) (Setup #2, std)"``.
    param : Param
        What the parameter means (never :attr:`~automl_zero.ops.Param.INDEX`).

    """

    component: str
    position: int
    slot: int
    value: float
    description: str
    param: Param


@dataclass(frozen=True)
class TuneResult:
    """What :func:`tune` found.

    Attributes
    ----------
    before : float
        Fitness of the algorithm as given.
    after : float
        Fitness of :attr:`algorithm`; never below :attr:`before`.
    algorithm : Algorithm
        The best algorithm found: the given one with new constants, or the
        given one itself if no trial beat it.
    trials : int
        Evaluations spent (besides the one of the original). 0 when the
        algorithm has no live constants; fewer than asked when a local
        method converged early.
    history : list of float
        Best fitness so far after each trial, the original's counting as
        the start (so ``history[0] >= before``); ``len(history) == trials``.

    """

    before: float
    after: float
    algorithm: Algorithm
    trials: int
    history: list[float] = field(default_factory=list)


def _rows(algorithm: Algorithm) -> list[tuple[str, int, int]]:
    """``(component, position, row of the encoded arrays)`` per instruction."""
    out: list[tuple[str, int, int]] = []
    for name, instructions in algorithm.components():
        out.extend((name, position, len(out)) for position in range(len(instructions)))
    return out


def _live_rows(encoded: EncodedAlgorithm) -> np.ndarray:
    """Rows that can affect a prediction of a scalar or a multiclass task."""
    scalar = live_instructions(encoded.ints, *encoded.sizes, False)
    multiclass = live_instructions(encoded.ints, *encoded.sizes, True)
    return np.asarray(scalar | multiclass, dtype=bool)


def constants(algorithm: Algorithm, *, live_only: bool = False) -> list[Constant]:
    """List the real constants and distribution parameters of ``algorithm``.

    Parameters
    ----------
    algorithm : Algorithm
        The algorithm to read.
    live_only : bool
        Only those of instructions that can affect a prediction (of a scalar
        or a multiclass task); constants in dead code change nothing.

    Returns
    -------
    list of Constant
        In program order: Setup, Predict, Learn; within an instruction, by slot.

    Examples
    --------
    >>> from automl_zero.baselines import two_layer_network
    >>> for c in constants(two_layer_network()):
    ...     print(c.param.value, c.value)
    value 0.01
    mean 0.0
    std 0.3
    mean 0.0
    std 0.3

    """
    live = _live_rows(encode(algorithm)) if live_only else None
    found: list[Constant] = []
    for component, position, row in _rows(algorithm):
        if live is not None and not live[row]:
            continue
        instruction = getattr(algorithm, component)[position]
        params = instruction.spec.params
        for slot, param in enumerate(params):
            if param is Param.INDEX:
                continue
            where = f"{component.capitalize()} #{position}"
            if len(params) > 1:
                where += f", {param.value}"
            found.append(Constant(component, position, slot, instruction.data[slot], f"{instruction} ({where})", param))
    return found


class _BudgetSpentError(Exception):
    """Raised inside an optimizer's objective once the trials are spent."""


class _Search:
    """The objective over constants and the bookkeeping of the best point.

    Coordinates: ``log|c|`` for a nonzero constant (its sign is kept), ``c``
    itself for a zero one. The constants are written into a private copy of
    the encoded arrays, so a trial costs one evaluation and no Python objects.
    """

    def __init__(
        self,
        algorithm: Algorithm,
        executor: Executor,
        found: list[Constant],
        budget: int,
    ) -> None:
        encoded = encode(algorithm)
        self.work = EncodedAlgorithm(encoded.ints, encoded.floats.copy(), encoded.sizes)
        starts = {(name, position): row for name, position, row in _rows(algorithm)}
        self.rows = np.array([starts[c.component, c.position] for c in found], dtype=np.int64)
        self.slots = np.array([c.slot for c in found], dtype=np.int64)
        values = np.array([c.value for c in found], dtype=np.float64)
        self.signs = np.sign(values)
        self.logged = values != 0.0
        self.x0 = np.where(self.logged, np.log(np.abs(np.where(self.logged, values, 1.0))), 0.0)
        self.executor = executor
        self.budget = budget
        self.before = self._fitness(self.x0)
        self.best = self.before
        self.best_x = self.x0.copy()
        self.history: list[float] = []

    def values(self, x: np.ndarray) -> np.ndarray:
        magnitude = np.exp(np.clip(x, -_MAX_LOG, _MAX_LOG))
        return np.where(self.logged, self.signs * magnitude, x)

    def _fitness(self, x: np.ndarray) -> float:
        self.work.floats[self.rows, self.slots] = self.values(x)
        fitness = float(self.executor.evaluate(self.work))
        return fitness if math.isfinite(fitness) else -math.inf

    def __call__(self, x: np.ndarray) -> float:
        """Fitness at ``x``; one trial. Raises once the budget is spent."""
        x = np.asarray(x, dtype=np.float64)
        if np.array_equal(x, self.x0):
            return self.before  # optimizers started at the original evaluate it again
        if len(self.history) >= self.budget:
            raise _BudgetSpentError
        fitness = self._fitness(x)
        if fitness > self.best:  # ties keep the earlier point, the original first
            self.best = fitness
            self.best_x = x.copy()
        self.history.append(self.best)
        return fitness

    def loss(self, x: np.ndarray) -> float:
        """What scipy minimizes: minus the fitness (finite for any x)."""
        fitness = self(x)
        return -fitness if math.isfinite(fitness) else 1.0

    def half_widths(self, scale: float) -> np.ndarray:
        """Search radius per coordinate: ``log(scale)``, or 1 around a zero constant."""
        return np.where(self.logged, math.log(scale), 1.0)

    def result(self, algorithm: Algorithm) -> TuneResult:
        if self.best > self.before:
            self.work.floats[self.rows, self.slots] = self.values(self.best_x)
            best = decode(self.work)
        else:
            best = algorithm
        return TuneResult(self.before, max(self.best, self.before), best, len(self.history), list(self.history))


def _random(search: _Search, trials: int, seed: int, scale: float) -> None:
    """The paper's random search: every constant at once, log-uniform around the original."""
    rng = np.random.default_rng(seed)
    width = search.half_widths(scale)
    steps = rng.uniform(-1.0, 1.0, size=(trials, len(search.x0))) * width
    for step in steps:
        search(search.x0 + step)


def _powell(search: _Search, trials: int, seed: int, scale: float) -> None:
    """Powell's method from the original: line searches along each constant's axis, then along combined directions.

    Unbounded, so a constant can move by several orders of magnitude (a
    learning rate of 1e-5 reaches 0.2 in under 20 trials).
    """
    from scipy.optimize import minimize

    del seed  # deterministic
    minimize(
        search.loss,
        search.x0,
        method="Powell",
        options={"maxfev": trials, "direc": np.diag(search.half_widths(scale)), "xtol": 1e-3, "ftol": 1e-9},
    )


# Why Powell. Measured on 30 cases (2-layer network with 4 bad or default (learning rate,
# init scale) pairs on F=4 and F=8 teacher nets and 8-feature XOR; logistic regression;
# a 3-constant linear learner with a decaying rate; two task seeds each), gain in mean
# fitness over the original after 100 / 200 trials, all at scale=10:
#   random 0.117 / 0.134, differential_evolution (bounded in log space) 0.137 / 0.146,
#   DIRECT 0.170 / 0.185, Nelder-Mead 0.197 / 0.200, Nelder-Mead with restarts 0.201 / 0.209,
#   Powell 0.233 / 0.239 (best or tied best on 11 of 30 cases, the most of any).
# The bounded methods cannot leave [c/scale, c*scale], and the gain for a badly set learning
# rate lies outside it; Nelder-Mead stopped early or stalled on several cases (2-layer, F=8,
# rate 0.05, init 1.0: 0.015 -> 0.055, where Powell reached 0.46). Tuned on 10 tasks and
# scored on 50 others, Powell's results mostly held (e.g. 0.444 -> 0.855, 0.171 -> 0.452) but
# once fell below the original (0.803 -> 0.780): tuning on T_select can overfit it.
# Random search's default range, measured with 200 trials (T_select before -> after): the demo's
# discovery with its learning rate set to -1e-5 on configs/demo.yaml, 0.358 -> 0.382 / 0.632 / 0.9999
# / 1.000 at scale 10 / 1e2 / 1e3 / 1e4 (Powell: 1.000 after 16 trials); a 2-layer network (rate
# 0.001, init 1.0) on 10 F=4 teacher nets, 0.393 -> 0.717 / 0.800 / 0.787 / 0.858 (Powell 0.865);
# the default 2-layer network there, 0.613 -> 0.823 / 0.815 / 0.838 / 0.756 (Powell 0.872).
# With 100 steps on 10 F=4 linear tasks, linear regression at rate 1e-5 reaches 0.654 at 1e3 and
# 0.998-0.9994 at 1e4 (3 seeds; Powell 0.99995). 1e4 reaches a rate set four decades off, at some
# cost where every constant is already near its best; Powell's method is the default.
_SEARCHES: dict[str, Callable[[_Search, int, int, float], None]] = {
    "random": _random,
    "powell": _powell,
}


def tune(
    algorithm: Algorithm,
    executor: Executor,
    *,
    trials: int = 200,
    method: str = DEFAULT_METHOD,
    seed: int = 0,
    scale: float | None = None,
) -> TuneResult:
    """Tune the live constants of ``algorithm`` to maximize ``executor``'s fitness.

    Every real constant and distribution parameter of an instruction that can
    affect a prediction is searched (see :func:`constants`); constants in
    dead code and index parameters stay as they are. Each trial writes the
    candidate constants into a private copy of the encoded arrays and costs
    one ``executor.evaluate``. The result is never worse than the original:
    a candidate must beat it strictly to replace it.

    Parameters
    ----------
    algorithm : Algorithm
        The algorithm to tune; it is not changed.
    executor : CompiledExecutor or ReferenceExecutor
        Built on the task set to tune on (the paper: T_select). Its fitness
        is deterministic (random ops draw from streams fixed by its seed),
        so the tuned constants suit that seed's draws too.
    trials : int
        Evaluations to spend (besides the one of the original).
    method : {"powell", "random"}
        ``"powell"`` (default): Powell's method
        (:func:`scipy.optimize.minimize`) on ``log|c|`` (on ``c`` for zero
        constants), started at the original with first steps of
        ``log(scale)``; unbounded, so it can move a constant much further
        than ``scale``, and it stops early once it converges. In the
        measurements noted at ``_SEARCHES`` it gained almost twice as much
        fitness as random search per trial.
        ``"random"``: the paper's random search on a log scale. Each trial
        draws every constant at once, log-uniformly in
        ``[|c| / scale, |c| * scale]`` (by default four decades either
        way) with the sign of ``c`` kept (signs never flip: a sign change
        is a different algorithm more than a different setting); a zero
        constant is drawn uniformly in ``[-1, 1]``.
    seed : int
        Seeds the random search (Powell's method is deterministic).
    scale : float or None
        Above 1. Random search stays within a factor ``scale`` of each
        nonzero constant; Powell's method takes ``log(scale)`` as its first
        step. None: :data:`DEFAULT_SCALES` (1e4 for random search, 10 for
        Powell's method).

    Returns
    -------
    TuneResult
        With ``trials == 0``, empty history and ``after == before`` when
        the algorithm has no live constants or ``trials`` is 0.

    Raises
    ------
    ValueError
        On an unknown method, a negative ``trials`` or ``scale <= 1``.

    Examples
    --------
    >>> from automl_zero.baselines import LINEAR_MEMORY, linear_regression
    >>> from automl_zero.tasks import linear_regression_tasks
    >>> from automl_zero.vm.compiled import CompiledExecutor
    >>> executor = CompiledExecutor(linear_regression_tasks(10, 4, seed=1), LINEAR_MEMORY)
    >>> result = tune(linear_regression(1e-5), executor, trials=50)
    >>> round(result.before, 2), round(result.after, 2)
    (0.36, 1.0)
    >>> print(result.algorithm.setup[0])  # doctest: +SKIP
    s2 = 0.2133...

    """
    if method not in _SEARCHES:
        raise ValueError(f"unknown tuning method {method!r}; expected one of {', '.join(METHODS)}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 0:
        raise ValueError(f"trials must be a non-negative integer, got {trials!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if scale is None:
        scale = DEFAULT_SCALES[method]
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 1.0):
        raise ValueError(f"scale must be a finite number above 1, got {scale!r}")
    found = constants(algorithm, live_only=True)
    search = _Search(algorithm, executor, found, trials)
    if found and trials > 0:
        with contextlib.suppress(_BudgetSpentError):  # the search spent every trial
            _SEARCHES[method](search, trials, seed, float(scale))
    return search.result(algorithm)
