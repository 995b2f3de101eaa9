"""Ablation: knock-outs of the reference linear regression all matter, dead code does not."""

from __future__ import annotations

import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, Algorithm, MemorySize, make, parse_instruction
from automl_zero.analysis.ablate import Ablation, AblationRow, ablate, knock_in
from automl_zero.analysis.simplify import simplify
from automl_zero.tasks import linear_regression_tasks
from automl_zero.vm.compiled import CompiledExecutor

MEMORY = MemorySize(5, 3, 1)


@pytest.fixture(scope="module")
def executor() -> CompiledExecutor:
    # 10 epochs of 1000 examples: enough SGD steps at rate 0.001 for the reference to score ~1.
    return CompiledExecutor(linear_regression_tasks(10, 4, 1000, 100, seed=21, num_epochs=10), MEMORY)


def test_every_instruction_of_the_reference_matters(executor: CompiledExecutor) -> None:
    ablation = ablate(REFERENCE_LINEAR_REGRESSION, executor)
    assert ablation.baseline > 0.999
    assert [(row.component, row.position) for row in ablation.rows] == [
        ("setup", None),
        ("setup", 0),
        ("predict", None),
        ("predict", 0),
        ("learn", None),
        ("learn", 0),
        ("learn", 1),
        ("learn", 2),
        ("learn", 3),
    ]
    for row in ablation.rows:
        assert row.matters, row
        assert row.change < -0.3, row  # without any one of them nothing is learned
        assert row.change == row.fitness - ablation.baseline
    texts = [row.instruction for row in ablation.rows if row.position is not None]
    reference = REFERENCE_LINEAR_REGRESSION
    assert texts == [str(i) for i in reference.setup + reference.predict + reference.learn]
    assert ablation.mattering() == ablation.rows


def test_table_marks_what_matters(executor: CompiledExecutor) -> None:
    algorithm = make(
        setup=["s2 = 0.001"],
        predict=["s1 = dot(v0, v1)", "s4 = s2 * s2"],  # dead: s4 is overwritten in Learn
        learn=["s3 = s0 - s1", "s4 = s3 * s2", "v2 = v0 * s4", "v1 = v1 + v2"],
    )
    ablation = ablate(algorithm, executor)
    dead = next(row for row in ablation.rows if row.component == "predict" and row.position == 1)
    assert dead == AblationRow("predict", 1, "s4 = s2 * s2", ablation.baseline, 0.0, False)
    assert sum(not row.matters for row in ablation.rows) == 1
    lines = ablation.table().splitlines()
    assert lines[0] == f"baseline fitness {ablation.baseline:.6f}"
    assert lines[1].split() == ["component", "position", "instruction", "fitness", "change"]
    body = lines[2:]
    assert len(body) == len(ablation.rows)
    for line, row in zip(body, ablation.rows, strict=True):
        assert line.startswith("* " if row.matters else "  ")
        assert row.instruction in line
        assert f"{row.change:+.6f}" in line
    assert "(whole component)" in body[0]
    # Columns are aligned: every row's fitness ends at the same place.
    assert len({line.index(f"{row.fitness:.6f}") for line, row in zip(body, ablation.rows, strict=True)}) == 1
    # The simplified algorithm has no such row.
    assert all(row.matters for row in ablate(simplify(algorithm), executor).rows)


def test_knock_in_repairs_a_broken_algorithm(executor: CompiledExecutor) -> None:
    broken = Algorithm(
        REFERENCE_LINEAR_REGRESSION.setup, REFERENCE_LINEAR_REGRESSION.predict, REFERENCE_LINEAR_REGRESSION.learn[:3]
    )
    before, after = knock_in(broken, "learn", 3, "v1 = v1 + v2", executor)
    assert before == executor.evaluate(broken)
    assert after == executor.evaluate(REFERENCE_LINEAR_REGRESSION)
    assert after > 0.999 > 0.5 > before
    # An Instruction works too; inserting at the front of Setup is position 0.
    no_rate = Algorithm((), REFERENCE_LINEAR_REGRESSION.predict, REFERENCE_LINEAR_REGRESSION.learn)
    assert knock_in(no_rate, "setup", 0, parse_instruction("s2 = 0.001"), executor)[1] == after


def test_knock_in_checks_its_arguments(executor: CompiledExecutor) -> None:
    with pytest.raises(ValueError, match="component"):
        knock_in(REFERENCE_LINEAR_REGRESSION, "train", 0, "s2 = 0.1", executor)
    with pytest.raises(ValueError, match="position"):
        knock_in(REFERENCE_LINEAR_REGRESSION, "setup", 2, "s2 = 0.1", executor)
    with pytest.raises(ValueError, match="not an instruction"):
        knock_in(REFERENCE_LINEAR_REGRESSION, "setup", 0, "s2 = ", executor)
    with pytest.raises(ValueError, match="threshold"):
        ablate(REFERENCE_LINEAR_REGRESSION, executor, threshold=-1.0)


class ConstantEvaluator:
    """Any object with ``evaluate`` will do: here fitness is the program length."""

    def evaluate(self, algorithm: Algorithm) -> float:
        return float(len(algorithm))


def test_any_evaluator_and_threshold() -> None:
    ablation = ablate(REFERENCE_LINEAR_REGRESSION, ConstantEvaluator(), threshold=1.0)
    assert isinstance(ablation, Ablation)
    assert ablation.baseline == 6.0
    changes = {(row.component, row.position): row.change for row in ablation.rows}
    assert changes[("learn", None)] == -4.0
    assert changes[("learn", 0)] == -1.0
    assert [row.matters for row in ablation.rows if row.position is None] == [False, False, True]
    assert not any(row.matters for row in ablation.rows if row.position is not None)
    assert ablate(Algorithm(), ConstantEvaluator()).rows == [
        AblationRow(name, None, "(whole component)", 0.0, 0.0, False) for name in ("setup", "predict", "learn")
    ]
