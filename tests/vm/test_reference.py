"""The NumPy reference executor against hand-computed values, op group by op group."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from automl_zero.algorithm import (
    REFERENCE_LINEAR_REGRESSION,
    Algorithm,
    Instruction,
    MemorySize,
    make,
    parse_instruction,
)
from automl_zero.ops import OPS, Op
from automl_zero.tasks.base import EvalType, Task
from automl_zero.tasks.synthetic import linear_regression_tasks
from automl_zero.vm.reference import Memory, ReferenceExecutor, evaluate_task, execute, flip_and_squash, sigmoid
from automl_zero.vm.rng import SplitMix64

SIZE = MemorySize(8, 6, 4)


def run(text: str, memory: Memory, seed: int = 0, task_index: int = 0) -> None:
    """Execute one instruction written in the text form."""
    with np.errstate(all="ignore"):
        execute(parse_instruction(text), memory, SplitMix64(seed, task_index))


def scalars(*values: float, num_features: int = 2) -> Memory:
    memory = Memory(SIZE, num_features)
    memory.s[1 : 1 + len(values)] = values
    return memory


def scalar_result(text: str, *values: float) -> float:
    """Put ``values`` in s1, s2, ... and return s3 after running ``text`` (which writes s3)."""
    memory = scalars(*values)
    memory.s[3] = 12345.0  # must be overwritten
    run(text, memory)
    return float(memory.s[3])


# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------


def test_memory_shapes_and_zeros() -> None:
    memory = Memory(MemorySize(5, 3, 2), 4)
    assert memory.s.shape == (5,)
    assert memory.v.shape == (3, 4)
    assert memory.m.shape == (2, 4, 4)
    assert memory.num_features == 4
    assert not memory.s.any() and not memory.v.any() and not memory.m.any()


# ---------------------------------------------------------------------------
# Scalar arithmetic and functions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("s3 = s1 + s2", (1.5, -4.0), -2.5),
        ("s3 = s1 - s2", (1.5, -4.0), 5.5),
        ("s3 = s1 * s2", (1.5, -4.0), -6.0),
        ("s3 = s1 / s2", (1.5, -4.0), -0.375),
        ("s3 = abs(s1)", (-2.25,), 2.25),
        ("s3 = abs(s1)", (2.25,), 2.25),
        ("s3 = 1 / s1", (-4.0,), -0.25),
        ("s3 = sin(s1)", (math.pi / 2,), 1.0),
        ("s3 = sin(s1)", (0.0,), 0.0),
        ("s3 = cos(s1)", (0.0,), 1.0),
        ("s3 = cos(s1)", (math.pi,), -1.0),
        ("s3 = tan(s1)", (math.pi / 4,), 1.0),
        ("s3 = arcsin(s1)", (1.0,), math.pi / 2),
        ("s3 = arcsin(s1)", (-0.5,), -math.pi / 6),
        ("s3 = arccos(s1)", (-1.0,), math.pi),
        ("s3 = arccos(s1)", (0.5,), math.pi / 3),
        ("s3 = arctan(s1)", (1.0,), math.pi / 4),
        ("s3 = arctan(s1)", (-1e300,), -math.pi / 2),
        ("s3 = exp(s1)", (0.0,), 1.0),
        ("s3 = exp(s1)", (2.0,), math.e**2),
        ("s3 = log(s1)", (math.e,), 1.0),
        ("s3 = log(s1)", (1.0,), 0.0),
        ("s3 = minimum(s1, s2)", (3.0, -2.0), -2.0),
        ("s3 = minimum(s1, s2)", (-3.0, 2.0), -3.0),
        ("s3 = maximum(s1, s2)", (3.0, -2.0), 3.0),
        ("s3 = maximum(s1, s2)", (-3.0, 2.0), 2.0),
    ],
)
def test_scalar_ops(text: str, values: tuple[float, ...], expected: float) -> None:
    assert_allclose(scalar_result(text, *values), expected, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("s3 = s1 / s2", (1.0, 0.0), math.inf),
        ("s3 = s1 / s2", (-1.0, 0.0), -math.inf),
        ("s3 = s1 / s2", (0.0, 0.0), math.nan),
        ("s3 = 1 / s1", (0.0,), math.inf),
        ("s3 = log(s1)", (-1.0,), math.nan),
        ("s3 = log(s1)", (0.0,), -math.inf),
        ("s3 = exp(s1)", (1000.0,), math.inf),
        ("s3 = exp(s1)", (-1000.0,), 0.0),
        ("s3 = arcsin(s1)", (2.0,), math.nan),
        ("s3 = arccos(s1)", (-2.0,), math.nan),
        ("s3 = sin(s1)", (math.inf,), math.nan),
        ("s3 = cos(s1)", (math.inf,), math.nan),
        ("s3 = tan(s1)", (math.inf,), math.nan),
        ("s3 = s1 + s2", (math.inf, -math.inf), math.nan),
        ("s3 = s1 * s2", (1e300, 1e300), math.inf),
        ("s3 = abs(s1)", (-math.inf,), math.inf),
        ("s3 = exp(s1)", (math.nan,), math.nan),
        ("s3 = log(s1)", (math.inf,), math.inf),
    ],
)
def test_scalar_ieee_cases(text: str, values: tuple[float, ...], expected: float) -> None:
    result = scalar_result(text, *values)
    if math.isnan(expected):
        assert math.isnan(result)
    else:
        assert result == expected


def test_scalar_ieee_cases_do_not_raise_even_with_numpy_errors_off() -> None:
    # execute() must never raise, whatever numpy's error state says about warnings.
    memory = scalars(-1.0, 0.0)
    with np.errstate(all="ignore"):
        for text in ["s3 = log(s1)", "s4 = log(s2)", "s5 = s1 / s2", "s6 = exp(s3)", "s7 = arcsin(s1)"]:
            execute(parse_instruction(text), memory, SplitMix64(0))
    assert math.isnan(memory.s[3])
    assert memory.s[4] == -math.inf
    assert memory.s[5] == -math.inf
    assert math.isnan(memory.s[6])
    assert memory.s[7] == -math.pi / 2


@pytest.mark.parametrize(
    ("x", "expected"), [(0.0, 1.0), (-0.0, 1.0), (2.0, 1.0), (1e-300, 1.0), (-1e-300, 0.0), (-3.0, 0.0)]
)
def test_scalar_heaviside_is_one_at_zero(x: float, expected: float) -> None:
    assert scalar_result("s3 = heaviside(s1, 1.0)", x) == expected


def test_vector_and_matrix_heaviside_are_zero_at_zero() -> None:
    memory = Memory(SIZE, 3)
    memory.v[1] = [0.0, 2.0, -1.0]
    memory.m[1] = [[0.0, 1.0, -1.0], [-0.0, 1e-300, -1e-300], [5.0, 0.0, -5.0]]
    run("v2 = heaviside(v1, 1.0)", memory)
    run("m2 = heaviside(m1, 1.0)", memory)
    assert_array_equal(memory.v[2], [0.0, 1.0, 0.0])
    assert_array_equal(memory.m[2], [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])


def test_min_max_with_nan_follow_std_min_max() -> None:
    # std::min(a, b) = b < a ? b : a; std::max(a, b) = a < b ? b : a.
    assert math.isnan(scalar_result("s3 = minimum(s1, s2)", math.nan, 1.0))
    assert scalar_result("s3 = minimum(s1, s2)", 1.0, math.nan) == 1.0
    assert math.isnan(scalar_result("s3 = maximum(s1, s2)", math.nan, 1.0))
    assert scalar_result("s3 = maximum(s1, s2)", 1.0, math.nan) == 1.0


def test_output_may_alias_inputs() -> None:
    memory = scalars(3.0, 4.0)
    run("s1 = s1 * s1", memory)
    assert memory.s[1] == 9.0
    run("s2 = s2 - s2", memory)
    assert memory.s[2] == 0.0


# ---------------------------------------------------------------------------
# Elementwise vector and matrix ops
# ---------------------------------------------------------------------------

A = np.array([1.0, -2.0, 4.0])
B = np.array([2.0, 0.5, -8.0])
MA = np.array([[1.0, -2.0, 3.0], [4.0, 0.5, -6.0], [-7.0, 8.0, 0.25]])
MB = np.array([[2.0, 2.0, -1.0], [0.5, 4.0, 3.0], [1.0, -4.0, 0.5]])


def vectors_and_matrices() -> Memory:
    memory = Memory(SIZE, 3)
    memory.v[1] = A
    memory.v[2] = B
    memory.m[1] = MA
    memory.m[2] = MB
    return memory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v3 = v1 + v2", [3.0, -1.5, -4.0]),
        ("v3 = v1 - v2", [-1.0, -2.5, 12.0]),
        ("v3 = v1 * v2", [2.0, -1.0, -32.0]),
        ("v3 = v1 / v2", [0.5, -4.0, -0.5]),
        ("v3 = 1 / v1", [1.0, -0.5, 0.25]),
        ("v3 = abs(v1)", [1.0, 2.0, 4.0]),
        ("v3 = minimum(v1, v2)", [1.0, -2.0, -8.0]),
        ("v3 = maximum(v1, v2)", [2.0, 0.5, 4.0]),
    ],
)
def test_vector_elementwise(text: str, expected: list[float]) -> None:
    memory = vectors_and_matrices()
    run(text, memory)
    assert_array_equal(memory.v[3], expected)
    assert_array_equal(memory.v[1], A)  # inputs untouched
    assert_array_equal(memory.v[2], B)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("m3 = m1 + m2", [[3.0, 0.0, 2.0], [4.5, 4.5, -3.0], [-6.0, 4.0, 0.75]]),
        ("m3 = m1 - m2", [[-1.0, -4.0, 4.0], [3.5, -3.5, -9.0], [-8.0, 12.0, -0.25]]),
        ("m3 = m1 * m2", [[2.0, -4.0, -3.0], [2.0, 2.0, -18.0], [-7.0, -32.0, 0.125]]),
        ("m3 = m1 / m2", [[0.5, -1.0, -3.0], [8.0, 0.125, -2.0], [-7.0, -2.0, 0.5]]),
        ("m3 = 1 / m2", [[0.5, 0.5, -1.0], [2.0, 0.25, 1 / 3], [1.0, -0.25, 2.0]]),
        ("m3 = abs(m1)", [[1.0, 2.0, 3.0], [4.0, 0.5, 6.0], [7.0, 8.0, 0.25]]),
        ("m3 = minimum(m1, m2)", [[1.0, -2.0, -1.0], [0.5, 0.5, -6.0], [-7.0, -4.0, 0.25]]),
        ("m3 = maximum(m1, m2)", [[2.0, 2.0, 3.0], [4.0, 4.0, 3.0], [1.0, 8.0, 0.5]]),
    ],
)
def test_matrix_elementwise(text: str, expected: list[list[float]]) -> None:
    memory = vectors_and_matrices()
    run(text, memory)
    assert_array_equal(memory.m[3], expected)
    assert_array_equal(memory.m[1], MA)
    assert_array_equal(memory.m[2], MB)


def test_elementwise_ieee() -> None:
    memory = Memory(SIZE, 3)
    memory.v[1] = [1.0, 0.0, -1.0]
    memory.m[1] = [[0.0, -0.0, 2.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    run("v2 = 1 / v1", memory)
    run("v3 = v1 / v1", memory)
    run("m2 = 1 / m1", memory)
    assert_array_equal(memory.v[2], [1.0, math.inf, -1.0])
    assert_array_equal(memory.v[3], [1.0, math.nan, 1.0])
    assert_array_equal(memory.m[2][0], [math.inf, -math.inf, 0.5])


# ---------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------


def test_scalar_vector_and_scalar_matrix_product() -> None:
    memory = vectors_and_matrices()
    memory.s[4] = -2.0
    run("v3 = s4 * v1", memory)
    run("m3 = s4 * m2", memory)
    assert_array_equal(memory.v[3], [-2.0, 4.0, -8.0])
    assert_array_equal(memory.m[3], -2.0 * MB)
    # Written vector-first, the same op.
    memory.v[3] = 0.0
    run("v3 = v2 * s4", memory)
    assert_array_equal(memory.v[3], [-4.0, -1.0, 16.0])


def test_dot_and_outer() -> None:
    memory = vectors_and_matrices()
    run("s3 = dot(v1, v2)", memory)
    assert memory.s[3] == 2.0 - 1.0 - 32.0
    run("m3 = outer(v1, v2)", memory)
    assert_array_equal(
        memory.m[3],
        [[2.0, 0.5, -8.0], [-4.0, -1.0, 16.0], [8.0, 2.0, -32.0]],
    )
    run("m0 = outer(v2, v1)", memory)
    assert_array_equal(memory.m[0], memory.m[3].T)


def test_matrix_vector_product_is_row_times_vector() -> None:
    memory = Memory(SIZE, 2)
    memory.m[1] = [[1.0, 2.0], [3.0, 4.0]]  # m[i, j]: row i, column j
    memory.v[1] = [5.0, 6.0]
    run("v2 = dot(m1, v1)", memory)
    assert_array_equal(memory.v[2], [1 * 5 + 2 * 6, 3 * 5 + 4 * 6])  # [17, 39]
    # The @ alias runs the same op.
    run("v3 = m1 @ v1", memory)
    assert_array_equal(memory.v[3], [17.0, 39.0])


def test_matrix_vector_product_3x3() -> None:
    memory = vectors_and_matrices()
    run("v3 = dot(m1, v1)", memory)
    # row 0: 1*1 + -2*-2 + 3*4 = 17; row 1: 4 - 1 - 24 = -21; row 2: -7 - 16 + 1 = -22
    assert_array_equal(memory.v[3], [17.0, -21.0, -22.0])


def test_matmul() -> None:
    memory = Memory(SIZE, 2)
    memory.m[1] = [[1.0, 2.0], [3.0, 4.0]]
    memory.m[2] = [[5.0, 6.0], [7.0, 8.0]]
    run("m3 = matmul(m1, m2)", memory)
    assert_array_equal(memory.m[3], [[19.0, 22.0], [43.0, 50.0]])
    run("m0 = matmul(m2, m1)", memory)
    assert_array_equal(memory.m[0], [[23.0, 34.0], [31.0, 46.0]])
    # In place: m1 = m1 @ m1 reads the old m1 fully.
    run("m1 = m1 @ m1", memory)
    assert_array_equal(memory.m[1], [[7.0, 10.0], [15.0, 22.0]])


def test_transpose() -> None:
    memory = vectors_and_matrices()
    run("m3 = transpose(m1)", memory)
    assert_array_equal(memory.m[3], [[1.0, 4.0, -7.0], [-2.0, 0.5, 8.0], [3.0, -6.0, 0.25]])
    run("m1 = transpose(m1)", memory)  # in place
    assert_array_equal(memory.m[1], memory.m[3])


def test_norms() -> None:
    memory = Memory(SIZE, 2)
    memory.v[1] = [3.0, -4.0]
    memory.m[1] = [[3.0, 0.0], [4.0, -1.0]]  # columns (3, 4) and (0, -1); rows (3, 0) and (4, -1)
    run("s3 = norm(v1)", memory)
    run("s4 = norm(m1)", memory)
    run("v2 = norm(m1, axis=0)", memory)
    run("v3 = norm(m1, axis=1)", memory)
    assert memory.s[3] == 5.0
    assert_allclose(memory.s[4], math.sqrt(26.0), rtol=1e-15)
    assert_array_equal(memory.v[2], [5.0, 1.0])  # per column
    assert_allclose(memory.v[3], [3.0, math.sqrt(17.0)], rtol=1e-15)  # per row


def test_broadcasts() -> None:
    memory = Memory(SIZE, 3)
    memory.v[1] = [1.0, 2.0, 3.0]
    memory.s[2] = -1.5
    run("m1 = bcast(v1, axis=0)", memory)
    run("m2 = bcast(v1, axis=1)", memory)
    run("v2 = bcast(s2)", memory)
    # axis=0: m[i, j] = v[i] (every column is the vector).
    assert_array_equal(memory.m[1], [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])
    # axis=1: m[i, j] = v[j] (every row is the vector).
    assert_array_equal(memory.m[2], [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    assert_array_equal(memory.v[2], [-1.5, -1.5, -1.5])


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def test_vector_mean_and_std() -> None:
    memory = Memory(SIZE, 4)
    memory.v[1] = [1.0, 2.0, 3.0, 6.0]
    run("s3 = mean(v1)", memory)
    run("s4 = std(v1)", memory)
    assert memory.s[3] == 3.0
    # Population std: E[x^2] = 50/4 = 12.5, mean^2 = 9.
    assert_allclose(memory.s[4], math.sqrt(3.5), rtol=1e-15)


def test_std_of_constant_is_zero() -> None:
    memory = Memory(SIZE, 3)
    memory.v[1] = [2.0, 2.0, 2.0]
    run("s3 = std(v1)", memory)
    assert memory.s[3] == 0.0


def test_matrix_mean_and_std() -> None:
    memory = Memory(SIZE, 2)
    memory.m[1] = [[1.0, 3.0], [5.0, 7.0]]
    run("s3 = mean(m1)", memory)
    run("s4 = std(m1)", memory)
    assert memory.s[3] == 4.0
    # E[x^2] = (1 + 9 + 25 + 49) / 4 = 21, mean^2 = 16.
    assert_allclose(memory.s[4], math.sqrt(5.0), rtol=1e-15)


def test_matrix_row_mean_and_std() -> None:
    memory = Memory(SIZE, 3)
    memory.m[1] = [[1.0, 2.0, 3.0], [0.0, 0.0, 6.0], [-4.0, -4.0, -4.0]]
    run("v1 = mean(m1, axis=1)", memory)
    run("v2 = std(m1, axis=1)", memory)
    assert_array_equal(memory.v[1], [2.0, 2.0, -4.0])
    # row 0: E[x^2] = 14/3, mean^2 = 4 -> 2/3; row 1: 36/3 - 4 = 8; row 2: 16 - 16 = 0.
    assert_allclose(memory.v[2], [math.sqrt(2.0 / 3.0), math.sqrt(8.0), 0.0], rtol=1e-14, atol=0)


# ---------------------------------------------------------------------------
# Setters
# ---------------------------------------------------------------------------


def test_scalar_constant() -> None:
    memory = Memory(SIZE, 2)
    run("s2 = -1.0", memory)
    run("s3 = 0.001", memory)
    assert memory.s[2] == -1.0
    assert memory.s[3] == 0.001


@pytest.mark.parametrize(
    ("fraction", "element"),
    [
        (0.0, 0),
        (0.2, 0),
        (0.33, 0),
        (1 / 3, 1),
        (0.5, 1),
        (0.66, 1),
        (0.67, 2),
        (0.999, 2),
        (math.nextafter(1.0, 0.0), 2),
    ],
)
def test_vector_constant_index(fraction: float, element: int) -> None:
    memory = Memory(SIZE, 3)
    memory.v[1] = [7.0, 8.0, 9.0]
    execute(Instruction(Op.VECTOR_CONST_SET_OP, out=1, data=(fraction, -2.5)), memory, SplitMix64(0))
    expected = [7.0, 8.0, 9.0]
    expected[element] = -2.5
    assert_array_equal(memory.v[1], expected)  # only one element written


def test_matrix_constant_index() -> None:
    memory = Memory(SIZE, 2)
    memory.m[1] = [[1.0, 2.0], [3.0, 4.0]]
    run("m1[0.75, 0.25] = 9.0", memory)  # row int(1.5) = 1, column int(0.5) = 0
    assert_array_equal(memory.m[1], [[1.0, 2.0], [9.0, 4.0]])
    run("m1[0.0, 0.99] = -9.0", memory)  # row 0, column 1
    assert_array_equal(memory.m[1], [[1.0, -9.0], [9.0, 4.0]])


def test_index_with_one_feature() -> None:
    memory = Memory(SIZE, 1)
    run("v1[0.99] = 5.0", memory)
    run("m0[0.5, 0.9] = 6.0", memory)
    assert_array_equal(memory.v[1], [5.0])
    assert_array_equal(memory.m[0], [[6.0]])


def _written(text: str, memory: Memory) -> np.ndarray:
    """The values at address 3 of the kind ``text`` writes, flattened."""
    return np.ravel({"s": memory.s, "v": memory.v, "m": memory.m}[text[0]][3])


@pytest.mark.parametrize(
    "text",
    [
        "s3 = uniform(-2.0, 3.0)",
        "v3 = uniform(-2.0, 3.0, n_features)",
        "m3 = uniform(-2.0, 3.0, (n_features, n_features))",
    ],
)
def test_uniform_in_range(text: str) -> None:
    values: list[float] = []
    for seed in range(30):
        memory = Memory(SIZE, 3)
        run(text, memory, seed=seed)
        values.extend(_written(text, memory).tolist())
    draws = np.array(values)
    assert np.all(draws >= -2.0)
    assert np.all(draws < 3.0)
    assert len(set(draws.tolist())) == len(draws)  # not constant
    assert draws.min() < -1.0 and draws.max() > 2.0  # spread over the range


def test_uniform_values_are_the_stream_in_row_major_order() -> None:
    memory = Memory(SIZE, 2)
    rng = SplitMix64(7, 1)
    execute(parse_instruction("m1 = uniform(-1.0, 1.0, (n_features, n_features))"), memory, rng)
    execute(parse_instruction("v1 = uniform(0.0, 10.0, n_features)"), memory, rng)
    execute(parse_instruction("s3 = uniform(5.0, 6.0)"), memory, rng)
    check = SplitMix64(7, 1)
    expected_m = [check.uniform(-1.0, 1.0) for _ in range(4)]
    expected_v = [check.uniform(0.0, 10.0) for _ in range(2)]
    assert_array_equal(memory.m[1], np.array(expected_m).reshape(2, 2))
    assert_array_equal(memory.v[1], expected_v)
    assert memory.s[3] == check.uniform(5.0, 6.0)


def test_uniform_with_equal_bounds_is_the_bound() -> None:
    memory = Memory(SIZE, 3)
    run("v1 = uniform(0.5, 0.5, n_features)", memory)
    assert_array_equal(memory.v[1], [0.5, 0.5, 0.5])


@pytest.mark.parametrize(
    "text",
    [
        "s3 = gaussian(1.25, 0.0)",
        "v3 = gaussian(1.25, 0.0, n_features)",
        "m3 = gaussian(1.25, 0.0, (n_features, n_features))",
    ],
)
def test_gaussian_with_zero_std_is_the_mean(text: str) -> None:
    for seed in range(5):
        memory = Memory(SIZE, 3)
        run(text, memory, seed=seed)
        values = _written(text, memory)
        assert values.size in (1, 3, 9)
        assert np.all(values == 1.25)


def test_gaussian_moments() -> None:
    memory = Memory(SIZE, 40)
    run("m1 = gaussian(2.0, 0.5, (n_features, n_features))", memory, seed=3)
    draws = memory.m[1].ravel()  # 1600 draws
    assert abs(draws.mean() - 2.0) < 0.1
    assert abs(draws.std() - 0.5) < 0.05
    assert len(set(draws.tolist())) == draws.size


@pytest.mark.parametrize(
    "text",
    [
        "s3 = uniform(-1.0, 1.0)",
        "v3 = uniform(-1.0, 1.0, n_features)",
        "m3 = uniform(-1.0, 1.0, (n_features, n_features))",
        "s3 = gaussian(0.0, 1.0)",
        "v3 = gaussian(0.0, 1.0, n_features)",
        "m3 = gaussian(0.0, 1.0, (n_features, n_features))",
    ],
)
def test_random_draws_depend_on_seed_and_task_index(text: str) -> None:
    def draw(seed: int, task_index: int) -> np.ndarray:
        memory = Memory(SIZE, 3)
        run(text, memory, seed=seed, task_index=task_index)
        return np.concatenate([memory.s, memory.v.ravel(), memory.m.ravel()])

    assert_array_equal(draw(4, 0), draw(4, 0))
    assert_array_equal(draw(4, 2), draw(4, 2))
    assert not np.array_equal(draw(4, 0), draw(4, 1))
    assert not np.array_equal(draw(4, 0), draw(5, 0))


def test_no_op_changes_nothing() -> None:
    memory = vectors_and_matrices()
    memory.s[:] = np.arange(8.0)
    before = (memory.s.copy(), memory.v.copy(), memory.m.copy())
    run("NoOp()", memory)
    assert_array_equal(memory.s, before[0])
    assert_array_equal(memory.v, before[1])
    assert_array_equal(memory.m, before[2])


def test_every_op_writes_only_its_output() -> None:
    # Run every op once on random memory: only the output address may change, and nothing raises.
    rng = np.random.default_rng(0)
    for row in OPS:
        memory = Memory(SIZE, 3)
        memory.s[:] = rng.uniform(-2, 2, memory.s.shape)
        memory.v[:] = rng.uniform(-2, 2, memory.v.shape)
        memory.m[:] = rng.uniform(-2, 2, memory.m.shape)
        before = {"s": memory.s.copy(), "v": memory.v.copy(), "m": memory.m.copy()}
        data = tuple(0.5 for _ in row.params)
        out = 0 if row.out is None else 3
        instruction = Instruction(
            row.op, out=out, in1=1 if row.inputs else 0, in2=2 if len(row.inputs) > 1 else 0, data=data
        )
        with np.errstate(all="ignore"):
            execute(instruction, memory, SplitMix64(0))
        for prefix in "svm":
            after = getattr(memory, prefix).copy()
            original = before[prefix]
            if row.out is not None and row.out.prefix == prefix:
                after = np.delete(after, 3, axis=0)
                original = np.delete(original, 3, axis=0)
            assert_array_equal(after, original, err_msg=row.name)


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def test_flip_and_squash_and_sigmoid() -> None:
    assert flip_and_squash(0.0) == 1.0
    assert_allclose(flip_and_squash(1.0), 0.5, rtol=1e-15)
    assert flip_and_squash(math.nan) == 0.0
    assert flip_and_squash(math.inf) == 0.0
    assert sigmoid(0.0) == 0.5
    assert_allclose(sigmoid(2.0), 1 / (1 + math.exp(-2.0)), rtol=1e-15)
    assert sigmoid(-1000.0) == 0.0
    assert sigmoid(1000.0) == 1.0


@pytest.mark.slow
def test_reference_linear_regression_solves_linear_regression() -> None:
    # Learning rate 0.001 shrinks each weight error by about 0.1% per SGD step at unit feature
    # variance: 1000 steps leave ~e^-1 of it, so reaching 0.9999 takes ~10 passes over the data.
    size = MemorySize(5, 3, 1)
    one = linear_regression_tasks(3, 4, num_train=1000, num_valid=100, seed=5)
    many = linear_regression_tasks(3, 4, num_train=1000, num_valid=100, seed=5, num_epochs=12)
    one_epoch = ReferenceExecutor(one, size).task_fitnesses(REFERENCE_LINEAR_REGRESSION)
    executor = ReferenceExecutor(many, size)
    fitnesses = executor.task_fitnesses(REFERENCE_LINEAR_REGRESSION)
    assert fitnesses.shape == (3,)
    assert np.all((one_epoch > 0.5) & (one_epoch < 0.9)), one_epoch  # learning, not yet converged
    assert np.all(fitnesses > 0.9999), fitnesses
    assert_allclose(executor.evaluate(REFERENCE_LINEAR_REGRESSION), fitnesses.mean(), rtol=1e-15)


def test_predicting_zero_scores_the_squashed_rms() -> None:
    # Predicting nothing (s1 stays 0) on y = w.x: fitness is flip_and_squash of the RMS of y.
    task = linear_regression_tasks(1, 3, num_train=5, num_valid=20, seed=1)[0]
    algorithm = make(predict=["s3 = s2 + s2"])
    rms = math.sqrt(float(np.mean(task.valid_y**2)))
    assert_allclose(evaluate_task(algorithm, task, MemorySize(4, 3, 1)), 1 - (2 / math.pi) * math.atan(rms), rtol=1e-12)


def test_on_learn_watches_every_learn() -> None:
    # A learning rate halved on every example: 3 examples x 2 epochs = 6 calls, in order.
    task = linear_regression_tasks(1, 3, num_train=3, num_valid=4, seed=2, num_epochs=2)[0]
    algorithm = make(
        setup=["s2 = 0.8", "s3 = 0.5"],
        predict=["s1 = dot(v0, v1)"],
        learn=["s4 = s0 - s1", "s4 = s4 * s2", "v2 = s4 * v0", "v1 = v1 + v2", "s2 = s2 * s3"],
    )
    seen: list[float] = []
    fitness = evaluate_task(algorithm, task, MemorySize(5, 3, 1), on_learn=lambda memory: seen.append(memory.s[2]))
    assert seen == [0.8 * 0.5**k for k in range(1, 7)]
    assert fitness == evaluate_task(algorithm, task, MemorySize(5, 3, 1))  # watching changes nothing


def test_constant_prediction_hand_computed() -> None:
    task = Task(np.zeros((2, 1)), np.array([0.0, 0.0]), np.zeros((2, 1)), np.array([0.0, 1.0]))
    algorithm = make(predict=["s1 = 0.5"])
    # Validation errors -0.5 and 0.5: RMS 0.5.
    expected = 1.0 - (2.0 / math.pi) * math.atan(0.5)
    assert_allclose(evaluate_task(algorithm, task, MemorySize(4, 3, 1)), expected, rtol=1e-15)


def test_nan_prediction_scores_zero() -> None:
    tasks = linear_regression_tasks(2, 4, num_train=20, num_valid=10, seed=0)
    algorithm = make(setup=["s2 = -1.0"], predict=["s1 = log(s2)"], learn=["s3 = s0 - s1"])
    executor = ReferenceExecutor(tasks, MemorySize(4, 3, 1))
    assert_array_equal(executor.task_fitnesses(algorithm), [0.0, 0.0])
    assert executor.evaluate(algorithm) == 0.0


def test_far_off_prediction_scores_zero() -> None:
    tasks = linear_regression_tasks(2, 4, num_train=20, num_valid=10, seed=0)
    algorithm = make(predict=["s1 = 1000.0"])
    executor = ReferenceExecutor(tasks, MemorySize(4, 3, 1))
    assert_array_equal(executor.task_fitnesses(algorithm), [0.0, 0.0])
    # With a larger threshold the same algorithm gets a small positive fitness.
    lenient = ReferenceExecutor(tasks, MemorySize(4, 3, 1), max_abs_error=1e6)
    assert np.all(lenient.task_fitnesses(algorithm) > 0.0)
    assert np.all(lenient.task_fitnesses(algorithm) < 0.01)


def test_error_in_validation_only_scores_zero() -> None:
    # Training labels are close to the prediction, one validation label is far off.
    task = Task(np.zeros((2, 1)), np.array([0.0, 0.0]), np.zeros((3, 1)), np.array([0.0, 500.0, 0.0]))
    assert evaluate_task(make(predict=["s1 = 0.0"]), task, MemorySize(4, 3, 1)) == 0.0


def _walking_task(num_epochs: int) -> Task:
    return Task(np.zeros((1, 1)), np.array([0.0]), np.zeros((1, 1)), np.array([0.0]), num_epochs=num_epochs)


# s3 starts at -1 and each Learn adds 0.5; Predict outputs s3. Labels are all 0.
WALKING = make(setup=["s3 = -1.0", "s2 = 0.5"], predict=["s1 = s3 + s4"], learn=["s3 = s3 + s2"])


def test_multi_epoch_takes_the_best_epoch() -> None:
    memory = MemorySize(5, 3, 1)
    squash = lambda error: 1.0 - (2.0 / math.pi) * math.atan(abs(error))  # noqa: E731
    # After epoch 1, s3 = -0.5; after 2, 0.0; after 3, 0.5 (validation predicts s3).
    per_epoch = [squash(-0.5), squash(0.0), squash(0.5)]
    assert per_epoch[1] == 1.0
    assert_allclose(evaluate_task(WALKING, _walking_task(1), memory), per_epoch[0], rtol=1e-15)
    assert evaluate_task(WALKING, _walking_task(2), memory) == 1.0
    assert evaluate_task(WALKING, _walking_task(3), memory) == max(per_epoch) == 1.0
    # Epoch 4 would predict 1.0, worse again: still the best.
    assert evaluate_task(WALKING, _walking_task(4), memory) == 1.0


def test_multi_epoch_matches_manual_loop() -> None:
    task = linear_regression_tasks(1, 3, num_train=30, num_valid=10, seed=2, num_epochs=3)[0]
    algorithm = Algorithm(
        setup=(parse_instruction("s2 = 0.05"),),
        predict=REFERENCE_LINEAR_REGRESSION.predict,
        learn=REFERENCE_LINEAR_REGRESSION.learn,
    )
    size = MemorySize(5, 3, 1)
    memory = Memory(size, 3)
    rng = SplitMix64(0)
    for instruction in algorithm.setup:
        execute(instruction, memory, rng)
    fitnesses = []
    orders = task.epoch_orders()
    # The first epoch keeps the stored order; the later ones reshuffle it, each differently.
    assert (orders[0] == np.arange(30)).all() and not (orders[1] == orders[0]).all()
    assert not (orders[2] == orders[1]).all() and all(sorted(order) == list(range(30)) for order in orders)
    for order in orders:
        for x, y in zip(task.train_x[order], task.train_y[order], strict=True):
            memory.v[0] = x
            memory.s[0] = 0.0
            for instruction in algorithm.predict:
                execute(instruction, memory, rng)
            memory.s[0] = y
            for instruction in algorithm.learn:
                execute(instruction, memory, rng)
        errors = []
        for x, y in zip(task.valid_x, task.valid_y, strict=True):
            memory.v[0] = x
            memory.s[0] = 0.0
            for instruction in algorithm.predict:
                execute(instruction, memory, rng)
            errors.append(y - memory.s[1])
        fitnesses.append(1.0 - (2.0 / math.pi) * math.atan(math.sqrt(np.mean(np.square(errors)))))
    assert fitnesses[0] < fitnesses[1] < fitnesses[2]  # SGD keeps improving here
    result = evaluate_task(algorithm, task, size)
    assert_allclose(result, max(fitnesses), rtol=1e-12)
    one_epoch = linear_regression_tasks(1, 3, num_train=30, num_valid=10, seed=2, num_epochs=1)[0]
    assert_allclose(evaluate_task(algorithm, one_epoch, size), fitnesses[0], rtol=1e-12)
    assert result > evaluate_task(algorithm, one_epoch, size)


def test_divergence_in_a_later_epoch_keeps_the_best_completed_epoch() -> None:
    # Prediction grows by 30 per training example; labels are 0; threshold 100.
    task = Task(np.zeros((1, 1)), np.array([0.0]), np.zeros((1, 1)), np.array([0.0]), num_epochs=10)
    algorithm = make(setup=["s2 = 30.0"], predict=["s1 = s3 + s4"], learn=["s3 = s3 + s2"])
    # Epoch 1 validates at 30, epoch 2 at 60, epoch 3 at 90, epoch 4 trains at 90 then validates
    # at 120 (> 100: that epoch scores 0), epoch 5 stops training at 120. Best: epoch 1.
    expected = 1.0 - (2.0 / math.pi) * math.atan(30.0)
    assert_allclose(evaluate_task(algorithm, task, MemorySize(5, 3, 1)), expected, rtol=1e-15)


def test_binary_classification_accuracy() -> None:
    # Predict s1 = x[0] (v1 = e0); class 1 when sigmoid(s1) > 0.5, i.e. s1 > 0.
    valid_x = np.array([[2.0, 9.0], [-1.0, 9.0], [0.5, -9.0], [-3.0, 0.0], [4.0, 1.0], [0.0, 5.0]])
    valid_y = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0])
    # Correct: 2 -> 1 yes; -1 -> 0 no; 0.5 -> 1 no; -3 -> 0 yes; 4 -> 1 yes; 0 -> sigmoid 0.5 -> 0 yes.
    train_x = np.array([[1.0, 0.0], [-1.0, 0.0]])
    train_y = np.array([1.0, 0.0])
    task = Task(train_x, train_y, valid_x, valid_y, eval_type=EvalType.ACCURACY)
    algorithm = make(setup=["v1[0.0] = 1.0"], predict=["s1 = dot(v0, v1)"])
    assert_allclose(evaluate_task(algorithm, task, MemorySize(4, 3, 1)), 4.0 / 6.0, rtol=1e-15)
    # Flipping the sign of the weight flips every decision except the tie at 0.
    flipped = make(setup=["v1[0.0] = -1.0"], predict=["s1 = dot(v0, v1)"])
    assert_allclose(evaluate_task(flipped, task, MemorySize(4, 3, 1)), 3.0 / 6.0, rtol=1e-15)


def test_classification_with_huge_prediction_is_not_an_error() -> None:
    # sigmoid squashes into [0, 1], so |y - sigmoid(s1)| <= 1 never stops training.
    task = Task(
        np.array([[1.0]]), np.array([0.0]), np.array([[1.0], [-1.0]]), np.array([1.0, 0.0]), eval_type=EvalType.ACCURACY
    )
    algorithm = make(setup=["v1[0.0] = 1e6"], predict=["s1 = dot(v0, v1)"])
    assert evaluate_task(algorithm, task, MemorySize(4, 3, 1)) == 1.0


def test_executor_seed_reaches_random_ops() -> None:
    tasks = [Task(np.zeros((1, 1)), np.array([0.0]), np.zeros((1, 1)), np.array([0.0])) for _ in range(2)]
    algorithm = make(setup=["s3 = uniform(-1.0, 1.0)"], predict=["s1 = s3 + s4"])
    a = ReferenceExecutor(tasks, MemorySize(5, 3, 1), seed=1).task_fitnesses(algorithm)
    b = ReferenceExecutor(tasks, MemorySize(5, 3, 1), seed=1).task_fitnesses(algorithm)
    c = ReferenceExecutor(tasks, MemorySize(5, 3, 1), seed=2).task_fitnesses(algorithm)
    assert_array_equal(a, b)
    assert a[0] != a[1]  # each task its own stream
    assert not np.array_equal(a, c)
    # The value predicted is the first uniform draw of stream (seed, task index).
    for i in range(2):
        value = SplitMix64(1, i).uniform(-1.0, 1.0)
        assert_allclose(a[i], 1.0 - (2.0 / math.pi) * math.atan(abs(value)), rtol=1e-15)


def test_executor_rejects_invalid_algorithms_and_empty_task_lists() -> None:
    tasks = linear_regression_tasks(1, 2, num_train=2, num_valid=2)
    with pytest.raises(ValueError, match="s4"):
        ReferenceExecutor(tasks, MemorySize(4, 3, 1)).evaluate(REFERENCE_LINEAR_REGRESSION)
    with pytest.raises(ValueError):
        ReferenceExecutor([], MemorySize(4, 3, 1))
