"""benchmarks/compile_time.py: what it copies, and that it reads the demo's own report."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import automl_zero
from automl_zero.cli import _CompileStatus

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "compile_time.py"
PACKAGE = Path(automl_zero.__file__).resolve().parent


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compile_time", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compile_time"] = module
    spec.loader.exec_module(module)
    return module


def test_the_copy_has_the_sources_and_no_cache(tmp_path: Path) -> None:
    src = benchmark()._copy_package(PACKAGE, tmp_path)
    copied = {p.relative_to(src / "automl_zero") for p in (src / "automl_zero").rglob("*") if p.is_file()}
    sources = {p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    assert sources <= copied
    assert not [p for p in copied if "__pycache__" in p.parts or p.suffix in (".pyc", ".nbi", ".nbc")]


def test_it_reads_the_demos_status_line(capsys: pytest.CaptureFixture[str]) -> None:
    status = _CompileStatus()
    status.stage("search")
    match = benchmark()._STATUS.search(capsys.readouterr().err)
    assert match is not None and float(match.group(1)) >= 0.0


@pytest.mark.slow
def test_a_run_on_this_package_reports_each_stage(tmp_path: Path) -> None:
    """On the warm cache of this checkout: the demo runs and every number is read."""
    from automl_zero.demo import WARM_UP_STAGES

    row = benchmark()._run_demo(PACKAGE.parent, tmp_path, seed=1)
    assert row["compile_s"] is not None and row["compile_cpu_s"] is not None
    assert list(row["stages_s"]) == list(WARM_UP_STAGES)  # type: ignore[call-overload]
    assert row["wall_s"] > 0 and row["cpu_s"] > 0  # type: ignore[operator]
