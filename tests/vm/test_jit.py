"""The package's Numba cache is keyed by its sources and op table; the evaluation is generated from the table."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pytest
from numba.core.errors import TypingError
from numba.core.registry import CPUDispatcher

import automl_zero
from automl_zero.ops import OPS
from automl_zero.vm import compiled, jit

KERNEL_MODULES = (
    "automl_zero.vm.compiled",
    "automl_zero.mutation",
    "automl_zero.fec",
    "automl_zero.search.evolution",
    "automl_zero.search.random_search",
)


def test_every_compiled_function_uses_the_keyed_cache() -> None:
    dispatchers = [compiled.evaluate_batch]
    for name in KERNEL_MODULES:
        module = importlib.import_module(name)
        dispatchers += [value for value in vars(module).values() if isinstance(value, CPUDispatcher)]
    assert len(dispatchers) > 20
    for dispatcher in dispatchers:
        assert isinstance(dispatcher._cache, jit._KeyedCache), dispatcher.py_func.__qualname__


def test_the_cache_key_follows_the_sources_and_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    key = jit.package_key()
    entry = compiled.evaluate_batch._cache._index_key((), compiled.evaluate_batch.targetctx.codegen())
    assert entry[-1] == key
    monkeypatch.setattr(jit, "_key_cache", {})
    assert jit.package_key() == key  # the same sources and table give the same key
    monkeypatch.setattr(jit, "_key_cache", {})
    monkeypatch.setattr(jit, "table_fingerprint", lambda: "another table")
    assert jit.package_key() != key
    monkeypatch.undo()


def test_every_source_file_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = jit.package_key()
    package = tmp_path / "automl_zero"
    shutil.copytree(Path(automl_zero.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(jit, "_PACKAGE_DIR", package)
    keys = []
    for change in (None, "edit", "add"):
        if change == "edit":
            plots = package / "plots.py"
            plots.write_text(plots.read_text() + "\n# an edit far from any kernel\n")
        elif change == "add":
            (package / "extra.py").write_text("")
        monkeypatch.setattr(jit, "_key_cache", {})
        keys.append(jit.package_key())
    assert len(set(keys)) == 3
    assert keys[0] == original  # a copy of the same sources has the same key


def test_the_evaluation_is_generated_from_the_table() -> None:
    source = Path(compiled._generated.__file__).read_text()
    for row in OPS:
        assert f"\n{row.name} = {row.number}\n" in source
        assert f"op == {row.name}:" in source
    # Named constants only: no branch compares the op with a bare number.
    assert "op == 0" not in source and "op == 1:" not in source
    assert "_op_kernels" not in source


def test_an_evaluation_of_some_ops_dispatches_those_only() -> None:
    from automl_zero.ops import DEMO_OPS

    dispatcher = compiled.evaluator(DEMO_OPS)
    assert compiled.evaluator(reversed(DEMO_OPS)) is dispatcher  # one per set of ops
    assert compiled.evaluator() is compiled.evaluate_batch
    assert isinstance(dispatcher._cache, jit._KeyedCache)
    source = Path(dispatcher.py_func.__code__.co_filename).read_text()
    for row in OPS:
        assert (f"op == {row.name}:" in source) == (row.op in DEMO_OPS or row.number == 0), row.name
        assert f"\n{row.name} = {row.number}\n" in source
    assert source != Path(compiled._generated.__file__).read_text()


def test_a_first_class_kernel_is_compiled_for_its_signature_only() -> None:
    from numba import float64, int64

    handle = jit.FirstClass(compiled.index_of, int64(float64, int64))
    assert handle(0.5, 4) == compiled.index_of(0.5, 4) == 2
    assert handle.__wrapper_address__() > 0 and handle.signature() == int64(float64, int64)
    with pytest.raises(TypingError, match="return type"):
        jit.FirstClass(compiled.index_of, float64(float64, int64)).compile()


def test_kernels_without_reference_counting_free_every_allocation() -> None:
    """A search (hurdles, semantic insertions, FEC) and an executor free all they allocate.

    The search's kernels and the evaluation compile with ``refcounted=False``:
    a new array reaching one of them would never be freed.
    """
    from numba.core.runtime import _nrt_python, rtsys

    from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize
    from automl_zero.search.evolution import EvolutionConfig, RegularizedEvolution
    from automl_zero.search.space import SearchSpace
    from automl_zero.tasks import linear_regression_tasks
    from automl_zero.vm.compiled import CompiledExecutor

    tasks = linear_regression_tasks(4, 4, 20, 10, seed=3)
    space = SearchSpace(semantic_mutation_prob=0.5)
    search = RegularizedEvolution(space, tasks, EvolutionConfig(population_size=40, tournament_size=4, seed=2))
    executor = CompiledExecutor(tasks, MemorySize(5, 3, 1))
    search.step(100)  # compiled before counting
    executor.evaluate(REFERENCE_LINEAR_REGRESSION)
    enabled = _nrt_python.memsys_stats_enabled()
    _nrt_python.memsys_enable_stats()
    try:
        before = rtsys.get_allocation_stats()
        search.step(400)
        for _ in range(10):
            executor.evaluate(REFERENCE_LINEAR_REGRESSION)
        executor.cost(REFERENCE_LINEAR_REGRESSION)  # allocates its run order: shows that the stats count
        after = rtsys.get_allocation_stats()
    finally:
        if not enabled:
            _nrt_python.memsys_disable_stats()
    assert after.alloc - before.alloc >= 2
    assert after.alloc - before.alloc == after.free - before.free
    assert after.mi_alloc - before.mi_alloc == after.mi_free - before.mi_free
