"""Random search over a search space, and the success rate that measures difficulty.

See docs/semantics.md, "Random search".

The paper measures how hard a task is by the fraction of random algorithms
that beat a threshold (or a reference algorithm): about 1 in 10^7 for linear
regression. The same compiled evaluation as evolution (FEC included) scores
every random algorithm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from automl_zero.algorithm import Algorithm
from automl_zero.mutation import random_component_into
from automl_zero.search.evolution import (
    C_INDIVIDUALS,
    EvolutionConfig,
    RegularizedEvolution,
    _batch_tuple,
    _evaluate_child,
    from_layout,
)
from automl_zero.search.space import SearchSpace
from automl_zero.tasks.base import Task
from automl_zero.vm.compiled import stream_seed
from automl_zero.vm.encode import decode
from automl_zero.vm.jit import FirstClass, kernel, slp_vectorization
from automl_zero.vm.rng import MASK


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default); sound at 0 successes."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1.0 + z * z / trials
    center = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, center - half), min(1.0, center + half)


@dataclass(frozen=True)
class SuccessRate:
    """Random algorithms that beat a threshold, with a 95% confidence interval."""

    successes: int
    trials: int
    threshold: float

    @property
    def rate(self) -> float:
        """Observed fraction."""
        return self.successes / self.trials if self.trials else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """95% Wilson interval of the rate."""
        return wilson_interval(self.successes, self.trials)

    def __str__(self) -> str:
        low, high = self.interval
        share = f"{self.successes} of {self.trials:,} beat {self.threshold:.6f}"
        return f"{share}: rate {self.rate:.3g} (95% CI {low:.3g}-{high:.3g})"


@kernel()
def _random_trials(
    n: int,
    threshold: float,
    ints: np.ndarray,
    floats: np.ndarray,
    sizes: np.ndarray,
    best_i: np.ndarray,
    best_f: np.ndarray,
    best: np.ndarray,
    rng: np.ndarray,
    counters: np.ndarray,
    hurdle: np.ndarray,
    window: np.ndarray,
    cache: tuple[Any, ...],
    space: np.ndarray,
    op_table: np.ndarray,
    flags: np.ndarray,
    max_abs_error: float,
    search: tuple[Any, ...],
    fec: tuple[Any, ...],
    hurdle_batch: tuple[Any, ...],
    scratch: tuple[Any, ...],
    run_seed: np.uint64,
    skipped_steps: np.int64,
    evaluate: FirstClass,
) -> int:
    """Evaluate ``n`` random algorithms; return how many beat ``threshold``."""
    successes = 0
    for _ in range(n):
        for c in range(3):
            random_component_into(ints[c], floats[c], c, sizes[c], space, op_table, rng)
        fitness = _evaluate_child(
            ints,
            floats,
            sizes,
            flags,
            max_abs_error,
            search,
            fec,
            hurdle_batch,
            counters,
            hurdle,
            window,
            cache,
            scratch,
            np.int64(stream_seed(run_seed, counters[C_INDIVIDUALS])),
            skipped_steps,
            evaluate,
        )
        counters[C_INDIVIDUALS] += 1
        if fitness > threshold:
            successes += 1
        if fitness > best[0]:
            best[0] = fitness
            best_i[:] = ints
            best_f[:] = floats
    return successes


class RandomSearch:
    """Random algorithms of a space's initial sizes, scored like evolution's children.

    Parameters
    ----------
    space : SearchSpace
    tasks : sequence of Task
    config : EvolutionConfig
        Only the evaluation settings are read (FEC, hurdles off, max_abs_error, seed).

    """

    def __init__(self, space: SearchSpace, tasks: Sequence[Task], config: EvolutionConfig | None = None) -> None:
        config = config or EvolutionConfig()
        # Evolution's machinery provides the batches, cache and counters; hurdles do not apply here.
        self._evolution = RegularizedEvolution(space, tasks, replace(config, hurdles=False))
        self.space = space
        capacity = space.capacity
        self._ints = np.zeros((3, capacity, 4), dtype=np.int64)
        self._floats = np.zeros((3, capacity, 3))
        self._sizes = np.array(space.sizes, dtype=np.int64)
        self._best_i = self._ints.copy()
        self._best_f = self._floats.copy()
        self._best = np.array([-1.0])

    @property
    def trials(self) -> int:
        """Random algorithms evaluated so far."""
        return int(self._evolution.state["counters"][C_INDIVIDUALS])

    @property
    def best_fitness(self) -> float:
        """The best fitness seen."""
        return float(self._best[0])

    def best_algorithm(self) -> Algorithm:
        """The best random algorithm seen."""
        return decode(from_layout(self._best_i, self._best_f, self._sizes))

    def stats(self) -> dict[str, float]:
        """The evaluation counters (FEC hits, training steps)."""
        return self._evolution.stats()

    def run(self, n: int, threshold: float) -> int:
        """Evaluate ``n`` more random algorithms; return how many beat ``threshold``."""
        e = self._evolution
        s = e.state
        with slp_vectorization():
            return int(
                _random_trials(
                    int(n),
                    float(threshold),
                    self._ints,
                    self._floats,
                    self._sizes,
                    self._best_i,
                    self._best_f,
                    self._best,
                    s["rng"],
                    s["counters"],
                    s["hurdle"],
                    s["window"],
                    e._cache(),
                    e._space[0],
                    e._space[1],
                    e._params_i[2:5],
                    float(e._params_f[1]),
                    _batch_tuple(e._search),
                    _batch_tuple(e._fec),
                    _batch_tuple(e._hurdle),
                    e._scratch,
                    np.uint64(e.config.seed & MASK),
                    e._params_i[7],
                    e.evaluation(),
                )
            )

    def success_rate(self, n: int, threshold: float) -> SuccessRate:
        """Evaluate ``n`` random algorithms and return the fraction beating ``threshold``."""
        return SuccessRate(self.run(n, threshold), n, threshold)
