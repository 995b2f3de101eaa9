"""The op table: every op the virtual machine knows, one row each.

A row (:class:`OpSpec`) is the whole definition of an op: its number and
name, its printed form in the paper's notation, the kinds of its operands and
the meaning of its real parameters, its cost, its algebraic properties, a
gloss in plain words, the line of NumPy the export writes, and its two
kernels: ``reference``, a NumPy function that defines what the op computes,
and ``kernel``, the snippet of Numba code the compiled executor runs for it
on all tasks of a batch at once. Every other module (printer, parser, both
executors, mutator, liveness analysis, simplifier, export) reads the table.

The 65 built-in ops (OP0..OP64 of the paper) keep the original
implementation's numbers and names, so configs and algorithms written for it
map one to one. More ops can be added without editing the package with
:func:`register_op` (docs/extending.md).

Each op reads up to two inputs (``in1``, ``in2``), writes one output (``out``)
and may carry up to three real parameters (``d0``, ``d1``, ``d2``): a constant,
an index given as a fraction of the feature size, or the parameters of a random
distribution.
"""

from __future__ import annotations

import enum
import importlib
import math
import os
import re
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from automl_zero import numerics as nm

if TYPE_CHECKING:
    from automl_zero.vm.rng import SplitMix64


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
    """Op numbers: the built-in ones exactly as in the original's ``instruction.proto``.

    :func:`register_op` adds members for user-defined ops, numbered after the
    built-in ones in the order they are registered.
    """

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
class Operands:
    """What a reference kernel reads: the values of an instruction's operands.

    Attributes
    ----------
    x, y : float or ndarray or None
        Values of ``in1`` and ``in2`` (a NumPy scalar, a vector of size F or
        an F x F matrix; None where the op has no such input). Kernels must
        not change them.
    d : tuple of float
        The parameters ``d0``, ``d1``, ``d2``.
    size : int
        The feature size F.
    rng : SplitMix64
        The task's random stream (for random ops).
    out : float or ndarray or None
        The current value of the output address (for ops that write part of it).

    """

    x: Any
    y: Any
    d: tuple[float, ...]
    size: int
    rng: SplitMix64
    out: Any


#: A reference kernel: the new value of the output address, from the operands.
ReferenceKernel = Callable[[Operands], Any]

#: Values of :attr:`OpSpec.algebra`: how the export reads an op's result.
ALGEBRA = ("", "product", "sum")


@dataclass(frozen=True)
class OpSpec:
    """One row of the op table: everything the package knows about an op.

    Attributes
    ----------
    op : Op
        Number and name (the original's, for the built-in ops).
    out : Kind or None
        Kind of the output address (None only for ``NO_OP``).
    inputs : tuple of Kind
        Kinds of ``in1`` and ``in2``, in that order (0, 1 or 2 entries).
    params : tuple of Param
        Meaning of ``d0``, ``d1``, ``d2``, in that order.
    template : str
        Printed form; ``{out}``, ``{in1}``, ``{in2}`` stand for addresses,
        ``{d0}``..``{d2}`` for the parameters. The parser reads it back.
    group : str
        Family, for documentation and the op presets of configs
        (``"setter"`` ops make up Setup's preset).
    aliases : tuple of str
        Other forms the parser accepts (never printed).
    partial_write : bool
        The op overwrites only part of ``out`` (one element), so it also
        reads the old value of ``out``.
    random : bool
        The op draws from the evaluation's random generator.
    cost_power : int
        The op costs ``F ** cost_power`` units in a compute budget; by
        default the largest kind among its operands (0, 1 or 2).
    commutative : bool
        ``in1`` and ``in2`` can be swapped without changing the result, bit
        for bit (the simplifier uses it to compare algorithms).
    algebra : {"", "product", "sum"}
        How the export's glosses read the op: a ``"product"`` computed in
        Learn is an update, a ``"sum"`` of a variable and an update applies it.
    gloss : str
        The op in plain words, for the export's comments; ``{a}`` and ``{b}``
        name the inputs.
    numpy : str
        The line of NumPy the export writes, with the reference semantics:
        ``{o}``, ``{a}``, ``{b}`` stand for addresses, ``{d0}``..``{d2}`` for
        the parameters, ``{F}`` for the feature size; memory is ``self.s``,
        ``self.v``, ``self.m``.
    numpy_helpers : tuple of str
        Helpers of the exported module the line calls (``_dot``, ``_norm``,
        ...; see :mod:`automl_zero.analysis.export`).
    reference : callable
        The reference kernel: given the :class:`Operands`, returns the new
        value of ``out``. It defines the op's semantics.
    kernel : str
        The compiled kernel: Numba statements that execute the instruction
        on all T tasks of a batch, bit-identical to ``reference``. They read
        ``s[S, T]``, ``v[V, F, T]``, ``m[M, F, F, T]`` (and ``mf``, the
        matrices as ``[M, F * F, T]``), the addresses ``a`` (in1), ``b`` (in2)
        and ``o`` (out), the parameters ``floats[i, 0..2]``, the sizes
        ``size`` (F), ``size2`` (F * F) and ``n_tasks`` (T), the random
        streams ``rng`` and the scratch arrays ``tmp_v[F, T]`` and
        ``tmp_m[F, F, T]``; the helpers they may call are listed in
        docs/extending.md.
    kernel_imports : tuple of str
        Import statements the compiled kernel needs (for user-defined ops
        that call their own ``@njit`` functions).

    """

    op: Op
    _: KW_ONLY
    out: Kind | None
    inputs: tuple[Kind, ...] = ()
    params: tuple[Param, ...] = ()
    template: str
    group: str
    aliases: tuple[str, ...] = ()
    partial_write: bool = False
    random: bool = False
    cost_power: int = -1  # -1: derived from the kinds in __post_init__
    commutative: bool = False
    algebra: str = ""
    gloss: str
    numpy: str
    numpy_helpers: tuple[str, ...] = ()
    reference: ReferenceKernel | None = None
    kernel: str
    kernel_imports: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.cost_power < 0:
            kinds = [k for k in (self.out, *self.inputs) if k is not None]
            object.__setattr__(self, "cost_power", max((int(k) for k in kinds), default=0))
        object.__setattr__(self, "kernel", textwrap.dedent(self.kernel).strip("\n"))

    @property
    def name(self) -> str:
        """The op's name, e.g. ``"SCALAR_SUM_OP"``."""
        return self.op.name

    @property
    def number(self) -> int:
        """The op's number, e.g. 1 for ``SCALAR_SUM_OP``."""
        return int(self.op)

    @property
    def builtin(self) -> bool:
        """Whether this is one of the 65 ops of the original (not registered by a user)."""
        return self.number < _NUM_BUILTIN


def _set_vector_element(q: Operands) -> np.ndarray:
    out: np.ndarray = q.out.copy()
    out[nm.index_of(q.d[0], q.size)] = q.d[1]
    return out


def _set_matrix_element(q: Operands) -> np.ndarray:
    out: np.ndarray = q.out.copy()
    out[nm.index_of(q.d[0], q.size), nm.index_of(q.d[1], q.size)] = q.d[2]
    return out


def _uniform_array(q: Operands, shape: tuple[int, ...]) -> np.ndarray:
    # Low > high gives low everywhere and draws nothing, as the original's uniform ops do.
    low, high = q.d[0], q.d[1]
    if low > high:
        return np.full(shape, low)
    return nm.fill(shape, lambda: q.rng.uniform(low, high))


# Kernels that read one memory kind and write another call the row helpers of
# automl_zero.vm.compiled (row_scale, dot_rows, row_copy), which keep the task
# loop vectorizable. Random ops draw per task in row-major order of the output.
_BUILTIN_ROWS: tuple[OpSpec, ...] = (
    OpSpec(
        Op.NO_OP,
        out=None,
        template="NoOp()",
        group="other",
        gloss="does nothing",
        numpy="pass",
        kernel="pass",
    ),
    OpSpec(
        Op.SCALAR_SUM_OP,
        out=S,
        inputs=(S, S),
        template="{out} = {in1} + {in2}",
        group="scalar",
        commutative=True,
        algebra="sum",
        gloss="sum",
        numpy="self.s[{o}] = self.s[{a}] + self.s[{b}]",
        reference=lambda q: q.x + q.y,
        kernel="""
            for t in range(n_tasks):
                s[o, t] = s[a, t] + s[b, t]
        """,
    ),
    OpSpec(
        Op.SCALAR_DIFF_OP,
        out=S,
        inputs=(S, S),
        template="{out} = {in1} - {in2}",
        group="scalar",
        gloss="difference",
        numpy="self.s[{o}] = self.s[{a}] - self.s[{b}]",
        reference=lambda q: q.x - q.y,
        kernel="""
            for t in range(n_tasks):
                s[o, t] = s[a, t] - s[b, t]
        """,
    ),
    OpSpec(
        Op.SCALAR_PRODUCT_OP,
        out=S,
        inputs=(S, S),
        template="{out} = {in1} * {in2}",
        group="scalar",
        commutative=True,
        algebra="product",
        gloss="product",
        numpy="self.s[{o}] = self.s[{a}] * self.s[{b}]",
        reference=lambda q: q.x * q.y,
        kernel="""
            for t in range(n_tasks):
                s[o, t] = s[a, t] * s[b, t]
        """,
    ),
    OpSpec(
        Op.SCALAR_DIVISION_OP,
        out=S,
        inputs=(S, S),
        template="{out} = {in1} / {in2}",
        group="scalar",
        gloss="quotient",
        numpy="self.s[{o}] = self.s[{a}] / self.s[{b}]",
        reference=lambda q: q.x / q.y,
        kernel="""
            for t in range(n_tasks):
                s[o, t] = s[a, t] / s[b, t]
        """,
    ),
    OpSpec(
        Op.SCALAR_ABS_OP,
        out=S,
        inputs=(S,),
        template="{out} = abs({in1})",
        group="scalar",
        gloss="absolute value",
        numpy="self.s[{o}] = abs(self.s[{a}])",
        reference=lambda q: abs(q.x),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = abs(s[a, t])
        """,
    ),
    OpSpec(
        Op.SCALAR_RECIPROCAL_OP,
        out=S,
        inputs=(S,),
        template="{out} = 1 / {in1}",
        group="scalar",
        gloss="reciprocal",
        numpy="self.s[{o}] = 1.0 / self.s[{a}]",
        reference=lambda q: 1.0 / q.x,
        kernel="""
            for t in range(n_tasks):
                s[o, t] = 1.0 / s[a, t]
        """,
    ),
    OpSpec(
        Op.SCALAR_SIN_OP,
        out=S,
        inputs=(S,),
        template="{out} = sin({in1})",
        group="scalar",
        gloss="sine",
        numpy="self.s[{o}] = _sin(self.s[{a}])",
        numpy_helpers=("_sin",),
        reference=lambda q: nm.sin(q.x),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = math.sin(s[a, t])
        """,
    ),
    OpSpec(
        Op.SCALAR_COS_OP,
        out=S,
        inputs=(S,),
        template="{out} = cos({in1})",
        group="scalar",
        gloss="cosine",
        numpy="self.s[{o}] = _cos(self.s[{a}])",
        numpy_helpers=("_cos",),
        reference=lambda q: nm.cos(q.x),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = math.cos(s[a, t])
        """,
    ),
    OpSpec(
        Op.SCALAR_TAN_OP,
        out=S,
        inputs=(S,),
        template="{out} = tan({in1})",
        group="scalar",
        gloss="tangent",
        numpy="self.s[{o}] = _tan(self.s[{a}])",
        numpy_helpers=("_tan",),
        reference=lambda q: nm.tan(q.x),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = math.tan(s[a, t])
        """,
    ),
    OpSpec(
        Op.SCALAR_ARCSIN_OP,
        out=S,
        inputs=(S,),
        template="{out} = arcsin({in1})",
        group="scalar",
        gloss="arcsine (NaN outside [-1, 1])",
        numpy="self.s[{o}] = _arcsin(self.s[{a}])",
        numpy_helpers=("_arcsin",),
        reference=lambda q: nm.arcsin(q.x),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = math.asin(s[a, t])
        """,
    ),
    OpSpec(
        Op.SCALAR_ARCCOS_OP,
        out=S,
        inputs=(S,),
        template="{out} = arccos({in1})",
        group="scalar",
        gloss="arccosine (NaN outside [-1, 1])",
        numpy="self.s[{o}] = _arccos(self.s[{a}])",
        numpy_helpers=("_arccos",),
        reference=lambda q: nm.arccos(q.x),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = math.acos(s[a, t])
        """,
    ),
    OpSpec(
        Op.SCALAR_ARCTAN_OP,
        out=S,
        inputs=(S,),
        template="{out} = arctan({in1})",
        group="scalar",
        gloss="arctangent",
        numpy="self.s[{o}] = math.atan(self.s[{a}])",
        reference=lambda q: math.atan(q.x),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = math.atan(s[a, t])
        """,
    ),
    OpSpec(
        Op.SCALAR_EXP_OP,
        out=S,
        inputs=(S,),
        template="{out} = exp({in1})",
        group="scalar",
        gloss="exponential",
        numpy="self.s[{o}] = _exp(self.s[{a}])",
        numpy_helpers=("_exp",),
        reference=lambda q: nm.exp(q.x),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = math.exp(s[a, t])
        """,
    ),
    OpSpec(
        Op.SCALAR_LOG_OP,
        out=S,
        inputs=(S,),
        template="{out} = log({in1})",
        group="scalar",
        gloss="natural logarithm (NaN below 0)",
        numpy="self.s[{o}] = _log(self.s[{a}])",
        numpy_helpers=("_log",),
        reference=lambda q: nm.log(q.x),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = math.log(s[a, t])
        """,
    ),
    OpSpec(
        Op.SCALAR_HEAVYSIDE_OP,
        out=S,
        inputs=(S,),
        template="{out} = heaviside({in1}, 1.0)",
        group="scalar",
        gloss="step: 1 if {a} >= 0, else 0",
        numpy="self.s[{o}] = 1.0 if self.s[{a}] >= 0.0 else 0.0",
        reference=lambda q: 1.0 if q.x >= 0.0 else 0.0,
        kernel="""
            for t in range(n_tasks):
                s[o, t] = 1.0 if s[a, t] >= 0.0 else 0.0
        """,
    ),
    OpSpec(
        Op.VECTOR_HEAVYSIDE_OP,
        out=V,
        inputs=(V,),
        template="{out} = heaviside({in1}, 1.0)",
        group="elementwise",
        gloss="elementwise step: 1 where {a} > 0, else 0",
        numpy="self.v[{o}] = np.where(self.v[{a}] > 0.0, 1.0, 0.0)",
        reference=lambda q: np.where(q.x > 0.0, 1.0, 0.0),
        kernel="""
            for f in range(size):
                for t in range(n_tasks):
                    v[o, f, t] = 1.0 if v[a, f, t] > 0.0 else 0.0
        """,
    ),
    OpSpec(
        Op.MATRIX_HEAVYSIDE_OP,
        out=M,
        inputs=(M,),
        template="{out} = heaviside({in1}, 1.0)",
        group="elementwise",
        gloss="elementwise step: 1 where {a} > 0, else 0",
        numpy="self.m[{o}] = np.where(self.m[{a}] > 0.0, 1.0, 0.0)",
        reference=lambda q: np.where(q.x > 0.0, 1.0, 0.0),
        kernel="""
            for f in range(size2):
                for t in range(n_tasks):
                    mf[o, f, t] = 1.0 if mf[a, f, t] > 0.0 else 0.0
        """,
    ),
    OpSpec(
        Op.SCALAR_VECTOR_PRODUCT_OP,
        out=V,
        inputs=(S, V),
        template="{out} = {in1} * {in2}",
        aliases=("{out} = {in2} * {in1}",),
        group="linear_algebra",
        algebra="product",
        gloss="{b} scaled by {a}",
        numpy="self.v[{o}] = self.v[{b}] * self.s[{a}]",
        reference=lambda q: q.y * q.x,
        kernel="""
            for f in range(size):
                row_scale(v[o, f], v[b, f], s[a])
        """,
    ),
    OpSpec(
        Op.SCALAR_BROADCAST_OP,
        out=V,
        inputs=(S,),
        template="{out} = bcast({in1})",
        group="linear_algebra",
        gloss="every element set to {a}",
        numpy="self.v[{o}] = self.s[{a}]",
        reference=lambda q: np.full(q.size, q.x),
        kernel="""
            for f in range(size):
                row_copy(v[o, f], s[a])
        """,
    ),
    OpSpec(
        Op.VECTOR_RECIPROCAL_OP,
        out=V,
        inputs=(V,),
        template="{out} = 1 / {in1}",
        group="elementwise",
        gloss="elementwise reciprocal",
        numpy="self.v[{o}] = 1.0 / self.v[{a}]",
        reference=lambda q: 1.0 / q.x,
        kernel="""
            for f in range(size):
                for t in range(n_tasks):
                    v[o, f, t] = 1.0 / v[a, f, t]
        """,
    ),
    OpSpec(
        Op.VECTOR_NORM_OP,
        out=S,
        inputs=(V,),
        template="{out} = norm({in1})",
        group="linear_algebra",
        gloss="Euclidean norm of {a}",
        numpy="self.s[{o}] = _norm(self.v[{a}])",
        numpy_helpers=("_norm",),
        reference=lambda q: nm.norm(q.x),
        kernel="""
            dot_rows(s[o], v[a], v[a])
            for t in range(n_tasks):
                s[o, t] = math.sqrt(s[o, t])
        """,
    ),
    OpSpec(
        Op.VECTOR_ABS_OP,
        out=V,
        inputs=(V,),
        template="{out} = abs({in1})",
        group="elementwise",
        gloss="elementwise absolute value",
        numpy="self.v[{o}] = np.abs(self.v[{a}])",
        reference=lambda q: np.abs(q.x),
        kernel="""
            for f in range(size):
                for t in range(n_tasks):
                    v[o, f, t] = abs(v[a, f, t])
        """,
    ),
    OpSpec(
        Op.VECTOR_SUM_OP,
        out=V,
        inputs=(V, V),
        template="{out} = {in1} + {in2}",
        group="elementwise",
        commutative=True,
        algebra="sum",
        gloss="elementwise sum",
        numpy="self.v[{o}] = self.v[{a}] + self.v[{b}]",
        reference=lambda q: q.x + q.y,
        kernel="""
            for f in range(size):
                for t in range(n_tasks):
                    v[o, f, t] = v[a, f, t] + v[b, f, t]
        """,
    ),
    OpSpec(
        Op.VECTOR_DIFF_OP,
        out=V,
        inputs=(V, V),
        template="{out} = {in1} - {in2}",
        group="elementwise",
        gloss="elementwise difference",
        numpy="self.v[{o}] = self.v[{a}] - self.v[{b}]",
        reference=lambda q: q.x - q.y,
        kernel="""
            for f in range(size):
                for t in range(n_tasks):
                    v[o, f, t] = v[a, f, t] - v[b, f, t]
        """,
    ),
    OpSpec(
        Op.VECTOR_PRODUCT_OP,
        out=V,
        inputs=(V, V),
        template="{out} = {in1} * {in2}",
        group="elementwise",
        commutative=True,
        algebra="product",
        gloss="elementwise product",
        numpy="self.v[{o}] = self.v[{a}] * self.v[{b}]",
        reference=lambda q: q.x * q.y,
        kernel="""
            for f in range(size):
                for t in range(n_tasks):
                    v[o, f, t] = v[a, f, t] * v[b, f, t]
        """,
    ),
    OpSpec(
        Op.VECTOR_DIVISION_OP,
        out=V,
        inputs=(V, V),
        template="{out} = {in1} / {in2}",
        group="elementwise",
        gloss="elementwise quotient",
        numpy="self.v[{o}] = self.v[{a}] / self.v[{b}]",
        reference=lambda q: q.x / q.y,
        kernel="""
            for f in range(size):
                for t in range(n_tasks):
                    v[o, f, t] = v[a, f, t] / v[b, f, t]
        """,
    ),
    OpSpec(
        Op.VECTOR_INNER_PRODUCT_OP,
        out=S,
        inputs=(V, V),
        template="{out} = dot({in1}, {in2})",
        group="linear_algebra",
        commutative=True,
        gloss="dot product of {a} and {b}",
        numpy="self.s[{o}] = _dot(self.v[{a}], self.v[{b}])",
        numpy_helpers=("_dot",),
        reference=lambda q: nm.ordered_sum(q.x * q.y),
        kernel="""
            dot_rows(s[o], v[a], v[b])
        """,
    ),
    OpSpec(
        Op.VECTOR_OUTER_PRODUCT_OP,
        out=M,
        inputs=(V, V),
        template="{out} = outer({in1}, {in2})",
        group="linear_algebra",
        algebra="product",
        gloss="outer product of {a} and {b}",
        numpy="self.m[{o}] = np.outer(self.v[{a}], self.v[{b}])",
        reference=lambda q: q.x[:, None] * q.y[None, :],
        kernel="""
            for r in range(size):
                for c in range(size):
                    row_scale(m[o, r, c], v[b, c], v[a, r])
        """,
    ),
    OpSpec(
        Op.SCALAR_MATRIX_PRODUCT_OP,
        out=M,
        inputs=(S, M),
        template="{out} = {in1} * {in2}",
        aliases=("{out} = {in2} * {in1}",),
        group="linear_algebra",
        algebra="product",
        gloss="{b} scaled by {a}",
        numpy="self.m[{o}] = self.m[{b}] * self.s[{a}]",
        reference=lambda q: q.y * q.x,
        kernel="""
            for f in range(size2):
                row_scale(mf[o, f], mf[b, f], s[a])
        """,
    ),
    OpSpec(
        Op.MATRIX_RECIPROCAL_OP,
        out=M,
        inputs=(M,),
        template="{out} = 1 / {in1}",
        group="elementwise",
        gloss="elementwise reciprocal",
        numpy="self.m[{o}] = 1.0 / self.m[{a}]",
        reference=lambda q: 1.0 / q.x,
        kernel="""
            for f in range(size2):
                for t in range(n_tasks):
                    mf[o, f, t] = 1.0 / mf[a, f, t]
        """,
    ),
    OpSpec(
        Op.MATRIX_VECTOR_PRODUCT_OP,
        out=V,
        inputs=(M, V),
        template="{out} = dot({in1}, {in2})",
        aliases=("{out} = {in1} @ {in2}",),
        group="linear_algebra",
        gloss="matrix {a} times {b}",
        numpy="self.v[{o}] = _matvec(self.m[{a}], self.v[{b}])",
        numpy_helpers=("_matvec",),
        reference=lambda q: nm.matvec(q.x, q.y),
        kernel="""
            for r in range(size):
                dot_rows(tmp_v[r], m[a, r], v[b])
            for r in range(size):
                for t in range(n_tasks):
                    v[o, r, t] = tmp_v[r, t]
        """,
    ),
    OpSpec(
        Op.VECTOR_COLUMN_BROADCAST_OP,
        out=M,
        inputs=(V,),
        template="{out} = bcast({in1}, axis=0)",
        group="linear_algebra",
        gloss="every column is {a}",
        numpy="self.m[{o}] = self.v[{a}][:, None]",
        reference=lambda q: q.x[:, None].repeat(q.size, axis=1),
        kernel="""
            for r in range(size):
                for c in range(size):
                    row_copy(m[o, r, c], v[a, r])
        """,
    ),
    OpSpec(
        Op.VECTOR_ROW_BROADCAST_OP,
        out=M,
        inputs=(V,),
        template="{out} = bcast({in1}, axis=1)",
        group="linear_algebra",
        gloss="every row is {a}",
        numpy="self.m[{o}] = self.v[{a}][None, :]",
        reference=lambda q: q.x[None, :].repeat(q.size, axis=0),
        kernel="""
            for r in range(size):
                for c in range(size):
                    row_copy(m[o, r, c], v[a, c])
        """,
    ),
    OpSpec(
        Op.MATRIX_NORM_OP,
        out=S,
        inputs=(M,),
        template="{out} = norm({in1})",
        group="linear_algebra",
        gloss="Frobenius norm of {a}",
        numpy="self.s[{o}] = _norm(self.m[{a}])",
        numpy_helpers=("_norm",),
        reference=lambda q: nm.norm(q.x),
        kernel="""
            dot_rows(s[o], mf[a], mf[a])
            for t in range(n_tasks):
                s[o, t] = math.sqrt(s[o, t])
        """,
    ),
    OpSpec(
        Op.MATRIX_COLUMN_NORM_OP,
        out=V,
        inputs=(M,),
        template="{out} = norm({in1}, axis=0)",
        group="linear_algebra",
        gloss="norm of each column",
        numpy="self.v[{o}] = [_norm(self.m[{a}][:, j]) for j in range({F})]",
        numpy_helpers=("_norm",),
        reference=lambda q: np.array([nm.norm(q.x[:, j]) for j in range(q.size)]),
        kernel="""
            for c in range(size):
                dot_rows(v[o, c], m[a, :, c], m[a, :, c])
                for t in range(n_tasks):
                    v[o, c, t] = math.sqrt(v[o, c, t])
        """,
    ),
    OpSpec(
        Op.MATRIX_ROW_NORM_OP,
        out=V,
        inputs=(M,),
        template="{out} = norm({in1}, axis=1)",
        group="linear_algebra",
        gloss="norm of each row",
        numpy="self.v[{o}] = [_norm(self.m[{a}][i, :]) for i in range({F})]",
        numpy_helpers=("_norm",),
        reference=lambda q: np.array([nm.norm(q.x[i, :]) for i in range(q.size)]),
        kernel="""
            for r in range(size):
                dot_rows(v[o, r], m[a, r], m[a, r])
                for t in range(n_tasks):
                    v[o, r, t] = math.sqrt(v[o, r, t])
        """,
    ),
    OpSpec(
        Op.MATRIX_TRANSPOSE_OP,
        out=M,
        inputs=(M,),
        template="{out} = transpose({in1})",
        group="linear_algebra",
        gloss="transpose",
        numpy="self.m[{o}] = self.m[{a}].T.copy()",
        reference=lambda q: q.x.T.copy(),
        kernel="""
            for r in range(size):
                for c in range(size):
                    for t in range(n_tasks):
                        tmp_m[r, c, t] = m[a, c, r, t]
            for r in range(size):
                for c in range(size):
                    for t in range(n_tasks):
                        m[o, r, c, t] = tmp_m[r, c, t]
        """,
    ),
    OpSpec(
        Op.MATRIX_ABS_OP,
        out=M,
        inputs=(M,),
        template="{out} = abs({in1})",
        group="elementwise",
        gloss="elementwise absolute value",
        numpy="self.m[{o}] = np.abs(self.m[{a}])",
        reference=lambda q: np.abs(q.x),
        kernel="""
            for f in range(size2):
                for t in range(n_tasks):
                    mf[o, f, t] = abs(mf[a, f, t])
        """,
    ),
    OpSpec(
        Op.MATRIX_SUM_OP,
        out=M,
        inputs=(M, M),
        template="{out} = {in1} + {in2}",
        group="elementwise",
        commutative=True,
        algebra="sum",
        gloss="elementwise sum",
        numpy="self.m[{o}] = self.m[{a}] + self.m[{b}]",
        reference=lambda q: q.x + q.y,
        kernel="""
            for f in range(size2):
                for t in range(n_tasks):
                    mf[o, f, t] = mf[a, f, t] + mf[b, f, t]
        """,
    ),
    OpSpec(
        Op.MATRIX_DIFF_OP,
        out=M,
        inputs=(M, M),
        template="{out} = {in1} - {in2}",
        group="elementwise",
        gloss="elementwise difference",
        numpy="self.m[{o}] = self.m[{a}] - self.m[{b}]",
        reference=lambda q: q.x - q.y,
        kernel="""
            for f in range(size2):
                for t in range(n_tasks):
                    mf[o, f, t] = mf[a, f, t] - mf[b, f, t]
        """,
    ),
    OpSpec(
        Op.MATRIX_PRODUCT_OP,
        out=M,
        inputs=(M, M),
        template="{out} = {in1} * {in2}",
        group="elementwise",
        commutative=True,
        algebra="product",
        gloss="elementwise product",
        numpy="self.m[{o}] = self.m[{a}] * self.m[{b}]",
        reference=lambda q: q.x * q.y,
        kernel="""
            for f in range(size2):
                for t in range(n_tasks):
                    mf[o, f, t] = mf[a, f, t] * mf[b, f, t]
        """,
    ),
    OpSpec(
        Op.MATRIX_DIVISION_OP,
        out=M,
        inputs=(M, M),
        template="{out} = {in1} / {in2}",
        group="elementwise",
        gloss="elementwise quotient",
        numpy="self.m[{o}] = self.m[{a}] / self.m[{b}]",
        reference=lambda q: q.x / q.y,
        kernel="""
            for f in range(size2):
                for t in range(n_tasks):
                    mf[o, f, t] = mf[a, f, t] / mf[b, f, t]
        """,
    ),
    OpSpec(
        Op.MATRIX_MATRIX_PRODUCT_OP,
        out=M,
        inputs=(M, M),
        template="{out} = matmul({in1}, {in2})",
        aliases=("{out} = {in1} @ {in2}",),
        group="linear_algebra",
        cost_power=3,
        gloss="matrix product",
        numpy="self.m[{o}] = _matmul(self.m[{a}], self.m[{b}])",
        numpy_helpers=("_matmul",),
        reference=lambda q: nm.matmul(q.x, q.y),
        kernel="""
            for r in range(size):
                for c in range(size):
                    dot_rows(tmp_m[r, c], m[a, r], m[b, :, c])
            for r in range(size):
                for c in range(size):
                    for t in range(n_tasks):
                        m[o, r, c, t] = tmp_m[r, c, t]
        """,
    ),
    OpSpec(
        Op.SCALAR_MIN_OP,
        out=S,
        inputs=(S, S),
        template="{out} = minimum({in1}, {in2})",
        group="scalar",
        gloss="smaller of the two",
        numpy="self.s[{o}] = self.s[{b}] if self.s[{b}] < self.s[{a}] else self.s[{a}]",
        reference=lambda q: nm.minimum(q.x, q.y),
        kernel="""
            for t in range(n_tasks):
                x = s[a, t]
                y = s[b, t]
                s[o, t] = y if y < x else x
        """,
    ),
    OpSpec(
        Op.VECTOR_MIN_OP,
        out=V,
        inputs=(V, V),
        template="{out} = minimum({in1}, {in2})",
        group="elementwise",
        gloss="elementwise minimum",
        numpy="self.v[{o}] = np.where(self.v[{b}] < self.v[{a}], self.v[{b}], self.v[{a}])",
        reference=lambda q: nm.minimum(q.x, q.y),
        kernel="""
            for f in range(size):
                for t in range(n_tasks):
                    x = v[a, f, t]
                    y = v[b, f, t]
                    v[o, f, t] = y if y < x else x
        """,
    ),
    OpSpec(
        Op.MATRIX_MIN_OP,
        out=M,
        inputs=(M, M),
        template="{out} = minimum({in1}, {in2})",
        group="elementwise",
        gloss="elementwise minimum",
        numpy="self.m[{o}] = np.where(self.m[{a}] < self.m[{b}], self.m[{a}], self.m[{b}])",
        reference=lambda q: nm.second_on_tie_minimum(q.x, q.y),
        kernel="""
            for f in range(size2):
                for t in range(n_tasks):
                    x = mf[a, f, t]
                    y = mf[b, f, t]
                    mf[o, f, t] = x if x < y else y
        """,
    ),
    OpSpec(
        Op.SCALAR_MAX_OP,
        out=S,
        inputs=(S, S),
        template="{out} = maximum({in1}, {in2})",
        group="scalar",
        gloss="larger of the two",
        numpy="self.s[{o}] = self.s[{b}] if self.s[{a}] < self.s[{b}] else self.s[{a}]",
        reference=lambda q: nm.maximum(q.x, q.y),
        kernel="""
            for t in range(n_tasks):
                x = s[a, t]
                y = s[b, t]
                s[o, t] = y if x < y else x
        """,
    ),
    OpSpec(
        Op.VECTOR_MAX_OP,
        out=V,
        inputs=(V, V),
        template="{out} = maximum({in1}, {in2})",
        group="elementwise",
        gloss="elementwise maximum",
        numpy="self.v[{o}] = np.where(self.v[{a}] < self.v[{b}], self.v[{b}], self.v[{a}])",
        reference=lambda q: nm.maximum(q.x, q.y),
        kernel="""
            for f in range(size):
                for t in range(n_tasks):
                    x = v[a, f, t]
                    y = v[b, f, t]
                    v[o, f, t] = y if x < y else x
        """,
    ),
    OpSpec(
        Op.MATRIX_MAX_OP,
        out=M,
        inputs=(M, M),
        template="{out} = maximum({in1}, {in2})",
        group="elementwise",
        gloss="elementwise maximum",
        numpy="self.m[{o}] = np.where(self.m[{a}] > self.m[{b}], self.m[{a}], self.m[{b}])",
        reference=lambda q: nm.second_on_tie_maximum(q.x, q.y),
        kernel="""
            for f in range(size2):
                for t in range(n_tasks):
                    x = mf[a, f, t]
                    y = mf[b, f, t]
                    mf[o, f, t] = x if x > y else y
        """,
    ),
    OpSpec(
        Op.VECTOR_MEAN_OP,
        out=S,
        inputs=(V,),
        template="{out} = mean({in1})",
        group="statistics",
        gloss="mean of the elements of {a}",
        numpy="self.s[{o}] = _mean(self.v[{a}])",
        numpy_helpers=("_mean",),
        reference=lambda q: nm.mean(q.x),
        kernel="""
            for t in range(n_tasks):
                total = v[a, 0, t]
                for f in range(1, size):
                    total += v[a, f, t]
                s[o, t] = total / size
        """,
    ),
    OpSpec(
        Op.MATRIX_MEAN_OP,
        out=S,
        inputs=(M,),
        template="{out} = mean({in1})",
        group="statistics",
        gloss="mean of the elements of {a}",
        numpy="self.s[{o}] = _mean(self.m[{a}])",
        numpy_helpers=("_mean",),
        reference=lambda q: nm.mean(q.x),
        kernel="""
            for t in range(n_tasks):
                total = mf[a, 0, t]
                for f in range(1, size2):
                    total += mf[a, f, t]
                s[o, t] = total / size2
        """,
    ),
    OpSpec(
        Op.MATRIX_ROW_MEAN_OP,
        out=V,
        inputs=(M,),
        template="{out} = mean({in1}, axis=1)",
        group="statistics",
        gloss="mean of each row",
        numpy="self.v[{o}] = [_mean(self.m[{a}][i, :]) for i in range({F})]",
        numpy_helpers=("_mean",),
        reference=lambda q: np.array([nm.mean(q.x[i, :]) for i in range(q.size)]),
        kernel="""
            for r in range(size):
                for t in range(n_tasks):
                    total = m[a, r, 0, t]
                    for c in range(1, size):
                        total += m[a, r, c, t]
                    v[o, r, t] = total / size
        """,
    ),
    OpSpec(
        Op.MATRIX_ROW_ST_DEV_OP,
        out=V,
        inputs=(M,),
        template="{out} = std({in1}, axis=1)",
        group="statistics",
        gloss="standard deviation of each row",
        numpy="self.v[{o}] = [_std(self.m[{a}][i, :]) for i in range({F})]",
        numpy_helpers=("_std",),
        reference=lambda q: np.array([nm.std(q.x[i, :]) for i in range(q.size)]),
        kernel="""
            for r in range(size):
                for t in range(n_tasks):
                    x = m[a, r, 0, t]
                    total = x
                    squares = x * x
                    for c in range(1, size):
                        x = m[a, r, c, t]
                        total += x
                        squares += x * x
                    mean = total / size
                    v[o, r, t] = math.sqrt(squares / size - mean * mean)
        """,
    ),
    OpSpec(
        Op.VECTOR_ST_DEV_OP,
        out=S,
        inputs=(V,),
        template="{out} = std({in1})",
        group="statistics",
        gloss="standard deviation of the elements of {a}",
        numpy="self.s[{o}] = _std(self.v[{a}])",
        numpy_helpers=("_std",),
        reference=lambda q: nm.std(q.x),
        kernel="""
            for t in range(n_tasks):
                x = v[a, 0, t]
                total = x
                squares = x * x
                for f in range(1, size):
                    x = v[a, f, t]
                    total += x
                    squares += x * x
                mean = total / size
                s[o, t] = math.sqrt(squares / size - mean * mean)
        """,
    ),
    OpSpec(
        Op.MATRIX_ST_DEV_OP,
        out=S,
        inputs=(M,),
        template="{out} = std({in1})",
        group="statistics",
        gloss="standard deviation of the elements of {a}",
        numpy="self.s[{o}] = _std(self.m[{a}])",
        numpy_helpers=("_std",),
        reference=lambda q: nm.std(q.x),
        kernel="""
            for t in range(n_tasks):
                x = mf[a, 0, t]
                total = x
                squares = x * x
                for f in range(1, size2):
                    x = mf[a, f, t]
                    total += x
                    squares += x * x
                mean = total / size2
                s[o, t] = math.sqrt(squares / size2 - mean * mean)
        """,
    ),
    OpSpec(
        Op.SCALAR_CONST_SET_OP,
        out=S,
        params=(Param.VALUE,),
        template="{out} = {d0}",
        group="setter",
        gloss="a constant",
        numpy="self.s[{o}] = {d0}",
        reference=lambda q: q.d[0],
        kernel="""
            value = floats[i, 0]
            for t in range(n_tasks):
                s[o, t] = value
        """,
    ),
    OpSpec(
        Op.VECTOR_CONST_SET_OP,
        out=V,
        params=(
            Param.INDEX,
            Param.VALUE,
        ),
        template="{out}[{d0}] = {d1}",
        group="setter",
        partial_write=True,
        gloss="set one element (index = fraction of the feature size)",
        numpy="self.v[{o}, _index({d0}, {F})] = {d1}",
        numpy_helpers=("_index",),
        reference=_set_vector_element,
        kernel="""
            f = index_of(floats[i, 0], size)
            value = floats[i, 1]
            for t in range(n_tasks):
                v[o, f, t] = value
        """,
    ),
    OpSpec(
        Op.MATRIX_CONST_SET_OP,
        out=M,
        params=(
            Param.INDEX,
            Param.INDEX,
            Param.VALUE,
        ),
        template="{out}[{d0}, {d1}] = {d2}",
        group="setter",
        partial_write=True,
        gloss="set one element (indices = fractions of the feature size)",
        numpy="self.m[{o}, _index({d0}, {F}), _index({d1}, {F})] = {d2}",
        numpy_helpers=("_index",),
        reference=_set_matrix_element,
        kernel="""
            r = index_of(floats[i, 0], size)
            c = index_of(floats[i, 1], size)
            value = floats[i, 2]
            for t in range(n_tasks):
                m[o, r, c, t] = value
        """,
    ),
    OpSpec(
        Op.SCALAR_UNIFORM_SET_OP,
        out=S,
        params=(
            Param.LOW,
            Param.HIGH,
        ),
        template="{out} = uniform({d0}, {d1})",
        group="setter",
        random=True,
        gloss="uniform random number",
        numpy="self.s[{o}] = self.rng.uniform({d0}, {d1})",
        numpy_helpers=("SplitMix64",),
        reference=lambda q: q.d[0] if q.d[0] > q.d[1] else q.rng.uniform(q.d[0], q.d[1]),  # low > high: low
        kernel="""
            low = floats[i, 0]
            high = floats[i, 1]
            if low > high:
                for t in range(n_tasks):
                    s[o, t] = low
            else:
                for t in range(n_tasks):
                    s[o, t] = low + (high - low) * task_uniform(rng, t)
        """,
    ),
    OpSpec(
        Op.VECTOR_UNIFORM_SET_OP,
        out=V,
        params=(
            Param.LOW,
            Param.HIGH,
        ),
        template="{out} = uniform({d0}, {d1}, n_features)",
        group="setter",
        random=True,
        gloss="uniform random numbers",
        numpy="self.v[{o}] = self.rng.uniform({d0}, {d1}, ({F},))",
        numpy_helpers=("SplitMix64",),
        reference=lambda q: _uniform_array(q, (q.size,)),
        kernel="""
            low = floats[i, 0]
            high = floats[i, 1]
            if low > high:
                for f in range(size):
                    for t in range(n_tasks):
                        v[o, f, t] = low
            else:
                for t in range(n_tasks):
                    for f in range(size):
                        v[o, f, t] = low + (high - low) * task_uniform(rng, t)
        """,
    ),
    OpSpec(
        Op.MATRIX_UNIFORM_SET_OP,
        out=M,
        params=(
            Param.LOW,
            Param.HIGH,
        ),
        template="{out} = uniform({d0}, {d1}, (n_features, n_features))",
        group="setter",
        random=True,
        gloss="uniform random numbers",
        numpy="self.m[{o}] = self.rng.uniform({d0}, {d1}, ({F}, {F}))",
        numpy_helpers=("SplitMix64",),
        reference=lambda q: _uniform_array(q, (q.size, q.size)),
        kernel="""
            low = floats[i, 0]
            high = floats[i, 1]
            if low > high:
                for f in range(size2):
                    for t in range(n_tasks):
                        mf[o, f, t] = low
            else:
                for t in range(n_tasks):
                    for f in range(size2):
                        mf[o, f, t] = low + (high - low) * task_uniform(rng, t)
        """,
    ),
    OpSpec(
        Op.SCALAR_GAUSSIAN_SET_OP,
        out=S,
        params=(
            Param.MEAN,
            Param.STD,
        ),
        template="{out} = gaussian({d0}, {d1})",
        group="setter",
        random=True,
        gloss="Gaussian random number (mean, std)",
        numpy="self.s[{o}] = self.rng.gaussian({d0}, {d1})",
        numpy_helpers=("SplitMix64",),
        reference=lambda q: q.rng.gaussian(q.d[0], q.d[1]),
        kernel="""
            for t in range(n_tasks):
                s[o, t] = task_gaussian(rng, t, floats[i, 0], floats[i, 1])
        """,
    ),
    OpSpec(
        Op.VECTOR_GAUSSIAN_SET_OP,
        out=V,
        params=(
            Param.MEAN,
            Param.STD,
        ),
        template="{out} = gaussian({d0}, {d1}, n_features)",
        group="setter",
        random=True,
        gloss="Gaussian random numbers (mean, std)",
        numpy="self.v[{o}] = self.rng.gaussian({d0}, {d1}, ({F},))",
        numpy_helpers=("SplitMix64",),
        reference=lambda q: nm.fill((q.size,), lambda: q.rng.gaussian(q.d[0], q.d[1])),
        kernel="""
            for t in range(n_tasks):
                for f in range(size):
                    v[o, f, t] = task_gaussian(rng, t, floats[i, 0], floats[i, 1])
        """,
    ),
    OpSpec(
        Op.MATRIX_GAUSSIAN_SET_OP,
        out=M,
        params=(
            Param.MEAN,
            Param.STD,
        ),
        template="{out} = gaussian({d0}, {d1}, (n_features, n_features))",
        group="setter",
        random=True,
        gloss="Gaussian random numbers (mean, std)",
        numpy="self.m[{o}] = self.rng.gaussian({d0}, {d1}, ({F}, {F}))",
        numpy_helpers=("SplitMix64",),
        reference=lambda q: nm.fill((q.size, q.size), lambda: q.rng.gaussian(q.d[0], q.d[1])),
        kernel="""
            for t in range(n_tasks):
                for f in range(size2):
                    mf[o, f, t] = task_gaussian(rng, t, floats[i, 0], floats[i, 1])
        """,
    ),
)
_NUM_BUILTIN = len(_BUILTIN_ROWS)


class OpTable(Sequence[OpSpec]):
    """The op table, indexed by op number: ``OPS[n].op == n``.

    A sequence that grows only through :func:`register_op`, so that modules
    holding it see the ops registered after their import.
    """

    def __init__(self, rows: Sequence[OpSpec]) -> None:
        self._rows = list(rows)

    @overload
    def __getitem__(self, index: int) -> OpSpec: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[OpSpec]: ...

    def __getitem__(self, index: int | slice) -> OpSpec | Sequence[OpSpec]:
        if isinstance(index, slice):
            return tuple(self._rows[index])
        return self._rows[index]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[OpSpec]:
        return iter(tuple(self._rows))

    def __repr__(self) -> str:
        return f"OpTable({len(self)} ops)"


#: The op table, indexed by op number: ``OPS[n].op == n``.
OPS = OpTable(_BUILTIN_ROWS)
#: Number of real parameter slots per instruction (``d0``, ``d1``, ``d2``).
NUM_PARAMS = 3

assert all(row.number == i for i, row in enumerate(OPS)), "op table out of order"
assert len(Op) == len(OPS), "every member of Op needs a row"


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
    if not 0 <= number < len(OPS):
        raise ValueError(f"unknown op number {number}; ops are numbered 0..{len(OPS) - 1}")
    return OPS[number]


def ops_from_names(names: list[str] | tuple[str, ...]) -> tuple[Op, ...]:
    """Turn a list of op names (as in a config) into ops, keeping order."""
    return tuple(spec(name).op for name in names)


# ---------------------------------------------------------------------------
# User-defined ops
# ---------------------------------------------------------------------------

#: Environment variable naming modules (comma-separated) that register ops; they are imported
#: when this module is, so every process of a run (workers included) has the same table.
OPS_MODULES_VARIABLE = "AUTOML_ZERO_OPS"

# Set when a module derives compiled code or arrays from the table; registering afterwards
# would leave them without the new op.
_frozen_by: str | None = None


def freeze(user: str) -> None:
    """Mark the table as read by ``user`` (a module that compiles it): later registrations fail."""
    global _frozen_by
    if _frozen_by is None:
        _frozen_by = user


def _new_member(name: str, number: int) -> Op:
    # Enums cannot be extended through their public API; a registered op still has to be an Op
    # (Op(n), Op[name], iteration and .name work everywhere), so the member is added the way
    # EnumType itself adds one.
    member = int.__new__(Op, number)
    member._name_ = name
    member._value_ = number
    Op._member_names_.append(name)
    Op._member_map_[name] = member
    Op._value2member_map_[number] = member
    type.__setattr__(Op, name, member)
    return member


def _check_template(row: OpSpec) -> None:
    """Raise ValueError unless the printed form names every operand and differs from every other op's."""
    slots = set(re.findall(r"\{(\w+)\}", row.template))
    wanted = {"out"} | {f"in{i + 1}" for i in range(len(row.inputs))} | {f"d{i}" for i in range(len(row.params))}
    if slots != wanted:
        raise ValueError(f"template {row.template!r} must use exactly the slots {sorted(wanted)}, got {sorted(slots)}")

    def example(r: OpSpec, template: str) -> str:
        names = {f"d{i}": "0.5" for i in range(3)}
        if r.out is not None:
            names["out"] = f"{r.out.prefix}3"
        names.update({f"in{i + 1}": f"{k.prefix}{i + 1}" for i, k in enumerate(r.inputs)})
        return template.format(**names).replace(" ", "")

    mine = {example(row, t) for t in (row.template, *row.aliases)}
    for other in OPS:
        if mine & {example(other, t) for t in (other.template, *other.aliases)}:
            raise ValueError(f"template {row.template!r} reads the same as {other.name}'s")


def register_op(name: str, **fields: Any) -> OpSpec:
    """Add an op to the table and return its row.

    Call it when your module is imported, before anything compiles the
    table: before importing :mod:`automl_zero.vm.compiled` (or the search,
    the experiment, ...) in a script, or by naming the module in the
    ``AUTOML_ZERO_OPS`` environment variable for the command line. The op
    then parses, prints, mutates, evaluates in both executors, simplifies
    and exports like a built-in one, and configs name it in their op lists.

    Parameters
    ----------
    name : str
        Upper-case name; ``_OP`` is appended if missing (``"VECTOR_SOFTMAX"``
        becomes ``VECTOR_SOFTMAX_OP``, configs may write ``vector_softmax``).
    **fields
        The :class:`OpSpec` fields: ``out``, ``template``, ``kernel``,
        ``reference``, ``numpy`` are required; ``inputs``, ``params``,
        ``gloss``, ``group`` (default ``"custom"``), ``aliases``,
        ``partial_write``, ``random``, ``cost_power``, ``commutative``,
        ``algebra``, ``numpy_helpers``, ``kernel_imports`` are optional.

    Returns
    -------
    OpSpec
        The new row; its ``op`` is a new member of :class:`Op`, numbered
        after every op registered before.

    Raises
    ------
    RuntimeError
        If a module has already compiled the table.
    ValueError
        On a taken or malformed name, a missing or malformed field, or a
        printed form that another op already has.

    """
    if _frozen_by is not None:
        raise RuntimeError(
            f"register op {name!r} before importing {_frozen_by} (it has compiled the op table): import the "
            f"module that registers it first, or name that module in {OPS_MODULES_VARIABLE}"
        )
    key = name.strip().upper()
    if not key.endswith("_OP"):
        key += "_OP"
    if not key.isidentifier() or key in Op.__members__:
        raise ValueError(f"op name {key!r} is taken or not an identifier")
    for required in ("out", "template", "kernel", "reference", "numpy"):
        if fields.get(required) is None or fields[required] == "":  # Kind.SCALAR is 0: test for absence
            raise ValueError(f"op {key}: the field {required!r} is required")
    if not isinstance(fields["out"], Kind):
        raise ValueError(f"op {key}: out must be a Kind, got {fields['out']!r}")
    if fields.get("algebra", "") not in ALGEBRA:
        raise ValueError(f"op {key}: algebra must be one of {ALGEBRA}")
    if not callable(fields["reference"]):
        raise ValueError(f"op {key}: reference must be a function of the Operands")
    fields.setdefault("group", "custom")
    fields.setdefault("gloss", key.removesuffix("_OP").lower().replace("_", " "))
    # Build and check the row before the enum grows, so that a bad row leaves no trace.
    probe = OpSpec(Op.NO_OP, **fields)
    if len(probe.inputs) > 2 or len(probe.params) > NUM_PARAMS:
        raise ValueError(f"op {key}: at most 2 inputs and {NUM_PARAMS} parameters")
    _check_template(probe)
    row = OpSpec(_new_member(key, len(OPS)), **fields)
    OPS._rows.append(row)
    return row


def table_fingerprint() -> str:
    """Text that changes whenever anything the compiled code takes from the table does.

    Compiled kernels freeze the table's numbers, kinds, flags and kernels;
    their cache is keyed by this text (and the package's sources), so that a
    kernel compiled for another table can never load.
    """
    parts = []
    for row in OPS:
        parts.append(
            repr(
                (
                    row.number,
                    row.name,
                    row.out,
                    row.inputs,
                    row.params,
                    row.partial_write,
                    row.random,
                    row.cost_power,
                    row.kernel,
                    row.kernel_imports,
                )
            )
        )
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# Presets
# ---------------------------------------------------------------------------

#: A full setting close to the paper's: Setup sets constants and random values;
#: Predict and Learn use every other op plus scalar constants (built-in ops only).
SETUP_OPS: tuple[Op, ...] = tuple(s.op for s in OPS if s.group == "setter")
LEARN_OPS: tuple[Op, ...] = (
    *(s.op for s in OPS if s.op != Op.NO_OP and s.group != "setter"),
    Op.SCALAR_CONST_SET_OP,
)
PREDICT_OPS: tuple[Op, ...] = LEARN_OPS
#: The built-in ops.
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

# Last, so that the modules see every name above: they import this module to register.
for _module in filter(None, (part.strip() for part in os.environ.get(OPS_MODULES_VARIABLE, "").split(","))):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as _error:
        if _error.name != _module:
            raise  # the module exists but one of its own imports is missing
        raise ModuleNotFoundError(
            f"{OPS_MODULES_VARIABLE} names module {_module!r}, which is not on the path (put its folder on PYTHONPATH)",
            name=_module,
        ) from None
