"""User-defined ops: docs/extending.md's module registers two, and they work everywhere a built-in one does.

Registration has to happen before the table is compiled, which this test process did long ago, so
the checks run in a fresh interpreter that imports the documented module first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from automl_zero.ops import OPS, Kind, register_op

ROOT = Path(__file__).resolve().parent.parent

CHECKS = textwrap.dedent(
    """
    import numpy as np

    import my_ops  # registers the ops, before anything compiles the table

    from automl_zero.ops import OPS, Kind, Op, register_op, spec

    softmax, clip = spec("vector_softmax"), spec("SCALAR_CLIP_OP")
    assert [softmax.number, clip.number] == [len(OPS) - 2, len(OPS) - 1]
    assert not softmax.builtin and Op(clip.number) is clip.op and Op["VECTOR_SOFTMAX_OP"] is softmax.op

    # A bad row is refused and leaves no trace.
    count = len(OPS)
    for name, fields in [
        ("VECTOR_SOFTMAX", {}),  # taken
        ("SCALAR_CLAMP", {"template": "{out} = clip({in1})"}),  # prints like SCALAR_CLIP_OP
        ("SCALAR_CLAMP", {"template": "{out} = clamp()"}),  # leaves in1 out
        ("SCALAR_CLAMP", {"kernel": ""}),  # no compiled kernel
    ]:
        row = dict(
            out=Kind.SCALAR,
            inputs=(Kind.SCALAR,),
            template="{out} = clamp({in1})",
            reference=lambda q: q.x,
            kernel="pass",
            numpy="pass",
        )
        row.update(fields)
        try:
            register_op(name, **row)
        except ValueError:
            pass
        else:
            raise AssertionError(f"registered {name} {fields}")
    assert len(OPS) == count and len(Op) == count

    from automl_zero.algorithm import MemorySize, make, parse
    from automl_zero.analysis.export import to_python
    from automl_zero.analysis.simplify import simplify
    from automl_zero.config import config_from_dict
    from automl_zero.mutation import MutationType, mutate_into, random_algorithm
    from automl_zero.search.evolution import from_layout, _to_layout
    from automl_zero.search.space import SearchSpace
    from automl_zero.tasks.synthetic import linear_regression_tasks
    from automl_zero.vm.compiled import CompiledExecutor
    from automl_zero.vm.encode import decode, encode
    from automl_zero.vm.reference import ReferenceExecutor, flip_and_squash

    # Parse and print.
    algorithm = make(
        setup=["s2 = 0.1"],
        predict=["v2 = softmax(v0)", "s1 = dot(v2, v1)"],
        learn=["s3 = s0 - s1", "s3 = clip(s3)", "s3 = s3 * s2", "v3 = s3 * v0", "v1 = v1 + v3"],
    )
    assert parse(str(algorithm)) == algorithm
    assert "v2 = softmax(v0)" in str(algorithm) and "s3 = clip(s3)" in str(algorithm)

    # Configs name them.
    config = config_from_dict(
        {"search_space": {"predict_ops": ["vector_softmax", "vector_inner_product"], "learn_ops": ["scalar_clip"]}}
    )
    assert config.search_space.predict_ops == (softmax.op, Op.VECTOR_INNER_PRODUCT_OP)
    assert config.search_space.learn_ops == (clip.op,)

    # Mutate: the compiled mutator draws them.
    memory = MemorySize(5, 4, 1)
    predict_ops = (softmax.op, clip.op, Op.VECTOR_INNER_PRODUCT_OP, Op.SCALAR_VECTOR_PRODUCT_OP)
    learn_ops = (*predict_ops, Op.SCALAR_DIFF_OP, Op.SCALAR_PRODUCT_OP, Op.VECTOR_SUM_OP)
    space = SearchSpace(
        memory=memory,
        setup_ops=(Op.SCALAR_CONST_SET_OP,),
        predict_ops=predict_ops,
        learn_ops=learn_ops,
        sizes=(1, 2, 5),
        min_sizes=(0, 1, 0),
        max_sizes=(4, 6, 8),
        mutations=tuple(MutationType),
    )
    arrays = space.to_ints(), space.op_table(), space.mutation_table()
    ints, floats, sizes = _to_layout(encode(algorithm), space.capacity)
    rng = np.array([7], dtype=np.uint64)
    seen = set()
    for _ in range(3000):
        mutate_into(ints, floats, sizes, *arrays, rng)
        child = decode(from_layout(ints, floats, sizes))
        space.validate(child)
        seen.update(instruction.op for _, part in child.components() for instruction in part)
    assert {softmax.op, clip.op} <= seen

    # Evaluate: both executors agree bit for bit on random algorithms that use them.
    tasks = linear_regression_tasks(3, num_features=5, num_train=20, num_valid=10, seed=2)
    compiled = CompiledExecutor(tasks, memory)
    reference = ReferenceExecutor(tasks, memory)
    rng_py = np.random.default_rng(0)
    scored = 0
    for _ in range(60):
        candidate = random_algorithm(rng_py, memory, (2, 3, 4), (Op.SCALAR_CONST_SET_OP,), predict_ops, learn_ops)
        expected = reference.task_fitnesses(candidate)
        assert np.array_equal(compiled.task_fitnesses(candidate), expected), str(candidate)
        scored += bool(expected.any())
    assert scored > 5
    assert compiled.evaluate(algorithm) == reference.evaluate(algorithm) > 0.0

    # Simplify keeps them (they can change the prediction).
    simple = str(simplify(algorithm))
    assert "softmax(v0)" in simple and "clip(" in simple, simple

    # Export: the NumPy module trains and predicts exactly as the evaluation.
    task = tasks[0]
    namespace = {}
    exec(compile(to_python(algorithm, memory), "exported", "exec"), namespace)
    model = namespace["EvolvedAlgorithm"](task.num_features).fit(task.train_x, task.train_y)
    errors = task.valid_y - model.predict(task.valid_x)
    fitness = flip_and_squash(np.sqrt(sum(e * e for e in errors) / len(errors)))
    assert fitness == ReferenceExecutor([task], memory).evaluate(algorithm)

    # Too late now: the table is compiled.
    try:
        register_op("SCALAR_LATE", out=Kind.SCALAR, template="{out} = late()", kernel="pass", numpy="pass",
                    reference=lambda q: 0.0)
    except RuntimeError as error:
        assert "automl_zero.vm.compiled" in str(error)
    else:
        raise AssertionError("registered after the table was compiled")
    print("user ops: all checks passed")
    """
)


def documented_module() -> str:
    """The module of docs/extending.md's worked example (its first Python block)."""
    text = (ROOT / "docs" / "extending.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert block is not None
    return block.group(1)


def run_python(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "my_ops.py").write_text(documented_module())
    paths = [str(tmp_path), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p), **(env or {})}
    return subprocess.run(
        [sys.executable, *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=1800
    )


@pytest.mark.slow
def test_documented_ops_parse_mutate_evaluate_simplify_and_export(tmp_path: Path) -> None:
    (tmp_path / "checks.py").write_text(CHECKS)
    result = run_python(tmp_path, "checks.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout


def test_the_command_line_loads_ops_named_in_the_environment(tmp_path: Path) -> None:
    result = run_python(tmp_path, "-m", "automl_zero", "ops", env={"AUTOML_ZERO_OPS": "my_ops"})
    assert result.returncode == 0, result.stderr
    assert "VECTOR_SOFTMAX_OP" in result.stdout and "clip(" in result.stdout
    plain = run_python(tmp_path, "-m", "automl_zero", "ops")
    assert "VECTOR_SOFTMAX_OP" not in plain.stdout
    missing = run_python(tmp_path, "-m", "automl_zero", "ops", env={"AUTOML_ZERO_OPS": "no_such_ops"})
    assert missing.returncode != 0 and "AUTOML_ZERO_OPS names module 'no_such_ops'" in missing.stderr


def test_registering_after_the_table_is_compiled_fails() -> None:
    import automl_zero.vm.compiled  # noqa: F401  (freezes the table)

    count = len(OPS)
    with pytest.raises(RuntimeError, match="before importing"):
        register_op("SCALAR_TOO_LATE", out=Kind.SCALAR, template="{out} = late()", kernel="pass", numpy="pass")
    assert len(OPS) == count
