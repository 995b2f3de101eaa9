"""Generation of random instructions and algorithms, and mutation.

Choices follow the original (``instruction.cc``): addresses are uniform over
their kind (outputs start at 1 for scalars and vectors), constants are uniform
in [-1, 1], index fractions uniform in [0, 1), Gaussian means in [-1, 1] and
standard deviations in [0, 1], uniform bounds in [-1, 1].
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from automl_zero.algorithm import Algorithm, Instruction, MemorySize
from automl_zero.ops import OPS, Kind, Op, Param
from automl_zero.vm.compiled import IN1_KIND, IN2_KIND, OUT_KIND, live_after_into, task_gaussian, task_uniform
from automl_zero.vm.jit import kernel

# Positions in the space vector (SearchSpace.to_ints); kept here so that the kernels below need no import cycle.
(
    SP_S,
    SP_V,
    SP_M,
    SP_INIT,
    SP_MIN,
    SP_MAX,
    SP_NUM_OPS,
    SP_NUM_MUTATIONS,
    SP_CONSTANTS,
    SP_SEMANTIC,
    SP_CONSTANT_INIT,
    SP_SIZE,
) = (0, 1, 2, 3, 6, 9, 12, 15, 16, 17, 18, 19)
#: SP_SEMANTIC holds the probability of a semantic instruction in millionths.
SEMANTIC_SCALE = 1_000_000

#: How ALTER_PARAM changes a real constant (``SearchSpace.constant_mutation``), by code:
#: "scale" multiplies it by U[0.5, 2] and flips its sign with probability 0.1 (the paper's wording);
#: "log_normal" flips its sign with probability 0.1 and otherwise steps it on a log scale,
#: ``sign(x) * exp(log|x| + N(0, 1))`` (the original's code).
CONSTANT_MUTATIONS = ("scale", "log_normal")

#: How a new instruction draws a real constant (a setter's value; ``SearchSpace.constant_init``), by code:
#: "uniform" from U[-1, 1] (the original's); "log_uniform" a random sign times 10**U[-4, 0], the same
#: density for every decade from 1e-4 to 1, where learning rates and step sizes live.
CONSTANT_INITS = ("uniform", "log_uniform")

#: The decades "log_uniform" spans below 1.
LOG_UNIFORM_DECADES = 4.0


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


class MutationType(enum.IntEnum):
    """Mutation types (docs/semantics.md, "Mutations"; the original's mutator.cc), picked uniformly."""

    ALTER_PARAM = 0  # one argument of one instruction: an address, a constant, an index, a distribution parameter
    RANDOMIZE_INSTRUCTION = 1  # one instruction replaced by a random one
    RANDOMIZE_COMPONENT_FUNCTION = 2  # a whole component function regenerated, same size
    INSERT_REMOVE = 3  # insert a random instruction or remove one; removal twice as likely
    TRADE_INSTRUCTION = 4  # remove one instruction and insert a random one elsewhere
    RANDOMIZE_ALGORITHM = 5  # every component function regenerated
    IDENTITY = 6  # no change
    INSERT = 7  # insert a random instruction (the original's separate type)
    REMOVE = 8  # remove one instruction (the original's separate type)


# ---------------------------------------------------------------------------
# Compiled generation and mutation, on the arrays the search keeps:
# ints (3, K, 4) and floats (3, K, 3) per algorithm (component, position, column),
# sizes (3,). The space arrays come from SearchSpace.to_ints / op_table / mutation_table.
# ---------------------------------------------------------------------------

_P_NONE, _P_VALUE, _P_INDEX, _P_LOW, _P_HIGH, _P_MEAN, _P_STD = range(7)
_PARAM_CODE = np.zeros((len(OPS), 3), dtype=np.int64)
_CODE_OF = {
    Param.VALUE: _P_VALUE,
    Param.INDEX: _P_INDEX,
    Param.LOW: _P_LOW,
    Param.HIGH: _P_HIGH,
    Param.MEAN: _P_MEAN,
    Param.STD: _P_STD,
}
for _spec in OPS:
    _PARAM_CODE[_spec.number, : len(_spec.params)] = [_CODE_OF[p] for p in _spec.params]
_NUM_INPUTS = np.array([len(row.inputs) for row in OPS], dtype=np.int64)
_NUM_PARAMS = np.array([len(row.params) for row in OPS], dtype=np.int64)

_jit = kernel()
# Kernels that allocate nothing: compiled without reference counting (see kernel).
_bare = kernel(refcounted=False)


@_bare
def next_uniform(rng: np.ndarray) -> float:
    """A float in [0, 1) from the SplitMix64 stream in ``rng[0]``."""
    return task_uniform(rng, 0)


@_bare
def randint(rng: np.ndarray, n: int) -> int:
    """An integer in [0, n)."""
    i = int(task_uniform(rng, 0) * n)
    return i if i < n else n - 1


@_bare
def _random_address(rng: np.ndarray, kind: int, output: bool, space: np.ndarray) -> int:
    count = space[SP_S + kind]
    low = 1 if output and kind != 2 else 0
    return low + randint(rng, count - low)


@_bare
def _random_param(rng: np.ndarray, code: int, constant_init: int) -> float:
    if code == _P_INDEX or code == _P_STD:
        return next_uniform(rng)
    if code == _P_VALUE and constant_init == 1:
        magnitude = 10.0 ** (-LOG_UNIFORM_DECADES * next_uniform(rng))
        return -magnitude if next_uniform(rng) < 0.5 else magnitude
    return 2.0 * next_uniform(rng) - 1.0


@_bare
def random_instruction_into(row_i: np.ndarray, row_f: np.ndarray, op: int, space: np.ndarray, rng: np.ndarray) -> None:
    """Write a random instruction of ``op`` (random addresses and parameters) into a row."""
    row_i[0] = op
    row_i[1] = _random_address(rng, IN1_KIND[op], False, space) if IN1_KIND[op] >= 0 else 0
    row_i[2] = _random_address(rng, IN2_KIND[op], False, space) if IN2_KIND[op] >= 0 else 0
    row_i[3] = _random_address(rng, OUT_KIND[op], True, space) if OUT_KIND[op] >= 0 else 0
    for slot in range(3):
        code = _PARAM_CODE[op, slot]
        row_f[slot] = _random_param(rng, code, space[SP_CONSTANT_INIT]) if code != _P_NONE else 0.0


@_bare
def _random_op(component: int, space: np.ndarray, op_table: np.ndarray, rng: np.ndarray) -> int:
    return op_table[component, randint(rng, space[SP_NUM_OPS + component])]


@_bare
def random_component_into(
    ints: np.ndarray,
    floats: np.ndarray,
    component: int,
    size: int,
    space: np.ndarray,
    op_table: np.ndarray,
    rng: np.ndarray,
) -> None:
    """Fill the first ``size`` rows of a component function with random instructions."""
    for k in range(size):
        random_instruction_into(ints[k], floats[k], _random_op(component, space, op_table, rng), space, rng)


@_bare
def _perturb(value: float, flip: bool, mode: int, rng: np.ndarray) -> float:
    """Change a real constant (see CONSTANT_MUTATIONS); ``flip`` allows sign flips (not for a std)."""
    if mode == 1:
        if flip and next_uniform(rng) < 0.1:
            return -value
        step = task_gaussian(rng, 0, 0.0, 1.0)
        result = math.copysign(math.exp(math.log(abs(value)) + step), value)
        return result if math.isfinite(result) else value
    result = value * (0.5 + 1.5 * next_uniform(rng))
    if flip and next_uniform(rng) < 0.1:
        result = -result
    return result if math.isfinite(result) else value


@_bare
def _alter_param(row_i: np.ndarray, row_f: np.ndarray, space: np.ndarray, rng: np.ndarray) -> None:
    op = row_i[0]
    if op == 0:
        return
    n_inputs = _NUM_INPUTS[op]
    n_params = _NUM_PARAMS[op]
    # Setters: the output or the data; others: one of the inputs or the output (uniform).
    choice = randint(rng, 2 if n_params > 0 else n_inputs + 1)
    if n_params > 0 and choice == 1:
        slot = randint(rng, n_params)
        code = _PARAM_CODE[op, slot]
        if code == _P_INDEX:
            row_f[slot] = next_uniform(rng)
        else:
            row_f[slot] = _perturb(row_f[slot], code != _P_STD, space[SP_CONSTANTS], rng)
        if code == _P_LOW or code == _P_HIGH:
            low, high = row_f[0], row_f[1]
            row_f[0] = min(low, high)
            row_f[1] = max(low, high)
    elif n_params == 0 and choice < n_inputs:
        kind = IN1_KIND[op] if choice == 0 else IN2_KIND[op]
        row_i[1 + choice] = _random_address(rng, kind, False, space)
    else:
        row_i[3] = _random_address(rng, OUT_KIND[op], True, space)


@_bare
def _pick_component(setup: bool, predict: bool, learn: bool, rng: np.ndarray) -> int:
    """A uniform one of the eligible component functions, or -1 if none is."""
    count = int(setup) + int(predict) + int(learn)
    if count == 0:
        return -1
    pick = randint(rng, count)
    for c in range(3):
        if setup if c == 0 else (predict if c == 1 else learn):
            if pick == 0:
                return c
            pick -= 1
    return -1


@_bare
def _pick_address(mask: np.int64, count: int, low: int, rng: np.ndarray) -> int:
    """A uniform address in [low, count) whose bit is set in ``mask``; -1 if there is none."""
    n = 0
    for a in range(low, count):
        n += int((mask >> a) & 1)
    if n == 0:
        return -1
    pick = randint(rng, n)
    for a in range(low, count):
        if (mask >> a) & 1:
            if pick == 0:
                return a
            pick -= 1
    return -1


@_bare
def _value_masks(
    ints: np.ndarray, sizes: np.ndarray, c: int, k: int, exclude: int, holds: np.ndarray, read: np.ndarray, work: Any
) -> None:
    """Bitmasks per kind: addresses that hold a value at position ``k`` of component ``c``, and live ones.

    ``exclude`` is a position of ``c`` whose write does not count. Setup
    starts from zeroed memory, so before position ``k`` of Setup only what
    Setup wrote holds a value. Predict and Learn run in a loop after Setup:
    anything any instruction writes holds a value there, and so do the
    features (v0), and in Learn the label (s0) and the prediction (s1). An
    address is live after ``k`` when a value written there can still reach a
    prediction (:func:`~automl_zero.vm.compiled.live_after`; binary and
    regression tasks). ``work`` is :func:`mutation_work`'s.
    """
    flat, keep, _ = work
    one = np.int64(1)
    for kind in range(3):
        holds[kind] = 0
    if c > 0:
        holds[1] |= one  # v0, the features
    if c == 2:
        holds[0] |= one | (one << 1)  # s0, the label; s1, the prediction
    n = 0
    position = 0
    for d in range(3):
        for j in range(sizes[d]):
            if d == c and j == k:
                position = n
            for column in range(4):  # element by element, as in _move_row
                flat[n, column] = ints[d, j, column]
            n += 1
            if d == c and j == exclude:
                continue
            out_kind = OUT_KIND[ints[d, j, 0]]
            if out_kind >= 0 and (c > 0 or (d == 0 and j < k)):
                holds[out_kind] |= one << ints[d, j, 3]
    read[0], read[1], read[2] = live_after_into(flat, sizes[0], sizes[1], sizes[2], position, False, keep)


@_bare
def _new_instruction_into(
    ints: np.ndarray,
    floats: np.ndarray,
    sizes: np.ndarray,
    c: int,
    k: int,
    exclude: int,
    space: np.ndarray,
    op_table: np.ndarray,
    rng: np.ndarray,
    work: Any,
) -> None:
    """A random instruction for position ``k`` of component ``c``, written into that row.

    With probability ``space[SP_SEMANTIC] / SEMANTIC_SCALE`` it is semantic: each input reads an
    address that holds a value there and the output is one that is live after it (see
    :func:`_value_masks`), where such addresses exist; otherwise every address is uniform. The
    masks are taken before the row is written (an insertion shifts the rows first, so ``k`` then
    holds a copy of the instruction it displaced: ``exclude`` leaves it out).
    """
    op = _random_op(c, space, op_table, rng)
    semantic = space[SP_SEMANTIC] > 0 and next_uniform(rng) * SEMANTIC_SCALE < space[SP_SEMANTIC]
    if not semantic:
        random_instruction_into(ints[c, k], floats[c, k], op, space, rng)
        return
    masks = work[2]
    holds = masks[0:3]
    read = masks[3:6]
    _value_masks(ints, sizes, c, k, exclude, holds, read, work)
    random_instruction_into(ints[c, k], floats[c, k], op, space, rng)
    for slot in range(2):
        kind = IN1_KIND[op] if slot == 0 else IN2_KIND[op]
        if kind >= 0:
            a = _pick_address(holds[kind], space[SP_S + kind], 0, rng)
            if a >= 0:
                ints[c, k, 1 + slot] = a
    out_kind = OUT_KIND[op]
    if out_kind >= 0:
        a = _pick_address(read[out_kind], space[SP_S + out_kind], 0 if out_kind == 2 else 1, rng)
        if a >= 0:
            ints[c, k, 3] = a


@_bare
def _move_row(ints: np.ndarray, floats: np.ndarray, c: int, source: int, target: int) -> None:
    """Copy instruction ``source`` of component ``c`` over instruction ``target``.

    Element by element: a row assignment compiles Numba's shape-error path, seconds of a first run.
    """
    for j in range(ints.shape[2]):
        ints[c, target, j] = ints[c, source, j]
    for j in range(floats.shape[2]):
        floats[c, target, j] = floats[c, source, j]


@_bare
def _insert(
    ints: np.ndarray,
    floats: np.ndarray,
    sizes: np.ndarray,
    c: int,
    space: np.ndarray,
    op_table: np.ndarray,
    rng: np.ndarray,
    work: Any,
) -> None:
    size = sizes[c]
    position = randint(rng, size + 1)
    for k in range(size, position, -1):
        _move_row(ints, floats, c, k - 1, k)
    sizes[c] = size + 1
    _new_instruction_into(ints, floats, sizes, c, position, position, space, op_table, rng, work)


@_bare
def _remove(ints: np.ndarray, floats: np.ndarray, sizes: np.ndarray, c: int, rng: np.ndarray) -> None:
    size = sizes[c]
    position = randint(rng, size)
    for k in range(position, size - 1):
        _move_row(ints, floats, c, k + 1, k)
    ints[c, size - 1] = 0
    floats[c, size - 1] = 0.0
    sizes[c] = size - 1


def mutation_work(capacity: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Work arrays for :func:`mutate_with` on algorithms of ``capacity`` instructions per component function.

    Rows for the algorithm's instructions, liveness marks, and the address
    masks of a semantic insertion.
    """
    rows = 3 * capacity
    return np.zeros((rows, 4), dtype=np.int64), np.zeros(rows, dtype=np.bool_), np.zeros(6, dtype=np.int64)


def mutate_into(
    ints: np.ndarray,
    floats: np.ndarray,
    sizes: np.ndarray,
    space: np.ndarray,
    op_table: np.ndarray,
    mutations: np.ndarray,
    rng: np.ndarray,
) -> int:
    """Apply one mutation, of a type drawn uniformly from ``mutations``; return the type.

    The result always stays inside the space: addresses in range, allowed ops,
    sizes within [min, max]. The search's kernels call :func:`mutate_with`
    with work arrays of their own.
    """
    return int(mutate_with(ints, floats, sizes, space, op_table, mutations, rng, mutation_work(ints.shape[1])))


@_bare
def _eligible(kind: int, c: int, sizes: np.ndarray, space: np.ndarray) -> bool:
    """Whether mutation ``kind`` can change component function ``c``."""
    has_ops = space[SP_NUM_OPS + c] > 0
    if kind == 0:
        return sizes[c] > 0
    if kind == 1 or kind == 2 or kind == 4:
        return sizes[c] > 0 and has_ops
    if kind == 3:
        return (sizes[c] < space[SP_MAX + c] and has_ops) or sizes[c] > space[SP_MIN + c]
    if kind == 7:
        return sizes[c] < space[SP_MAX + c] and has_ops
    if kind == 8:
        return sizes[c] > space[SP_MIN + c]
    return False


@_bare
def mutate_with(
    ints: np.ndarray,
    floats: np.ndarray,
    sizes: np.ndarray,
    space: np.ndarray,
    op_table: np.ndarray,
    mutations: np.ndarray,
    rng: np.ndarray,
    work: Any,
) -> int:
    """:func:`mutate_into` with work arrays (:func:`mutation_work`'s), allocating nothing (for the search's kernels)."""
    kind = mutations[randint(rng, mutations.shape[0])]
    if kind == 5:
        for c in range(3):
            random_component_into(ints[c], floats[c], c, sizes[c], space, op_table, rng)
        return kind
    if kind == 6:
        return kind
    c = _pick_component(
        _eligible(kind, 0, sizes, space), _eligible(kind, 1, sizes, space), _eligible(kind, 2, sizes, space), rng
    )
    if c < 0:
        return kind
    if kind == 0:
        k = randint(rng, sizes[c])
        _alter_param(ints[c, k], floats[c, k], space, rng)
    elif kind == 1:
        k = randint(rng, sizes[c])
        _new_instruction_into(ints, floats, sizes, c, k, k, space, op_table, rng, work)
    elif kind == 2:
        random_component_into(ints[c], floats[c], c, sizes[c], space, op_table, rng)
    elif kind == 3:
        can_insert = sizes[c] < space[SP_MAX + c] and space[SP_NUM_OPS + c] > 0
        can_remove = sizes[c] > space[SP_MIN + c]
        if can_remove and (not can_insert or next_uniform(rng) < 2.0 / 3.0):
            _remove(ints, floats, sizes, c, rng)
        else:
            _insert(ints, floats, sizes, c, space, op_table, rng, work)
    elif kind == 4:
        _remove(ints, floats, sizes, c, rng)
        _insert(ints, floats, sizes, c, space, op_table, rng, work)
    elif kind == 7:
        _insert(ints, floats, sizes, c, space, op_table, rng, work)
    elif kind == 8:
        _remove(ints, floats, sizes, c, rng)
    return kind
