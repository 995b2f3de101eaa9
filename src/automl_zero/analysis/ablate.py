"""Ablation: which instructions of an algorithm matter for its fitness.

:func:`ablate` knocks out (removes) each instruction in turn, and each whole
component function (emptied), and reports the fitness change; :func:`knock_in`
inserts an instruction and reports the fitness before and after. The paper
uses such knock-outs and knock-ins to explain what evolved algorithms do.
Run them on the simplified algorithm
(:func:`~automl_zero.analysis.simplify.simplify`), usually on the selection
tasks T_select.

Examples
--------
>>> from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize
>>> from automl_zero.tasks import linear_regression_tasks
>>> from automl_zero.vm.compiled import CompiledExecutor
>>> tasks = linear_regression_tasks(3, 4, 1000, 100, seed=1, num_epochs=10)
>>> executor = CompiledExecutor(tasks, MemorySize(5, 3, 1))
>>> ablation = ablate(REFERENCE_LINEAR_REGRESSION, executor)
>>> all(row.matters for row in ablation.rows)
True
>>> print(ablation.table())  # doctest: +ELLIPSIS
baseline fitness 0.999950
  component  position  instruction         fitness     change
* setup      -         (whole component)  0.380436  -0.619514
* setup      0         s2 = 0.001         0.380436  -0.619514
...
* learn      3         v1 = v1 + v2       0.380436  -0.619514

"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from automl_zero.algorithm import COMPONENTS, Algorithm, Instruction, parse_instruction

__all__ = ["Ablation", "AblationRow", "Evaluator", "ablate", "knock_in"]

WHOLE_COMPONENT = "(whole component)"


class Evaluator(Protocol):
    """Anything that scores an algorithm, such as :class:`~automl_zero.vm.compiled.CompiledExecutor`."""

    def evaluate(self, algorithm: Algorithm, /) -> float:
        """Return the algorithm's fitness."""
        ...


@dataclass(frozen=True)
class AblationRow:
    """The effect of knocking out one instruction or one whole component function.

    Attributes
    ----------
    component : str
        ``"setup"``, ``"predict"`` or ``"learn"``.
    position : int or None
        Index of the instruction in its component function; None for the
        whole component function.
    instruction : str
        The instruction's text, or ``"(whole component)"``.
    fitness : float
        Fitness with it knocked out (removed; a component emptied).
    change : float
        ``fitness`` minus the baseline fitness.
    matters : bool
        ``abs(change) > threshold``.

    """

    component: str
    position: int | None
    instruction: str
    fitness: float
    change: float
    matters: bool


@dataclass(frozen=True)
class Ablation:
    """The result of :func:`ablate`.

    Attributes
    ----------
    baseline : float
        Fitness of the intact algorithm.
    rows : list of AblationRow
        In program order; each component function's whole-component row
        comes before its instructions.

    """

    baseline: float
    rows: list[AblationRow]

    def table(self) -> str:
        """Return the rows as an aligned text table; ``*`` marks what matters."""
        header = ("component", "position", "instruction", "fitness", "change")
        cells = [
            (
                row.component,
                "-" if row.position is None else str(row.position),
                row.instruction,
                f"{row.fitness:.6f}",
                f"{row.change:+.6f}",
            )
            for row in self.rows
        ]
        widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

        def line(mark: str, values: tuple[str, ...]) -> str:
            text = "  ".join(
                value.rjust(width) if i >= 3 else value.ljust(width)
                for i, (value, width) in enumerate(zip(values, widths, strict=True))
            )
            return f"{mark} {text}".rstrip()

        lines = [f"baseline fitness {self.baseline:.6f}", line(" ", header)]
        lines += [line("*" if row.matters else " ", values) for row, values in zip(self.rows, cells, strict=True)]
        return "\n".join(lines)

    def mattering(self) -> list[AblationRow]:
        """Return the rows whose knock-out changes the fitness by more than the threshold."""
        return [row for row in self.rows if row.matters]


def _check_component(component: str) -> None:
    if component not in COMPONENTS:
        raise ValueError(f"unknown component function {component!r}; expected one of {', '.join(COMPONENTS)}")


def _with(algorithm: Algorithm, component: str, instructions: tuple[Instruction, ...]) -> Algorithm:
    parts = {name: body for name, body in algorithm.components()}
    parts[component] = instructions
    return Algorithm(**parts)


def ablate(algorithm: Algorithm, executor: Evaluator, *, threshold: float = 1e-3) -> Ablation:
    """Knock out each instruction, and each whole component function, and measure the fitness.

    Parameters
    ----------
    algorithm : Algorithm
        Typically simplified first (:func:`~automl_zero.analysis.simplify.simplify`),
        so that each row is one instruction that can matter.
    executor : Evaluator
        Scores an algorithm, e.g. a
        :class:`~automl_zero.vm.compiled.CompiledExecutor` on T_select.
    threshold : float
        A knock-out matters if it changes the fitness by more than this.

    Returns
    -------
    Ablation
        The baseline fitness and one row per instruction and per component
        function, in program order.

    Raises
    ------
    ValueError
        If ``threshold`` is negative or not a number.

    """
    if not (isinstance(threshold, int | float) and math.isfinite(threshold) and threshold >= 0.0):
        raise ValueError(f"threshold must be a finite non-negative number, got {threshold!r}")
    baseline = float(executor.evaluate(algorithm))

    def row(component: str, position: int | None, text: str, knocked_out: Algorithm) -> AblationRow:
        fitness = float(executor.evaluate(knocked_out))
        change = fitness - baseline
        return AblationRow(component, position, text, fitness, change, abs(change) > threshold)

    rows: list[AblationRow] = []
    for component, instructions in algorithm.components():
        rows.append(row(component, None, WHOLE_COMPONENT, _with(algorithm, component, ())))
        for position, instruction in enumerate(instructions):
            without = instructions[:position] + instructions[position + 1 :]
            rows.append(row(component, position, str(instruction), _with(algorithm, component, without)))
    return Ablation(baseline, rows)


def knock_in(
    algorithm: Algorithm,
    component: str,
    position: int,
    instruction: Instruction | str,
    executor: Evaluator,
) -> tuple[float, float]:
    """Insert an instruction and return the fitness before and after.

    Parameters
    ----------
    algorithm : Algorithm
        The algorithm to insert into.
    component : {"setup", "predict", "learn"}
        The component function to insert into.
    position : int
        Index the new instruction gets, ``0 <= position <= len(component)``
        (``len`` appends).
    instruction : Instruction or str
        The instruction, or its text such as ``"v1 = v1 + v2"``.
    executor : Evaluator
        Scores an algorithm.

    Returns
    -------
    tuple of float
        ``(before, after)``.

    Raises
    ------
    ValueError
        On an unknown component, a position out of range or text that is not
        an instruction.

    """
    _check_component(component)
    if isinstance(instruction, str):
        instruction = parse_instruction(instruction)
    body: tuple[Instruction, ...] = getattr(algorithm, component)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= len(body):
        raise ValueError(f"position must be an integer in [0, {len(body)}] for {component}, got {position!r}")
    inserted = _with(algorithm, component, (*body[:position], instruction, *body[position:]))
    return float(executor.evaluate(algorithm)), float(executor.evaluate(inserted))
