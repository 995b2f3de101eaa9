"""The original's 5-minute demo (docs/semantics.md, "The demo"): rediscover linear regression by SGD.

Experiments of regularized evolution on 10 linear regression tasks (F=4,
100 train / 100 valid, six ops, Setup/Predict/Learn of 10/2/8 instructions,
P=1000, T=10, FEC 10/10), each capped at 2e8 training steps, repeat until an
experiment's best algorithm scores > 0.9999 on 100 unseen T_select tasks
(1000 train / 100 valid); that algorithm is then scored on 100 more unseen
T_final tasks. Unlike the original, an experiment ends early once its best
algorithm already scores > 0.9999 on T_select (``stop_at_success``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from automl_zero.algorithm import Algorithm
from automl_zero.search.evolution import REDRAW_TASKS_EVERY, EvolutionConfig, RegularizedEvolution
from automl_zero.search.space import SearchSpace
from automl_zero.tasks import linear_regression_tasks
from automl_zero.tasks.sets import TaskDraws, TaskSpec
from automl_zero.vm.compiled import CompiledExecutor

DEMO_SPACE = SearchSpace()  # the demo's memory, ops, sizes and mutations are SearchSpace's defaults
# P=1000, T=10, mutate 0.9, FEC 10/10, random initial population, as the original's; and fresh T_search draws
# (redraw_tasks_every=0: the original's fixed T_search per experiment, as --fixed-tasks gives).
DEMO_CONFIG = EvolutionConfig(redraw_tasks_every=REDRAW_TASKS_EVERY)
SUFFICIENT_FITNESS = 0.9999
MAX_TRAIN_STEPS = 200_000_000
CHUNK = 10_000  # individuals between progress reports

# The role leads every task seed, so T_search, T_select and T_final never share a task.
_SEARCH, _SELECT, _FINAL = 0, 1, 2
_SEARCH_SPEC = TaskSpec(family="linear_regression", num_tasks=10, num_features=4, num_train=100, num_valid=100)


@dataclass
class Progress:
    """What the demo reports while it runs."""

    experiment: int
    individuals: int  # in this experiment
    total_individuals: int  # over all experiments
    individuals_per_s: float
    best_fitness: float
    mean_fitness: float
    fec_hit_rate: float
    train_steps: int
    elapsed_s: float


@dataclass
class DemoResult:
    """The demo's outcome."""

    success: bool
    seconds: float
    experiments: int
    individuals: int
    individuals_per_s: float
    fec_hit_rate: float
    algorithm: Algorithm | None = None
    search_fitness: float = 0.0
    select_fitness: float = 0.0
    final_fitness: float = 0.0
    select_history: list[float] = field(default_factory=list)


def run_demo(
    seed: int = 0,
    max_seconds: float | None = None,
    progress: Callable[[Progress], None] | None = None,
    *,
    max_train_steps: int = MAX_TRAIN_STEPS,
    config: EvolutionConfig = DEMO_CONFIG,
    space: SearchSpace = DEMO_SPACE,
    on_stage: Callable[[str], None] | None = None,
    stop_at_success: bool = True,
) -> DemoResult:
    """Run the demo until success or until ``max_seconds`` have passed.

    Parameters
    ----------
    seed : int
        Decides every task and every random choice: the same seed gives the
        same experiments on the same machine.
    max_seconds : float, optional
        Stop (without success) after this long.
    progress : callable, optional
        Called with a :class:`Progress` every 10,000 individuals.
    max_train_steps : int
        Training steps per experiment (2e8 in the original).
    config : EvolutionConfig
        The evolution settings; the seed is replaced per experiment.
    space : SearchSpace
        The search space (the demo's by default), e.g. with another
        ``constant_mutation``; its memory must be the demo's.
    on_stage : callable, optional
        Called with the name of each compilation stage before the search
        starts (each loads from Numba's cache after the first run), and
        with ``"search"`` when the search starts.
    stop_at_success : bool
        End an experiment as soon as its best algorithm scores above 0.9999
        on T_search and then on T_select (checked every 10,000 individuals,
        once per new best), instead of running out its 2e8 training steps
        as the original does. The outcome is decided the same way; the time
        after success is saved. False: the original's procedure.

    Returns
    -------
    DemoResult

    """
    memory = DEMO_SPACE.memory
    if seed < 0:
        raise ValueError(f"the demo's seed must be a non-negative integer, got {seed}")
    # Only the space's ops are compiled, and T_select runs in batches of 10 tasks, so that the
    # evaluation the search compiles serves T_select and T_final too.
    ops = space.all_ops()
    select = CompiledExecutor(linear_regression_tasks(100, 4, 1000, 100, seed=(_SELECT, seed)), memory, ops=ops)
    warm_up(select, config, space, on_stage)
    if on_stage is not None:
        on_stage("search")
    start = time.perf_counter()
    total = 0
    fec_hits = 0.0
    history: list[float] = []
    experiment = 0
    while True:
        experiment += 1
        tasks = linear_regression_tasks(10, 4, 100, 100, seed=(_SEARCH, seed, experiment))  # _SEARCH_SPEC
        run_config = replace(config, seed=seed * 1_000_003 + experiment)
        draws = search_draws(seed, experiment) if config.redraw_tasks_every > 0 else None
        search = RegularizedEvolution(space, tasks, run_config, draws=draws)
        experiment_start = time.perf_counter()
        timed_out = False
        checked = -1  # the best individual last scored on T_select during the experiment
        select_fitness = -1.0
        while search.train_steps < max_train_steps:
            search.step(CHUNK)
            now = time.perf_counter()
            if progress is not None:
                stats = search.stats()
                progress(
                    Progress(
                        experiment=experiment,
                        individuals=search.individuals,
                        total_individuals=total + search.individuals,
                        individuals_per_s=search.individuals / max(now - experiment_start, 1e-9),
                        best_fitness=stats["best_fitness"],
                        mean_fitness=stats["mean_fitness"],
                        fec_hit_rate=stats["fec_hit_rate"],
                        train_steps=search.train_steps,
                        elapsed_s=now - start,
                    )
                )
            if max_seconds is not None and now - start > max_seconds:
                timed_out = True
                break
            if stop_at_success and search.best_fitness > SUFFICIENT_FITNESS and search.best_individual != checked:
                # Only a T_search score above the mark is worth the T_select check (~100 evaluations).
                checked = search.best_individual
                select_fitness = select.evaluate(search.best_algorithm())
                if select_fitness > SUFFICIENT_FITNESS:
                    break
        total += search.individuals
        fec_hits += search.stats()["fec_hit_rate"] * search.individuals
        best = search.best_algorithm()
        if search.best_individual != checked:
            select_fitness = select.evaluate(best)
        history.append(select_fitness)
        seconds = time.perf_counter() - start
        if select_fitness > SUFFICIENT_FITNESS or timed_out:
            success = select_fitness > SUFFICIENT_FITNESS
            final = 0.0
            if success:
                final_tasks = linear_regression_tasks(100, 4, 1000, 100, seed=(_FINAL, seed))
                final = CompiledExecutor(final_tasks, memory, ops=ops).evaluate(best)
            return DemoResult(
                success=success,
                seconds=seconds,
                experiments=experiment,
                individuals=total,
                individuals_per_s=total / max(seconds, 1e-9),
                fec_hit_rate=fec_hits / max(total, 1),
                algorithm=best,
                search_fitness=search.best_fitness,
                select_fitness=select_fitness,
                final_fitness=final,
                select_history=history,
            )


def search_draws(seed: int, experiment: int) -> TaskDraws:
    """Fresh T_search draws of an experiment (``redraw_tasks_every``): from that experiment's own streams."""
    return TaskDraws(_SEARCH_SPEC, seed, search_set=experiment)


#: The demo's compilation stages, in order, as :func:`warm_up` reports them.
WARM_UP_STAGES = (
    "the evaluation of the space's ops (T_select, T_final and the search share it)",
    "the search: evolution, mutation and FEC",
)


def warm_up(
    select: CompiledExecutor,
    config: EvolutionConfig,
    space: SearchSpace = DEMO_SPACE,
    on_stage: Callable[[str], None] | None = None,
) -> None:
    """Compile (or load from Numba's cache) everything the demo runs, so that timings exclude it.

    ``on_stage`` is called with each of :data:`WARM_UP_STAGES` as it starts.
    """
    if on_stage is not None:
        on_stage(WARM_UP_STAGES[0])
    select.evaluate(Algorithm())
    if on_stage is not None:
        on_stage(WARM_UP_STAGES[1])
    tiny = linear_regression_tasks(10, 4, 2, 2, seed=(_SEARCH, 0, 0))
    small = replace(config, population_size=2, tournament_size=1, redraw_tasks_every=0)
    RegularizedEvolution(space, tiny, small).step(3)
