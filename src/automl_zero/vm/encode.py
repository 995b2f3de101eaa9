"""Algorithms as flat arrays, the form the compiled core reads and the search keeps."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from automl_zero.algorithm import Algorithm, Instruction, MemorySize
from automl_zero.ops import NUM_PARAMS, OPS, Op


@functools.cache
def _operand_kinds(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kinds of in1, in2 and out of the first ``count`` ops; 3 marks "no operand" (address 0, below the limit 1)."""
    rows = OPS[:count]
    in1 = np.array([s.inputs[0] if len(s.inputs) > 0 else 3 for s in rows], dtype=np.int64)
    in2 = np.array([s.inputs[1] if len(s.inputs) > 1 else 3 for s in rows], dtype=np.int64)
    out = np.array([3 if s.out is None else s.out for s in rows], dtype=np.int64)
    return in1, in2, out


#: Columns of :attr:`EncodedAlgorithm.ints`.
OP, IN1, IN2, OUT = 0, 1, 2, 3


@dataclass(frozen=True, eq=False)
class EncodedAlgorithm:
    """An algorithm as arrays: Setup, then Predict, then Learn, row by row.

    Attributes
    ----------
    ints : ndarray of int64, shape (n, 4)
        op, in1, in2, out of each instruction.
    floats : ndarray of float64, shape (n, 3)
        d0, d1, d2 of each instruction.
    sizes : tuple of int
        Number of instructions in Setup, Predict and Learn.

    """

    ints: np.ndarray
    floats: np.ndarray
    sizes: tuple[int, int, int]

    def __post_init__(self) -> None:
        # The compiled core is called without type checks: arrays must be exactly these types.
        object.__setattr__(self, "ints", np.ascontiguousarray(self.ints, dtype=np.int64))
        object.__setattr__(self, "floats", np.ascontiguousarray(self.floats, dtype=np.float64))
        object.__setattr__(self, "sizes", tuple(int(x) for x in self.sizes))
        n = sum(self.sizes)
        if self.ints.shape != (n, 4) or self.floats.shape != (n, NUM_PARAMS):
            raise ValueError(
                f"encoded arrays have shapes {self.ints.shape}, {self.floats.shape}; expected ({n}, 4), ({n}, 3)"
            )
        object.__setattr__(self, "_checked_for", None)

    def check(self, memory: MemorySize) -> None:
        """Raise ValueError unless every op and address is valid for ``memory``.

        The compiled core reads these arrays without bounds checks, so the
        executors call this; the result is remembered per memory size.
        """
        checked = self.__dict__.get("_checked_for")
        if checked is memory or checked == memory:  # identity first: this runs on every evaluation
            return
        ops = self.ints[:, OP]
        if len(ops) and (ops.min() < 0 or ops.max() >= len(OPS)):
            raise ValueError(f"encoded algorithm has op numbers outside 0..{len(OPS) - 1}")
        limits = np.array([memory.scalars, memory.vectors, memory.matrices, 1])
        for column, kinds in zip((IN1, IN2, OUT), _operand_kinds(len(OPS)), strict=True):
            kind = kinds[ops]
            address = self.ints[:, column]
            read_only = (column == OUT) & (kind < 2) & (address == 0)  # s0 and v0
            bad = (address < 0) | (address >= limits[kind]) | read_only
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"encoded algorithm row {row} {self.ints[row].tolist()}: address out of range for {memory}"
                )
        object.__setattr__(self, "_checked_for", memory)

    def ops_within(self, allowed: np.ndarray) -> bool:
        """Whether ``allowed`` (a bool per op number) marks every op; a yes is remembered per array.

        Examples
        --------
        >>> from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION
        >>> from automl_zero.ops import OPS, Op
        >>> allowed = np.ones(len(OPS), dtype=bool)
        >>> encode(REFERENCE_LINEAR_REGRESSION).ops_within(allowed)
        True
        >>> allowed[Op.VECTOR_INNER_PRODUCT_OP] = False
        >>> encode(REFERENCE_LINEAR_REGRESSION).ops_within(allowed)
        False

        """
        if self.__dict__.get("_within") is allowed:  # identity: this runs on every evaluation
            return True
        within = bool(allowed[self.ints[:, OP]].all())
        if within:
            object.__setattr__(self, "_within", allowed)
        return within


def encode(algorithm: Algorithm) -> EncodedAlgorithm:
    """Turn an :class:`~automl_zero.algorithm.Algorithm` into arrays."""
    instructions = algorithm.setup + algorithm.predict + algorithm.learn
    ints = np.array([(i.op, i.in1, i.in2, i.out) for i in instructions], dtype=np.int64).reshape(-1, 4)
    floats = np.array([i.data for i in instructions], dtype=np.float64).reshape(-1, NUM_PARAMS)
    return EncodedAlgorithm(ints, floats, (len(algorithm.setup), len(algorithm.predict), len(algorithm.learn)))


def decode(encoded: EncodedAlgorithm) -> Algorithm:
    """Turn arrays back into an :class:`~automl_zero.algorithm.Algorithm`."""
    instructions = [
        Instruction(Op(int(op)), out=int(out), in1=int(in1), in2=int(in2), data=tuple(float(x) for x in data))
        for (op, in1, in2, out), data in zip(encoded.ints, encoded.floats, strict=True)
    ]
    a, b, _ = encoded.sizes
    return Algorithm(tuple(instructions[:a]), tuple(instructions[a : a + b]), tuple(instructions[a + b :]))
