"""Regularized evolution (docs/semantics.md, "Search"), with FEC, hurdles and a compute budget.

Each cycle: sample T individuals, copy the best into the slot of the oldest
(which dies), mutate the copy with probability ``mutate_prob``, evaluate it.
The population is a ring buffer of arrays and the whole cycle runs compiled;
Python calls :meth:`RegularizedEvolution.step` for a chunk of cycles and reads
progress in between. The state (population with birth order, random
generator, counters, FEC cache, best individual) is a dict of arrays, so a
run saved and restored continues exactly as one that never stopped.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numba import uint64

from automl_zero.algorithm import Algorithm
from automl_zero.fec import (
    cache_insert,
    cache_lookup,
    errors_hash,
    new_cache,
    new_touched,
    structure_hash,
    touched_positions,
)
from automl_zero.mutation import mutate_with, mutation_work, next_uniform, randint, random_component_into
from automl_zero.search.space import SearchSpace
from automl_zero.tasks.base import EvalType, Task
from automl_zero.vm.compiled import (
    SET_EPOCHS,
    SET_EVAL,
    SET_MAX_COST,
    SET_SEED,
    SET_STEPS,
    Batch,
    CompiledExecutor,
    evaluation,
    evaluation_signature,
    op_set,
    order_into,
    program_cost,
    seed_setting,
    sort_values,
    stream_seed,
)
from automl_zero.vm.encode import EncodedAlgorithm, decode, encode
from automl_zero.vm.jit import FirstClass, kernel, slp_vectorization
from automl_zero.vm.reference import combination_code
from automl_zero.vm.rng import evaluation_stream, initial_state

_MULTICLASS = int(EvalType.MULTICLASS)

# Counters (state["counters"]).
(
    C_INDIVIDUALS,
    C_HEAD,
    C_STRUCT_HITS,
    C_FEC_HITS,
    C_FULL_EVALS,
    C_TRAIN_STEPS,
    C_HURDLE_TESTS,
    C_HURDLE_PASSES,
    C_BEST_INDIVIDUAL,
    C_WINDOW,
) = range(10)
NUM_COUNTERS = 10

_STRUCT_SALT = np.uint64(0x51F15EEDC0FFEE11)


#: The default ``redraw_tasks_every`` of experiments and the demo, which know how to draw their tasks:
#: fresh T_search draws helped on teacher nets (0 of 5 seeds past linear regression to 5 of 5) and
#: digits pairs, and did not hurt the demo or teacher classification (docs/RESULTS.md, section 7).
#: :class:`EvolutionConfig` itself defaults to 0, the original's fixed T_search: it is given tasks,
#: not a way to draw them.
REDRAW_TASKS_EVERY = 10_000


@dataclass(frozen=True)
class EvolutionConfig:
    """Settings of regularized evolution (defaults: the original's demo).

    Parameters
    ----------
    population_size, tournament_size : int
        P and T.
    mutate_prob : float
        Probability that a copied parent is mutated.
    initial : {"random", "empty", "algorithm"}
        Initial population: random algorithms of the space's sizes, empty
        ones (no-ops), or copies of a given algorithm.
    fec : bool
        Functional equivalence checking with a fingerprint run.
    fec_train_examples, fec_valid_examples : int
        Examples per task in the fingerprint run.
    fec_cache_size : int
        LRU capacity.
    structural_hash : bool
        Look up the hash of the pruned program before the fingerprint run.
    charge_skipped_fingerprints : bool
        Count the training steps of the fingerprint run that a structural
        hash hit skips, as if it had run. The original has no structural hash
        and runs the fingerprint for every individual, so with this on (the
        default) a budget of training steps buys as many individuals as in
        the original; off, only the steps that ran count.
    hurdles : bool
        Progressive dynamic hurdles.
    hurdle_train_fraction : float
        Fraction of the training examples in the first stage (one epoch).
    hurdle_task_fraction : float
        Fraction of the search tasks in the first stage (the first ones, at
        least one): a funnel over tasks as well as over examples.
    hurdle_percentile : float
        The hurdle: this percentile of the distinct first-stage fitnesses of
        the last ``population_size`` individuals.
    max_abs_error : float
        Errors above this stop training.
    max_cost : int
        Per-evaluation compute budget in op-cost units (0: none); see
        :meth:`budget_from_reference`.
    fitness_combination : {"mean", "median"}
        How an algorithm's fitnesses on the search tasks combine (the demo:
        mean, as the original's; the paper's full runs: median).
    redraw_tasks_every : int
        Replace T_search with a fresh draw of tasks of the same kind every
        this many individuals (0, the default here: never, the original's
        fixed T_search; experiments and the demo default to
        :data:`REDRAW_TASKS_EVERY`).
        Constants tuned to a fixed set of tasks then lose their edge, while
        an algorithm that learns keeps its fitness on any draw. At each
        redraw the FEC cache is emptied (its fitnesses belong to the old
        tasks); the population keeps its fitnesses until they age out. Needs
        ``draws`` (:class:`RegularizedEvolution`).
    seed : int
        Seeds the search's random generator and the evaluations' random ops.

    """

    population_size: int = 1000
    tournament_size: int = 10
    mutate_prob: float = 0.9
    initial: str = "random"
    fec: bool = True
    fec_train_examples: int = 10
    fec_valid_examples: int = 10
    fec_cache_size: int = 100_000
    structural_hash: bool = True
    charge_skipped_fingerprints: bool = True
    hurdles: bool = False
    hurdle_train_fraction: float = 0.1
    hurdle_task_fraction: float = 1.0
    hurdle_percentile: float = 75.0
    max_abs_error: float = 100.0
    max_cost: int = 0
    fitness_combination: str = "mean"
    redraw_tasks_every: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        combination_code(self.fitness_combination)
        if self.population_size < 2 or not 1 <= self.tournament_size <= self.population_size:
            raise ValueError(
                "need population_size >= 2 and 1 <= tournament_size <= population_size, "
                f"got population_size={self.population_size!r}, tournament_size={self.tournament_size!r}"
            )
        if not 0.0 <= self.mutate_prob <= 1.0:
            raise ValueError(f"mutate_prob must be in [0, 1], got {self.mutate_prob}")
        if self.initial not in ("random", "empty", "algorithm"):
            raise ValueError(f"initial must be 'random', 'empty' or 'algorithm', got {self.initial!r}")
        if self.fec_train_examples < 1 or self.fec_valid_examples < 1 or self.fec_cache_size < 1:
            raise ValueError(
                "FEC needs at least one train and one valid example and a cache of at least 1, got "
                f"fec_train_examples={self.fec_train_examples!r}, fec_valid_examples={self.fec_valid_examples!r}, "
                f"fec_cache_size={self.fec_cache_size!r}"
            )
        if not 0.0 < self.hurdle_train_fraction <= 1.0 or not 0.0 <= self.hurdle_percentile <= 100.0:
            raise ValueError(
                "hurdle_train_fraction must be in (0, 1] and hurdle_percentile in [0, 100], got "
                f"{self.hurdle_train_fraction!r} and {self.hurdle_percentile!r}"
            )
        if self.redraw_tasks_every < 0:
            raise ValueError(f"redraw_tasks_every must be >= 0 (0: never), got {self.redraw_tasks_every!r}")
        if not 0.0 < self.hurdle_task_fraction <= 1.0:
            raise ValueError(f"hurdle_task_fraction must be in (0, 1], got {self.hurdle_task_fraction!r}")


# Positions in a batch tuple (see _batch_tuple).
_B_SETTINGS, _B_ERRORS = 5, 8


def _batch_tuple(batch: Batch) -> tuple[Any, ...]:
    return (
        batch.train_x,
        batch.train_y,
        batch.valid_x,
        batch.valid_y,
        batch.orders,
        batch.settings,
        batch.rng,
        batch.fitness,
        batch.errors,
        batch.features_token,
        batch.tasks_token,
    )


# Positions in the search's work arrays (see new_scratch).
_W_ROWS_I, _W_ROWS_F, _W_KEEP, _W_ORDER, _W_BOUNDS, _W_WINDOW, _W_MASKS = range(7)


def new_scratch(capacity: int, window: int) -> tuple[np.ndarray, ...]:
    """Work arrays for the search's kernels, which allocate nothing per individual.

    For a space of ``capacity`` instructions per component function and a
    hurdle window of ``window`` fitnesses: a candidate's instructions as rows
    (ints, floats), liveness marks, the run order and its bounds
    (:func:`~automl_zero.vm.compiled.order_into`), and room to sort the
    window; then the mutation's masks (:func:`~automl_zero.mutation.mutate_with`).
    """
    rows_i, keep, masks = mutation_work(capacity)  # shared: a mutation is done before the child is evaluated
    rows = rows_i.shape[0]
    order, bounds = np.zeros(rows, dtype=np.int64), np.zeros(4, dtype=np.int64)
    return rows_i, np.zeros((rows, 3)), keep, order, bounds, np.zeros(window), masks


@kernel(refcounted=False)
def _run(
    batch: tuple[Any, ...],
    cand_i: np.ndarray,
    cand_f: np.ndarray,
    sizes: np.ndarray,
    max_abs_error: float,
    evaluate: FirstClass,
) -> float:
    # A first-class function (compiled.evaluation): called through its address, never compiled in here.
    return evaluate(
        cand_i,
        cand_f,
        sizes[0],
        sizes[1],
        sizes[2],
        batch[0],
        batch[1],
        batch[2],
        batch[3],
        batch[4],
        batch[5],
        max_abs_error,
        batch[6],
        batch[7],
        batch[8],
        batch[9],
        batch[10],
    )


@kernel(refcounted=False)
def _evaluate_child(
    ints: np.ndarray,
    floats: np.ndarray,
    sizes: np.ndarray,
    flags: np.ndarray,
    max_abs_error: float,
    search: tuple[Any, ...],
    fec: tuple[Any, ...],
    hurdle_batch: tuple[Any, ...],
    counters: np.ndarray,
    hurdle: np.ndarray,
    window: np.ndarray,
    cache: tuple[Any, ...],
    scratch: tuple[Any, ...],
    stream: np.int64,
    skipped_steps: np.int64,
    evaluate: FirstClass,
) -> float:
    """Fitness of one algorithm (ints (3, K, 4) layout), through the caches and hurdles.

    ``stream`` seeds the random ops of the hurdle and full runs (the bits of
    :func:`stream_seed`); the fingerprint run keeps its batch's fixed seed.
    ``skipped_steps`` training steps are counted for a structural hash hit
    when FEC is on (the fingerprint run it skips; 0 to count none).
    ``evaluate`` is the evaluation (:func:`~automl_zero.vm.compiled.evaluation`);
    ``scratch`` is :func:`new_scratch`'s.
    """
    cand_i, cand_f, keep = scratch[_W_ROWS_I], scratch[_W_ROWS_F], scratch[_W_KEEP]
    order, bounds = scratch[_W_ORDER], scratch[_W_BOUNDS]
    # Element loops: Numba's row assignment checks for overlap per call, which cost more than the copy.
    n = 0
    for c in range(3):
        for k in range(sizes[c]):
            for j in range(4):
                cand_i[n, j] = ints[c, k, j]
            for j in range(3):
                cand_f[n, j] = floats[c, k, j]
            n += 1
    ci = cand_i[:n]
    cf = cand_f[:n]
    keys, values, prev, nxt, table, meta, touched = cache
    use_struct, use_fec, use_hurdles = flags[0] != 0, flags[1] != 0, flags[2] != 0
    key1 = uint64(0)
    max_cost = search[_B_SETTINGS][SET_MAX_COST]
    if use_struct or max_cost > 0:
        multiclass = search[_B_SETTINGS][SET_EVAL] == _MULTICLASS
        order_into(ci, sizes[0], sizes[1], sizes[2], True, multiclass, keep, order, bounds)
        if max_cost > 0:
            # Over budget for full training: fitness 0, before any cache can answer otherwise.
            train_x = search[0]
            cost = program_cost(
                ci,
                order,
                bounds,
                train_x.shape[1],
                train_x.shape[0],
                search[2].shape[0],
                search[_B_SETTINGS][SET_EPOCHS],
            )
            if cost > max_cost:
                counters[C_FULL_EVALS] += 1
                return 0.0
        key1 = structure_hash(ci, cf, order, bounds) ^ _STRUCT_SALT
        cached = cache_lookup(key1, keys, values, prev, nxt, table, meta, touched)
        if cached >= 0.0:
            counters[C_STRUCT_HITS] += 1
            if use_fec:
                counters[C_TRAIN_STEPS] += skipped_steps
            return cached
    key2 = uint64(0)
    if use_fec:
        _run(fec, ci, cf, sizes, max_abs_error, evaluate)
        counters[C_TRAIN_STEPS] += fec[_B_SETTINGS][SET_STEPS]
        key2 = errors_hash(fec[_B_ERRORS])
        cached = cache_lookup(key2, keys, values, prev, nxt, table, meta, touched)
        if cached >= 0.0:
            counters[C_FEC_HITS] += 1
            if use_struct:
                cache_insert(key1, cached, keys, values, prev, nxt, table, meta, touched)
            return cached
    fitness = 0.0
    passed = True
    search[_B_SETTINGS][SET_SEED] = stream
    hurdle_batch[_B_SETTINGS][SET_SEED] = stream
    if use_hurdles:
        first = _run(hurdle_batch, ci, cf, sizes, max_abs_error, evaluate)
        counters[C_TRAIN_STEPS] += hurdle_batch[_B_SETTINGS][SET_STEPS]
        counters[C_HURDLE_TESTS] += 1
        window[counters[C_WINDOW] % window.shape[0]] = first
        counters[C_WINDOW] += 1
        if first < hurdle[0]:
            fitness = first
            passed = False
        else:
            counters[C_HURDLE_PASSES] += 1
    if passed:
        fitness = _run(search, ci, cf, sizes, max_abs_error, evaluate)
        counters[C_TRAIN_STEPS] += search[_B_SETTINGS][SET_STEPS]
    counters[C_FULL_EVALS] += 1
    if not passed:
        return fitness  # a first-stage fitness is not the algorithm's fitness: never cached
    if use_fec:
        cache_insert(key2, fitness, keys, values, prev, nxt, table, meta, touched)
    if use_struct:
        cache_insert(key1, fitness, keys, values, prev, nxt, table, meta, touched)
    return fitness


@kernel(refcounted=False)
def _copy_individual(
    src_i: np.ndarray,
    src_f: np.ndarray,
    src_sizes: np.ndarray,
    dst_i: np.ndarray,
    dst_f: np.ndarray,
    dst_sizes: np.ndarray,
) -> None:
    """Copy one algorithm's arrays (3, K, 4), (3, K, 3), (3,) with element loops."""
    for c in range(3):
        dst_sizes[c] = src_sizes[c]
        for k in range(src_i.shape[1]):
            for j in range(4):
                dst_i[c, k, j] = src_i[c, k, j]
            for j in range(3):
                dst_f[c, k, j] = src_f[c, k, j]


@kernel(refcounted=False)
def _update_hurdle(window: np.ndarray, filled: int, percentile: float, hurdle: np.ndarray, values: np.ndarray) -> None:
    """The hurdle: ``np.percentile(np.unique(window[:filled]), percentile)`` as Numba computes it.

    Written out (a heapsort, then Numba's linear interpolation between the
    closest ranks), because Numba's ``np.unique`` and ``np.percentile`` took
    seconds to compile, for the same value. ``values`` is scratch space of
    the window's size.
    """
    if filled == 0:
        return
    count = min(filled, window.shape[0])
    for i in range(count):
        values[i] = window[i]
    distinct = values[:count]
    sort_values(distinct)
    n = 0  # the distinct values, in order
    for i in range(count):
        if n == 0 or distinct[i] != distinct[n - 1]:
            distinct[n] = distinct[i]
            n += 1
    if n == 1 or percentile == 0.0:
        hurdle[0] = distinct[0]
    elif percentile == 100.0:
        hurdle[0] = distinct[n - 1]
    else:
        rank = 1 + (n - 1) * (percentile / 100.0)
        f = math.floor(rank)
        m = rank - f
        k = min(int(f - 1), n - 2)
        hurdle[0] = distinct[k] * (1 - m) + distinct[k + 1] * m


@kernel(refcounted=False)
def _cycles(
    n_cycles: int,
    pop_i: np.ndarray,
    pop_f: np.ndarray,
    pop_sizes: np.ndarray,
    pop_fit: np.ndarray,
    pop_birth: np.ndarray,
    best_i: np.ndarray,
    best_f: np.ndarray,
    best_sizes: np.ndarray,
    best_fit: np.ndarray,
    init_i: np.ndarray,
    init_f: np.ndarray,
    init_sizes: np.ndarray,
    rng: np.ndarray,
    counters: np.ndarray,
    hurdle: np.ndarray,
    window: np.ndarray,
    cache: tuple[Any, ...],
    space: np.ndarray,
    op_table: np.ndarray,
    mutations: np.ndarray,
    params_i: np.ndarray,
    params_f: np.ndarray,
    search: tuple[Any, ...],
    fec: tuple[Any, ...],
    hurdle_batch: tuple[Any, ...],
    scratch: tuple[Any, ...],
    evaluate: FirstClass,
) -> None:
    """Run ``n_cycles`` individuals: the initial population first, then evolution (``scratch``: :func:`new_scratch`)."""
    population = pop_fit.shape[0]
    tournament = params_i[0]
    initial_random = params_i[1] != 0
    flags = params_i[2:5]
    update_every = params_i[5]
    run_seed = np.uint64(params_i[6])
    skipped_steps = params_i[7]
    mutate_prob = params_f[0]
    max_abs_error = params_f[1]
    percentile = params_f[2]
    work = (scratch[_W_ROWS_I], scratch[_W_KEEP], scratch[_W_MASKS])  # mutate_with's
    for _ in range(n_cycles):
        individual = counters[C_INDIVIDUALS]
        if individual < population:
            slot = individual
            _copy_individual(init_i, init_f, init_sizes, pop_i[slot], pop_f[slot], pop_sizes[slot])
            if initial_random:
                for c in range(3):
                    random_component_into(pop_i[slot, c], pop_f[slot, c], c, init_sizes[c], space, op_table, rng)
        else:
            slot = counters[C_HEAD]
            parent = randint(rng, population)
            for _t in range(1, tournament):
                other = randint(rng, population)
                if pop_fit[other] > pop_fit[parent]:
                    parent = other
            if parent != slot:
                _copy_individual(
                    pop_i[parent], pop_f[parent], pop_sizes[parent], pop_i[slot], pop_f[slot], pop_sizes[slot]
                )
            if next_uniform(rng) < mutate_prob:
                mutate_with(pop_i[slot], pop_f[slot], pop_sizes[slot], space, op_table, mutations, rng, work)
            counters[C_HEAD] = (slot + 1) % population
        if flags[2] != 0 and individual % update_every == 0:
            _update_hurdle(window, counters[C_WINDOW], percentile, hurdle, scratch[_W_WINDOW])
        fitness = _evaluate_child(
            pop_i[slot],
            pop_f[slot],
            pop_sizes[slot],
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
            np.int64(stream_seed(run_seed, individual)),
            skipped_steps,
            evaluate,
        )
        pop_fit[slot] = fitness
        pop_birth[slot] = individual
        if fitness > best_fit[0] or counters[C_BEST_INDIVIDUAL] < 0:
            best_fit[0] = fitness
            _copy_individual(pop_i[slot], pop_f[slot], pop_sizes[slot], best_i, best_f, best_sizes)
            counters[C_BEST_INDIVIDUAL] = individual
        counters[C_INDIVIDUALS] = individual + 1


def hurdle_task_count(fraction: float, num_tasks: int) -> int:
    """How many of ``num_tasks`` search tasks the hurdle's first stage runs: ``fraction`` of them, at least one."""
    return max(1, min(num_tasks, round(fraction * num_tasks)))


def first_stage_tasks(tasks: Sequence[Task], train_fraction: float, task_fraction: float) -> list[Task]:
    """The hurdle's first stage: the first ``task_fraction`` of ``tasks``, each on ``train_fraction`` of its examples.

    At least one task and one training example; one epoch; the full validation set.
    """
    num_train = max(1, round(train_fraction * len(tasks[0].train_x)))
    kept = tasks[: hurdle_task_count(task_fraction, len(tasks))]
    return [_truncated(t, num_train, len(t.valid_x)) for t in kept]


def _truncated(task: Task, num_train: int, num_valid: int) -> Task:
    return dataclasses.replace(
        task,
        train_x=task.train_x[:num_train],
        train_y=task.train_y[:num_train],
        valid_x=task.valid_x[:num_valid],
        valid_y=task.valid_y[:num_valid],
        num_epochs=1,
    )


class RegularizedEvolution:
    """Regularized evolution over a search space, on a set of search tasks.

    Parameters
    ----------
    space : SearchSpace
    tasks : sequence of Task
        T_search; all of one shape (features, examples, epochs, eval type).
    config : EvolutionConfig
    initial_algorithm : Algorithm, optional
        Required when ``config.initial == "algorithm"``.
    draws : callable, optional
        ``draws(k)`` gives the k-th fresh T_search (k >= 1; draw 0 is
        ``tasks``), of the same shape and count: required when
        ``config.redraw_tasks_every`` is set. It must give the same tasks for
        the same k every time, so that runs are reproducible and resumable
        (:class:`~automl_zero.tasks.sets.TaskDraws`).

    Examples
    --------
    >>> from automl_zero.search.evolution import EvolutionConfig, RegularizedEvolution
    >>> from automl_zero.search.space import SearchSpace
    >>> from automl_zero.tasks import linear_regression_tasks
    >>> search = RegularizedEvolution(SearchSpace(), linear_regression_tasks(10), EvolutionConfig(population_size=100))
    >>> search.step(500)
    >>> search.individuals
    500

    """

    def __init__(
        self,
        space: SearchSpace,
        tasks: Sequence[Task],
        config: EvolutionConfig | None = None,
        initial_algorithm: Algorithm | None = None,
        draws: Callable[[int], Sequence[Task]] | None = None,
    ) -> None:
        self.space = space
        self.config = config = config or EvolutionConfig()
        self.tasks = list(tasks)
        if not self.tasks:
            raise ValueError("evolution needs at least one search task")
        if len({task.shape_key for task in self.tasks}) != 1:
            raise ValueError("all search tasks must have the same features, examples, epochs and eval type")
        if config.redraw_tasks_every > 0 and draws is None:
            raise ValueError("redraw_tasks_every needs draws: a function from a draw number to fresh search tasks")
        self._tasks0 = self.tasks
        self._draws = draws
        self._draw = 0  # which draw self.tasks is
        self._build_batches(self.tasks)
        self._space = (space.to_ints(), space.op_table(), space.mutation_table())
        self._params_i = np.array(
            [
                config.tournament_size,
                int(config.initial == "random"),
                int(config.structural_hash),
                int(config.fec),
                int(config.hurdles),
                max(1, config.population_size // 10),
                seed_setting(config.seed),
                self._fec_train * len(self.tasks) if config.charge_skipped_fingerprints else 0,
            ],
            dtype=np.int64,
        )
        self._params_f = np.array([config.mutate_prob, config.max_abs_error, config.hurdle_percentile])
        capacity = space.capacity
        init = np.zeros((3, capacity, 4), dtype=np.int64), np.zeros((3, capacity, 3)), np.array(space.sizes)
        if config.initial == "algorithm":
            if initial_algorithm is None:
                raise ValueError("initial='algorithm' needs an initial_algorithm")
            space.validate(initial_algorithm)
            init = _to_layout(encode(initial_algorithm), capacity)
        elif config.initial == "empty":
            init[2][:] = space.min_sizes  # no-ops
        self._init = init
        # The evaluation is generated for the space's ops only (a fraction of the compile time).
        self._ops = op_set(space.all_ops())
        self._evaluation: FirstClass | None = None
        self._migration_executor: CompiledExecutor | None = None
        self.state = self._new_state()
        self._scratch = new_scratch(capacity, config.population_size)
        # What changed since the last changes() (not part of the state): population slots written, and the FEC
        # cache's entries and table slots (marked by the compiled cache functions).
        self._written = np.zeros(config.population_size, dtype=bool)
        self._touched = new_touched(config.fec_cache_size)

    def _build_batches(self, tasks: list[Task]) -> None:
        """The compiled search's batches of ``tasks``: the search, the FEC fingerprint and the hurdle's first stage."""
        config, memory, first = self.config, self.space.memory, tasks[0]
        hurdle = first_stage_tasks(tasks, config.hurdle_train_fraction, config.hurdle_task_fraction)
        # One compiled evaluation serves every batch below: a first stage on fewer tasks needs the generic one.
        unroll = len(hurdle) == len(tasks)

        def batch(group: list[Task]) -> Batch:
            made = Batch(group, 0, memory, config.seed, prune=True, combine=config.fitness_combination, unroll=unroll)
            made.settings[SET_MAX_COST] = config.max_cost
            return made

        self._search = batch(tasks)
        fec_train = min(config.fec_train_examples, len(first.train_x))
        fec_valid = min(config.fec_valid_examples, len(first.valid_x))
        self._fec = batch([_truncated(t, fec_train, fec_valid) for t in tasks])
        self._fec.errors = np.zeros((fec_train + fec_valid, len(tasks)))
        self._fec_train = fec_train  # a draw has T_search's shape, so this stays the same
        self._hurdle = batch(hurdle)

    def _use_draw(self, draw: int) -> None:
        """Search on T_search draw ``draw`` from now on (0: the tasks given)."""
        if draw == self._draw:
            return
        if draw == 0:
            tasks = self._tasks0
        else:
            assert self._draws is not None
            tasks = list(self._draws(draw))
            if len(tasks) != len(self._tasks0) or {t.shape_key for t in tasks} != {self._tasks0[0].shape_key}:
                raise ValueError(f"T_search draw {draw} differs in shape or count from the first T_search")
        self.tasks = tasks
        self._build_batches(tasks)
        self._draw = draw
        self._migration_executor = None

    def _new_state(self) -> dict[str, np.ndarray]:
        p, k = self.config.population_size, self.space.capacity
        state = {
            "pop_i": np.zeros((p, 3, k, 4), dtype=np.int64),
            "pop_f": np.zeros((p, 3, k, 3)),
            "pop_sizes": np.zeros((p, 3), dtype=np.int64),
            "pop_fit": np.zeros(p),
            "pop_birth": np.full(p, -1, dtype=np.int64),
            "best_i": np.zeros((3, k, 4), dtype=np.int64),
            "best_f": np.zeros((3, k, 3)),
            "best_sizes": np.zeros(3, dtype=np.int64),
            "best_fit": np.zeros(1),
            "rng": np.array([initial_state(self.config.seed, 1_000_003)], dtype=np.uint64),
            "counters": np.zeros(NUM_COUNTERS, dtype=np.int64),
            "hurdle": np.zeros(1),
            "window": np.zeros(p),
        }
        state["counters"][C_BEST_INDIVIDUAL] = -1
        state.update({f"cache_{name}": array for name, array in new_cache(self.config.fec_cache_size).items()})
        return state

    def _cache(self) -> tuple[np.ndarray, ...]:
        s = self.state
        return (
            s["cache_keys"],
            s["cache_values"],
            s["cache_prev"],
            s["cache_next"],
            s["cache_table"],
            s["cache_meta"],
            self._touched,
        )

    def _mark_written(self, first: int, count: int) -> None:
        """Mark ``count`` population slots as written, the ring buffer's from slot ``first`` on."""
        p = self.config.population_size
        if count >= p:
            self._written[:] = True
        elif first + count <= p:
            self._written[first : first + count] = True
        else:
            self._written[first:] = True
            self._written[: first + count - p] = True

    def step(self, cycles: int) -> None:
        """Run ``cycles`` more individuals (the initial population counts), redrawing T_search when due."""
        every = self.config.redraw_tasks_every
        while cycles > 0:
            count = cycles if every <= 0 else min(cycles, every - self.individuals % every)
            self._step(count)
            cycles -= count
            if every > 0 and self.individuals % every == 0:
                self._use_draw(self.individuals // every)
                # The cached fitnesses were measured on the old tasks.
                for name, array in new_cache(self.config.fec_cache_size).items():
                    self.state[f"cache_{name}"][...] = array
                self._touched[:] = 1

    def _step(self, cycles: int) -> None:
        s = self.state
        if cycles > 0:  # the slots it writes: the next empty ones while the population fills, then the oldest
            filling = max(0, min(self.config.population_size - self.individuals, cycles))
            self._mark_written(min(self.individuals, self.config.population_size - 1), filling)
            self._mark_written(int(s["counters"][C_HEAD]), cycles - filling)
        with slp_vectorization():
            _cycles(
                int(cycles),
                s["pop_i"],
                s["pop_f"],
                s["pop_sizes"],
                s["pop_fit"],
                s["pop_birth"],
                s["best_i"],
                s["best_f"],
                s["best_sizes"],
                s["best_fit"],
                *self._init,
                s["rng"],
                s["counters"],
                s["hurdle"],
                s["window"],
                self._cache(),
                *self._space,
                self._params_i,
                self._params_f,
                _batch_tuple(self._search),
                _batch_tuple(self._fec),
                _batch_tuple(self._hurdle),
                self._scratch,
                self.evaluation(),
            )

    def evaluation(self) -> FirstClass:
        """The compiled evaluation that the search's kernels call: generated for the space's ops.

        Ops that arrive from elsewhere (migrants, a loaded state) widen it
        before they can be evaluated.
        """
        if self._evaluation is None:
            signature = evaluation_signature(self._search)
            assert evaluation_signature(self._fec) == signature == evaluation_signature(self._hurdle)
            self._evaluation = evaluation(self._ops, self._search)
        return self._evaluation

    def _cover(self, ints: np.ndarray) -> None:
        """Widen the evaluation to every op in ``ints`` (op numbers in the last axis' first column)."""
        if self._ops is None:
            return
        present = {int(op) for op in np.unique(ints[..., 0])}
        if not present <= set(self._ops):
            self._ops = op_set(present | set(self._ops))
            self._evaluation = None

    # -- progress --------------------------------------------------------------------------------

    def _count(self, index: int) -> int:
        return int(self.state["counters"][index])

    @property
    def individuals(self) -> int:
        """Individuals evaluated so far (initial population included)."""
        return self._count(C_INDIVIDUALS)

    @property
    def train_steps(self) -> int:
        """Training steps spent (examples times tasks), fingerprint runs and hurdles included."""
        return self._count(C_TRAIN_STEPS)

    @property
    def best_fitness(self) -> float:
        """The best fitness seen in this run."""
        return float(self.state["best_fit"][0])

    @property
    def best_individual(self) -> int:
        """The individual number at which the best fitness was found."""
        return self._count(C_BEST_INDIVIDUAL)

    def best_algorithm(self) -> Algorithm:
        """The best algorithm seen in this run."""
        s = self.state
        return decode(from_layout(s["best_i"], s["best_f"], s["best_sizes"]))

    def population_fitness(self) -> np.ndarray:
        """Fitness of the individuals alive now."""
        filled = min(self.individuals, self.config.population_size)
        return self.state["pop_fit"][:filled].copy()

    def population(self) -> list[tuple[Algorithm, float, int]]:
        """Every individual alive now: (algorithm, fitness, birth number), oldest first."""
        s = self.state
        filled = min(self.individuals, self.config.population_size)
        order = np.argsort(s["pop_birth"][:filled], kind="stable")
        return [
            (
                decode(from_layout(s["pop_i"][j], s["pop_f"][j], s["pop_sizes"][j])),
                float(s["pop_fit"][j]),
                int(s["pop_birth"][j]),
            )
            for j in order
        ]

    def stats(self) -> dict[str, float]:
        """Counters for progress reports."""
        evaluated = max(1, self.individuals)
        hits = self._count(C_STRUCT_HITS) + self._count(C_FEC_HITS)
        tests = self._count(C_HURDLE_TESTS)
        fitness = self.population_fitness()
        return {
            "individuals": self.individuals,
            "best_fitness": self.best_fitness,
            "mean_fitness": float(fitness.mean()) if len(fitness) else 0.0,
            "fec_hit_rate": hits / evaluated,
            "structural_hits": self._count(C_STRUCT_HITS),
            "fec_hits": self._count(C_FEC_HITS),
            "full_evaluations": self._count(C_FULL_EVALS),
            "train_steps": self.train_steps,
            "hurdle": float(self.state["hurdle"][0]),
            "hurdle_pass_rate": self._count(C_HURDLE_PASSES) / tests if tests else 1.0,
        }

    # -- saving ----------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of the whole state, as arrays."""
        return {name: array.copy() for name, array in self.state.items()}

    def changes(self) -> StateChanges:
        """What changed in the state since the last call (or :meth:`clear_changes`, :meth:`load_state_dict`).

        :meth:`StateChanges.apply` brings a copy of the state as it was then
        (or at any time since) up to date, exactly: the population slots
        written and the FEC cache's entries and table slots touched since
        then, and the small arrays whole. For the demo's search that is
        about 0.3 MB after 1,000 individuals, against 7 MB for the state.
        """
        s = self.state
        slots = np.flatnonzero(self._written).astype(np.int32)
        self._written[slots] = False
        entries, table_slots = touched_positions(self._touched, self.config.fec_cache_size)
        row = s["pop_f"][0].size
        at, floats = np.zeros(len(slots) * row, dtype=np.int32), np.zeros(len(slots) * row)
        ints = np.zeros((len(slots), *s["pop_i"].shape[1:]), dtype=np.int8)
        count = _pack_rows(s["pop_i"], s["pop_f"], slots, ints, at, floats)
        if count < 0:  # integers beyond 8 bits
            ints = ints.astype(np.int64)
            count = _pack_rows(s["pop_i"], s["pop_f"], slots, ints, at, floats)
        return StateChanges(
            whole={name: s[name].copy() for name in s if name not in _DELTA_ARRAYS},
            slots=slots,
            ints=ints,
            rows={name: _narrow(s[name][slots]) for name in _ROWS},
            floats_at=at[:count].copy(),
            floats=floats[:count].copy(),
            entries=_narrow(entries),
            cache={name: s[name][entries] for name in _CACHE_ENTRIES},
            table_slots=_narrow(table_slots),
            table=_narrow(s["cache_table"][table_slots]),
        )

    def clear_changes(self) -> None:
        """Count changes from now on (:meth:`changes`): the state as it is now is the one they apply to."""
        self._written[:] = False
        self._touched[:] = 0

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore a state from :meth:`state_dict` (same space and config)."""
        missing = set(self.state) - set(state)
        if missing:
            raise ValueError(f"state is missing {sorted(missing)}")
        for name, array in self.state.items():
            loaded = np.asarray(state[name])
            if loaded.shape != array.shape or loaded.dtype != array.dtype:
                raise ValueError(
                    f"state {name!r} has shape {loaded.shape} {loaded.dtype}; expected {array.shape} {array.dtype}"
                )
            self.state[name] = np.ascontiguousarray(loaded).copy()
        self.clear_changes()
        self._cover(self.state["pop_i"])
        self._cover(self.state["best_i"])
        if self.config.redraw_tasks_every > 0:
            self._use_draw(self.individuals // self.config.redraw_tasks_every)

    # -- migration -------------------------------------------------------------------------------

    def emigrants(self, count: int) -> dict[str, np.ndarray]:
        """Copies of the ``count`` fittest individuals alive (ties: the lower slot), as arrays.

        Returns ``ints`` (count, 3, K, 4), ``floats`` (count, 3, K, 3) and
        ``sizes`` (count, 3); empty while the population is still filling.
        """
        s = self.state
        filled = min(self.individuals, self.config.population_size)
        if filled < self.config.population_size:
            count = 0
        order = np.argsort(-s["pop_fit"][:filled], kind="stable")[: max(0, count)]
        return {
            "ints": s["pop_i"][order].copy(),
            "floats": s["pop_f"][order].copy(),
            "sizes": s["pop_sizes"][order].copy(),
        }

    def immigrate(self, migrants: Mapping[str, np.ndarray]) -> None:
        """Let migrants from another island replace the oldest individuals, as the newest.

        Each migrant is evaluated on this island's tasks first (islands may
        search different task sets), with the full training budget. Nothing
        happens while the population is still filling.
        """
        s = self.state
        population = self.config.population_size
        if self.individuals < population:
            return
        if self._migration_executor is None:
            self._migration_executor = CompiledExecutor(
                self.tasks,
                self.space.memory,
                max_abs_error=self.config.max_abs_error,
                seed=self.config.seed,
                combine=self.config.fitness_combination,
                ops=self._ops,
            )
        counters = s["counters"]
        arrived = zip(migrants["ints"], migrants["floats"], migrants["sizes"], strict=True)
        for j, (ints, floats, sizes) in enumerate(arrived):
            if ints.shape != s["pop_i"].shape[1:]:
                raise ValueError("migrants come from a search space of another capacity")
            self._cover(ints)
            # A stream of its own for each migrant, as for every individual born here.
            stream = evaluation_stream(self.config.seed, self.individuals) + j
            fitness = self._migration_executor.evaluate(from_layout(ints, floats, sizes), seed=stream)
            slot = int(counters[C_HEAD])
            s["pop_i"][slot], s["pop_f"][slot], s["pop_sizes"][slot] = ints, floats, sizes
            s["pop_fit"][slot] = fitness
            s["pop_birth"][slot] = self.individuals  # born now: the newest, the last to die
            self._written[slot] = True
            counters[C_HEAD] = (slot + 1) % population

    def save(self, path: str | Path) -> None:
        """Write the state to a ``.npz`` file."""
        np.savez(path, **self.state)  # type: ignore[arg-type]

    def load(self, path: str | Path) -> None:
        """Read a state written by :meth:`save`."""
        with np.load(path) as data:
            self.load_state_dict({name: data[name] for name in data.files})


#: Arrays of the state that :class:`StateChanges` holds in part: population rows, cache entries and table slots.
_ROWS = ("pop_sizes", "pop_fit", "pop_birth")  # and pop_i, pop_f (packed)
_CACHE_ENTRIES = ("cache_keys", "cache_values", "cache_prev", "cache_next")
_DELTA_ARRAYS = frozenset({*_ROWS, "pop_i", "pop_f", *_CACHE_ENTRIES, "cache_table"})


@kernel()
def _pack_rows(
    pop_i: np.ndarray, pop_f: np.ndarray, slots: np.ndarray, ints: np.ndarray, at: np.ndarray, floats: np.ndarray
) -> int:
    """Population rows ``slots``: ``pop_i``'s into ``ints``, ``pop_f``'s nonzero ones into ``floats``.

    ``at`` gets their positions in the rows flattened. Returns how many
    floats, or -1 when ``ints`` is int8 and an integer does not fit. A float
    is zero when its bits are: -0.0 is kept.
    """
    k = pop_i.shape[2]
    narrow = ints.itemsize == 1
    n = 0
    for r in range(slots.shape[0]):
        s = slots[r]
        for c in range(3):
            for i in range(k):
                for j in range(4):
                    v = pop_i[s, c, i, j]
                    if narrow and (v < -128 or v > 127):
                        return -1
                    ints[r, c, i, j] = v
        position = r * 3 * k * 3
        for c in range(3):
            for i in range(k):
                for j in range(3):
                    x = pop_f[s, c, i, j]
                    if x != 0.0 or math.copysign(1.0, x) < 0.0:
                        at[n] = position
                        floats[n] = x
                        n += 1
                    position += 1
    return n


@kernel()
def _unpack_rows(
    pop_i: np.ndarray, pop_f: np.ndarray, slots: np.ndarray, ints: np.ndarray, at: np.ndarray, floats: np.ndarray
) -> None:
    """The inverse of :func:`_pack_rows`: write the rows back into ``pop_i`` and ``pop_f``."""
    k = pop_i.shape[2]
    for r in range(slots.shape[0]):
        s = slots[r]
        for c in range(3):
            for i in range(k):
                for j in range(4):
                    pop_i[s, c, i, j] = ints[r, c, i, j]
                for j in range(3):
                    pop_f[s, c, i, j] = 0.0
    row = 3 * k * 3
    for n in range(at.shape[0]):
        r, rest = at[n] // row, at[n] % row
        pop_f[slots[r], rest // (3 * k), (rest // 3) % k, rest % 3] = floats[n]


def _narrow(values: np.ndarray) -> np.ndarray:
    """Integers in the smallest of int8, int16, int32 that holds them all (exactly); others as they are."""
    if values.dtype.kind not in "iu" or not values.size:
        return values
    low, high = int(values.min()), int(values.max())
    for kind in (np.int8, np.int16, np.int32):
        info = np.iinfo(kind)
        if info.min <= low and high <= info.max:
            return values.astype(kind)
    return values


@dataclass(frozen=True)
class StateChanges:
    """What changed in a search's state over a stretch of its search (:meth:`RegularizedEvolution.changes`).

    The population rows written (``slots``: their numbers; ``ints``: their
    ``pop_i``, in 8 bits when that holds them; ``rows``: their other arrays,
    integers narrowed; ``floats``: their ``pop_f`` values that are not 0.0,
    at ``floats_at`` in those rows flattened), the FEC cache's ``entries``
    and ``table_slots`` touched, and every other array ``whole``. Compact,
    so that it is cheap to send after every round.
    """

    whole: dict[str, np.ndarray]
    slots: np.ndarray
    ints: np.ndarray
    rows: dict[str, np.ndarray]
    floats_at: np.ndarray
    floats: np.ndarray
    entries: np.ndarray
    cache: dict[str, np.ndarray]
    table_slots: np.ndarray
    table: np.ndarray

    def apply(self, state: dict[str, np.ndarray]) -> None:
        """Bring ``state`` (writable arrays; as it was when the changes began, or later) up to date, in place."""
        self.apply_rest(state)
        self.apply_rows(state)

    def apply_rows(self, state: dict[str, np.ndarray]) -> None:
        """The population rows' part of :meth:`apply` (changes of other times may be applied between the two)."""
        for name, rows in self.rows.items():
            state[name][self.slots] = rows
        _unpack_rows(state["pop_i"], state["pop_f"], self.slots, self.ints, self.floats_at, self.floats)

    def apply_rest(self, state: dict[str, np.ndarray]) -> None:
        """Everything of :meth:`apply` but the population rows: the FEC cache's and the whole arrays."""
        for name, array in self.whole.items():
            state[name][...] = array
        for name, values in self.cache.items():
            state[name][self.entries] = values
        state["cache_table"][self.table_slots] = self.table

    @property
    def nbytes(self) -> int:
        """The bytes of its arrays."""
        arrays = [*self.whole.values(), *self.rows.values(), *self.cache.values()]
        arrays += [self.slots, self.ints, self.floats_at, self.floats, self.entries, self.table_slots, self.table]
        return sum(array.nbytes for array in arrays)


def _to_layout(encoded: EncodedAlgorithm, capacity: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ints = np.zeros((3, capacity, 4), dtype=np.int64)
    floats = np.zeros((3, capacity, 3))
    start = 0
    for c, size in enumerate(encoded.sizes):
        ints[c, :size] = encoded.ints[start : start + size]
        floats[c, :size] = encoded.floats[start : start + size]
        start += size
    return ints, floats, np.array(encoded.sizes, dtype=np.int64)


def from_layout(ints: np.ndarray, floats: np.ndarray, sizes: np.ndarray) -> EncodedAlgorithm:
    """The encoded algorithm in one population slot of a search state (``pop_i[j]``, ``pop_f[j]``, ``pop_sizes[j]``).

    The state keeps each component function in fixed-size rows padded to
    its maximum; this cuts them to their sizes and joins them.
    """
    rows_i = np.concatenate([ints[c, : sizes[c]] for c in range(3)])
    rows_f = np.concatenate([floats[c, : sizes[c]] for c in range(3)])
    return EncodedAlgorithm(rows_i, rows_f, (int(sizes[0]), int(sizes[1]), int(sizes[2])))


def budget_from_reference(reference: Algorithm, tasks: Sequence[Task], space: SearchSpace, factor: float) -> int:
    """A compute budget: ``factor`` times the cost of ``reference`` on ``tasks``.

    See docs/semantics.md, "Compute budget".
    """
    return int(factor * CompiledExecutor(tasks, space.memory).cost(reference))
