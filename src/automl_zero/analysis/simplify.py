"""Simplify an algorithm: drop what cannot affect a prediction, renumber addresses.

Evolved algorithms carry dead code (values never read), overwritten values
and no-ops, and use addresses scattered over memory. :func:`simplify` keeps
only the instructions that the compiled liveness analysis
(:func:`~automl_zero.vm.compiled.live_instructions`) marks live, and renames
addresses canonically, so that equal programs print equally and run in the
smallest memory (:func:`memory_needed`).

The result computes exactly the same predictions as the original, on every
task and with the same random streams: liveness is a fixed point over the
Predict/Learn loop and knows the evaluation's fixed roles (s0 label, s1
prediction, v0 features; multiclass v1 and v2), random ops are kept together
when any of them is live (so each live one sees the same draws), and the
renaming is one bijection per kind over the whole algorithm (state persists
across component functions and examples, and an address read before any
write keeps its zero initial value).

Examples
--------
>>> from automl_zero.algorithm import make
>>> evolved = make(
...     setup=["s7 = 0.001", "s3 = 0.5"],
...     predict=["s1 = dot(v0, v4)"],
...     learn=["s5 = s0 - s1", "s6 = s5 * s7", "v3 = v0 * s6", "v4 = v4 + v3", "m0 = outer(v0, v0)"],
... )
>>> print(simplify(evolved), end="")
def Setup():
  s2 = 0.001
def Predict():
  s1 = dot(v0, v1)
def Learn():
  s3 = s0 - s1
  s4 = s3 * s2
  v2 = s4 * v0
  v1 = v1 + v2
>>> memory_needed(simplify(evolved))
MemorySize(scalars=5, vectors=3, matrices=1)

"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import numpy as np

from automl_zero.algorithm import (
    FEATURES_VECTOR,
    LABEL_SCALAR,
    LABELS_VECTOR,
    MAX_ADDRESSES,
    PREDICTION_SCALAR,
    PREDICTION_VECTOR,
    Algorithm,
    Instruction,
    memory_holding,
    memory_needed,
)
from automl_zero.ops import OPS, Kind, Op
from automl_zero.vm.compiled import live_instructions
from automl_zero.vm.encode import encode
from automl_zero.vm.reference import Memory, execute
from automl_zero.vm.rng import SplitMix64

__all__ = [
    "fixed_addresses",
    "hoist_constants",
    "live_mask",
    "memory_holding",
    "memory_needed",
    "reassociate",
    "renumber",
    "same_up_to_renaming_and_order",
    "simplify",
]


def fixed_addresses(*, multiclass: bool = False) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
    """Return the addresses with fixed roles per kind (scalars, vectors, matrices).

    s0 (label), s1 (prediction) and v0 (features); for multiclass tasks also
    v1 (one-hot label) and v2 (prediction vector). These are never renamed,
    and no other address is renamed to them.
    """
    vectors = {FEATURES_VECTOR}
    if multiclass:
        vectors |= {LABELS_VECTOR, PREDICTION_VECTOR}
    return frozenset({LABEL_SCALAR, PREDICTION_SCALAR}), frozenset(vectors), frozenset()


def _slots(instruction: Instruction) -> list[tuple[str, Kind, int]]:
    """The instruction's addresses in reading order (output, then inputs): ``(field, kind, address)``."""
    row = instruction.spec
    slots: list[tuple[str, Kind, int]] = []
    if row.out is not None:
        slots.append(("out", row.out, instruction.out))
    for i, kind in enumerate(row.inputs):
        slots.append((f"in{i + 1}", kind, (instruction.in1, instruction.in2)[i]))
    return slots


def _readdressed(instruction: Instruction, address: Callable[[str, Kind, int], int]) -> Instruction:
    """``instruction`` with each address replaced by ``address(field, kind, old address)``."""
    fields = {name: address(name, kind, old) for name, kind, old in _slots(instruction)}
    return Instruction(
        instruction.op,
        out=fields.get("out", 0),
        in1=fields.get("in1", 0),
        in2=fields.get("in2", 0),
        data=instruction.data,
    )


def live_mask(algorithm: Algorithm, *, multiclass: bool = False) -> list[bool]:
    """Return, per instruction (Setup, Predict, Learn in order), whether it can affect a prediction.

    No-ops are never live. See :func:`automl_zero.vm.compiled.live_instructions`.

    Raises
    ------
    ValueError
        If an address is beyond what a MemorySize allows (the analysis uses
        64-bit masks) or writes s0 or v0.

    """
    algorithm.validate(memory_needed(algorithm))
    encoded = encode(algorithm)
    keep = live_instructions(encoded.ints, *encoded.sizes, multiclass)
    instructions = algorithm.setup + algorithm.predict + algorithm.learn
    return [bool(k) and i.op != Op.NO_OP for k, i in zip(keep.tolist(), instructions, strict=True)]


def renumber(algorithm: Algorithm, *, multiclass: bool = False) -> Algorithm:
    """Rename addresses canonically, one bijection per kind over the whole algorithm.

    Fixed-role addresses (:func:`fixed_addresses`) keep their numbers; every
    other address gets, in order of first appearance (Setup, Predict, Learn;
    within an instruction its output, then its inputs), the lowest number
    that is neither a fixed role nor taken. The renamed algorithm computes
    the same as the original in any memory that holds both.

    Examples
    --------
    >>> from automl_zero.algorithm import make
    >>> print(renumber(make(predict=["s1 = s5 + s3"], learn=["s3 = s0 - s5"])), end="")
    def Setup():
    def Predict():
      s1 = s2 + s3
    def Learn():
      s3 = s0 - s2

    """
    fixed = fixed_addresses(multiclass=multiclass)
    mapping: tuple[dict[int, int], dict[int, int], dict[int, int]] = ({}, {}, {})
    next_free = [0, 0, 0]

    def rename(kind: Kind, address: int) -> int:
        table = mapping[kind]
        if address in fixed[kind]:
            return address
        if address not in table:
            while next_free[kind] in fixed[kind]:
                next_free[kind] += 1
            table[address] = next_free[kind]
            next_free[kind] += 1
        return table[address]

    components: list[tuple[Instruction, ...]] = []
    for _, instructions in algorithm.components():
        components.append(tuple(_readdressed(i, lambda _, kind, address: rename(kind, address)) for i in instructions))
    return Algorithm(*components)


def simplify(algorithm: Algorithm, *, multiclass: bool = False) -> Algorithm:
    """Return the algorithm without what cannot affect a prediction, renumbered canonically.

    Removes dead code, overwritten values and no-ops (the instructions that
    :func:`live_mask` marks not live), then renames addresses with
    :func:`renumber`. The result gives exactly the same fitness as
    ``algorithm`` on every task, in any memory that holds both, and
    ``simplify(simplify(a)) == simplify(a)``. :func:`memory_needed` of the
    result is the smallest memory for it.

    Parameters
    ----------
    algorithm : Algorithm
        Typically an evolved one.
    multiclass : bool
        Simplify for multiclass tasks, where the prediction is v2 (not s1)
        and v1 holds the one-hot label.

    Returns
    -------
    Algorithm

    Raises
    ------
    ValueError
        If an address is beyond what a MemorySize allows or an instruction
        writes s0 or v0.

    """
    while True:
        keep = iter(live_mask(algorithm, multiclass=multiclass))
        live = Algorithm(*(tuple(i for i in instructions if next(keep)) for _, instructions in algorithm.components()))
        live = hoist_constants(live, multiclass=multiclass)
        setup = _fold_setup_scalars(_without_setup_no_change(live))
        if setup == live.setup:
            return renumber(live, multiclass=multiclass)
        # A dropped write can make the instructions that fed it dead: prune again.
        algorithm = Algorithm(setup, live.predict, live.learn)


def hoist_constants(algorithm: Algorithm, *, multiclass: bool = False) -> Algorithm:
    """Move constant sets that Predict or Learn repeat on every example into Setup.

    Evolution often sets a constant (a learning rate, say) in Learn on every
    example where Setup could set it once. A constant set (``s2 = 0.1``, or
    one element of a vector or matrix) moves to the end of Setup when no
    other instruction of Predict or Learn writes its address, nothing reads
    the address earlier in its component function, and, for one in Learn,
    Predict never reads it: then every read sees the constant either way,
    and the fitness is exactly the same. Fixed-role addresses never move.

    Evolution also reuses an address: ``s2 = 0.1`` read by a few
    instructions, then ``s2 = s0 - s1`` later in the same component
    function. The constant's value never leaves that stretch, whoever else
    writes ``s2``, so the constant and its reads there move to the lowest
    unused address (which can make the memory needed one scalar larger),
    and from there to Setup by the rule above; this too keeps the fitness
    exactly.

    Examples
    --------
    >>> from automl_zero.algorithm import make
    >>> print(hoist_constants(make(predict=["s1 = dot(v0, v1)"], learn=["s2 = 0.01", "s3 = s0 - s1",
    ...       "s3 = s3 * s2", "v2 = s3 * v0", "v1 = v1 + v2"])), end="")
    def Setup():
      s2 = 0.01
    def Predict():
      s1 = dot(v0, v1)
    def Learn():
      s3 = s0 - s1
      s3 = s3 * s2
      v2 = s3 * v0
      v1 = v1 + v2

    """
    fixed = fixed_addresses(multiclass=multiclass)
    while True:
        loop = (algorithm.predict, algorithm.learn)
        for c, component in enumerate(loop):
            for p, instruction in enumerate(component):
                row = OPS[instruction.op]
                if row.out is None or row.inputs or row.random or instruction.out in fixed[row.out]:
                    continue
                slot = (row.out, instruction.out)
                later = [q for q in range(p + 1, len(component)) if component[q].writes == slot]
                others = [i for d, other in enumerate(loop) for q, i in enumerate(other) if (d, q) != (c, p)]
                if later and not row.partial_write and not OPS[component[later[0]].op].partial_write:
                    split = _split_constant(algorithm, component, p, later[0])
                    if split is not None:
                        component = split
                        instruction = component[p]
                        slot = (row.out, instruction.out)
                        others = []
                if any(i.writes == slot for i in others):
                    continue
                if any(slot in i.reads for i in component[:p]):
                    continue
                if c == 1 and any(slot in i.reads for i in algorithm.predict):
                    continue
                rest = component[:p] + component[p + 1 :]
                predict, learn = (rest, algorithm.learn) if c == 0 else (algorithm.predict, rest)
                algorithm = Algorithm((*algorithm.setup, instruction), predict, learn)
                break
            else:
                continue
            break
        else:
            return algorithm


def _unused(components: Iterable[Iterable[Instruction]], kind: Kind) -> int | None:
    """The lowest address of ``kind`` that no instruction uses and no fixed role holds, if any."""
    taken = {a for part in components for i in part for _, k, a in _slots(i) if k == kind} | fixed_addresses()[kind]
    return next((a for a in range(MAX_ADDRESSES) if a not in taken), None)


def _split_constant(
    algorithm: Algorithm, component: tuple[Instruction, ...], p: int, q: int
) -> tuple[Instruction, ...] | None:
    """``component`` with the constant set at ``p`` and its reads up to ``q`` on an unused address.

    The instruction at ``q`` rewrites the address wholly, so the constant's
    value is read only by the inputs of ``p+1 .. q``. None if every address
    is taken.
    """
    kind = OPS[component[p].op].out
    assert kind is not None
    fresh = _unused((part for _, part in algorithm.components()), kind)
    if fresh is None:
        return None
    old = (kind, component[p].out)

    def read_moved(name: str, k: Kind, a: int) -> int:
        return fresh if name != "out" and (k, a) == old else a

    return (
        *component[:p],
        _readdressed(component[p], lambda *_: fresh),
        *(_readdressed(i, read_moved) for i in component[p + 1 : q + 1]),
        *component[q + 1 :],
    )


def reassociate(algorithm: Algorithm) -> Algorithm:
    """Regroup chained scalar-vector products: scale by one product of the scalars.

    ``v2 = s2 * v0; ...; v2 = s3 * v2`` becomes ``...; s4 = s3 * s2; v2 =
    s4 * v0`` (``s4`` an unused address) when nothing reads or writes
    ``v2`` between the two and nothing writes ``s2`` or ``v0`` there. It is
    the same in exact arithmetic, and it turns "scale the features by the
    learning rate, then by the error" into SGD's "scale the error by the
    learning rate". Floating point rounds the two groupings differently,
    so, unlike :func:`simplify`, this can change the fitness in its last
    digits; simplify the result again to renumber it.

    Examples
    --------
    >>> from automl_zero.algorithm import make
    >>> print(reassociate(make(setup=["s2 = 0.1"], predict=["s1 = dot(v0, v1)"],
    ...       learn=["v2 = s2 * v0", "s3 = s0 - s1", "v2 = s3 * v2", "v1 = v1 + v2"])), end="")
    def Setup():
      s2 = 0.1
    def Predict():
      s1 = dot(v0, v1)
    def Learn():
      s3 = s0 - s1
      s4 = s3 * s2
      v2 = s4 * v0
      v1 = v1 + v2

    """
    components = [list(part) for _, part in algorithm.components()]
    while (factor := _unused(components, Kind.SCALAR)) is not None:
        found = next(((part, chain) for part in components if (chain := _product_chain(part)) is not None), None)
        if found is None:
            break
        part, (i, j) = found
        first, second = part[i], part[j]
        part[j : j + 1] = [
            Instruction(Op.SCALAR_PRODUCT_OP, factor, second.in1, first.in1),
            Instruction(Op.SCALAR_VECTOR_PRODUCT_OP, first.out, factor, first.in2),
        ]
        del part[i]
    return Algorithm(*(tuple(part) for part in components))


def _product_chain(part: list[Instruction]) -> tuple[int, int] | None:
    """Positions ``(i, j)`` of the first ``vA = sa * vB`` ... ``vA = sb * vA`` that :func:`reassociate` regroups."""
    for i, first in enumerate(part):
        if first.op != Op.SCALAR_VECTOR_PRODUCT_OP:
            continue
        result = (Kind.VECTOR, first.out)
        touching = (j for j in range(i + 1, len(part)) if result in part[j].reads or part[j].writes == result)
        j = next(touching, None)
        if j is None:
            continue
        second = part[j]
        if second.op != Op.SCALAR_VECTOR_PRODUCT_OP or second.out != first.out or second.in2 != first.out:
            continue
        kept = {(Kind.SCALAR, first.in1), (Kind.VECTOR, first.in2)}
        if not any(part[k].writes in kept for k in range(i + 1, j)):
            return i, j
    return None


def _topological_orders(instructions: tuple[Instruction, ...], limit: int) -> list[tuple[Instruction, ...]]:
    """Orders of a component function's instructions that compute the same (up to ``limit`` of them)."""
    n = len(instructions)
    before: list[set[int]] = [set() for _ in range(n)]
    for j in range(n):
        wj, rj = instructions[j].writes, instructions[j].reads
        for i in range(j):
            wi, ri = instructions[i].writes, instructions[i].reads
            if (wi is not None and (wi in rj or wi == wj)) or (wj is not None and wj in ri):
                before[j].add(i)
            elif OPS[instructions[i].op].random and OPS[instructions[j].op].random:
                before[j].add(i)  # random ops keep their order: they share one stream
    orders: list[tuple[Instruction, ...]] = []

    def extend(order: list[int], placed: set[int]) -> None:
        if len(orders) >= limit:
            return
        if len(order) == n:
            orders.append(tuple(instructions[k] for k in order))
            return
        for k in range(n):
            if k not in placed and before[k] <= placed:
                order.append(k)
                placed.add(k)
                extend(order, placed)
                order.pop()
                placed.discard(k)

    extend([], set())
    return orders


def same_up_to_renaming_and_order(
    a: Algorithm, b: Algorithm, *, compare_constants: bool = False, multiclass: bool = False, limit: int = 100_000
) -> bool:
    """Whether two algorithms are the same instructions up to renaming addresses and reordering.

    Reordering means any order of a component function's instructions that
    respects what each reads and writes; renaming is one bijection per kind
    that keeps the fixed roles. Constants (what constant sets write) are
    compared only with ``compare_constants``: a different learning rate is
    still the same algorithm. Compare simplified algorithms
    (:func:`simplify`). At most ``limit`` orders of ``a`` are tried.

    Examples
    --------
    >>> from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, make
    >>> evolved = make(setup=["s4 = 0.2"], predict=["s1 = dot(v0, v2)"],
    ...                learn=["s3 = s0 - s1", "s2 = s3 * s4", "v1 = v0 * s2", "v2 = v2 + v1"])
    >>> same_up_to_renaming_and_order(evolved, REFERENCE_LINEAR_REGRESSION)
    True

    """

    def blank(algorithm: Algorithm) -> Algorithm:
        if compare_constants:
            return algorithm
        return Algorithm(
            *(
                tuple(
                    Instruction(i.op, i.out, i.in1, i.in2, (0.0, 0.0, 0.0) if i.op in _CONSTANT_SETS else i.data)
                    for i in instructions
                )
                for _, instructions in algorithm.components()
            )
        )

    a, b = blank(a), blank(b)
    if [len(c) for _, c in a.components()] != [len(c) for _, c in b.components()]:
        return False
    target = renumber(b, multiclass=multiclass)
    # x + y and y + x are the same instruction: try both operand orders of the ops the table marks
    # commutative (their operands commute exactly in floating point).
    swappable = [(c, k) for c, (_, part) in enumerate(a.components()) for k, i in enumerate(part) if i.spec.commutative]
    tried = 0
    for swaps in itertools.product((False, True), repeat=len(swappable)):
        parts = [list(part) for _, part in a.components()]
        for (c, k), swap in zip(swappable, swaps, strict=True):
            if swap:
                i = parts[c][k]
                parts[c][k] = Instruction(i.op, i.out, i.in2, i.in1, i.data)
        for setup, predict, learn in itertools.product(*(_topological_orders(tuple(p), limit) for p in parts)):
            if renumber(Algorithm(setup, predict, learn), multiclass=multiclass) == target:
                return True
            tried += 1
            if tried >= limit:
                return False
    return False


_CONSTANT_SETS = frozenset(row.op for row in OPS if row.out is not None and not row.inputs and not row.random)

#: Feature sizes at which Setup is run to see which of its writes change nothing.
_PROBE_FEATURES = (3, 5)


def _without_setup_no_change(algorithm: Algorithm) -> tuple[Instruction, ...]:
    """Setup without the instructions that leave memory as it was, whatever F.

    Setup runs once on zeroed memory, so an instruction that reads only
    values known there (not drawn by a random op) and writes the value its
    output already holds, e.g. ``v1 = s2 * v1`` while both are still zero,
    changes nothing and can go. It is checked by running Setup at two
    feature sizes; random ops and what depends on them are never dropped.
    """
    size = memory_needed(algorithm)
    drop: set[int] = set(range(len(algorithm.setup)))
    for num_features in _PROBE_FEATURES:
        memory = Memory(size, num_features)
        rng = SplitMix64(0, 0)
        unknown: set[tuple[Kind, int]] = set()
        with np.errstate(all="ignore"):
            for position, instruction in enumerate(algorithm.setup):
                row = OPS[instruction.op]
                inputs = list(zip(row.inputs, (instruction.in1, instruction.in2), strict=False))
                output = (row.out, instruction.out) if row.out is not None else None
                before = _value(memory, output)
                execute(instruction, memory, rng)
                if output is None:
                    continue
                if row.random or any(i in unknown for i in inputs):
                    unknown.add(output)
                    drop.discard(position)
                    continue
                if not row.partial_write:  # a whole new value from known inputs is known
                    unknown.discard(output)
                after = _value(memory, output)
                if not np.array_equal(before, after, equal_nan=True):
                    drop.discard(position)
    return tuple(i for k, i in enumerate(algorithm.setup) if k not in drop)


def _fold_setup_scalars(setup: tuple[Instruction, ...]) -> tuple[Instruction, ...]:
    """Setup with scalars computed from constants replaced by constant sets of their values.

    ``s2 = 0.5; s3 = s2 * s2`` becomes ``s2 = 0.5; s3 = 0.25`` (and liveness
    then drops ``s2 = 0.5`` if nothing else reads it). Only scalar ops on
    scalars whose values are known in Setup (zero initially, then constants
    and such ops on them) are folded: those values do not depend on F or on
    a random draw, and a constant set writes the very same float64.
    """
    size = memory_needed(Algorithm(setup, (), ()))
    memory = Memory(size, 1)
    rng = SplitMix64(0, 0)
    known = set(range(size.scalars))  # scalars are zero at first
    folded = []
    with np.errstate(all="ignore"):
        for instruction in setup:
            row = OPS[instruction.op]
            execute(instruction, memory, rng)
            if row.out != Kind.SCALAR:
                folded.append(instruction)
                continue
            scalar_inputs = all(kind == Kind.SCALAR for kind in row.inputs)
            inputs_known = all(a in known for a in (instruction.in1, instruction.in2)[: len(row.inputs)])
            value = float(memory.s[instruction.out])
            if scalar_inputs and inputs_known and not row.random and np.isfinite(value):
                known.add(instruction.out)
                constant = row.inputs == () and instruction.op == Op.SCALAR_CONST_SET_OP
                folded.append(
                    instruction
                    if constant
                    else Instruction(Op.SCALAR_CONST_SET_OP, instruction.out, data=(value, 0.0, 0.0))
                )
            else:
                known.discard(instruction.out)
                folded.append(instruction)
    return tuple(folded)


def _value(memory: Memory, slot: tuple[Kind, int] | None) -> np.ndarray:
    if slot is None:
        return np.zeros(0)
    kind, address = slot
    store = (memory.s, memory.v, memory.m)[kind]
    return np.array(store[address], copy=True)
