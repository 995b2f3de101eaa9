"""Generation of random instructions and algorithms.

Choices follow the original (``instruction.cc``): addresses are uniform over
their kind (outputs start at 1 for scalars and vectors), constants are uniform
in [-1, 1], index fractions uniform in [0, 1), Gaussian means in [-1, 1] and
standard deviations in [0, 1], uniform bounds in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from automl_zero.algorithm import Algorithm, Instruction, MemorySize
from automl_zero.ops import OPS, Kind, Op, Param


def _address(rng: np.random.Generator, memory: MemorySize, kind: Kind, output: bool) -> int:
    low = 1 if output and kind is not Kind.MATRIX else 0
    return int(rng.integers(low, memory.count(kind)))


def _param(rng: np.random.Generator, param: Param) -> float:
    if param is Param.INDEX:
        return float(rng.uniform(0.0, 1.0))
    if param is Param.STD:
        return float(rng.uniform(0.0, 1.0))
    return float(rng.uniform(-1.0, 1.0))


def random_instruction(rng: np.random.Generator, op: Op, memory: MemorySize) -> Instruction:
    """Return an instruction of ``op`` with random addresses and parameters."""
    row = OPS[op]
    ins = [_address(rng, memory, kind, output=False) for kind in row.inputs] + [0, 0]
    out = 0 if row.out is None else _address(rng, memory, row.out, output=True)
    data = tuple(_param(rng, p) for p in row.params)
    return Instruction(op, out=out, in1=ins[0], in2=ins[1], data=data)


def random_component(
    rng: np.random.Generator, ops: Sequence[Op], size: int, memory: MemorySize
) -> tuple[Instruction, ...]:
    """Return ``size`` random instructions with ops drawn uniformly from ``ops``."""
    if size and not ops:
        raise ValueError("cannot generate instructions from an empty op list")
    return tuple(random_instruction(rng, ops[int(rng.integers(len(ops)))], memory) for _ in range(size))


def random_algorithm(
    rng: np.random.Generator,
    memory: MemorySize,
    sizes: tuple[int, int, int],
    setup_ops: Sequence[Op],
    predict_ops: Sequence[Op],
    learn_ops: Sequence[Op],
) -> Algorithm:
    """Return a random algorithm with fixed component-function sizes.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of every random choice.
    memory : MemorySize
        Address ranges.
    sizes : tuple of int
        Instructions in Setup, Predict and Learn.
    setup_ops, predict_ops, learn_ops : sequence of Op
        Allowed ops per component function.

    """
    return Algorithm(
        random_component(rng, setup_ops, sizes[0], memory),
        random_component(rng, predict_ops, sizes[1], memory),
        random_component(rng, learn_ops, sizes[2], memory),
    )
