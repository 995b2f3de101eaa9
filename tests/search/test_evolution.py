"""Regularized evolution: mutation validity, exact resume, FEC, progress."""

from __future__ import annotations

import numpy as np
import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize, make
from automl_zero.mutation import MutationType, mutate_into
from automl_zero.ops import ALL_OPS, DEMO_OPS, SETUP_OPS, Op
from automl_zero.search.evolution import (
    EvolutionConfig,
    RegularizedEvolution,
    _to_layout,
    from_layout,
    hurdle_task_count,
)
from automl_zero.search.space import SearchSpace
from automl_zero.tasks import linear_regression_tasks
from automl_zero.vm import decode, encode
from automl_zero.vm.compiled import CompiledExecutor
from automl_zero.vm.reference import ReferenceExecutor
from automl_zero.vm.rng import evaluation_stream

TASKS = linear_regression_tasks(10, 4, 100, 100, seed=3)
SMALL = EvolutionConfig(population_size=50, tournament_size=5, fec_cache_size=1000, seed=7)


@pytest.mark.slow
def test_mutations_stay_in_the_space() -> None:
    """100,000 chained mutations of every type over the full op set, with variable sizes."""
    space = SearchSpace(
        memory=MemorySize(5, 6, 3),
        setup_ops=SETUP_OPS,
        predict_ops=ALL_OPS,
        learn_ops=ALL_OPS,
        sizes=(3, 4, 4),
        min_sizes=(0, 1, 0),
        max_sizes=(6, 9, 9),
        mutations=tuple(MutationType),
    )
    arrays = space.to_ints(), space.op_table(), space.mutation_table()
    rng = np.array([12345], dtype=np.uint64)
    ints, floats, sizes = _to_layout(encode(make(predict=["s1 = dot(v0, v1)"], learn=["s2 = 0.5"] * 2)), space.capacity)
    sizes[:] = (0, 1, 2)
    kinds = np.zeros(len(MutationType), dtype=np.int64)
    size_seen = set()
    for _ in range(100_000):
        kinds[mutate_into(ints, floats, sizes, *arrays, rng)] += 1
        space.validate(decode(from_layout(ints, floats, sizes)))
        size_seen.add(tuple(sizes))
    assert kinds.min() > 10_000  # every type drawn
    assert min(s[1] for s in size_seen) == 1 and max(s[2] for s in size_seen) == 9


def test_demo_space_mutations_keep_fixed_sizes() -> None:
    space = SearchSpace()
    arrays = space.to_ints(), space.op_table(), space.mutation_table()
    rng = np.array([1], dtype=np.uint64)
    ints, floats, sizes = _to_layout(
        encode(make(setup=["s2 = 0.5"] * 10, predict=["s1 = dot(v0, v1)"] * 2, learn=["s3 = s0 - s1"] * 8)), 10
    )
    changed = 0
    for _ in range(5000):
        before = ints.copy(), floats.copy()
        mutate_into(ints, floats, sizes, *arrays, rng)
        changed += not (np.array_equal(before[0], ints) and np.array_equal(before[1], floats))
        assert tuple(sizes) == (10, 2, 8)
        space.validate(decode(from_layout(ints, floats, sizes)))
    assert changed > 4000


def test_constants_are_perturbed_by_a_factor_or_flipped() -> None:
    space = SearchSpace(mutations=(MutationType.ALTER_PARAM,), constant_mutation="scale")
    arrays = space.to_ints(), space.op_table(), space.mutation_table()
    rng = np.array([9], dtype=np.uint64)
    ratios = []
    for _ in range(4000):
        ints, floats, sizes = _to_layout(encode(make(setup=["s2 = 1.0"])), 10)
        sizes[:] = (1, 0, 0)
        mutate_into(ints, floats, sizes, *arrays, rng)
        if ints[0, 0, 3] == 2:  # the data changed, not the output address
            ratios.append(floats[0, 0, 0])
    ratios = np.array(ratios)
    positive = ratios[ratios > 0]
    assert positive.min() >= 0.5 and positive.max() <= 2.0
    assert 0.05 < (ratios < 0).mean() < 0.15  # sign flipped with probability 0.1


def test_log_normal_constants_step_on_a_log_scale_or_flip() -> None:
    space = SearchSpace(mutations=(MutationType.ALTER_PARAM,))  # the default: log_normal
    arrays = space.to_ints(), space.op_table(), space.mutation_table()
    rng = np.array([9], dtype=np.uint64)
    values = []
    for _ in range(6000):
        ints, floats, sizes = _to_layout(encode(make(setup=["s2 = 2.0"])), 10)
        sizes[:] = (1, 0, 0)
        mutate_into(ints, floats, sizes, *arrays, rng)
        if floats[0, 0, 0] != 2.0:  # the data changed, not the output address
            values.append(floats[0, 0, 0])
    values = np.array(values)
    assert len(values) > 2500
    flipped = values == -2.0
    assert 0.07 < flipped.mean() < 0.13  # exclusively a sign flip, with probability 0.1
    steps = np.log(values[~flipped]) - np.log(2.0)  # never negative otherwise: the sign is kept
    assert abs(steps.mean()) < 0.08 and 0.9 < steps.std() < 1.1  # log|x| + N(0, 1)
    assert steps.max() > np.log(4.0) and steps.min() < -np.log(4.0)  # reaches past the scale mode's [0.5, 2]
    with pytest.raises(ValueError, match="constant_mutation"):
        SearchSpace(constant_mutation="gaussian")


def test_log_uniform_constants_cover_each_decade_alike() -> None:
    from automl_zero.mutation import random_component_into

    def constants(init: str) -> np.ndarray:
        space = SearchSpace(setup_ops=(Op.SCALAR_CONST_SET_OP,), sizes=(10, 2, 8), constant_init=init)
        ints = np.zeros((10, 4), dtype=np.int64)
        floats = np.zeros((10, 3))
        rng = np.array([5], dtype=np.uint64)
        drawn = []
        for _ in range(800):
            random_component_into(ints, floats, 0, 10, space.to_ints(), space.op_table(), rng)
            drawn.extend(floats[:, 0])
        return np.array(drawn)

    logs = np.log10(np.abs(constants("log_uniform")))
    assert logs.min() >= -4.0 and logs.max() <= 0.0
    per_decade = np.histogram(logs, bins=4, range=(-4.0, 0.0))[0] / logs.size
    assert np.all(np.abs(per_decade - 0.25) < 0.02)
    assert 0.47 < (constants("log_uniform") < 0).mean() < 0.53
    uniform = constants("uniform")  # the default: U[-1, 1], so constants below 1e-2 are rare
    assert SearchSpace().constant_init == "uniform"
    assert uniform.min() >= -1.0 and uniform.max() <= 1.0 and (np.abs(uniform) < 0.01).mean() < 0.02
    with pytest.raises(ValueError, match="constant_init"):
        SearchSpace(constant_init="normal")


def test_insert_and_remove_are_separate_types() -> None:
    space = SearchSpace(sizes=(1, 1, 1), min_sizes=(0, 0, 0), max_sizes=(5, 5, 5))
    arrays = {}
    for kind in (MutationType.INSERT, MutationType.REMOVE):
        typed = SearchSpace(**{**space.__dict__, "mutations": (kind,)})
        arrays[kind] = typed.to_ints(), typed.op_table(), typed.mutation_table()
    rng = np.array([4], dtype=np.uint64)
    ints, floats, sizes = _to_layout(
        encode(make(setup=["s2 = 1.0"], predict=["s1 = s2 * s2"], learn=["s3 = s0 - s1"])), 5
    )
    for _ in range(30):
        mutate_into(ints, floats, sizes, *arrays[MutationType.INSERT], rng)
    assert tuple(sizes) == (5, 5, 5)  # only insertions, up to max_sizes
    for _ in range(30):
        mutate_into(ints, floats, sizes, *arrays[MutationType.REMOVE], rng)
    assert tuple(sizes) == (0, 0, 0)  # only removals, down to min_sizes


def test_random_ops_draw_afresh_for_every_individual() -> None:
    """Each individual's random ops draw from its own stream, (run seed, individual number)."""
    space = SearchSpace(
        memory=MemorySize(4, 3, 1),
        setup_ops=(*DEMO_OPS, Op.VECTOR_GAUSSIAN_SET_OP, Op.SCALAR_UNIFORM_SET_OP),
        sizes=(6, 2, 4),
    )
    config = EvolutionConfig(
        population_size=40, tournament_size=4, fec=False, structural_hash=False, seed=11, max_abs_error=1e6
    )
    tasks = linear_regression_tasks(3, 4, 20, 10, seed=5, num_epochs=2)
    search = RegularizedEvolution(space, tasks, config)
    search.step(300)
    compiled = CompiledExecutor(tasks, space.memory, seed=config.seed, max_abs_error=1e6)
    reference = ReferenceExecutor(tasks, space.memory, seed=config.seed, max_abs_error=1e6)
    random_ones = 0
    for algorithm, fitness, birth in search.population():
        stream = evaluation_stream(config.seed, birth)
        assert compiled.evaluate(algorithm, seed=stream) == fitness
        if any(i.spec.random for c in (algorithm.setup,) for i in c):
            random_ones += 1
            assert reference.evaluate(algorithm, seed=stream) == fitness
    assert random_ones > 10
    # The same program born twice draws differently: no lucky draw is inherited.
    lucky = make(setup=["v1 = gaussian(0.0, 1.0, n_features)"], predict=["s1 = dot(v0, v1)"])
    draws = {compiled.evaluate(lucky, seed=evaluation_stream(config.seed, n)) for n in range(5)}
    assert len(draws) == 5


def test_resume_gives_the_same_individuals(tmp_path) -> None:
    straight = RegularizedEvolution(SearchSpace(), TASKS, SMALL)
    straight.step(600)
    straight.step(900)
    first = RegularizedEvolution(SearchSpace(), TASKS, SMALL)
    first.step(600)
    first.save(tmp_path / "state.npz")
    resumed = RegularizedEvolution(SearchSpace(), TASKS, SMALL)
    resumed.load(tmp_path / "state.npz")
    resumed.step(900)
    for name, array in straight.state.items():
        np.testing.assert_array_equal(array, resumed.state[name], err_msg=name)
    assert [str(a) for a, _, _ in straight.population()] == [str(a) for a, _, _ in resumed.population()]


def test_same_seed_same_run_other_seed_other_run() -> None:
    a, b = RegularizedEvolution(SearchSpace(), TASKS, SMALL), RegularizedEvolution(SearchSpace(), TASKS, SMALL)
    c = RegularizedEvolution(SearchSpace(), TASKS, EvolutionConfig(**{**SMALL.__dict__, "seed": 8}))
    for search in (a, b, c):
        search.step(300)
    assert np.array_equal(a.state["pop_i"], b.state["pop_i"])
    assert not np.array_equal(a.state["pop_i"], c.state["pop_i"])


def test_fitnesses_are_the_executors() -> None:
    """Cached or not, every individual's fitness is what the executor gives it."""
    search = RegularizedEvolution(SearchSpace(), TASKS, SMALL)
    search.step(2000)
    executor = CompiledExecutor(TASKS, SearchSpace().memory, seed=SMALL.seed)
    population = search.population()
    assert len(population) == 50
    for algorithm, fitness, _ in population:
        assert executor.evaluate(algorithm) == fitness
    stats = search.stats()
    assert stats["structural_hits"] + stats["fec_hits"] + stats["full_evaluations"] == 2000


def test_fec_off_evaluates_everything() -> None:
    search = RegularizedEvolution(
        SearchSpace(), TASKS, EvolutionConfig(**{**SMALL.__dict__, "fec": False, "structural_hash": False})
    )
    search.step(500)
    stats = search.stats()
    assert stats["full_evaluations"] == 500 and stats["fec_hit_rate"] == 0.0


def test_evolution_improves_and_tracks_the_best() -> None:
    search = RegularizedEvolution(SearchSpace(), TASKS, EvolutionConfig(population_size=100, seed=2))
    search.step(100)
    initial_best = search.best_fitness
    search.step(20_000)
    assert search.best_fitness > initial_best
    assert (
        CompiledExecutor(TASKS, SearchSpace().memory, seed=2).evaluate(search.best_algorithm()) == search.best_fitness
    )
    assert 0 <= search.best_individual < search.individuals


def test_initial_population_from_an_algorithm() -> None:
    space = SearchSpace(memory=MemorySize(5, 3, 1), sizes=(1, 1, 4))
    config = EvolutionConfig(population_size=20, tournament_size=2, initial="algorithm", seed=1)
    search = RegularizedEvolution(space, TASKS, config, initial_algorithm=REFERENCE_LINEAR_REGRESSION)
    search.step(20)
    assert all(a == REFERENCE_LINEAR_REGRESSION for a, _, _ in search.population())
    with pytest.raises(ValueError, match="initial_algorithm"):
        RegularizedEvolution(space, TASKS, config)


def test_hurdles_filter_and_count() -> None:
    config = EvolutionConfig(**{**SMALL.__dict__, "hurdles": True, "fec": False, "structural_hash": False})
    search = RegularizedEvolution(SearchSpace(), TASKS, config)
    search.step(3000)
    stats = search.stats()
    assert 0.0 < stats["hurdle"] < 1.0
    # The hurdle is a percentile of *distinct* fitnesses; a converged population holds many
    # copies at the top, so more than a quarter may clear it, but never all.
    assert 0.0 < stats["hurdle_pass_rate"] < 1.0
    # Every individual trains on 10 of its 100 examples per task first; only those that clear the
    # hurdle train on all of them (fewer if training stops early). The two runs' trajectories
    # differ, so the saving is checked against this individual-by-individual bound.
    passes = round(stats["hurdle_pass_rate"] * 3000)
    first_stage, full = 10 * len(TASKS), 100 * len(TASKS)
    assert search.train_steps <= 3000 * first_stage + passes * full < 3000 * full


def test_hurdle_task_count() -> None:
    assert [hurdle_task_count(f, 10) for f in (0.01, 0.2, 0.25, 0.5, 1.0)] == [1, 2, 2, 5, 10]
    assert hurdle_task_count(0.2, 36) == 7
    with pytest.raises(ValueError, match="hurdle_task_fraction"):
        EvolutionConfig(hurdle_task_fraction=0.0)


def test_hurdle_funnel_over_tasks() -> None:
    """A first stage on the first tasks only, all their examples: its steps, and failures' fitness on those tasks."""
    base = {**SMALL.__dict__, "hurdles": True, "fec": False, "structural_hash": False}
    # Copies of linear regression all clear the hurdle (they tie it): every individual pays both stages.
    copies = EvolutionConfig(**{**base, "initial": "algorithm", "mutate_prob": 0.0, "hurdle_task_fraction": 0.2})
    copies = EvolutionConfig(**{**copies.__dict__, "hurdle_train_fraction": 1.0})
    space = SearchSpace(memory=MemorySize(5, 3, 1), sizes=(1, 1, 4))
    search = RegularizedEvolution(space, TASKS, copies, initial_algorithm=REFERENCE_LINEAR_REGRESSION)
    search.step(200)
    assert search.train_steps == search.individuals * (2 * 100 + 10 * 100)
    # Random programs: an individual that fails the first stage keeps its fitness on the first 2 tasks.
    config = EvolutionConfig(**{**base, "hurdle_task_fraction": 0.2, "hurdle_train_fraction": 1.0})
    search = RegularizedEvolution(SearchSpace(), TASKS, config)
    search.step(600)
    full = CompiledExecutor(TASKS, search.space.memory, seed=config.seed)
    first = CompiledExecutor(TASKS[:2], search.space.memory, seed=config.seed)
    stages = {"full": 0, "first": 0}
    for algorithm, fitness, birth in search.population():
        stream = evaluation_stream(config.seed, birth)
        if full.evaluate(algorithm, seed=stream) == fitness:
            stages["full"] += 1
        else:
            assert first.evaluate(algorithm, seed=stream) == fitness
            stages["first"] += 1
    assert stages["full"] > 0 and stages["first"] > 0


def test_compute_budget_zeroes_expensive_algorithms() -> None:
    space = SearchSpace(memory=MemorySize(5, 3, 1), sizes=(1, 1, 4))
    executor = CompiledExecutor(TASKS, space.memory)
    cost = executor.cost(REFERENCE_LINEAR_REGRESSION)
    assert cost == 100 * (4 + 1 + 1 + 4 + 4) + 100 * 4 + 1  # dot, diff, product, s*v, v+v; valid Predict; Setup
    config = EvolutionConfig(population_size=10, tournament_size=2, initial="algorithm", max_cost=cost - 1, seed=1)
    search = RegularizedEvolution(space, TASKS, config, initial_algorithm=REFERENCE_LINEAR_REGRESSION)
    search.step(10)
    assert search.population_fitness().max() == 0.0


def test_bad_configs_are_errors() -> None:
    with pytest.raises(ValueError, match="tournament_size"):
        EvolutionConfig(population_size=10, tournament_size=11)
    with pytest.raises(ValueError, match="mutate_prob"):
        EvolutionConfig(mutate_prob=1.5)
    with pytest.raises(ValueError, match="same features"):
        RegularizedEvolution(SearchSpace(), [TASKS[0], linear_regression_tasks(1, 5)[0]])
    with pytest.raises(ValueError, match="min <= initial <= max"):
        SearchSpace(sizes=(1, 1, 1), max_sizes=(0, 1, 1))


def test_demo_ops_are_the_default_space() -> None:
    space = SearchSpace()
    assert space.setup_ops == space.predict_ops == space.learn_ops == DEMO_OPS
    assert space.sizes == (10, 2, 8) and space.memory == MemorySize(4, 3, 1)


def test_over_budget_children_score_zero_even_with_fec() -> None:
    """The budget is checked before any cache: an FEC match must not lend a fitness to an over-budget child."""
    space = SearchSpace(
        memory=MemorySize(5, 3, 2),
        sizes=(1, 1, 4),
        min_sizes=(0, 0, 0),
        max_sizes=(2, 5, 5),
        setup_ops=ALL_OPS,
        predict_ops=ALL_OPS,
        learn_ops=ALL_OPS,
    )
    cheap = REFERENCE_LINEAR_REGRESSION
    costly = make(
        setup=["s2 = 0.001"],
        predict=["m1 = matmul(m0, m0)", "m1 = matmul(m1, m0)", "s1 = dot(v0, v1)"],
        learn=["s3 = s0 - s1", "s4 = s3 * s2", "v2 = v0 * s4", "v1 = v1 + v2"],
    )
    executor = CompiledExecutor(TASKS, space.memory)
    budget = executor.cost(cheap) + 1
    assert executor.cost(costly) == executor.cost(cheap)  # the matrix products are dead code: pruned, free
    live_costly = make(
        setup=["s2 = 0.001"],
        predict=["m1 = matmul(m0, m0)", "s4 = mean(m1)", "s1 = dot(v0, v1)", "s1 = s1 + s4"],
        learn=[str(i) for i in cheap.learn],
    )
    assert executor.cost(live_costly) > budget
    for initial, expected_zero in ((cheap, False), (live_costly, True)):
        config = EvolutionConfig(population_size=4, tournament_size=2, initial="algorithm", max_cost=budget, seed=1)
        search = RegularizedEvolution(space, TASKS, config, initial_algorithm=initial)
        search.step(4)
        fitness = search.population_fitness()
        assert (fitness == 0.0).all() == expected_zero


def test_single_vector_memory_is_rejected_for_vector_ops() -> None:
    with pytest.raises(ValueError, match="v0 is read-only"):
        SearchSpace(memory=MemorySize(4, 1, 1))


def test_median_fitness_combination_in_search() -> None:
    config = EvolutionConfig(**{**SMALL.__dict__, "fitness_combination": "median"})
    search = RegularizedEvolution(SearchSpace(), TASKS, config)
    search.step(500)
    executor = CompiledExecutor(TASKS, SearchSpace().memory, seed=SMALL.seed, combine="median")
    for algorithm, fitness, _ in search.population()[:20]:
        assert executor.evaluate(algorithm) == fitness
    with pytest.raises(ValueError, match="fitness combination"):
        EvolutionConfig(fitness_combination="best")


def _dead_fraction(space: SearchSpace, seed: int) -> float:
    """Share of RANDOMIZE_INSTRUCTION children of the reference SGD whose new instruction is dead."""
    from automl_zero.vm.compiled import live_instructions

    arrays = space.to_ints(), space.op_table(), space.mutation_table()
    rng = np.array([seed], dtype=np.uint64)
    parent = _to_layout(encode(REFERENCE_LINEAR_REGRESSION), space.capacity)
    dead = total = 0
    for _ in range(3000):
        ints, floats, sizes = (a.copy() for a in parent)
        mutate_into(ints, floats, sizes, *arrays, rng)
        changed = [(c, k) for c in range(3) for k in range(sizes[c]) if not np.array_equal(ints[c, k], parent[0][c, k])]
        if len(changed) != 1:
            continue
        encoded = from_layout(ints, floats, sizes)
        live = live_instructions(encoded.ints, *encoded.sizes)
        c, k = changed[0]
        total += 1
        dead += not live[int(sizes[:c].sum()) + k]
        space.validate(decode(encoded))
    return dead / total


def test_semantic_mutations_are_less_often_dead_on_arrival() -> None:
    memory = MemorySize(8, 6, 2)
    common = dict(memory=memory, sizes=(1, 1, 4), mutations=(MutationType.RANDOMIZE_INSTRUCTION,))
    uniform = _dead_fraction(SearchSpace(**common), seed=3)
    semantic = _dead_fraction(SearchSpace(**common, semantic_mutation_prob=1.0), seed=3)
    assert semantic < 0.6 * uniform  # measured here: about half as many dead
    # Off by default, and then the random stream (so every run) is what it was.
    assert SearchSpace().semantic_mutation_prob == 0.0
    with pytest.raises(ValueError, match="semantic_mutation_prob"):
        SearchSpace(semantic_mutation_prob=1.5)


def test_the_hurdle_is_numbas_percentile_of_the_distinct_fitnesses() -> None:
    """The written-out hurdle gives what np.percentile(np.unique(...)) gave in compiled code, bit for bit."""
    from numba import njit

    from automl_zero.search.evolution import _update_hurdle

    @njit
    def numba_hurdle(window: np.ndarray, filled: int, percentile: float) -> float:
        return np.percentile(np.unique(window[: min(filled, window.shape[0])]), percentile)

    rng = np.random.default_rng(8)
    for trial in range(300):
        size = int(rng.integers(1, 60))
        window = rng.integers(0, 1 + trial % 7, size) / 7.0 if trial % 2 else rng.random(size)
        filled = int(rng.integers(1, 2 * size))
        for percentile in (0.0, 100.0, 75.0, 50.0, 33.3, float(rng.uniform(0, 100))):
            hurdle = np.zeros(1)
            _update_hurdle(window, filled, percentile, hurdle, np.full(size, np.nan))
            assert hurdle[0] == numba_hurdle(window, filled, percentile), (window, filled, percentile)
    hurdle = np.array([0.5])
    _update_hurdle(window, 0, 75.0, hurdle, np.zeros(window.shape[0]))  # nothing seen yet: unchanged
    assert hurdle[0] == 0.5


def test_the_search_evaluates_with_its_spaces_ops_and_widens_for_others() -> None:
    from automl_zero.vm.compiled import evaluator

    space = SearchSpace()
    search = RegularizedEvolution(space, TASKS, SMALL)
    assert search.evaluation().dispatcher is evaluator(DEMO_OPS)
    search.step(100)
    # A migrant with another op (as from an island of another space): the evaluation widens first.
    migrant = make(setup=["s2 = 0.5"], predict=["s1 = dot(v0, v1)"], learn=["s3 = s0 + s1", "s1 = s3 * s2"])
    ints, floats, sizes = _to_layout(encode(migrant), space.capacity)
    search.immigrate({"ints": ints[None], "floats": floats[None], "sizes": sizes[None]})
    assert search.evaluation().dispatcher is evaluator((*DEMO_OPS, Op.SCALAR_SUM_OP))
    search.step(40)  # the migrant is still alive (50 individuals), and may have children
    executor = CompiledExecutor(TASKS, space.memory, seed=SMALL.seed)
    for algorithm, fitness, _ in search.population():
        assert executor.evaluate(algorithm) == fitness
    # A loaded state with the op widens too.
    loaded = RegularizedEvolution(space, TASKS, SMALL)
    loaded.load_state_dict(search.state_dict())
    assert loaded.evaluation().dispatcher is search.evaluation().dispatcher


def test_the_search_never_compiles_the_evaluation_into_its_own_kernels() -> None:
    """The evaluation is called through its address (compiled.Evaluation), so the search's code lacks it."""
    from automl_zero.search import evolution

    RegularizedEvolution(SearchSpace(), TASKS, SMALL).step(60)
    assert evolution._cycles.overloads
    for result in evolution._cycles.overloads.values():
        # The kernel's whole code, as compiled or loaded from the cache: its callees' included.
        names = [f.name for f in result.library._get_module_for_linking().functions if not f.is_declaration]
        assert [name for name in names if "mutate_with" in name]
        assert not [name for name in names if "evaluate_batch" in name]


@pytest.mark.parametrize("hurdles", [False, True])
def test_changes_bring_an_old_copy_of_the_state_up_to_date_exactly(hurdles: bool) -> None:
    """A small cache (evictions, moved table slots), steps across the population's filling, migrants, a reload."""
    config = EvolutionConfig(population_size=50, tournament_size=5, fec_cache_size=64, hurdles=hurdles, seed=3)
    search = RegularizedEvolution(SearchSpace(), TASKS[:4], config)
    other = RegularizedEvolution(SearchSpace(), TASKS[4:8], config)
    other.step(200)
    copy = search.state_dict()
    sizes = []
    for count in (0, 7, 30, 13, 1, 49, 50, 51, 130):
        search.step(count)
        if count == 1:
            search.immigrate(other.emigrants(3))
        changes = search.changes()
        sizes.append(len(changes.slots))
        changes.apply(copy)
        for name, array in search.state.items():
            assert copy[name].dtype == array.dtype and np.array_equal(copy[name], array), (count, name)
    assert sizes == [0, 7, 30, 13, 1 + 3, 49, 50, 50, 50]  # the slots written, not the whole population
    # Changes accumulate until taken, and apply as well to any copy taken since they began.
    older = search.state_dict()
    search.step(20)
    newer = search.state_dict()
    search.step(20)
    changes = search.changes()
    for base in (older, newer):
        changes.apply(base)
        assert all(np.array_equal(base[name], array) for name, array in search.state.items())
    assert changes.nbytes < sum(array.nbytes for array in search.state.values()) / 2
    # A loaded state is the one changes apply to next.
    search.load_state_dict(older)
    assert len(search.changes().slots) == 0


def _draws(k: int) -> list:
    """Fresh T_search draws for the tests: linear regression tasks of TASKS's shape, from seed stream k."""
    return linear_regression_tasks(10, 4, 100, 100, seed=(3, 1000 + k))


REDRAW = EvolutionConfig(population_size=50, tournament_size=5, fec_cache_size=1000, redraw_tasks_every=400, seed=7)


def test_redraws_replace_t_search_and_empty_the_fec_cache() -> None:
    search = RegularizedEvolution(SearchSpace(), TASKS, REDRAW, draws=_draws)
    search.step(399)
    assert search.tasks is not None and [t.name for t in search.tasks] == [t.name for t in TASKS]
    assert search.state["cache_meta"][0] > 0  # the cache holds fitnesses on TASKS
    search.step(1)
    assert [t.name for t in search.tasks] == [t.name for t in _draws(1)]
    assert search.state["cache_meta"][0] == 0
    search.step(850)
    assert [t.name for t in search.tasks] == [t.name for t in _draws(3)]
    # Fitnesses of individuals born since the last redraw are those of the current tasks.
    executor = CompiledExecutor(_draws(3), SearchSpace().memory, seed=REDRAW.seed)
    fresh = [(a, f) for a, f, birth in search.population() if birth >= 1200]
    assert fresh and all(executor.evaluate(a) == f for a, f in fresh)


def test_redraws_resume_exactly_and_do_not_depend_on_step_sizes(tmp_path) -> None:
    straight = RegularizedEvolution(SearchSpace(), TASKS, REDRAW, draws=_draws)
    straight.step(1000)
    first = RegularizedEvolution(SearchSpace(), TASKS, REDRAW, draws=_draws)
    for count in (150, 250, 370):  # crosses draw 1 mid-step, ends right at draw 2
        first.step(count)
    assert first.individuals == 770
    first.save(tmp_path / "state.npz")
    resumed = RegularizedEvolution(SearchSpace(), TASKS, REDRAW, draws=_draws)
    resumed.load(tmp_path / "state.npz")
    assert [t.name for t in resumed.tasks] == [t.name for t in _draws(1)]
    resumed.step(230)
    for name, array in straight.state.items():
        np.testing.assert_array_equal(array, resumed.state[name], err_msg=name)


def test_redraws_need_draws_and_a_count_of_zero_or_more() -> None:
    with pytest.raises(ValueError, match="redraw_tasks_every needs draws"):
        RegularizedEvolution(SearchSpace(), TASKS, REDRAW)
    with pytest.raises(ValueError, match="redraw_tasks_every must be >= 0"):
        EvolutionConfig(redraw_tasks_every=-1)
    search = RegularizedEvolution(SearchSpace(), TASKS, REDRAW, draws=lambda k: TASKS[:5])
    with pytest.raises(ValueError, match="differs in shape or count"):
        search.step(400)
