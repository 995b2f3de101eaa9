"""Instructions and algorithms (Setup, Predict, Learn) and their text form.

The text form is the notation the original prints and the paper uses::

    def Setup():
      s2 = 0.001
    def Predict():
      s1 = dot(v0, v1)
    def Learn():
      s3 = s0 - s1
      s4 = s3 * s2
      v2 = v0 * s4
      v1 = v1 + v2

``parse(str(a)) == a`` holds for every algorithm: constants print with
``repr`` so that they read back exactly. This module builds Python objects for
printing, parsing and analysis; the search keeps algorithms as arrays
(:mod:`automl_zero.vm.encode`).
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from automl_zero.ops import NUM_PARAMS, OPS, Kind, Op, OpSpec, Param, spec

#: Fixed roles in memory (docs/semantics.md, "Memory and addresses").
LABEL_SCALAR = 0  # s0: the label, set before Learn, zeroed before Predict
PREDICTION_SCALAR = 1  # s1: the prediction
FEATURES_VECTOR = 0  # v0: the features
LABELS_VECTOR = 1  # v1: one-hot label (multiclass tasks)
PREDICTION_VECTOR = 2  # v2: prediction vector (multiclass tasks)

COMPONENTS = ("setup", "predict", "learn")
_HEADERS = {"Setup": "setup", "Predict": "predict", "Learn": "learn"}
#: Address bitmasks in the compiled liveness analysis are 64-bit.
MAX_ADDRESSES = 63


@dataclass(frozen=True)
class MemorySize:
    """Number of scalar, vector and matrix addresses (S, V, M).

    The demo uses S=4, V=3, M=1; the original's nonlinear and baseline
    configurations S=5, V=9, M=2.
    """

    scalars: int = 4
    vectors: int = 3
    matrices: int = 1

    def __post_init__(self) -> None:
        for name, value, low in (
            ("scalars", self.scalars, 2),
            ("vectors", self.vectors, 1),
            ("matrices", self.matrices, 1),
        ):
            if not isinstance(value, int) or not low <= value <= MAX_ADDRESSES:
                raise ValueError(f"memory {name} must be an integer in [{low}, {MAX_ADDRESSES}], got {value!r}")

    def count(self, kind: Kind) -> int:
        """Return the number of addresses of ``kind``."""
        return (self.scalars, self.vectors, self.matrices)[kind]


def _format_float(x: float) -> str:
    return repr(float(x))


def address_text(kind: Kind, address: int) -> str:
    """Return the printed name of an address, e.g. ``"v2"``."""
    return f"{kind.prefix}{address}"


@dataclass(frozen=True)
class Instruction:
    """One instruction: an op, its addresses and its real parameters.

    Parameters
    ----------
    op : Op or int
        The op (number or :class:`~automl_zero.ops.Op`).
    out, in1, in2 : int
        Addresses; their kinds follow from the op. Unused ones are 0.
    data : tuple of float
        The op's real parameters in the order of its table row (constant,
        index fractions, distribution parameters). Unused slots are 0.0.

    Raises
    ------
    ValueError
        If the op is unknown, an address is negative, or a parameter the op
        needs is missing or not finite.

    """

    op: Op
    out: int = 0
    in1: int = 0
    in2: int = 0
    data: tuple[float, ...] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        row = spec(self.op)
        object.__setattr__(self, "op", row.op)
        data = tuple(float(x) for x in self.data)
        if len(data) < len(row.params):
            raise ValueError(
                f"instruction {row.name} (out={self.out}) needs {len(row.params)} parameter(s) "
                f"({', '.join(p.value for p in row.params)}), got {len(data)}"
            )
        if len(data) > NUM_PARAMS or any(x != 0.0 for x in data[len(row.params) :]):
            raise ValueError(f"instruction {row.name} takes {len(row.params)} parameter(s), got {data}")
        data = data + (0.0,) * (NUM_PARAMS - len(data))
        object.__setattr__(self, "data", data)
        for name in ("out", "in1", "in2"):
            value = getattr(self, name)
            try:
                value = operator.index(value)  # accepts NumPy integers, refuses floats
            except TypeError:
                raise ValueError(f"instruction {row.name}: address {name} must be an integer, got {value!r}") from None
            if value < 0:
                raise ValueError(f"instruction {row.name}: address {name} must be non-negative, got {value}")
            object.__setattr__(self, name, value)
        used = {"in1": len(row.inputs) >= 1, "in2": len(row.inputs) >= 2, "out": row.out is not None}
        for name, is_used in used.items():
            if not is_used and getattr(self, name) != 0:
                raise ValueError(f"instruction {row.name} has no {name}, got {getattr(self, name)}")
        for value, param in zip(data, row.params, strict=False):
            if not math.isfinite(value):
                raise ValueError(f"instruction {row.name}: parameter {param.value} must be finite, got {value}")
            if param is Param.INDEX and not 0.0 <= value < 1.0:
                raise ValueError(
                    f"instruction {row.name}: index {value} must be a fraction of the feature size in [0, 1)"
                )

    @property
    def spec(self) -> OpSpec:
        """The op's row in the op table."""
        return OPS[self.op]

    @property
    def writes(self) -> tuple[Kind, int] | None:
        """The ``(kind, address)`` the instruction writes, or None (a no-op)."""
        row = OPS[self.op]
        return None if row.out is None else (row.out, self.out)

    @property
    def reads(self) -> frozenset[tuple[Kind, int]]:
        """The ``(kind, address)`` values the instruction reads.

        An element write (``v2[0.5] = 1.0``) also reads its output, whose
        other elements it keeps.
        """
        row = OPS[self.op]
        slots = set(zip(row.inputs, (self.in1, self.in2), strict=False))
        if row.partial_write and row.out is not None:
            slots.add((row.out, self.out))
        return frozenset(slots)

    def __str__(self) -> str:
        row = self.spec
        names: dict[str, str] = {}
        if row.out is not None:
            names["out"] = address_text(row.out, self.out)
        for i, kind in enumerate(row.inputs):
            names[f"in{i + 1}"] = address_text(kind, (self.in1, self.in2)[i])
        for i in range(len(row.params)):
            names[f"d{i}"] = _format_float(self.data[i])
        return row.template.format(**names)

    def check(self, memory: MemorySize) -> None:
        """Raise ValueError, naming this instruction, if an address is out of range.

        Output addresses start at 1 for scalars and vectors (s0 and v0 hold
        the label and the features and are never written by instructions).
        """
        row = self.spec
        slots: list[tuple[str, Kind, int]] = [
            (f"in{i + 1}", k, (self.in1, self.in2)[i]) for i, k in enumerate(row.inputs)
        ]
        if row.out is not None:
            slots.append(("out", row.out, self.out))
        for name, kind, address in slots:
            limit = memory.count(kind)
            if address >= limit:
                raise ValueError(
                    f"instruction '{self}': {name} address {address_text(kind, address)} is out of range "
                    f"(memory has {limit} {kind.name.lower()} addresses)"
                )
            if name == "out" and kind is not Kind.MATRIX and address == 0:
                raise ValueError(
                    f"instruction '{self}': writes {address_text(kind, 0)}, which holds the "
                    f"{'label' if kind is Kind.SCALAR else 'features'} and is read-only"
                )


@dataclass(frozen=True)
class Algorithm:
    """An algorithm: the component functions Setup, Predict and Learn.

    Each component function is a tuple of :class:`Instruction`.
    """

    setup: tuple[Instruction, ...] = field(default_factory=tuple)
    predict: tuple[Instruction, ...] = field(default_factory=tuple)
    learn: tuple[Instruction, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in COMPONENTS:
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def components(self) -> tuple[tuple[str, tuple[Instruction, ...]], ...]:
        """Return ``(name, instructions)`` for Setup, Predict and Learn, in order."""
        return tuple((name, getattr(self, name)) for name in COMPONENTS)

    def __len__(self) -> int:
        return len(self.setup) + len(self.predict) + len(self.learn)

    def __str__(self) -> str:
        lines: list[str] = []
        for header, name in _HEADERS.items():
            lines.append(f"def {header}():")
            lines.extend(f"  {instruction}" for instruction in getattr(self, name))
        return "\n".join(lines) + "\n"

    def validate(
        self,
        memory: MemorySize,
        allowed_ops: dict[str, Sequence[Op]] | None = None,
    ) -> None:
        """Check every address against ``memory`` and every op against ``allowed_ops``.

        Parameters
        ----------
        memory : MemorySize
            The memory the algorithm runs in.
        allowed_ops : dict, optional
            Allowed ops per component function (keys ``"setup"``,
            ``"predict"``, ``"learn"``). Missing keys allow every op.

        Raises
        ------
        ValueError
            Naming the component function, the position and the instruction.

        """
        for name, instructions in self.components():
            allowed = None if allowed_ops is None or name not in allowed_ops else set(allowed_ops[name])
            for position, instruction in enumerate(instructions):
                where = f"{name.capitalize()} instruction {position}"
                if allowed is not None and instruction.op not in allowed:
                    raise ValueError(
                        f"{where} '{instruction}': op {instruction.op.name} is not allowed in "
                        f"{name.capitalize()} (allowed: {', '.join(sorted(op.name for op in allowed))})"
                    )
                try:
                    instruction.check(memory)
                except ValueError as error:
                    raise ValueError(f"{where}: {error}") from None

    def to_json(self) -> str:
        """Return the algorithm as JSON (see :func:`from_json`)."""
        return json.dumps(to_dict(self), indent=1)


def to_dict(algorithm: Algorithm) -> dict[str, Any]:
    """Return a JSON-ready dict: per component, a list of instructions.

    Each instruction is ``{"op": name, "out": n, "in1": n, "in2": n,
    "data": [...]}`` with only the fields its op uses.
    """
    out: dict[str, Any] = {}
    for name, instructions in algorithm.components():
        rows = []
        for instruction in instructions:
            row = instruction.spec
            item: dict[str, Any] = {"op": row.name}
            if row.out is not None:
                item["out"] = instruction.out
            for i in range(len(row.inputs)):
                item[f"in{i + 1}"] = (instruction.in1, instruction.in2)[i]
            if row.params:
                item["data"] = list(instruction.data[: len(row.params)])
            rows.append(item)
        out[name] = rows
    return out


def from_dict(data: dict[str, Any]) -> Algorithm:
    """Build an algorithm from :func:`to_dict`'s form.

    Raises
    ------
    ValueError
        On an unknown key, a missing component or a malformed instruction,
        naming where.

    """
    if not isinstance(data, dict):
        raise ValueError(f"an algorithm must be a JSON object with keys {COMPONENTS}, got {type(data).__name__}")
    unknown = set(data) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown key(s) {sorted(unknown)} in algorithm; expected {list(COMPONENTS)}")
    components: dict[str, list[Instruction]] = {}
    for name in COMPONENTS:
        rows = data.get(name, [])
        if not isinstance(rows, list):
            raise ValueError(f"{name} must be a list of instructions")
        components[name] = []
        for position, item in enumerate(rows):
            where = f"{name.capitalize()} instruction {position}"
            if not isinstance(item, dict) or "op" not in item:
                raise ValueError(f"{where}: expected an object with an 'op' key, got {item!r}")
            extra = set(item) - {"op", "out", "in1", "in2", "data"}
            if extra:
                raise ValueError(f"{where}: unknown key(s) {sorted(extra)}")
            try:
                components[name].append(
                    Instruction(
                        spec(item["op"]).op,
                        out=item.get("out", 0),
                        in1=item.get("in1", 0),
                        in2=item.get("in2", 0),
                        data=tuple(item.get("data", ())),
                    )
                )
            except (TypeError, ValueError) as error:
                raise ValueError(f"{where} {item}: {error}") from None
    return Algorithm(*(tuple(components[name]) for name in COMPONENTS))


def from_json(text: str) -> Algorithm:
    """Parse an algorithm from JSON written by :meth:`Algorithm.to_json`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"algorithm JSON does not parse: {error}") from None
    return from_dict(data)


# ---------------------------------------------------------------------------
# Parsing the text form
# ---------------------------------------------------------------------------

_FLOAT = r"([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?))"


def _template_regex(template: str, row: OpSpec) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """Compile a template into a whitespace-free regex and the slot order of its groups."""
    kinds = {
        "out": row.out,
        "in1": row.inputs[0] if row.inputs else None,
        "in2": row.inputs[1] if len(row.inputs) > 1 else None,
    }
    pattern = ""
    slots: list[str] = []
    for piece in re.split(r"(\{\w+\})", template.replace(" ", "")):
        if piece.startswith("{"):
            slot = piece[1:-1]
            slots.append(slot)
            kind = kinds.get(slot)
            pattern += _FLOAT if kind is None else kind.prefix + r"(\d+)"
        else:
            pattern += re.escape(piece)
    return re.compile(pattern), tuple(slots)


@functools.cache
def _forms(count: int) -> tuple[tuple[re.Pattern[str], tuple[str, ...], OpSpec], ...]:
    """The parser's patterns for the first ``count`` ops (the table grows when ops are registered)."""
    return tuple(
        (regex, slots, row)
        for row in OPS[:count]
        for template in (row.template, *row.aliases)
        for regex, slots in [_template_regex(template, row)]
    )


@functools.cache
def _op_functions(count: int) -> frozenset[str]:
    """The function names of the notation (``dot``, ``abs``, ...) of the first ``count`` ops."""
    return frozenset(
        name
        for row in OPS[:count]
        for template in (row.template, *row.aliases)
        for name in re.findall(r"(\w+)\(", template)
    )


def op_functions() -> frozenset[str]:
    """The function names of the notation (``dot``, ``abs``, ...), each the name of one or more ops."""
    return _op_functions(len(OPS))


#: Where an error sends a user who needs the list of ops.
LIST_OPS_HINT = "`automl-zero ops` lists every op and its form"


def _closest_function(name: str) -> str | None:
    """The function name of the notation that ``name`` most likely meant (``dotproduct`` -> ``dot``), or None."""
    lower = name.lower()
    close = difflib.get_close_matches(lower, sorted(op_functions()), n=1)
    if close:
        return close[0]
    # A longer spelling of a name (dotproduct, maximize): the longest name it starts with, or that starts with it.
    prefixes = [f for f in op_functions() if len(f) >= 3 and (lower.startswith(f.lower()) or f.startswith(lower))]
    return max(prefixes, key=len) if len(lower) >= 3 and prefixes else None


class UnknownOpError(ValueError):
    """An instruction calls a function that no op has, e.g. ``s1 = dotproduct(v0, v1)``.

    Attributes
    ----------
    name : str
        The unknown function name.
    text : str
        The instruction as written.
    suggestion : str or None
        The closest function name of the notation.

    """

    def __init__(self, name: str, text: str, location: str | None = None) -> None:
        self.name = name
        self.text = text
        self.suggestion = _closest_function(name)
        where = f"in '{text}'" if location is None else f"at {location}: '{text}'"
        super().__init__(f"unknown op {name!r} {where}{self.hint}")

    @property
    def hint(self) -> str:
        """``"; did you mean 'dot'? (...)"``: the suggestion, if any, and where the ops are listed."""
        close = f"; did you mean {self.suggestion!r}?" if self.suggestion else ""
        return f"{close} ({LIST_OPS_HINT})"


def parse_instruction(text: str) -> Instruction:
    """Parse one instruction in the paper's notation, e.g. ``"s3 = s0 - s1"``.

    Raises
    ------
    UnknownOpError
        If the instruction calls a function name that no op has (``dotproduct``).
    ValueError
        If the text matches no op's form.

    """
    compact = "".join(text.split())
    for regex, slots, row in _forms(len(OPS)):
        match = regex.fullmatch(compact)
        if match is None:
            continue
        values = dict(zip(slots, match.groups(), strict=True))
        data = tuple(float(values[f"d{i}"]) for i in range(len(row.params)))
        return Instruction(
            row.op,
            out=int(values.get("out", 0)),
            in1=int(values.get("in1", 0)),
            in2=int(values.get("in2", 0)),
            data=data,
        )
    call = re.fullmatch(r"[^=]*=\s*([A-Za-z_]\w*)\s*\(.*", text.strip())
    if call is not None and call.group(1) not in op_functions():
        raise UnknownOpError(call.group(1), text.strip())
    raise ValueError(
        f"'{text.strip()}' is not an instruction; expected a form such as 's3 = s0 - s1', "
        "'v2 = s4 * v0', 's1 = dot(v0, v1)' or 's2 = 0.001', with addresses of the right kind "
        f"(s, v, m) for the op ({LIST_OPS_HINT})"
    )


def _check_address_limit(instruction: Instruction) -> None:
    """Raise ValueError if an address is beyond what any memory holds (``MAX_ADDRESSES`` per kind)."""
    slots = set(instruction.reads)
    if instruction.writes is not None:
        slots.add(instruction.writes)
    for kind, address in sorted(slots):
        if address >= MAX_ADDRESSES:
            last = address_text(kind, MAX_ADDRESSES - 1)
            raise ValueError(
                f"'{instruction}': address {address_text(kind, address)} is out of range; a memory holds at most "
                f"{MAX_ADDRESSES} {kind.name.lower()} addresses, {address_text(kind, 0)}..{last}"
            )


def parse(text: str, memory: MemorySize | None = None, *, source: str | None = None) -> Algorithm:
    """Parse an algorithm written in the paper's notation.

    ``# comments`` and blank lines are ignored. The component functions must
    appear as ``def Setup():``, ``def Predict():`` and ``def Learn():``, in
    that order; a missing one is empty.

    Parameters
    ----------
    text : str
        The algorithm.
    memory : MemorySize, optional
        If given, every address is checked against it. Without it, addresses
        are checked against the most any memory holds (``MAX_ADDRESSES`` per kind).
    source : str, optional
        The file the text comes from: errors then start with ``FILE:LINE:``
        instead of ``line LINE:``.

    Raises
    ------
    ValueError
        Naming the line (``FILE:LINE``), the line's text and what was expected;
        an unknown op (:class:`UnknownOpError`'s name) with the closest one.

    """
    components: dict[str, list[Instruction]] = {name: [] for name in COMPONENTS}
    current: str | None = None
    seen: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        location = f"line {number}" if source is None else f"{source}:{number}"
        header = re.fullmatch(r"def\s+(\w+)\s*\(\s*\)\s*:", line)
        if header:
            name = _HEADERS.get(header.group(1))
            if name is None:
                raise ValueError(
                    f"{location}: '{raw.strip()}': unknown component function {header.group(1)!r}; "
                    "expected 'def Setup():', 'def Predict():' or 'def Learn():'"
                )
            if name in seen:
                raise ValueError(f"{location}: '{raw.strip()}': {header.group(1)} is defined twice")
            if seen and COMPONENTS.index(name) < COMPONENTS.index(seen[-1]):
                raise ValueError(f"{location}: '{raw.strip()}': expected Setup, Predict and Learn in that order")
            seen.append(name)
            current = name
            continue
        if current is None:
            raise ValueError(f"{location}: '{raw.strip()}': expected 'def Setup():' before any instruction")
        try:
            instruction = parse_instruction(line)
            _check_address_limit(instruction)
            if memory is not None:
                instruction.check(memory)
        except UnknownOpError as error:
            raise UnknownOpError(error.name, error.text, location) from None
        except ValueError as error:
            raise ValueError(f"{location}: {error}") from None
        components[current].append(instruction)
    return Algorithm(*(tuple(components[name]) for name in COMPONENTS))


def make(setup: Iterable[str] = (), predict: Iterable[str] = (), learn: Iterable[str] = ()) -> Algorithm:
    """Build an algorithm from instruction strings per component function."""
    return Algorithm(
        tuple(parse_instruction(t) for t in setup),
        tuple(parse_instruction(t) for t in predict),
        tuple(parse_instruction(t) for t in learn),
    )


#: The algorithm the demo rediscovers: linear regression by SGD (docs/semantics.md, "The demo").


#: The project's smallest memory (MemorySize's lower bounds): S >= 2, V >= 1, M >= 1.
_MINIMUM = (2, 1, 1)


def memory_needed(algorithm: Algorithm, *, multiclass: bool = False) -> MemorySize:
    """Return the smallest memory in which ``algorithm`` validates.

    Parameters
    ----------
    algorithm : Algorithm
        The algorithm to fit.
    multiclass : bool
        Also keep room for v1 and v2, which multiclass tasks use (at least
        three vectors).

    Returns
    -------
    MemorySize
        One more than the highest address used per kind, and at least the
        project's minimum (S >= 2, V >= 1, M >= 1).

    Raises
    ------
    ValueError
        If an address is beyond what a MemorySize allows.

    Examples
    --------
    >>> memory_needed(REFERENCE_LINEAR_REGRESSION)
    MemorySize(scalars=5, vectors=3, matrices=1)

    """
    counts = list(_MINIMUM)
    if multiclass:
        counts[Kind.VECTOR] = PREDICTION_VECTOR + 1
    for _, instructions in algorithm.components():
        for instruction in instructions:
            row = instruction.spec
            used = zip((row.out, *row.inputs), (instruction.out, instruction.in1, instruction.in2), strict=False)
            for kind, address in used:
                if kind is not None:
                    counts[kind] = max(counts[kind], address + 1)
    return MemorySize(*counts)


def memory_holding(algorithm: Algorithm, memory: MemorySize, *, multiclass: bool = False) -> MemorySize:
    """Return ``memory``, widened per kind where ``algorithm`` needs more addresses.

    Spare addresses change no fitness, so a config's memory widened this way scores an
    algorithm exactly as any memory that holds it. A simplified algorithm can need more
    scalars than the search's memory: each constant that
    :func:`~automl_zero.analysis.simplify.hoist_constants` moves off a reused address, and each
    product :func:`~automl_zero.analysis.simplify.reassociate` regroups, takes an unused one.

    Examples
    --------
    >>> memory_holding(make(learn=["s4 = s0 * s0", "s1 = s4 + s4"]), MemorySize(4, 3, 1))
    MemorySize(scalars=5, vectors=3, matrices=1)

    """
    needed = memory_needed(algorithm, multiclass=multiclass)
    return MemorySize(
        max(memory.scalars, needed.scalars), max(memory.vectors, needed.vectors), max(memory.matrices, needed.matrices)
    )


REFERENCE_LINEAR_REGRESSION = make(
    setup=["s2 = 0.001"],
    predict=["s1 = dot(v0, v1)"],
    learn=["s3 = s0 - s1", "s4 = s3 * s2", "v2 = v0 * s4", "v1 = v1 + v2"],
)
