"""Instructions and algorithms: text form, JSON form, parse errors and validation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from automl_zero.algorithm import (
    REFERENCE_LINEAR_REGRESSION,
    Algorithm,
    Instruction,
    MemorySize,
    UnknownOpError,
    from_dict,
    from_json,
    make,
    parse,
    parse_instruction,
    to_dict,
)
from automl_zero.mutation import random_algorithm
from automl_zero.ops import ALL_OPS, OPS, Kind, Op

BIG_MEMORY = MemorySize(5, 9, 2)
SIZES = (12, 12, 12)

ISSUE_EXAMPLE = """\
def Setup():
  s2 = 0.001
def Predict():
  s1 = dot(v0, v1)
def Learn():
  s3 = s0 - s1
  s4 = s3 * s2
  v2 = v0 * s4
  v1 = v1 + v2
"""


def _random(seed: int) -> Algorithm:
    return random_algorithm(np.random.default_rng(seed), BIG_MEMORY, SIZES, ALL_OPS, ALL_OPS, ALL_OPS)


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(50))
def test_text_round_trip_random_algorithms(seed: int) -> None:
    algorithm = _random(seed)
    text = str(algorithm)
    parsed = parse(text)
    assert parsed == algorithm, text
    # Data is exactly preserved (repr round trip), not merely approximately.
    for (_, mine), (_, theirs) in zip(parsed.components(), algorithm.components(), strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert a.data == b.data
    assert str(parsed) == text
    parse(text, BIG_MEMORY)  # in range


@pytest.mark.parametrize("seed", range(50))
def test_json_round_trip_random_algorithms(seed: int) -> None:
    algorithm = _random(seed)
    assert from_json(algorithm.to_json()) == algorithm
    assert from_dict(to_dict(algorithm)) == algorithm


def test_random_algorithms_cover_every_op() -> None:
    used = {i.op for seed in range(50) for _, component in _random(seed).components() for i in component}
    assert used == set(Op)


def test_every_op_round_trips_individually() -> None:
    for row in OPS:
        for seed in range(3):
            rng = np.random.default_rng(seed)
            algorithm = random_algorithm(rng, BIG_MEMORY, (1, 1, 1), [row.op], [row.op], [row.op])
            assert parse(str(algorithm)) == algorithm, str(algorithm)
            for instruction in algorithm.setup:
                assert parse_instruction(str(instruction)) == instruction


@pytest.mark.parametrize(
    "value", [0.001, -1.0, 1e-05, -2.5e-300, 5e-324, 1e16, -1.7976931348623157e308, 123456789.125, 0.1 + 0.2]
)
def test_constants_round_trip_exactly(value: float) -> None:
    instruction = Instruction(Op.SCALAR_CONST_SET_OP, out=2, data=(value,))
    parsed = parse_instruction(str(instruction))
    assert parsed.data[0] == value
    assert parsed == instruction
    assert from_json(Algorithm(setup=(instruction,)).to_json()).setup[0].data[0] == value


def test_to_dict_form() -> None:
    data = to_dict(REFERENCE_LINEAR_REGRESSION)
    assert data["setup"] == [{"op": "SCALAR_CONST_SET_OP", "out": 2, "data": [0.001]}]
    assert data["predict"] == [{"op": "VECTOR_INNER_PRODUCT_OP", "out": 1, "in1": 0, "in2": 1}]
    assert data["learn"][2] == {"op": "SCALAR_VECTOR_PRODUCT_OP", "out": 2, "in1": 4, "in2": 0}
    assert json.loads(REFERENCE_LINEAR_REGRESSION.to_json()) == data
    assert to_dict(Algorithm(predict=(Instruction(Op.NO_OP),)))["predict"] == [{"op": "NO_OP"}]


# ---------------------------------------------------------------------------
# The text form
# ---------------------------------------------------------------------------


def test_issue_example_parses_to_reference() -> None:
    algorithm = parse(ISSUE_EXAMPLE)
    assert algorithm == REFERENCE_LINEAR_REGRESSION
    assert algorithm.learn[2] == Instruction(Op.SCALAR_VECTOR_PRODUCT_OP, out=2, in1=4, in2=0)
    assert len(algorithm) == 6


def test_reference_prints_scalar_first() -> None:
    text = str(REFERENCE_LINEAR_REGRESSION)
    assert "  v2 = s4 * v0\n" in text
    assert text.splitlines()[0] == "def Setup():"
    assert parse(text) == REFERENCE_LINEAR_REGRESSION


def test_comments_and_blank_lines_are_ignored() -> None:
    text = """
# linear regression

def Setup():  # component one
  s2 = 0.001   # learning rate

def Predict():
  # a comment line
  s1 = dot(v0, v1)
def Learn():


  s3 = s0 - s1
  s4 = s3 * s2
  v2 = v0 * s4  # scalar times vector, vector first
  v1 = v1 + v2
"""
    assert parse(text) == REFERENCE_LINEAR_REGRESSION


def test_whitespace_is_free() -> None:
    assert parse_instruction("s1=dot( v0 ,v1 )") == Instruction(Op.VECTOR_INNER_PRODUCT_OP, out=1, in1=0, in2=1)
    assert parse_instruction("   s3   =   s0-s1 ") == Instruction(Op.SCALAR_DIFF_OP, out=3, in1=0, in2=1)


def test_aliases() -> None:
    assert parse_instruction("v1 = m0 @ v0") == Instruction(Op.MATRIX_VECTOR_PRODUCT_OP, out=1, in1=0, in2=0)
    assert parse_instruction("v1 = m0 @ v0") == parse_instruction("v1 = dot(m0, v0)")
    assert parse_instruction("m1 = m0 @ m2") == Instruction(Op.MATRIX_MATRIX_PRODUCT_OP, out=1, in1=0, in2=2)
    assert parse_instruction("m1 = m0 @ m2") == parse_instruction("m1 = matmul(m0, m2)")
    assert parse_instruction("m1 = m0 * s3") == Instruction(Op.SCALAR_MATRIX_PRODUCT_OP, out=1, in1=3, in2=0)
    assert parse_instruction("v2 = v0 * s4") == parse_instruction("v2 = s4 * v0")
    # Aliases are never printed.
    assert str(parse_instruction("v1 = m0 @ v0")) == "v1 = dot(m0, v0)"
    assert str(parse_instruction("m1 = m0 @ m2")) == "m1 = matmul(m0, m2)"


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("s3 = s1 * s2", Op.SCALAR_PRODUCT_OP),
        ("v3 = v1 * v2", Op.VECTOR_PRODUCT_OP),
        ("m2 = m1 * m0", Op.MATRIX_PRODUCT_OP),
        ("v3 = s1 * v2", Op.SCALAR_VECTOR_PRODUCT_OP),
        ("m2 = s1 * m0", Op.SCALAR_MATRIX_PRODUCT_OP),
        ("s1 = abs(s2)", Op.SCALAR_ABS_OP),
        ("v1 = abs(v2)", Op.VECTOR_ABS_OP),
        ("m1 = abs(m2)", Op.MATRIX_ABS_OP),
        ("s1 = norm(v2)", Op.VECTOR_NORM_OP),
        ("s1 = norm(m1)", Op.MATRIX_NORM_OP),
        ("v1 = norm(m1, axis=0)", Op.MATRIX_COLUMN_NORM_OP),
        ("v1 = norm(m1, axis=1)", Op.MATRIX_ROW_NORM_OP),
        ("m1 = bcast(v1, axis=0)", Op.VECTOR_COLUMN_BROADCAST_OP),
        ("m1 = bcast(v1, axis=1)", Op.VECTOR_ROW_BROADCAST_OP),
        ("v1 = bcast(s2)", Op.SCALAR_BROADCAST_OP),
        ("s2 = -1.0", Op.SCALAR_CONST_SET_OP),
        ("s2 = uniform(-1.0, 1.0)", Op.SCALAR_UNIFORM_SET_OP),
        ("v2 = uniform(-1.0, 1.0, n_features)", Op.VECTOR_UNIFORM_SET_OP),
        ("m0 = gaussian(0.0, 1.0, (n_features, n_features))", Op.MATRIX_GAUSSIAN_SET_OP),
        ("m0[0.5, 0.25] = 3.0", Op.MATRIX_CONST_SET_OP),
        ("s1 = heaviside(s2, 1.0)", Op.SCALAR_HEAVYSIDE_OP),
        ("NoOp()", Op.NO_OP),
    ],
)
def test_forms_pick_the_op_by_address_kinds(text: str, op: Op) -> None:
    assert parse_instruction(text).op is op


def test_parse_gives_data_in_slot_order() -> None:
    instruction = parse_instruction("m0[0.5, 0.25] = 3.0")
    assert instruction.data == (0.5, 0.25, 3.0)
    assert instruction.out == 0
    assert parse_instruction("v3 = gaussian(-0.5, 2.0, n_features)").data == (-0.5, 2.0, 0.0)


def test_missing_components_are_empty() -> None:
    algorithm = parse("def Predict():\n  s1 = dot(v0, v1)\n")
    assert algorithm.setup == ()
    assert algorithm.learn == ()
    assert algorithm.predict == (Instruction(Op.VECTOR_INNER_PRODUCT_OP, out=1, in1=0, in2=1),)
    assert parse("") == Algorithm()


# ---------------------------------------------------------------------------
# Parse errors
# ---------------------------------------------------------------------------


def test_parse_error_names_line_and_text() -> None:
    text = "def Setup():\ndef Predict():\n  s1 = dot(s0, v1)\ndef Learn():\n"
    with pytest.raises(ValueError, match="line 3") as info:
        parse(text)
    assert "dot(s0, v1)" in str(info.value)


@pytest.mark.parametrize(
    "line", ["s1 = s0 +", "x1 = s0 + s1", "s1 = dot(v0, v1) extra", "s2 = nan", "s1 = mean(v0, 2)"]
)
def test_parse_instruction_rejects_garbage(line: str) -> None:
    with pytest.raises(ValueError, match="is not an instruction") as info:
        parse_instruction(line)
    assert line in str(info.value)
    assert "unknown op" not in str(info.value)
    assert "`automl-zero ops`" in str(info.value)


@pytest.mark.parametrize(
    ("line", "suggestion"),
    [("s1 = dotproduct(v0, v1)", "dot"), ("m1 = matrixmul(m0, m1)", "matmul"), ("s1 = Sin(s2)", "sin")],
)
def test_unknown_op_names_the_closest(line: str, suggestion: str) -> None:
    with pytest.raises(UnknownOpError) as info:
        parse_instruction(line)
    assert info.value.suggestion == suggestion
    assert f"did you mean '{suggestion}'?" in str(info.value)


def test_unknown_op_in_a_file_names_file_line_and_the_ops_command() -> None:
    text = "def Setup():\n  s2 = 0.001\ndef Predict():\n  s1 = dotproduct(v0, v1)\n"
    with pytest.raises(UnknownOpError) as info:
        parse(text, source="found.txt")
    message = str(info.value)
    assert message.startswith("unknown op 'dotproduct' at found.txt:4: 's1 = dotproduct(v0, v1)'; did you mean 'dot'?")
    assert "`automl-zero ops`" in message
    with pytest.raises(UnknownOpError) as info:
        parse("def Learn():\n  s1 = foo(v0)\n")
    assert "at line 2" in str(info.value) and "did you mean" not in str(info.value)


def test_syntax_errors_in_a_file_start_with_file_and_line() -> None:
    with pytest.raises(ValueError) as info:
        parse("def Setup():\n\n  s2 = 0.001 +\n", source="a.txt")
    assert str(info.value).startswith("a.txt:3: 's2 = 0.001 +' is not an instruction")


@pytest.mark.parametrize(
    ("line", "address", "kind"), [("s99 = 0.5", "s99", "scalar"), ("v1 = v0 + v63", "v63", "vector")]
)
def test_addresses_beyond_any_memory_name_line_and_limit(line: str, address: str, kind: str) -> None:
    with pytest.raises(ValueError) as info:
        parse(f"def Setup():\ndef Predict():\n  {line}\n", source="big.txt")
    message = str(info.value)
    assert message.startswith(f"big.txt:3: '{line}': address {address} is out of range")
    assert f"at most 63 {kind} addresses" in message
    assert parse(f"def Predict():\n  {line.replace(address, address[0] + '62')}\n") is not None


def test_wrong_kind_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_instruction("v1 = s0 + s1")
    with pytest.raises(ValueError):
        parse_instruction("s1 = matmul(m0, m1)")


def test_instruction_before_setup() -> None:
    with pytest.raises(ValueError, match="line 2") as info:
        parse("# header\ns2 = 0.001\ndef Setup():\n")
    assert "s2 = 0.001" in str(info.value)
    assert "def Setup():" in str(info.value)


def test_unknown_component_name() -> None:
    with pytest.raises(ValueError, match="line 3") as info:
        parse("def Setup():\n  s2 = 0.001\ndef Train():\n  s1 = dot(v0, v1)\n")
    assert "Train" in str(info.value)


def test_duplicate_component() -> None:
    with pytest.raises(ValueError, match="line 4") as info:
        parse("def Setup():\ndef Predict():\n  s1 = dot(v0, v1)\ndef Predict():\n")
    assert "twice" in str(info.value)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("def Predict():\ndef Setup():\n", 2),
        ("def Learn():\n  s3 = s0 - s1\ndef Predict():\n", 3),
        ("def Setup():\ndef Learn():\ndef Predict():\n", 3),
    ],
)
def test_wrong_order(text: str, line: int) -> None:
    with pytest.raises(ValueError, match=f"line {line}") as info:
        parse(text)
    assert "order" in str(info.value)


def test_parse_with_memory_checks_addresses() -> None:
    text = "def Setup():\n  s2 = 0.001\ndef Predict():\n  s1 = dot(v0, v5)\n"
    assert parse(text) is not None  # no memory: no check
    with pytest.raises(ValueError, match="line 4") as info:
        parse(text, MemorySize(4, 3, 1))
    assert "v5" in str(info.value)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

SMALL = MemorySize(4, 3, 1)


@pytest.mark.parametrize(
    ("component", "text", "address"),
    [
        ("predict", "s1 = s4 + s2", "s4"),
        ("learn", "s3 = s0 - s9", "s9"),
        ("setup", "s4 = 0.5", "s4"),
        ("predict", "s1 = dot(v0, v3)", "v3"),
        ("learn", "v3 = v1 + v2", "v3"),
        ("predict", "v1 = dot(m1, v0)", "m1"),
        ("setup", "m1 = uniform(0.0, 1.0, (n_features, n_features))", "m1"),
    ],
)
def test_validate_address_out_of_range(component: str, text: str, address: str) -> None:
    algorithm = Algorithm(**{component: (parse_instruction(text),)})
    with pytest.raises(ValueError, match="out of range") as info:
        algorithm.validate(SMALL)
    message = str(info.value)
    assert text in message
    assert address in message
    assert component.capitalize() in message


@pytest.mark.parametrize("text", ["s0 = s1 + s2", "s0 = 1.0", "v0 = v1 + v2", "v0[0.5] = 1.0", "v0 = bcast(s1)"])
def test_validate_rejects_writing_label_or_features(text: str) -> None:
    algorithm = Algorithm(learn=(parse_instruction(text),))
    with pytest.raises(ValueError, match="read-only") as info:
        algorithm.validate(SMALL)
    assert text in str(info.value)


def test_validate_accepts_in_range_and_matrix_zero() -> None:
    REFERENCE_LINEAR_REGRESSION.validate(MemorySize(5, 3, 1))
    Algorithm(setup=(parse_instruction("m0 = gaussian(0.0, 1.0, (n_features, n_features))"),)).validate(SMALL)
    # s4 exists with 5 scalars but not with 4.
    with pytest.raises(ValueError, match="s4"):
        REFERENCE_LINEAR_REGRESSION.validate(SMALL)


def test_validate_allowed_ops() -> None:
    allowed = {"setup": [Op.SCALAR_CONST_SET_OP], "predict": [Op.VECTOR_INNER_PRODUCT_OP], "learn": [Op.SCALAR_SUM_OP]}
    bad = make(setup=["s2 = 0.001"], predict=["s1 = dot(v0, v1)"], learn=["s3 = s0 + s1", "s3 = s0 - s1"])
    with pytest.raises(ValueError, match="not allowed") as info:
        bad.validate(SMALL, allowed)
    message = str(info.value)
    assert "s3 = s0 - s1" in message
    assert "SCALAR_DIFF_OP" in message
    assert "Learn instruction 1" in message
    # Allowed everywhere it appears: fine; a missing key allows every op.
    make(setup=["s2 = 0.001"], learn=["s3 = s0 + s1"]).validate(SMALL, allowed)
    bad.validate(SMALL, {"setup": [Op.SCALAR_CONST_SET_OP]})
    with pytest.raises(ValueError, match="Setup"):
        make(setup=["s1 = dot(v0, v1)"]).validate(SMALL, {"setup": [Op.SCALAR_CONST_SET_OP]})


# ---------------------------------------------------------------------------
# Instruction construction
# ---------------------------------------------------------------------------


def test_instruction_missing_constant() -> None:
    with pytest.raises(ValueError, match="parameter"):
        Instruction(Op.SCALAR_CONST_SET_OP, out=2, data=())
    with pytest.raises(ValueError):
        Instruction(Op.MATRIX_CONST_SET_OP, out=0, data=(0.5, 0.5))


def test_instruction_pads_data() -> None:
    assert Instruction(Op.SCALAR_CONST_SET_OP, out=2, data=(1.5,)).data == (1.5, 0.0, 0.0)
    assert Instruction(Op.SCALAR_SUM_OP, out=1, in1=2, in2=3, data=()).data == (0.0, 0.0, 0.0)
    assert Instruction(Op.SCALAR_SUM_OP, out=1) == Instruction(Op.SCALAR_SUM_OP, out=1, data=(0.0, 0.0))


def test_instruction_extra_parameters() -> None:
    with pytest.raises(ValueError):
        Instruction(Op.SCALAR_SUM_OP, out=1, in1=2, in2=3, data=(1.0,))
    with pytest.raises(ValueError):
        Instruction(Op.SCALAR_CONST_SET_OP, out=1, data=(1.0, 2.0))
    with pytest.raises(ValueError):
        Instruction(Op.MATRIX_CONST_SET_OP, out=1, data=(0.1, 0.2, 0.3, 0.0))


@pytest.mark.parametrize("index", [1.0, -0.1, 1.5, -1e-300])
def test_instruction_index_outside_unit_interval(index: float) -> None:
    with pytest.raises(ValueError, match="index"):
        Instruction(Op.VECTOR_CONST_SET_OP, out=1, data=(index, 2.0))
    with pytest.raises(ValueError, match="index"):
        Instruction(Op.MATRIX_CONST_SET_OP, out=0, data=(0.5, index, 2.0))


def test_instruction_index_inside_unit_interval() -> None:
    assert Instruction(Op.VECTOR_CONST_SET_OP, out=1, data=(0.0, 2.0)).data[0] == 0.0
    top = math.nextafter(1.0, 0.0)
    assert Instruction(Op.VECTOR_CONST_SET_OP, out=1, data=(top, 2.0)).data[0] == top


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_instruction_non_finite_parameters(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        Instruction(Op.SCALAR_CONST_SET_OP, out=2, data=(bad,))
    with pytest.raises(ValueError, match="finite"):
        Instruction(Op.SCALAR_GAUSSIAN_SET_OP, out=2, data=(0.0, bad))
    with pytest.raises(ValueError, match="finite"):
        Instruction(Op.VECTOR_CONST_SET_OP, out=2, data=(0.5, bad))


def test_instruction_addresses() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        Instruction(Op.SCALAR_SUM_OP, out=-1, in1=0, in2=0)
    with pytest.raises(ValueError):
        Instruction(Op.SCALAR_ABS_OP, out=1, in1=2, in2=3)  # abs has no in2
    with pytest.raises(ValueError):
        Instruction(Op.NO_OP, out=1)
    with pytest.raises(ValueError):
        Instruction(len(OPS))
    assert Instruction(5, out=1, in1=2).op is Op.SCALAR_ABS_OP


# ---------------------------------------------------------------------------
# from_dict / from_json errors
# ---------------------------------------------------------------------------


def test_from_dict_unknown_top_level_key() -> None:
    data = to_dict(REFERENCE_LINEAR_REGRESSION)
    data["train"] = []
    with pytest.raises(ValueError, match="unknown key") as info:
        from_dict(data)
    assert "train" in str(info.value)


def test_from_dict_unknown_instruction_key() -> None:
    data = to_dict(REFERENCE_LINEAR_REGRESSION)
    data["learn"][1]["in3"] = 2
    with pytest.raises(ValueError, match="unknown key") as info:
        from_dict(data)
    assert "in3" in str(info.value)
    assert "Learn instruction 1" in str(info.value)


def test_from_dict_malformed() -> None:
    with pytest.raises(ValueError, match="unknown op"):
        from_dict({"setup": [{"op": "SCALAR_FOO_OP", "out": 1}]})
    with pytest.raises(ValueError, match="Setup instruction 0"):
        from_dict({"setup": [{"out": 1}]})
    with pytest.raises(ValueError, match="Predict instruction 0"):
        from_dict({"predict": [{"op": "SCALAR_CONST_SET_OP", "out": 1}]})  # no data
    with pytest.raises(ValueError):
        from_dict({"setup": {"op": "NO_OP"}})
    with pytest.raises(ValueError):
        from_dict([])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="does not parse"):
        from_json("{not json")
    # Missing components are empty; names as in a config work.
    assert from_dict({"predict": [{"op": "vector_inner_product", "out": 1, "in2": 1}]}) == Algorithm(
        predict=(Instruction(Op.VECTOR_INNER_PRODUCT_OP, out=1, in1=0, in2=1),)
    )


def test_memory_size_limits() -> None:
    assert MemorySize() == MemorySize(4, 3, 1)
    for bad in [(1, 3, 1), (4, 0, 1), (4, 3, 0), (64, 3, 1), (4, 3, 64)]:
        with pytest.raises(ValueError):
            MemorySize(*bad)


def test_reads_and_writes() -> None:
    setup, predict, learn = make(
        setup=["v2[0.5] = 1.0"], predict=["s1 = dot(v0, v1)"], learn=["s3 = s3 * s0"]
    ).components()
    assert predict[1][0].reads == {(Kind.VECTOR, 0), (Kind.VECTOR, 1)} and predict[1][0].writes == (Kind.SCALAR, 1)
    assert learn[1][0].reads == {(Kind.SCALAR, 3), (Kind.SCALAR, 0)}
    assert setup[1][0].reads == {(Kind.VECTOR, 2)}  # an element write keeps the other elements
    assert Instruction(Op.NO_OP).writes is None and Instruction(Op.NO_OP).reads == set()
