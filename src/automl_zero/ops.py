"""The one table of the 65 ops (OP0..OP64 of the paper).

Every other module (printer, parser, executors, mutator, liveness analysis)
reads :data:`OPS`; adding an op is one row here plus one kernel in each
executor. Numbers and names are the original implementation's, so configs and
algorithms written for it map one to one.

Each op reads up to two inputs (``in1``, ``in2``), writes one output (``out``)
and may carry up to three real parameters (``d0``, ``d1``, ``d2``): a constant,
an index given as a fraction of the feature size, or the parameters of a random
distribution.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.IntEnum):
    """Kind of a memory address: scalar ``s``, vector ``v`` or matrix ``m``."""

    SCALAR = 0
    VECTOR = 1
    MATRIX = 2

    @property
    def prefix(self) -> str:
        """The letter that names addresses of this kind in the text form."""
        return "svm"[self]


S, V, M = Kind.SCALAR, Kind.VECTOR, Kind.MATRIX


class Op(enum.IntEnum):
    """Op numbers, exactly as in the original's ``instruction.proto``."""

    NO_OP = 0
    SCALAR_SUM_OP = 1
    SCALAR_DIFF_OP = 2
    SCALAR_PRODUCT_OP = 3
    SCALAR_DIVISION_OP = 4
    SCALAR_ABS_OP = 5
    SCALAR_RECIPROCAL_OP = 6
    SCALAR_SIN_OP = 7
    SCALAR_COS_OP = 8
    SCALAR_TAN_OP = 9
    SCALAR_ARCSIN_OP = 10
    SCALAR_ARCCOS_OP = 11
    SCALAR_ARCTAN_OP = 12
    SCALAR_EXP_OP = 13
    SCALAR_LOG_OP = 14
    SCALAR_HEAVYSIDE_OP = 15
    VECTOR_HEAVYSIDE_OP = 16
    MATRIX_HEAVYSIDE_OP = 17
    SCALAR_VECTOR_PRODUCT_OP = 18
    SCALAR_BROADCAST_OP = 19
    VECTOR_RECIPROCAL_OP = 20
    VECTOR_NORM_OP = 21
    VECTOR_ABS_OP = 22
    VECTOR_SUM_OP = 23
    VECTOR_DIFF_OP = 24
    VECTOR_PRODUCT_OP = 25
    VECTOR_DIVISION_OP = 26
    VECTOR_INNER_PRODUCT_OP = 27
    VECTOR_OUTER_PRODUCT_OP = 28
    SCALAR_MATRIX_PRODUCT_OP = 29
    MATRIX_RECIPROCAL_OP = 30
    MATRIX_VECTOR_PRODUCT_OP = 31
    VECTOR_COLUMN_BROADCAST_OP = 32
    VECTOR_ROW_BROADCAST_OP = 33
    MATRIX_NORM_OP = 34
    MATRIX_COLUMN_NORM_OP = 35
    MATRIX_ROW_NORM_OP = 36
    MATRIX_TRANSPOSE_OP = 37
    MATRIX_ABS_OP = 38
    MATRIX_SUM_OP = 39
    MATRIX_DIFF_OP = 40
    MATRIX_PRODUCT_OP = 41
    MATRIX_DIVISION_OP = 42
    MATRIX_MATRIX_PRODUCT_OP = 43
    SCALAR_MIN_OP = 44
    VECTOR_MIN_OP = 45
    MATRIX_MIN_OP = 46
    SCALAR_MAX_OP = 47
    VECTOR_MAX_OP = 48
    MATRIX_MAX_OP = 49
    VECTOR_MEAN_OP = 50
    MATRIX_MEAN_OP = 51
    MATRIX_ROW_MEAN_OP = 52
    MATRIX_ROW_ST_DEV_OP = 53
    VECTOR_ST_DEV_OP = 54
    MATRIX_ST_DEV_OP = 55
    SCALAR_CONST_SET_OP = 56
    VECTOR_CONST_SET_OP = 57
    MATRIX_CONST_SET_OP = 58
    SCALAR_UNIFORM_SET_OP = 59
    VECTOR_UNIFORM_SET_OP = 60
    MATRIX_UNIFORM_SET_OP = 61
    SCALAR_GAUSSIAN_SET_OP = 62
    VECTOR_GAUSSIAN_SET_OP = 63
    MATRIX_GAUSSIAN_SET_OP = 64


class Param(enum.Enum):
    """Meaning of a real parameter slot of an instruction."""

    VALUE = "value"  # a constant written to memory
    INDEX = "index"  # a position, as a fraction of the feature size in [0, 1)
    LOW = "low"
    HIGH = "high"
    MEAN = "mean"
    STD = "std"


@dataclass(frozen=True)
class OpSpec:
    """One row of the op table.

    Attributes
    ----------
    op : Op
        Number and name, as in the original.
    out : Kind or None
        Kind of the output address (None only for ``NO_OP``).
    inputs : tuple of Kind
        Kinds of ``in1`` and ``in2``, in that order (0, 1 or 2 entries).
    params : tuple of Param
        Meaning of ``d0``, ``d1``, ``d2``, in that order.
    template : str
        Printed form; ``{out}``, ``{in1}``, ``{in2}`` stand for addresses,
        ``{d0}``..``{d2}`` for the parameters.
    aliases : tuple of str
        Other forms the parser accepts (never printed).
    group : str
        Family, for documentation and tests.
    partial_write : bool
        The op overwrites only part of ``out`` (one element), so it also
        reads the old value of ``out``.
    random : bool
        The op draws from the evaluation's random generator.

    """

    op: Op
    out: Kind | None
    inputs: tuple[Kind, ...]
    params: tuple[Param, ...]
    template: str
    group: str
    aliases: tuple[str, ...] = ()
    partial_write: bool = False
    random: bool = False
    cost_power: int = -1  # -1: derived from the kinds in __post_init__

    def __post_init__(self) -> None:
        if self.cost_power < 0:
            kinds = [k for k in (self.out, *self.inputs) if k is not None]
            object.__setattr__(self, "cost_power", max((int(k) for k in kinds), default=0))

    @property
    def name(self) -> str:
        """The original's name, e.g. ``"SCALAR_SUM_OP"``."""
        return self.op.name

    @property
    def number(self) -> int:
        """The original's number, e.g. 1 for ``SCALAR_SUM_OP``."""
        return int(self.op)


def _binary(op: Op, kind: Kind, symbol: str, group: str) -> OpSpec:
    return OpSpec(op, kind, (kind, kind), (), "{out} = {in1} " + symbol + " {in2}", group)


def _call(op: Op, out: Kind, inputs: tuple[Kind, ...], func: str, group: str) -> OpSpec:
    args = ", ".join(f"{{in{i + 1}}}" for i in range(len(inputs)))
    return OpSpec(op, out, inputs, (), f"{{out}} = {func}({args})", group)


def _unary(op: Op, out: Kind, inp: Kind, text: str, group: str) -> OpSpec:
    return OpSpec(op, out, (inp,), (), "{out} = " + text, group)


_U = (Param.LOW, Param.HIGH)
_G = (Param.MEAN, Param.STD)
_VEC_SHAPE = ", n_features)"
_MAT_SHAPE = ", (n_features, n_features))"

_ROWS: tuple[OpSpec, ...] = (
    OpSpec(Op.NO_OP, None, (), (), "NoOp()", "other"),
    _binary(Op.SCALAR_SUM_OP, S, "+", "scalar"),
    _binary(Op.SCALAR_DIFF_OP, S, "-", "scalar"),
    _binary(Op.SCALAR_PRODUCT_OP, S, "*", "scalar"),
    _binary(Op.SCALAR_DIVISION_OP, S, "/", "scalar"),
    _call(Op.SCALAR_ABS_OP, S, (S,), "abs", "scalar"),
    _unary(Op.SCALAR_RECIPROCAL_OP, S, S, "1 / {in1}", "scalar"),
    _call(Op.SCALAR_SIN_OP, S, (S,), "sin", "scalar"),
    _call(Op.SCALAR_COS_OP, S, (S,), "cos", "scalar"),
    _call(Op.SCALAR_TAN_OP, S, (S,), "tan", "scalar"),
    _call(Op.SCALAR_ARCSIN_OP, S, (S,), "arcsin", "scalar"),
    _call(Op.SCALAR_ARCCOS_OP, S, (S,), "arccos", "scalar"),
    _call(Op.SCALAR_ARCTAN_OP, S, (S,), "arctan", "scalar"),
    _call(Op.SCALAR_EXP_OP, S, (S,), "exp", "scalar"),
    _call(Op.SCALAR_LOG_OP, S, (S,), "log", "scalar"),
    _unary(Op.SCALAR_HEAVYSIDE_OP, S, S, "heaviside({in1}, 1.0)", "scalar"),
    _unary(Op.VECTOR_HEAVYSIDE_OP, V, V, "heaviside({in1}, 1.0)", "elementwise"),
    _unary(Op.MATRIX_HEAVYSIDE_OP, M, M, "heaviside({in1}, 1.0)", "elementwise"),
    OpSpec(
        Op.SCALAR_VECTOR_PRODUCT_OP,
        V,
        (S, V),
        (),
        "{out} = {in1} * {in2}",
        "linear_algebra",
        aliases=("{out} = {in2} * {in1}",),
    ),
    _unary(Op.SCALAR_BROADCAST_OP, V, S, "bcast({in1})", "linear_algebra"),
    _unary(Op.VECTOR_RECIPROCAL_OP, V, V, "1 / {in1}", "elementwise"),
    _call(Op.VECTOR_NORM_OP, S, (V,), "norm", "linear_algebra"),
    _call(Op.VECTOR_ABS_OP, V, (V,), "abs", "elementwise"),
    _binary(Op.VECTOR_SUM_OP, V, "+", "elementwise"),
    _binary(Op.VECTOR_DIFF_OP, V, "-", "elementwise"),
    _binary(Op.VECTOR_PRODUCT_OP, V, "*", "elementwise"),
    _binary(Op.VECTOR_DIVISION_OP, V, "/", "elementwise"),
    _call(Op.VECTOR_INNER_PRODUCT_OP, S, (V, V), "dot", "linear_algebra"),
    _call(Op.VECTOR_OUTER_PRODUCT_OP, M, (V, V), "outer", "linear_algebra"),
    OpSpec(
        Op.SCALAR_MATRIX_PRODUCT_OP,
        M,
        (S, M),
        (),
        "{out} = {in1} * {in2}",
        "linear_algebra",
        aliases=("{out} = {in2} * {in1}",),
    ),
    _unary(Op.MATRIX_RECIPROCAL_OP, M, M, "1 / {in1}", "elementwise"),
    OpSpec(
        Op.MATRIX_VECTOR_PRODUCT_OP,
        V,
        (M, V),
        (),
        "{out} = dot({in1}, {in2})",
        "linear_algebra",
        aliases=("{out} = {in1} @ {in2}",),
    ),
    _unary(Op.VECTOR_COLUMN_BROADCAST_OP, M, V, "bcast({in1}, axis=0)", "linear_algebra"),
    _unary(Op.VECTOR_ROW_BROADCAST_OP, M, V, "bcast({in1}, axis=1)", "linear_algebra"),
    _call(Op.MATRIX_NORM_OP, S, (M,), "norm", "linear_algebra"),
    _unary(Op.MATRIX_COLUMN_NORM_OP, V, M, "norm({in1}, axis=0)", "linear_algebra"),
    _unary(Op.MATRIX_ROW_NORM_OP, V, M, "norm({in1}, axis=1)", "linear_algebra"),
    _call(Op.MATRIX_TRANSPOSE_OP, M, (M,), "transpose", "linear_algebra"),
    _call(Op.MATRIX_ABS_OP, M, (M,), "abs", "elementwise"),
    _binary(Op.MATRIX_SUM_OP, M, "+", "elementwise"),
    _binary(Op.MATRIX_DIFF_OP, M, "-", "elementwise"),
    _binary(Op.MATRIX_PRODUCT_OP, M, "*", "elementwise"),
    _binary(Op.MATRIX_DIVISION_OP, M, "/", "elementwise"),
    OpSpec(
        Op.MATRIX_MATRIX_PRODUCT_OP,
        M,
        (M, M),
        (),
        "{out} = matmul({in1}, {in2})",
        "linear_algebra",
        aliases=("{out} = {in1} @ {in2}",),
        cost_power=3,
    ),
    _call(Op.SCALAR_MIN_OP, S, (S, S), "minimum", "scalar"),
    _call(Op.VECTOR_MIN_OP, V, (V, V), "minimum", "elementwise"),
    _call(Op.MATRIX_MIN_OP, M, (M, M), "minimum", "elementwise"),
    _call(Op.SCALAR_MAX_OP, S, (S, S), "maximum", "scalar"),
    _call(Op.VECTOR_MAX_OP, V, (V, V), "maximum", "elementwise"),
    _call(Op.MATRIX_MAX_OP, M, (M, M), "maximum", "elementwise"),
    _call(Op.VECTOR_MEAN_OP, S, (V,), "mean", "statistics"),
    _call(Op.MATRIX_MEAN_OP, S, (M,), "mean", "statistics"),
    _unary(Op.MATRIX_ROW_MEAN_OP, V, M, "mean({in1}, axis=1)", "statistics"),
    _unary(Op.MATRIX_ROW_ST_DEV_OP, V, M, "std({in1}, axis=1)", "statistics"),
    _call(Op.VECTOR_ST_DEV_OP, S, (V,), "std", "statistics"),
    _call(Op.MATRIX_ST_DEV_OP, S, (M,), "std", "statistics"),
    OpSpec(Op.SCALAR_CONST_SET_OP, S, (), (Param.VALUE,), "{out} = {d0}", "setter"),
    OpSpec(
        Op.VECTOR_CONST_SET_OP,
        V,
        (),
        (Param.INDEX, Param.VALUE),
        "{out}[{d0}] = {d1}",
        "setter",
        partial_write=True,
    ),
    OpSpec(
        Op.MATRIX_CONST_SET_OP,
        M,
        (),
        (Param.INDEX, Param.INDEX, Param.VALUE),
        "{out}[{d0}, {d1}] = {d2}",
        "setter",
        partial_write=True,
    ),
    OpSpec(Op.SCALAR_UNIFORM_SET_OP, S, (), _U, "{out} = uniform({d0}, {d1})", "setter", random=True),
    OpSpec(
        Op.VECTOR_UNIFORM_SET_OP,
        V,
        (),
        _U,
        "{out} = uniform({d0}, {d1}" + _VEC_SHAPE,
        "setter",
        random=True,
    ),
    OpSpec(
        Op.MATRIX_UNIFORM_SET_OP,
        M,
        (),
        _U,
        "{out} = uniform({d0}, {d1}" + _MAT_SHAPE,
        "setter",
        random=True,
    ),
    OpSpec(Op.SCALAR_GAUSSIAN_SET_OP, S, (), _G, "{out} = gaussian({d0}, {d1})", "setter", random=True),
    OpSpec(
        Op.VECTOR_GAUSSIAN_SET_OP,
        V,
        (),
        _G,
        "{out} = gaussian({d0}, {d1}" + _VEC_SHAPE,
        "setter",
        random=True,
    ),
    OpSpec(
        Op.MATRIX_GAUSSIAN_SET_OP,
        M,
        (),
        _G,
        "{out} = gaussian({d0}, {d1}" + _MAT_SHAPE,
        "setter",
        random=True,
    ),
)

#: The op table, indexed by op number: ``OPS[n].op == n``.
OPS: tuple[OpSpec, ...] = _ROWS
NUM_OPS = len(OPS)
#: Number of real parameter slots per instruction (``d0``, ``d1``, ``d2``).
NUM_PARAMS = 3

assert all(spec.number == i for i, spec in enumerate(OPS)), "op table out of order"
assert NUM_OPS == 65


def spec(op: int | str | Op) -> OpSpec:
    """Return the table row of an op given by number, enum or name.

    Names are matched without case and with or without the ``_OP`` suffix,
    so ``"SCALAR_SUM_OP"``, ``"scalar_sum"`` and ``1`` all work.

    Raises
    ------
    ValueError
        If no op has that number or name.

    """
    if isinstance(op, str):
        key = op.strip().upper()
        if not key.endswith("_OP"):
            key += "_OP"
        if key not in Op.__members__:
            raise ValueError(f"unknown op name {op!r}; names look like 'SCALAR_SUM_OP' or 'scalar_sum'")
        return OPS[Op[key]]
    number = int(op)
    if not 0 <= number < NUM_OPS:
        raise ValueError(f"unknown op number {number}; ops are numbered 0..{NUM_OPS - 1}")
    return OPS[number]


def ops_from_names(names: list[str] | tuple[str, ...]) -> tuple[Op, ...]:
    """Turn a list of op names (as in a config) into ops, keeping order."""
    return tuple(spec(name).op for name in names)


#: A full setting close to the paper's: Setup sets constants and random values;
#: Predict and Learn use every other op plus scalar constants.
SETUP_OPS: tuple[Op, ...] = tuple(s.op for s in OPS if s.group == "setter")
LEARN_OPS: tuple[Op, ...] = (
    *(s.op for s in OPS if s.op != Op.NO_OP and s.group != "setter"),
    Op.SCALAR_CONST_SET_OP,
)
PREDICT_OPS: tuple[Op, ...] = LEARN_OPS
ALL_OPS: tuple[Op, ...] = tuple(s.op for s in OPS)

#: The six ops of the original's 5-minute demo (docs/semantics.md, "The demo").
DEMO_OPS: tuple[Op, ...] = (
    Op.SCALAR_CONST_SET_OP,
    Op.VECTOR_INNER_PRODUCT_OP,
    Op.SCALAR_DIFF_OP,
    Op.SCALAR_PRODUCT_OP,
    Op.SCALAR_VECTOR_PRODUCT_OP,
    Op.VECTOR_SUM_OP,
)
