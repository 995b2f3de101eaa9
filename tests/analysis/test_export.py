"""The exported NumPy module computes exactly what the VM computes."""

from __future__ import annotations

import ast
import importlib.util
import math
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, Algorithm, Instruction, MemorySize, make
from automl_zero.analysis.export import to_python, write_python
from automl_zero.baselines import baseline
from automl_zero.estimator import EvolvedClassifier, EvolvedRegressor
from automl_zero.mutation import random_algorithm
from automl_zero.ops import ALL_OPS, OPS, Kind, Op
from automl_zero.tasks.base import EvalType, Task
from automl_zero.tasks.synthetic import linear_regression_tasks, teacher_net_tasks
from automl_zero.vm.reference import ReferenceExecutor, flip_and_squash
from conftest import SOFTMAX_REGRESSION

MEMORY = MemorySize(5, 4, 3)
TASK_NAMES = {EvalType.RMS: "regression", EvalType.ACCURACY: "binary", EvalType.MULTICLASS: "multiclass"}
MAX_ABS_ERROR = 100.0


def binary_task(num_train: int = 60, num_valid: int = 30, num_features: int = 4, seed: int = 0) -> Task:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((num_train + num_valid, num_features))
    y = (x @ rng.standard_normal(num_features) > 0).astype(float)
    return Task(x[:num_train], y[:num_train], x[num_train:], y[num_train:], eval_type=EvalType.ACCURACY, name="bin")


def multiclass_task(num_train: int = 60, num_valid: int = 30, num_features: int = 4, seed: int = 0) -> Task:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((num_train + num_valid, num_features))
    y = np.argmax(x @ rng.standard_normal((num_features, 3)), axis=1).astype(float)
    return Task(
        x[:num_train],
        y[:num_train],
        x[num_train:],
        y[num_train:],
        eval_type=EvalType.MULTICLASS,
        num_classes=3,
        name="multi",
    )


def regression_task(num_train: int = 60, num_valid: int = 30, seed: int = 0) -> Task:
    return linear_regression_tasks(1, num_features=4, num_train=num_train, num_valid=num_valid, seed=seed)[0]


def load(source: str, tmp_path: Path, name: str) -> ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def export(algorithm: Algorithm, memory: MemorySize, task: Task, tmp_path: Path, name: str) -> Any:
    source = to_python(algorithm, memory, task=TASK_NAMES[task.eval_type], num_classes=task.num_classes)
    return load(source, tmp_path, name).EvolvedAlgorithm


def exported_fitness(model: Any, task: Task) -> float:
    """The validation fitness of a trained exported model, computed as the reference evaluation does."""
    n = len(task.valid_y)
    if task.eval_type == EvalType.RMS:
        loss, failed = 0.0, False
        for y, prediction in zip(task.valid_y, model.predict(task.valid_x), strict=True):
            error = float(y - prediction)
            loss = loss + error * error
            failed = failed or not abs(error) <= MAX_ABS_ERROR
        return 0.0 if failed else flip_and_squash(math.sqrt(loss / n))
    if task.eval_type == EvalType.ACCURACY:
        probabilities = model.predict_proba(task.valid_x)[:, 1]
        wrong = sum(0.0 if (y > 0.5) == (p > 0.5) else 1.0 for y, p in zip(task.valid_y, probabilities, strict=True))
        return 1.0 - wrong / n
    probabilities = model.predict_proba(task.valid_x)
    if not np.isfinite(probabilities).all():
        return 0.0
    wrong = sum(0.0 if k == y else 1.0 for k, y in zip(model.predict(task.valid_x), task.valid_y, strict=True))
    return 1.0 - wrong / n


def assert_same_as_vm(algorithm: Algorithm, memory: MemorySize, task: Task, tmp_path: Path, name: str) -> bool:
    """Train the exported class on the task; return False if the VM would stop early (and check it scores 0)."""
    assert task.num_epochs == 1
    vm = ReferenceExecutor([task], memory, max_abs_error=MAX_ABS_ERROR).evaluate(algorithm)
    model = export(algorithm, memory, task, tmp_path, name)(task.num_features)
    model.fit(task.train_x, task.train_y, max_abs_error=MAX_ABS_ERROR)
    if model.stopped_early:
        assert vm == 0.0, str(algorithm)
        return False
    assert exported_fitness(model, task) == vm, str(algorithm)
    return True


def estimator_for(algorithm: Algorithm, memory: MemorySize, task: Task) -> Any:
    if task.eval_type == EvalType.RMS:
        return EvolvedRegressor(algorithm, memory=memory)
    return EvolvedClassifier(algorithm, memory=memory, multiclass="native" if task.num_classes else "ovr")


def assert_same_as_estimator(algorithm: Algorithm, memory: MemorySize, task: Task, tmp_path: Path, name: str) -> None:
    """Without early stopping, the exported class and the estimator give bit-identical outputs (NaN included)."""
    model = export(algorithm, memory, task, tmp_path, name)(task.num_features)
    model.fit(task.train_x, task.train_y)
    estimator = estimator_for(algorithm, memory, task).fit(task.train_x, task.train_y)
    if task.eval_type == EvalType.RMS:
        np.testing.assert_array_equal(model.predict(task.valid_x), estimator.predict(task.valid_x), str(algorithm))
    else:
        np.testing.assert_array_equal(
            model.predict_proba(task.valid_x), estimator.predict_proba(task.valid_x), str(algorithm)
        )
        np.testing.assert_array_equal(model.predict(task.valid_x), estimator.predict(task.valid_x), str(algorithm))


BASELINE_CASES = [
    ("reference", REFERENCE_LINEAR_REGRESSION, MemorySize(5, 3, 1), regression_task(200, 50)),
    ("linear", *baseline("linear_regression", learning_rate=0.05), regression_task(200, 50)),
    ("logistic_on_regression", *baseline("logistic_regression"), regression_task(200, 50)),
    ("logistic", *baseline("logistic_regression"), binary_task(200, 50)),
    ("two_layer", *baseline("two_layer_network"), teacher_net_tasks(1, 4, 200, 50)[0]),
    ("two_layer_binary", *baseline("two_layer_network"), binary_task(200, 50)),
    ("softmax", SOFTMAX_REGRESSION, MemorySize(4, 4, 2), multiclass_task(200, 50)),
]


@pytest.mark.parametrize(("name", "algorithm", "memory", "task"), BASELINE_CASES, ids=[c[0] for c in BASELINE_CASES])
def test_baselines_match_the_vm_and_the_estimator(
    name: str, algorithm: Algorithm, memory: MemorySize, task: Task, tmp_path: Path
) -> None:
    assert assert_same_as_vm(algorithm, memory, task, tmp_path, name)
    assert ReferenceExecutor([task], memory).evaluate(algorithm) > 0.6  # they learn something
    assert_same_as_estimator(algorithm, memory, task, tmp_path, name + "_est")


@pytest.mark.slow
@pytest.mark.parametrize(
    "task",
    [regression_task(20, 10, seed=1), binary_task(20, 10, seed=1), multiclass_task(20, 10, seed=1)],
    ids=["regression", "binary", "multiclass"],
)
def test_random_algorithms_over_all_ops_match_the_vm(task: Task, tmp_path: Path) -> None:
    rng = np.random.default_rng(2024 + int(task.eval_type))
    trained = 0
    count = 50 if task.eval_type != EvalType.MULTICLASS else 20
    for i in range(count):
        algorithm = random_algorithm(rng, MEMORY, (4, 8, 8), ALL_OPS, ALL_OPS, ALL_OPS)
        trained += assert_same_as_vm(algorithm, MEMORY, task, tmp_path, f"random_{i}")
        assert_same_as_estimator(algorithm, MEMORY, task, tmp_path, f"random_est_{i}")
    assert trained >= count // 2  # most algorithms train to the end; early stops are checked too


_READOUT = {
    Kind.SCALAR: ["s1 = s2 + s0"],
    Kind.VECTOR: ["s1 = dot(v2, v0)"],
    Kind.MATRIX: ["v3 = dot(m1, v0)", "s1 = dot(v3, v0)"],
}
_SETUP = [
    "s2 = uniform(-1.0, 1.0)",
    "s3 = gaussian(0.5, 1.0)",
    "s4 = 0.7",
    "v1 = gaussian(0.0, 1.0, n_features)",
    "v2 = uniform(-1.0, 1.0, n_features)",
    "v3 = gaussian(0.1, 0.5, n_features)",
    "m0 = gaussian(0.0, 1.0, (n_features, n_features))",
    "m1 = uniform(-0.5, 0.5, (n_features, n_features))",
    "m2 = gaussian(0.0, 0.3, (n_features, n_features))",
]


@pytest.mark.parametrize("op", [row.op for row in OPS], ids=[row.name for row in OPS])
def test_every_op_matches_the_vm_and_the_estimator(op: Op, tmp_path: Path) -> None:
    rng = np.random.default_rng(int(op))
    row = OPS[op]
    instructions = []
    for _ in range(3):  # a few argument choices, the result written where the readout sees it
        instruction = random_algorithm(rng, MEMORY, (0, 1, 0), [op], [op], [op]).predict[0]
        out = {None: 0, Kind.SCALAR: 2, Kind.VECTOR: 2, Kind.MATRIX: 1}[row.out]
        instructions.append(str(Instruction(op, out, instruction.in1, instruction.in2, instruction.data)))
    algorithm = make(
        setup=_SETUP,
        predict=instructions[:2] + _READOUT[row.out or Kind.SCALAR],
        learn=[*instructions[2:], "s2 = s0 - s1", "s2 = s2 * s4"],
    )
    for task in (regression_task(12, 8, seed=3), binary_task(12, 8, seed=3)):
        name = f"{row.name.lower()}_{task.eval_type.name.lower()}"
        assert_same_as_vm(algorithm, MEMORY, task, tmp_path, name)
        assert_same_as_estimator(algorithm, MEMORY, task, tmp_path, name + "_est")


def test_reference_algorithm_reads_as_the_paper(tmp_path: Path) -> None:
    source = to_python(REFERENCE_LINEAR_REGRESSION, MemorySize(5, 3, 1), class_name="LinearRegression")
    lines = [line.strip() for line in source.splitlines()]
    assert "self.s[2] = 0.001  # s2 = 0.001  (a constant)" in lines
    assert (
        "self.s[1] = _dot(self.v[0], self.v[1])  # s1 = dot(v0, v1)  "
        "(the prediction: dot product of the features and v1)" in lines
    )
    assert "self.s[3] = self.s[0] - self.s[1]  # s3 = s0 - s1  (error: label - prediction)" in lines
    assert "self.s[4] = self.s[3] * self.s[2]  # s4 = s3 * s2  (product of the error and s2)" in lines
    assert "self.v[2] = self.v[0] * self.s[4]  # v2 = s4 * v0  (the features scaled by s4)" in lines
    assert "self.v[1] = self.v[1] + self.v[2]  # v1 = v1 + v2  (add the update v2 to the weights v1)" in lines
    # Only the helpers the algorithm uses.
    assert "def _dot(" in source and "def _sum(" in source
    for unused in ("SplitMix64", "def _matmul", "def sigmoid", "def truncating_softmax", "def _exp", "def _norm("):
        assert unused not in source
    model = load(source, tmp_path, "lr").LinearRegression(4)
    task = regression_task(200, 50)
    assert model.fit(task.train_x, task.train_y).predict(task.valid_x).shape == (50,)


def test_binary_gloss_and_sgd_update_of_a_bias() -> None:
    algorithm, memory = baseline("logistic_regression")
    source = to_python(algorithm, memory, task="binary")
    assert "(error: label - predicted probability)" in source
    assert "(add the update s3 to the parameter s4)" in source
    assert "def sigmoid(" in source and "def _exp(" in source
    multiclass = to_python(SOFTMAX_REGRESSION, MemorySize(4, 4, 2), task="multiclass", num_classes=3)
    assert "(error: one-hot label - predicted probabilities)" in multiclass
    assert "(add the update m1 to the weights m0)" in multiclass


def test_module_needs_only_numpy_and_is_valid_python(tmp_path: Path) -> None:
    algorithm, memory = baseline("two_layer_network")
    path = write_python(algorithm, memory, tmp_path / "sub" / "net.py", task="binary", class_name="Net", seed=7)
    assert path == tmp_path / "sub" / "net.py"
    tree = ast.parse(path.read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert imported == {"math", "numpy"}
    # The one "from" import is __future__'s: the embedded harness keeps its annotations as text.
    assert all(node.module == "__future__" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom))
    assert "class SplitMix64" in path.read_text()
    net = load(path.read_text(), tmp_path, "net").Net(3)
    assert net.seed == 7  # the default seed
    assert net.s.shape == (5,) and net.v.shape == (8, 3) and net.m.shape == (2, 3, 3)
    assert not net.m.any()  # __init__ runs nothing


def test_predict_does_not_change_the_trained_state(tmp_path: Path) -> None:
    # Predict keeps a running sum in s2 and draws random numbers: rows depend on earlier rows in a call,
    # but every call starts from the trained memory.
    algorithm = make(predict=["s3 = uniform(0.0, 1.0)", "s2 = s2 + s3", "s1 = s2 + s0"])
    task = regression_task(5, 6)
    model = export(algorithm, MEMORY, task, tmp_path, "stateful")(4)
    model.fit(task.train_x, task.train_y)
    first = model.predict(task.valid_x)
    assert np.all(np.diff(first) > 0)
    np.testing.assert_array_equal(model.predict(task.valid_x), first)
    assert exported_fitness(model, task) == ReferenceExecutor([task], MEMORY).evaluate(algorithm)
    np.testing.assert_array_equal(
        EvolvedRegressor(algorithm, memory=MEMORY).fit(task.train_x, task.train_y).predict(task.valid_x), first
    )


def test_seed_changes_random_streams(tmp_path: Path) -> None:
    algorithm = make(setup=["s2 = gaussian(0.0, 1.0)"], predict=["s1 = s2 + s0"])
    cls = load(to_python(algorithm, MEMORY, seed=5), tmp_path, "seeded").EvolvedAlgorithm
    x = np.zeros((1, 2))
    a = cls(2).fit(x, [0.0]).predict(x)
    b = cls(2, seed=6).fit(x, [0.0]).predict(x)
    assert a[0] != b[0]
    np.testing.assert_array_equal(cls(2, seed=5).fit(x, [0.0]).predict(x), a)
    task = Task(x, np.zeros(1), x, np.zeros(1))
    assert exported_fitness(cls(2).fit(x, [0.0]), task) == ReferenceExecutor([task], MEMORY, seed=5).evaluate(algorithm)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": "ranking"}, "task must be one of"),
        ({"task": "multiclass"}, "num_classes >= 2"),
        ({"task": "binary", "num_classes": 3}, "only for task='multiclass'"),
        ({"class_name": "not valid"}, "identifier"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_python(REFERENCE_LINEAR_REGRESSION, MEMORY, **kwargs)


def test_address_out_of_range_and_small_multiclass_memory() -> None:
    with pytest.raises(ValueError, match="out of range"):
        to_python(REFERENCE_LINEAR_REGRESSION, MemorySize(4, 3, 1))
    with pytest.raises(ValueError, match="at least 3 vectors"):
        to_python(make(predict=["s1 = s0 + s0"]), MemorySize(4, 2, 1), task="multiclass", num_classes=2)
