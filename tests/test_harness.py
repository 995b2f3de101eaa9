"""The harness is written once (automl_zero.harness), the export embeds it, and the layers import what they need."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import automl_zero
from automl_zero import harness
from automl_zero.algorithm import MemorySize
from automl_zero.analysis import export
from automl_zero.vm.rng import ORDER_SALT, mix64, uniforms
from conftest import SOFTMAX_REGRESSION

PACKAGE = Path(automl_zero.__file__).parent


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """The ``from X import a, b`` statements of a source file (module and names), at any depth."""
    tree = ast.parse(path.read_text())
    return [
        (node.module or "", [alias.name for alias in node.names])
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    ]


@pytest.mark.parametrize("order_seed", [0, 1, 12345, 2**63 + 5])
def test_epoch_order_is_the_order_streams_sorted_keys(order_seed: int) -> None:
    assert harness.epoch_order(order_seed, 0, 7).tolist() == list(range(7))
    for epoch in (1, 2, 5):
        keys = uniforms(mix64(order_seed ^ ORDER_SALT), epoch, 50)
        expected = np.argsort(keys, kind="stable")
        order = harness.epoch_order(order_seed, epoch, 50)
        assert order.dtype == np.int64 and order.tolist() == expected.tolist()


def test_train_examples_stops_like_the_evaluation() -> None:
    seen: list[tuple[str, float]] = []
    X, y = np.arange(8.0).reshape(4, 2), np.array([0.0, 1.0, 2.0, 3.0])
    finished = harness.train_examples(
        lambda x: seen.append(("predict", x[0])),
        lambda label: float(label),  # the "error" is the label itself
        lambda x, label: seen.append(("learn", label)),
        X,
        y,
        epochs=1,
        order_seed=0,
        max_abs_error=1.5,
    )
    assert not finished
    assert seen == [("predict", 0.0), ("learn", 0.0), ("predict", 2.0), ("learn", 1.0), ("predict", 4.0)]


def test_the_export_embeds_the_harness_instead_of_a_copy() -> None:
    source = export.to_python(SOFTMAX_REGRESSION, MemorySize(4, 4, 2), task="multiclass", num_classes=3)
    for name in ("truncating_softmax", "first_argmax", "epoch_order", "train_examples"):
        assert harness.source(name) in source, name
    binary = export.to_python(SOFTMAX_REGRESSION, MemorySize(4, 4, 2), task="binary")
    assert harness.source("sigmoid") in binary
    assert not {"_softmax", "_argmax", "_epoch_order", "_sigmoid"} & set(export._HELPERS)
    with pytest.raises(ValueError, match="no harness function"):
        harness.source("source")


def test_estimator_and_export_share_the_training_loop() -> None:
    for path in (PACKAGE / "estimator.py", PACKAGE / "analysis" / "export.py"):
        text = path.read_text()
        assert "train_examples" in text, path
        assert "for epoch in range(epochs)" not in text, path


def test_no_module_imports_private_names_of_the_vm() -> None:
    for path in PACKAGE.rglob("*.py"):
        for module, names in imports(path):
            if module.startswith("automl_zero.vm."):
                private = [name for name in names if name.startswith("_")]
                assert not private, f"{path.relative_to(PACKAGE)} imports {private} from {module}"


def test_the_experiment_does_not_import_analysis_plots_or_progress_for_its_columns() -> None:
    modules = {module for module, _ in imports(PACKAGE / "experiment.py")}
    assert not modules & {"automl_zero.analysis.simplify", "automl_zero.plots", "automl_zero.progress"}
    assert "automl_zero.rundir" in modules
