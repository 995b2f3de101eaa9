"""The op table: numbers and names of the original, lookup by spec(), printed forms, complete rows."""

from __future__ import annotations

import numpy as np
import pytest

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, Instruction
from automl_zero.ops import (
    ALL_OPS,
    DEMO_OPS,
    LEARN_OPS,
    OPS,
    PREDICT_OPS,
    SETUP_OPS,
    Kind,
    Op,
    Param,
    ops_from_names,
    spec,
)

# The enum of the original's instruction.proto, in order (OP0..OP64 of the paper).
ORIGINAL_NAMES = [
    "NO_OP",
    "SCALAR_SUM_OP",
    "SCALAR_DIFF_OP",
    "SCALAR_PRODUCT_OP",
    "SCALAR_DIVISION_OP",
    "SCALAR_ABS_OP",
    "SCALAR_RECIPROCAL_OP",
    "SCALAR_SIN_OP",
    "SCALAR_COS_OP",
    "SCALAR_TAN_OP",
    "SCALAR_ARCSIN_OP",
    "SCALAR_ARCCOS_OP",
    "SCALAR_ARCTAN_OP",
    "SCALAR_EXP_OP",
    "SCALAR_LOG_OP",
    "SCALAR_HEAVYSIDE_OP",
    "VECTOR_HEAVYSIDE_OP",
    "MATRIX_HEAVYSIDE_OP",
    "SCALAR_VECTOR_PRODUCT_OP",
    "SCALAR_BROADCAST_OP",
    "VECTOR_RECIPROCAL_OP",
    "VECTOR_NORM_OP",
    "VECTOR_ABS_OP",
    "VECTOR_SUM_OP",
    "VECTOR_DIFF_OP",
    "VECTOR_PRODUCT_OP",
    "VECTOR_DIVISION_OP",
    "VECTOR_INNER_PRODUCT_OP",
    "VECTOR_OUTER_PRODUCT_OP",
    "SCALAR_MATRIX_PRODUCT_OP",
    "MATRIX_RECIPROCAL_OP",
    "MATRIX_VECTOR_PRODUCT_OP",
    "VECTOR_COLUMN_BROADCAST_OP",
    "VECTOR_ROW_BROADCAST_OP",
    "MATRIX_NORM_OP",
    "MATRIX_COLUMN_NORM_OP",
    "MATRIX_ROW_NORM_OP",
    "MATRIX_TRANSPOSE_OP",
    "MATRIX_ABS_OP",
    "MATRIX_SUM_OP",
    "MATRIX_DIFF_OP",
    "MATRIX_PRODUCT_OP",
    "MATRIX_DIVISION_OP",
    "MATRIX_MATRIX_PRODUCT_OP",
    "SCALAR_MIN_OP",
    "VECTOR_MIN_OP",
    "MATRIX_MIN_OP",
    "SCALAR_MAX_OP",
    "VECTOR_MAX_OP",
    "MATRIX_MAX_OP",
    "VECTOR_MEAN_OP",
    "MATRIX_MEAN_OP",
    "MATRIX_ROW_MEAN_OP",
    "MATRIX_ROW_ST_DEV_OP",
    "VECTOR_ST_DEV_OP",
    "MATRIX_ST_DEV_OP",
    "SCALAR_CONST_SET_OP",
    "VECTOR_CONST_SET_OP",
    "MATRIX_CONST_SET_OP",
    "SCALAR_UNIFORM_SET_OP",
    "VECTOR_UNIFORM_SET_OP",
    "MATRIX_UNIFORM_SET_OP",
    "SCALAR_GAUSSIAN_SET_OP",
    "VECTOR_GAUSSIAN_SET_OP",
    "MATRIX_GAUSSIAN_SET_OP",
]


def test_table_rows_are_in_order() -> None:
    assert len(OPS) == len(Op)
    assert [row.number for row in OPS] == list(range(len(OPS)))
    assert [int(row.op) for row in OPS] == list(range(len(OPS)))


def test_names_and_numbers_match_the_original() -> None:
    builtin = [row for row in OPS if row.builtin]
    assert [row.name for row in builtin] == ORIGINAL_NAMES
    assert [op.name for op in Op][: len(builtin)] == ORIGINAL_NAMES
    assert tuple(row.op for row in builtin) == ALL_OPS


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("NO_OP", 0),
        ("SCALAR_SUM_OP", 1),
        ("SCALAR_HEAVYSIDE_OP", 15),
        ("SCALAR_VECTOR_PRODUCT_OP", 18),
        ("VECTOR_INNER_PRODUCT_OP", 27),
        ("MATRIX_VECTOR_PRODUCT_OP", 31),
        ("MATRIX_MATRIX_PRODUCT_OP", 43),
        ("MATRIX_ROW_ST_DEV_OP", 53),
        ("VECTOR_ST_DEV_OP", 54),
        ("SCALAR_CONST_SET_OP", 56),
        ("MATRIX_GAUSSIAN_SET_OP", 64),
    ],
)
def test_spot_check_numbers(name: str, number: int) -> None:
    assert Op[name] == number
    assert OPS[number].name == name
    assert OPS[number].number == number


@pytest.mark.parametrize(
    "key",
    [
        1,
        Op.SCALAR_SUM_OP,
        "SCALAR_SUM_OP",
        "SCALAR_SUM",
        "scalar_sum_op",
        "scalar_sum",
        "Scalar_Sum_Op",
        "sCaLaR_sUm",
        "  scalar_sum  ",
    ],
)
def test_spec_accepts_numbers_enums_and_names(key: int | str | Op) -> None:
    row = spec(key)
    assert row.op is Op.SCALAR_SUM_OP
    assert row is OPS[1]


def test_spec_of_every_op_by_every_key() -> None:
    for row in OPS:
        assert spec(row.number) is row
        assert spec(row.op) is row
        assert spec(row.name) is row
        assert spec(row.name.lower()) is row
        assert spec(row.name.removesuffix("_OP").lower()) is row
    # NO_OP without the suffix is "NO".
    assert spec("no").op is Op.NO_OP


@pytest.mark.parametrize("key", [-1, "FOO", "SCALAR_SUMM", "scalar", "", "SCALAR_SUM_OP_OP"])
def test_spec_rejects_unknown_ops(key: int | str) -> None:
    with pytest.raises(ValueError, match="unknown op"):
        spec(key)


def test_spec_rejects_numbers_past_the_table() -> None:
    for number in (len(OPS), len(OPS) + 35):
        with pytest.raises(ValueError, match="unknown op"):
            spec(number)


def test_ops_from_names_keeps_order() -> None:
    assert ops_from_names(["vector_sum", "SCALAR_CONST_SET_OP", "no_op"]) == (
        Op.VECTOR_SUM_OP,
        Op.SCALAR_CONST_SET_OP,
        Op.NO_OP,
    )
    with pytest.raises(ValueError):
        ops_from_names(["scalar_sum", "not_an_op"])


def _example_instruction(row_index: int) -> Instruction:
    """An instruction of the op with distinct, in-range addresses and valid parameters."""
    row = OPS[row_index]
    data = tuple(0.25 if p is Param.INDEX else 0.5 for p in row.params)
    out = 0 if row.out is None else 3
    in1 = 1 if len(row.inputs) >= 1 else 0
    in2 = 2 if len(row.inputs) >= 2 else 0
    return Instruction(row.op, out=out, in1=in1, in2=in2, data=data)


def test_every_op_prints_distinctly() -> None:
    texts = [str(_example_instruction(i)) for i in range(len(OPS))]
    assert all("{" not in text and "}" not in text for text in texts), texts
    duplicates = {text for text in texts if texts.count(text) > 1}
    assert not duplicates, duplicates


def test_templates_and_aliases_are_distinct_as_text() -> None:
    # Substitute kind-prefixed addresses: two forms clash only if they would read the same.
    seen: dict[str, Op] = {}
    for row in OPS:
        names = {f"d{i}": "0.5" for i in range(3)}
        if row.out is not None:
            names["out"] = f"{row.out.prefix}3"
        for i, kind in enumerate(row.inputs):
            names[f"in{i + 1}"] = f"{kind.prefix}{i + 1}"
        for template in (row.template, *row.aliases):
            text = template.format(**names)
            assert text not in seen, f"{row.name} and {seen[text].name} both print {text!r}"
            seen[text] = row.op


def test_printed_form_examples() -> None:
    assert str(Instruction(Op.SCALAR_DIFF_OP, out=3, in1=0, in2=1)) == "s3 = s0 - s1"
    assert str(Instruction(Op.VECTOR_INNER_PRODUCT_OP, out=1, in1=0, in2=1)) == "s1 = dot(v0, v1)"
    assert str(Instruction(Op.SCALAR_VECTOR_PRODUCT_OP, out=2, in1=4, in2=0)) == "v2 = s4 * v0"
    assert str(Instruction(Op.SCALAR_CONST_SET_OP, out=2, data=(0.001,))) == "s2 = 0.001"
    assert str(Instruction(Op.VECTOR_CONST_SET_OP, out=1, data=(0.5, -2.0))) == "v1[0.5] = -2.0"
    assert str(Instruction(Op.NO_OP)) == "NoOp()"


def test_kinds_match_names() -> None:
    prefix = {"SCALAR": Kind.SCALAR, "VECTOR": Kind.VECTOR, "MATRIX": Kind.MATRIX}
    for row in OPS[1:]:
        first = row.name.split("_")[0]
        # Every op either outputs or reads the kind its name starts with.
        assert prefix[first] == row.out or prefix[first] in row.inputs, row.name
    assert OPS[Op.NO_OP].out is None
    assert all(row.out is not None for row in OPS[1:])


def test_random_and_partial_write_flags() -> None:
    randoms = {row.op for row in OPS if row.random}
    assert randoms == {
        Op.SCALAR_UNIFORM_SET_OP,
        Op.VECTOR_UNIFORM_SET_OP,
        Op.MATRIX_UNIFORM_SET_OP,
        Op.SCALAR_GAUSSIAN_SET_OP,
        Op.VECTOR_GAUSSIAN_SET_OP,
        Op.MATRIX_GAUSSIAN_SET_OP,
    }
    assert {row.op for row in OPS if row.partial_write} == {Op.VECTOR_CONST_SET_OP, Op.MATRIX_CONST_SET_OP}
    # Parameter slots: setters carry parameters, nothing else does.
    for row in OPS:
        assert bool(row.params) == (row.group == "setter"), row.name
        assert len(row.params) <= 3
        assert not (row.params and row.inputs), row.name


def test_demo_ops_are_the_six_of_the_demo() -> None:
    assert len(DEMO_OPS) == 6
    assert set(DEMO_OPS) == {
        Op.SCALAR_CONST_SET_OP,
        Op.VECTOR_INNER_PRODUCT_OP,
        Op.SCALAR_DIFF_OP,
        Op.SCALAR_PRODUCT_OP,
        Op.SCALAR_VECTOR_PRODUCT_OP,
        Op.VECTOR_SUM_OP,
    }
    used = {i.op for _, component in REFERENCE_LINEAR_REGRESSION.components() for i in component}
    assert used <= set(DEMO_OPS)


def test_component_op_lists() -> None:
    assert set(SETUP_OPS) == {row.op for row in OPS if row.builtin and row.name.endswith("_SET_OP")}
    assert Op.NO_OP not in LEARN_OPS
    assert Op.SCALAR_CONST_SET_OP in LEARN_OPS
    assert Op.VECTOR_UNIFORM_SET_OP not in LEARN_OPS
    assert set(LEARN_OPS) == set(ALL_OPS) - {Op.NO_OP} - set(SETUP_OPS) | {Op.SCALAR_CONST_SET_OP}
    assert PREDICT_OPS == LEARN_OPS


def test_every_row_is_a_complete_definition() -> None:
    for row in OPS:
        assert row.gloss, row.name
        assert row.numpy, row.name
        assert row.kernel.strip(), row.name
        assert row.algebra in ("", "product", "sum"), row.name
        if row.out is None:
            assert row.kernel.strip() == "pass" and row.numpy == "pass", row.name
        else:
            assert row.reference is not None, row.name
            # The export line writes the output's kind, the compiled kernel too.
            assert row.numpy.startswith(f"self.{row.out.prefix}[{{o}}"), row.name
            assert f"{row.out.prefix}[o" in row.kernel or (row.out is Kind.MATRIX and "mf[o" in row.kernel), row.name


def test_commutative_ops_commute_in_the_reference_kernel() -> None:
    """An op the table marks commutative gives the same bits with its operands swapped."""
    from automl_zero.ops import Operands
    from automl_zero.vm.rng import SplitMix64

    rng = np.random.default_rng(0)
    marked = [row for row in OPS if row.commutative]
    assert {row.op for row in marked} >= {Op.SCALAR_SUM_OP, Op.VECTOR_INNER_PRODUCT_OP, Op.MATRIX_PRODUCT_OP}
    for row in marked:
        assert len(row.inputs) == 2 and row.inputs[0] == row.inputs[1], row.name
        shape = ((), (4,), (4, 4))[row.inputs[0]]
        for _ in range(20):
            x, y = (rng.normal(size=shape) for _ in range(2))
            if shape == ():
                x, y = np.float64(x), np.float64(y)
            first = row.reference(Operands(x, y, (0.0, 0.0, 0.0), 4, SplitMix64(0), None))  # type: ignore[misc]
            second = row.reference(Operands(y, x, (0.0, 0.0, 0.0), 4, SplitMix64(0), None))  # type: ignore[misc]
            assert np.array_equal(first, second), row.name


def test_export_and_simplify_read_the_table() -> None:
    """No per-op table is kept outside ops.py: the export's lines and glosses are the rows'."""
    from automl_zero.analysis import export, simplify

    assert not hasattr(export, "_CODE") and not hasattr(export, "_WORDS")
    assert not hasattr(simplify, "_COMMUTATIVE")
    helpers = {name for row in OPS for name in row.numpy_helpers}
    assert helpers <= set(export._HELPERS)
