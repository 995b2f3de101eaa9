"""The search space: memory, allowed ops, component-function sizes, mutation types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from automl_zero.algorithm import Algorithm, MemorySize
from automl_zero.mutation import (
    CONSTANT_INITS,
    CONSTANT_MUTATIONS,
    SEMANTIC_SCALE,
    SP_CONSTANT_INIT,
    SP_CONSTANTS,
    SP_INIT,
    SP_M,
    SP_MAX,
    SP_MIN,
    SP_NUM_MUTATIONS,
    SP_NUM_OPS,
    SP_S,
    SP_SEMANTIC,
    SP_SIZE,
    SP_V,
    MutationType,
)
from automl_zero.ops import DEMO_OPS, OPS, Kind, Op, spec

DEMO_MUTATIONS = (
    MutationType.ALTER_PARAM,
    MutationType.RANDOMIZE_INSTRUCTION,
    MutationType.RANDOMIZE_COMPONENT_FUNCTION,
)


@dataclass(frozen=True)
class SearchSpace:
    """What evolution may build.

    Parameters
    ----------
    memory : MemorySize
    setup_ops, predict_ops, learn_ops : tuple of Op
        Allowed ops per component function.
    sizes : tuple of int
        Sizes of Setup, Predict and Learn in random initial algorithms.
    min_sizes, max_sizes : tuple of int
        Bounds for insertions and removals; equal to ``sizes`` (the default)
        for fixed-size component functions.
    mutations : tuple of MutationType
        Allowed mutation types, picked uniformly.
    constant_mutation : {"log_normal", "scale"}
        How ALTER_PARAM changes a real constant: flip its sign with
        probability 0.1 and otherwise step it on a log scale by N(0, 1), as
        the original's code does (the default: more demo experiments
        succeed, docs/RESULTS.md), or multiply it by U[0.5, 2] (sign flipped
        with probability 0.1), as the paper words it.
    semantic_mutation_prob : float
        Probability that an instruction made by RANDOMIZE_INSTRUCTION or an
        insertion is semantic: its inputs read addresses that hold a value
        there and its output is an address that something reads, so that it
        is less often dead on arrival (the paper's suggested future work).
        0 (the default) keeps every address uniform, as in the original.
    constant_init : {"uniform", "log_uniform"}
        How a new instruction draws a setter's constant: from U[-1, 1], as
        the original does (the default), or a random sign times 10**U[-4, 0],
        as likely in each decade from 1e-4 to 1.

    """

    memory: MemorySize = field(default_factory=lambda: MemorySize(4, 3, 1))
    setup_ops: tuple[Op, ...] = DEMO_OPS
    predict_ops: tuple[Op, ...] = DEMO_OPS
    learn_ops: tuple[Op, ...] = DEMO_OPS
    sizes: tuple[int, int, int] = (10, 2, 8)
    min_sizes: tuple[int, int, int] | None = None
    max_sizes: tuple[int, int, int] | None = None
    mutations: tuple[MutationType, ...] = DEMO_MUTATIONS
    constant_mutation: str = "log_normal"
    semantic_mutation_prob: float = 0.0
    constant_init: str = "uniform"

    def __post_init__(self) -> None:
        if self.constant_init not in CONSTANT_INITS:
            raise ValueError(f"constant_init must be one of {', '.join(CONSTANT_INITS)}, got {self.constant_init!r}")
        if self.constant_mutation not in CONSTANT_MUTATIONS:
            raise ValueError(
                f"constant_mutation must be one of {', '.join(CONSTANT_MUTATIONS)}, got {self.constant_mutation!r}"
            )
        if not 0.0 <= self.semantic_mutation_prob <= 1.0:
            raise ValueError(f"semantic_mutation_prob must be in [0, 1], got {self.semantic_mutation_prob!r}")
        for name in ("setup_ops", "predict_ops", "learn_ops"):
            object.__setattr__(self, name, tuple(spec(op).op for op in getattr(self, name)))
        object.__setattr__(self, "mutations", tuple(MutationType(m) for m in self.mutations))
        low = self.sizes if self.min_sizes is None else self.min_sizes
        high = self.sizes if self.max_sizes is None else self.max_sizes
        object.__setattr__(self, "min_sizes", tuple(low))
        object.__setattr__(self, "max_sizes", tuple(high))
        for i, name in enumerate(("Setup", "Predict", "Learn")):
            if not 0 <= low[i] <= self.sizes[i] <= high[i]:
                raise ValueError(
                    f"{name} sizes must satisfy 0 <= min <= initial <= max, got {low[i]}, {self.sizes[i]}, {high[i]}"
                )
            if high[i] > 0 and not self.ops(i):
                raise ValueError(f"{name} may hold instructions but has no allowed ops")
        if not self.mutations:
            raise ValueError("at least one mutation type must be allowed")
        for op in set(self.setup_ops) | set(self.predict_ops) | set(self.learn_ops):
            out = OPS[op].out
            if out is not None and out is not Kind.MATRIX and self.memory.count(out) < 2:
                raise ValueError(
                    f"op {op.name} writes a {out.name.lower()}, but memory has no {out.name.lower()} it may write "
                    f"({out.prefix}0 is read-only); give memory at least 2 {out.name.lower()}s"
                )

    def ops(self, component: int) -> tuple[Op, ...]:
        """Allowed ops of component function 0 (Setup), 1 (Predict) or 2 (Learn)."""
        return (self.setup_ops, self.predict_ops, self.learn_ops)[component]

    def all_ops(self) -> tuple[Op, ...]:
        """Every op allowed in any component function, in op order (what the search's evaluation compiles)."""
        return tuple(sorted(set(self.setup_ops) | set(self.predict_ops) | set(self.learn_ops)))

    @property
    def capacity(self) -> int:
        """Instructions a component function may hold at most."""
        return max(1, *self.max_sizes)  # type: ignore[misc]

    def allowed(self) -> dict[str, Sequence[Op]]:
        """Allowed ops per component name, as :meth:`Algorithm.validate` takes them."""
        return {"setup": self.setup_ops, "predict": self.predict_ops, "learn": self.learn_ops}

    def validate(self, algorithm: Algorithm) -> None:
        """Raise ValueError if ``algorithm`` is outside this space."""
        algorithm.validate(self.memory, self.allowed())
        for i, (name, component) in enumerate(algorithm.components()):
            low, high = self.min_sizes[i], self.max_sizes[i]  # type: ignore[index]
            if not low <= len(component) <= high:
                raise ValueError(
                    f"{name.capitalize()} has {len(component)} instructions; this space allows {low}..{high}"
                )

    def to_ints(self) -> np.ndarray:
        """The space as the int64 vector the compiled search reads."""
        out = np.zeros(SP_SIZE, dtype=np.int64)
        out[SP_S], out[SP_V], out[SP_M] = self.memory.scalars, self.memory.vectors, self.memory.matrices
        out[SP_INIT : SP_INIT + 3] = self.sizes
        out[SP_MIN : SP_MIN + 3] = self.min_sizes  # type: ignore[assignment]
        out[SP_MAX : SP_MAX + 3] = self.max_sizes  # type: ignore[assignment]
        out[SP_NUM_OPS : SP_NUM_OPS + 3] = [len(self.ops(i)) for i in range(3)]
        out[SP_NUM_MUTATIONS] = len(self.mutations)
        out[SP_CONSTANTS] = CONSTANT_MUTATIONS.index(self.constant_mutation)
        out[SP_SEMANTIC] = round(self.semantic_mutation_prob * SEMANTIC_SCALE)
        out[SP_CONSTANT_INIT] = CONSTANT_INITS.index(self.constant_init)
        return out

    def op_table(self) -> np.ndarray:
        """Allowed ops per component, padded: shape (3, number of ops)."""
        table = np.zeros((3, len(OPS)), dtype=np.int64)
        for i in range(3):
            ops = self.ops(i)
            table[i, : len(ops)] = ops
        return table

    def mutation_table(self) -> np.ndarray:
        """Allowed mutation types as int64."""
        return np.array(self.mutations, dtype=np.int64)
