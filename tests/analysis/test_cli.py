"""The analysis commands: simplify, ablate, tune, export."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize, parse, parse_instruction
from automl_zero.analysis.simplify import same_up_to_renaming_and_order
from automl_zero.cli import main
from automl_zero.config import dump_config, load_config
from automl_zero.tasks import linear_regression_tasks

# Linear regression by SGD with junk: dead code, an overwritten value, a Setup write that changes nothing.
NOISY = """\
def Setup():
  s3 = dot(v1, v1)
  s2 = 0.001
def Predict():
  s3 = s0 * s2
  s1 = dot(v0, v1)
def Learn():
  s3 = s0 - s1
  s4 = s3 * s2
  v2 = v0 * s4
  s4 = s4 * s4
  v1 = v1 + v2
"""
DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"
FAST_SGD = str(REFERENCE_LINEAR_REGRESSION).replace("0.001", "0.01")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The demo's tasks with room for s4 (the reference uses it) and fewer selection tasks."""
    demo = load_config(DEMO)
    tasks = dataclasses.replace(demo.tasks, select=dataclasses.replace(demo.tasks.select, num_tasks=10))
    path = tmp_path / "demo5.yaml"
    path.write_text(dump_config(dataclasses.replace(demo, memory=MemorySize(5, 3, 1), tasks=tasks)))
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "algorithm.txt"
    path.write_text(text)
    return path


def test_simplify_prints_the_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "simple.txt"
    assert main(["simplify", str(write(tmp_path, NOISY)), "--out", str(out)]) == 0
    assert capsys.readouterr().out == str(REFERENCE_LINEAR_REGRESSION)
    assert parse(out.read_text()) == REFERENCE_LINEAR_REGRESSION


def test_ablate_marks_every_instruction_of_sgd(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path, str(REFERENCE_LINEAR_REGRESSION))
    assert main(["ablate", str(file), "--config", str(config), "--knock-in", "learn:1:s3 = s3 * s3"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("*")]
    assert len(rows) == 6 + 3  # six instructions and three components all matter
    assert "knock-in learn[1]" in out
    assert main(["ablate", str(file), "--config", str(config), "--knock-in", "learn-one"]) == 2
    capsys.readouterr()
    # The demo's memory has S=4 and the algorithm uses s4: it is evaluated in a memory that holds it.
    assert main(["ablate", str(file), "--config", str(DEMO)]) == 0
    assert "memory widened to S=5 V=3 M=1 to hold it" in capsys.readouterr().err
    assert main(["evaluate", str(file), "--config", str(config)]) == 0
    assert "widened" not in capsys.readouterr().err  # this config's memory holds it


def test_simplify_reassociate_reaches_the_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The demo's seed 4: the learning rate scales the features before the error does.
    found = "def Setup():\ndef Predict():\n  s1 = dot(v1, v0)\ndef Learn():\n  s2 = 0.1656\n"
    found += "  v2 = s2 * v0\n  s2 = s0 - s1\n  v2 = s2 * v2\n  v1 = v2 + v1\n"
    file = write(tmp_path, found)
    assert main(["simplify", str(file)]) == 0
    assert "linear regression by SGD" not in capsys.readouterr().err
    assert main(["simplify", str(file), "--reassociate"]) == 0
    captured = capsys.readouterr()
    assert "regrouped products" in captured.err
    assert "this is linear regression by SGD" in captured.err
    assert same_up_to_renaming_and_order(parse(captured.out), REFERENCE_LINEAR_REGRESSION)


def test_tune_improves_a_bad_learning_rate(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, str(REFERENCE_LINEAR_REGRESSION).replace("0.001", "1e-05"))
    out = tmp_path / "tuned.txt"
    assert (
        main(["tune", str(file), "--config", str(config), "--method", "powell", "--trials", "40", "--out", str(out)])
        == 0
    )
    before, after = capsys.readouterr().out.splitlines()[0].split(": ")[1].split(" after")[0].split(" -> ")
    assert float(after) > float(before) + 0.1
    assert parse(out.read_text()) != parse(file.read_text())


def test_export_python_matches_the_vm_prediction(tmp_path: Path) -> None:
    file = write(tmp_path, FAST_SGD)
    module_file = tmp_path / "sgd.py"
    assert main(["export", str(file), "--to", "python", "--out", str(module_file)]) == 0
    spec = importlib.util.spec_from_file_location("sgd", module_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    task = linear_regression_tasks(1, 4, 2000, 50, seed=3)[0]
    model = module.EvolvedAlgorithm(4).fit(task.train_x, task.train_y)
    assert np.abs(model.predict(task.valid_x) - task.valid_y).max() < 0.05  # it learned w


def test_export_sklearn_builds_an_estimator(tmp_path: Path) -> None:
    file = write(tmp_path, FAST_SGD)
    module_file = tmp_path / "sgd_sklearn.py"
    assert main(["export", str(file), "--to", "sklearn", "--out", str(module_file)]) == 0
    spec = importlib.util.spec_from_file_location("sgd_sklearn", module_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    task = linear_regression_tasks(1, 4, 2000, 50, seed=3)[0]
    estimator = module.make_estimator().fit(task.train_x, task.train_y)
    assert estimator.score(task.valid_x, task.valid_y) > 0.99


def test_bad_algorithm_files_exit_2(tmp_path: Path) -> None:
    assert main(["simplify", str(tmp_path / "missing.txt")]) == 2
    assert main(["simplify", str(write(tmp_path, "def Setup():\n  s2 = nope(s1)\n"))]) == 2


def test_algorithm_file_errors_name_file_line_and_the_ops_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path, "def Setup():\n  s2 = 0.001\ndef Predict():\n  s1 = dotproduct(v0, v1)\n")
    assert main(["simplify", str(file)]) == 2
    err = capsys.readouterr().err
    assert f"unknown op 'dotproduct' at {file}:4: 's1 = dotproduct(v0, v1)'; did you mean 'dot'?" in err
    assert "`automl-zero ops`" in err
    file.write_text("def Setup():\n  s99 = 0.001\n")
    assert main(["evaluate", str(file), "--config", str(DEMO)]) == 2
    assert f"{file}:2: 's99 = 0.001': address s99 is out of range; a memory holds at most 63" in capsys.readouterr().err


def test_ops_lists_every_op_with_its_notation(capsys: pytest.CaptureFixture[str]) -> None:
    from automl_zero.ops import DEMO_OPS, OPS

    assert main(["ops"]) == 0
    rows = [line.split(None, 3) for line in capsys.readouterr().out.splitlines()[1:-1]]
    assert [int(row[0]) for row in rows] == list(range(len(OPS)))
    assert [row[1] for row in rows] == [spec.name for spec in OPS]
    for row in rows:  # every notation shown parses back as its op
        notation = row[3].split("  (also ")[0]
        if "index" not in notation and "n_features" not in notation and row[1] != "NO_OP":
            values = notation.replace("value", "0.5").replace("low", "0.0").replace("high", "1.0")
            values = values.replace("mean", "0.0").replace("std", "1.0") if "gaussian" in values else values
            assert parse_instruction(values).op == int(row[0])
    assert main(["ops", "--demo"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(DEMO_OPS) + 2


def test_exports_and_tune_have_their_own_files_and_overwrite_nothing(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path, FAST_SGD)
    assert main(["export", str(file), "--to", "python"]) == 0
    assert main(["export", str(file), "--to", "sklearn"]) == 0
    python, sklearn = tmp_path / "algorithm.py", tmp_path / "algorithm_sklearn.py"
    assert "class EvolvedAlgorithm" in python.read_text() and "def make_estimator" in sklearn.read_text()
    capsys.readouterr()
    for target in ("python", "sklearn"):
        sklearn.write_text("# mine")
        python.write_text("# mine")
        assert main(["export", str(file), "--to", target]) == 2
        assert "already exists; pass --force" in capsys.readouterr().err
        assert python.read_text() == sklearn.read_text() == "# mine"
    assert main(["export", str(file), "--to", "python", "--force"]) == 0
    assert "class EvolvedAlgorithm" in python.read_text()
    tuned = tmp_path / "algorithm.tuned.txt"
    tuned.write_text("# mine")
    assert main(["tune", str(file), "--config", str(config), "--trials", "2"]) == 2
    assert f"{tuned} already exists; pass --force" in capsys.readouterr().err
    assert main(["simplify", str(file), "--out", str(tuned)]) == 2
    assert tuned.read_text() == "# mine"
    assert main(["tune", str(file), "--config", str(config), "--trials", "2", "--force"]) == 0
    assert parse(tuned.read_text()) is not None
    dotted = tmp_path / "seed1.simplified.txt"
    dotted.write_text(FAST_SGD)
    assert main(["export", str(dotted), "--to", "sklearn"]) == 0  # an importable module name
    assert (tmp_path / "seed1_simplified_sklearn.py").is_file()
