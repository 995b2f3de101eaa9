from __future__ import annotations

from automl_zero.search.evolution import EvolutionConfig
from automl_zero.search.random_search import RandomSearch, wilson_interval
from automl_zero.search.space import SearchSpace
from automl_zero.tasks import linear_regression_tasks
from automl_zero.vm.compiled import CompiledExecutor

TASKS = linear_regression_tasks(10, 4, 100, 100, seed=3)


def test_success_rate_counts_and_bounds() -> None:
    search = RandomSearch(SearchSpace(), TASKS, EvolutionConfig(seed=4, fec_cache_size=1000))
    everything = search.success_rate(2000, threshold=-1.0)
    assert everything.successes == 2000 and everything.rate == 1.0
    nothing = search.success_rate(2000, threshold=1.0)
    assert nothing.successes == 0
    low, high = nothing.interval
    assert low == 0.0 and 0.0 < high < 4 / 2000  # Wilson at zero successes: z^2 / (n + z^2)
    assert search.trials == 4000
    best = search.best_algorithm()
    assert CompiledExecutor(TASKS, SearchSpace().memory, seed=4).evaluate(best) == search.best_fitness


def test_wilson_interval_contains_the_rate() -> None:
    low, high = wilson_interval(30, 100)
    assert low < 0.3 < high
    assert wilson_interval(0, 0) == (0.0, 1.0)
