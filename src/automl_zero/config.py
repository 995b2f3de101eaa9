"""Experiment configuration: typed, validated, read from and written to YAML.

An :class:`ExperimentConfig` holds everything an experiment needs: the task
sets, the search space, the evolution settings, the budget and the run
settings. :func:`load_config` reads one from a YAML file whose keys are the
field names of these dataclasses; :func:`defaults_yaml` prints the whole
schema with every default and what it means.

Validation is generic: the reader walks the dataclasses' fields and type
hints, so one rule checks every integer, every list and every section, and
each dataclass's own ``__post_init__`` checks its ranges. Every error is a
:class:`ConfigError` that names the file, the line and the dotted key, and
suggests the closest valid key or name for a misspelt one::

    digits.yaml:14: evolution.populaton_size: unknown key, did you mean 'population_size'?

Examples
--------
>>> config = config_from_dict({"seed": 3, "evolution": {"population_size": 100}})
>>> config.evolution.population_size, config.evolution.seed
(100, 3)
>>> config_from_dict(config_to_dict(config)) == config
True

"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import os
import re
import textwrap
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, Union, get_args, get_origin, get_type_hints

import yaml

from automl_zero.algorithm import MemorySize, parse
from automl_zero.baselines import BASELINES
from automl_zero.mutation import MutationType
from automl_zero.ops import ALL_OPS, DEMO_OPS, LEARN_OPS, PREDICT_OPS, SETUP_OPS, Op
from automl_zero.search.evolution import REDRAW_TASKS_EVERY, EvolutionConfig
from automl_zero.search.islands import BACKENDS, IslandsConfig
from automl_zero.search.space import DEMO_MUTATIONS, SearchSpace
from automl_zero.tasks.datasets import DATASETS, missing_data
from automl_zero.tasks.sets import DATA_FAMILIES, FAMILIES, TaskSpec
from automl_zero.tasks.synthetic import UNIT_TASK_KINDS
from automl_zero.vm.reference import COMBINATIONS

__all__ = [
    "BudgetConfig",
    "ConfigError",
    "ExperimentConfig",
    "RunConfig",
    "TasksConfig",
    "config_from_dict",
    "config_to_dict",
    "defaults_yaml",
    "dump_config",
    "load_config",
]

#: A key path inside a config: mapping keys and list positions.
KeyPath = tuple[str | int, ...]
INITIAL_KINDS = ("random", "empty", "algorithm")


class ConfigError(ValueError):
    """An invalid experiment configuration.

    The message reads ``"<file>:<line>: <dotted.key>: <problem>"`` (without
    the line for configs built from a dict).
    """


def _suggestion(word: str, choices: Sequence[str]) -> str:
    """``", did you mean 'x'?"`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f", did you mean '{close[0]}'?" if close else ""


# ---------------------------------------------------------------------------
# The configuration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetConfig:
    """When the search stops.

    With both limits None the search runs until it is interrupted (Ctrl-C),
    and the experiment then selects and reports as usual.

    Parameters
    ----------
    max_individuals : int, optional
        Stop after this many individuals (None: no limit).
    max_seconds : float, optional
        Stop after this many seconds of search (None: no limit).

    """

    max_individuals: int | None = None
    max_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.max_individuals is not None and self.max_individuals < 1:
            raise ValueError(f"max_individuals must be >= 1 (or null: no limit), got {self.max_individuals}")
        if self.max_seconds is not None and not self.max_seconds > 0:
            raise ValueError(f"max_seconds must be > 0 (or null: no limit), got {self.max_seconds}")


@dataclass(frozen=True)
class RunConfig:
    """Checkpoints, reporting and the final comparison.

    Parameters
    ----------
    checkpoint_every_s : float
        Seconds between checkpoints, > 0.
    report_every_s : float
        Seconds between progress log lines and display updates, > 0.
    candidates : int
        The best algorithms (the latest improvements of the best) compared on
        T_select at the end, >= 1.
    baselines : tuple of str
        Names in :data:`automl_zero.baselines.BASELINES`, scored on the same
        tasks for the report.

    """

    checkpoint_every_s: float = 60.0
    report_every_s: float = 5.0
    candidates: int = 10
    baselines: tuple[str, ...] = ("linear_regression",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "baselines", tuple(self.baselines))
        if not self.checkpoint_every_s > 0:
            raise ValueError(f"checkpoint_every_s must be > 0, got {self.checkpoint_every_s}")
        if not self.report_every_s > 0:
            raise ValueError(f"report_every_s must be > 0, got {self.report_every_s}")
        if self.candidates < 1:
            raise ValueError(f"candidates must be >= 1, got {self.candidates}")
        for name in self.baselines:
            if name not in BASELINES:
                raise ValueError(
                    f"unknown baseline {name!r}{_suggestion(name, list(BASELINES))}; "
                    f"baselines are {', '.join(BASELINES)}"
                )


@dataclass(frozen=True)
class TasksConfig:
    """The three task sets: T_search, T_select and T_final.

    Parameters
    ----------
    search : TaskSpec
        T_search, the tasks evolution optimizes on.
    select, final : TaskSpec, optional
        T_select and T_final; None: the search spec (the sets still never
        share a task, see :mod:`automl_zero.tasks.sets`).
    num_select_pairs : int
        Projected binary tasks: class pairs held out for T_select and
        T_final, >= 1.
    island_search : tuple of TaskSpec
        Further T_search sets for the island model: island ``k`` searches
        ``(search, *island_search)[k % n]`` (the paper: half the workers on
        CIFAR-10, half on MNIST). Keys a spec omits are taken from search.

    """

    search: TaskSpec
    select: TaskSpec | None = None
    final: TaskSpec | None = None
    num_select_pairs: int = 9
    island_search: tuple[TaskSpec, ...] = ()

    def __post_init__(self) -> None:
        if self.num_select_pairs < 1:
            raise ValueError(f"num_select_pairs must be >= 1, got {self.num_select_pairs}")


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything an experiment needs.

    Parameters
    ----------
    name : str
        Names the experiment (and its run directory); no path separators.
    seed : int
        One seed for everything: the task sets and the search (copied into
        ``evolution.seed``), >= 0.
    memory : MemorySize
        Addresses per kind; also the search space's memory (copied into
        ``search_space.memory``).
    tasks : TasksConfig
    search_space : SearchSpace
    evolution : EvolutionConfig
        Default: :class:`~automl_zero.search.evolution.EvolutionConfig`'s
        defaults, but drawing T_search afresh every
        :data:`~automl_zero.search.evolution.REDRAW_TASKS_EVERY` individuals
        (an experiment knows its task specs, so it can draw); so does a
        config read from a file or mapping that does not set
        ``evolution.redraw_tasks_every``.
    budget : BudgetConfig
    run : RunConfig
    islands : IslandsConfig
        Workers (islands), migration and the backend (local processes or Ray).
    initial_algorithm : str, optional
        Path of an algorithm file in the paper's notation
        (:func:`automl_zero.algorithm.parse`); required exactly when
        ``evolution.initial == "algorithm"``. :func:`load_config` resolves a
        relative path against the config file's directory.

    """

    name: str = "experiment"
    seed: int = 0
    memory: MemorySize = field(default_factory=lambda: MemorySize(4, 3, 1))
    tasks: TasksConfig = field(default_factory=lambda: TasksConfig(TaskSpec()))
    search_space: SearchSpace = field(default_factory=SearchSpace)
    evolution: EvolutionConfig = field(default_factory=lambda: EvolutionConfig(redraw_tasks_every=REDRAW_TASKS_EVERY))
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    run: RunConfig = field(default_factory=RunConfig)
    islands: IslandsConfig = field(default_factory=IslandsConfig)
    initial_algorithm: str | None = None

    def __post_init__(self) -> None:
        if not self.name or re.search(r"[/\\\x00]", self.name):
            raise ValueError(f"name must be a non-empty string without path separators, got {self.name!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if self.search_space.memory != self.memory:
            object.__setattr__(self, "search_space", dataclasses.replace(self.search_space, memory=self.memory))
        if self.evolution.seed != self.seed:
            object.__setattr__(self, "evolution", dataclasses.replace(self.evolution, seed=self.seed))
        if self.evolution.initial == "algorithm" and self.initial_algorithm is None:
            raise ValueError(
                "evolution.initial is 'algorithm' but initial_algorithm is not set; give the path of an algorithm file"
            )
        if self.initial_algorithm is not None and self.evolution.initial != "algorithm":
            raise ValueError(
                f"initial_algorithm is set but evolution.initial is {self.evolution.initial!r}; "
                "set evolution.initial to 'algorithm' to start from it, or remove initial_algorithm"
            )


# ---------------------------------------------------------------------------
# Declarative rules the generic reader applies
# ---------------------------------------------------------------------------

#: Fields that are not read from their section, with the reason; their value comes from elsewhere.
_EXCLUDED: dict[tuple[type, str], str] = {
    (SearchSpace, "memory"): "the search space's memory is the top-level 'memory'; set it there",
    (EvolutionConfig, "seed"): "the search's seed is the top-level 'seed' (one seed for everything); set it there",
}

#: Fields filled from an already read field of the enclosing section: (parent, field) -> {child field: parent field}.
_INJECTED: dict[tuple[type, str], dict[str, str]] = {
    (ExperimentConfig, "search_space"): {"memory": "memory"},
    (ExperimentConfig, "evolution"): {"seed": "seed"},
}

#: String fields with a fixed set of values: (class, field) -> (choices, normalize before comparing).
_CHOICES: dict[tuple[type, str], tuple[tuple[str, ...], bool]] = {
    (TaskSpec, "family"): (FAMILIES, False),
    (TaskSpec, "unit_kind"): (UNIT_TASK_KINDS, False),
    (TaskSpec, "dataset"): (tuple(DATASETS), True),
    (EvolutionConfig, "initial"): (INITIAL_KINDS, False),
    (EvolutionConfig, "fitness_combination"): (COMBINATIONS, False),
    (RunConfig, "baselines"): (tuple(BASELINES), False),
    (IslandsConfig, "backend"): (BACKENDS, False),
}

#: Lower bounds the dataclasses themselves do not check: (class, field) -> (bound, strict).
_LOWER: dict[tuple[type, str], tuple[float, bool]] = {
    (TaskSpec, "num_tasks"): (1, False),
    (TaskSpec, "num_features"): (1, False),
    (TaskSpec, "num_train"): (1, False),
    (TaskSpec, "num_valid"): (1, False),
    (TaskSpec, "num_epochs"): (1, False),
    (TaskSpec, "classes"): (0, False),
    (EvolutionConfig, "max_abs_error"): (0, True),
    (EvolutionConfig, "max_cost"): (0, False),
}

#: Named sets for tuple-of-enum fields.
_PRESETS: dict[type[enum.Enum], dict[str, tuple[Any, ...]]] = {
    Op: {"all": ALL_OPS, "demo": DEMO_OPS, "setup": SETUP_OPS, "predict": PREDICT_OPS, "learn": LEARN_OPS},
    # "all" keeps INSERT_REMOVE and leaves out the original's separate INSERT and REMOVE (the same moves again).
    MutationType: {
        "demo": DEMO_MUTATIONS,
        "all": tuple(m for m in MutationType if m not in (MutationType.INSERT, MutationType.REMOVE)),
    },
}
#: Suffix an enum's member names may omit in a config.
_SUFFIX: dict[type[enum.Enum], str] = {Op: "_OP"}
_ENUM_WHAT: dict[type[enum.Enum], str] = {Op: "op", MutationType: "mutation type"}

#: Fields of a task spec that T_select and T_final take from T_search when they omit them.
_INHERITS: dict[tuple[type, str], str] = {
    (TasksConfig, "select"): "search",
    (TasksConfig, "final"): "search",
    (TasksConfig, "island_search"): "search",
}

#: Path fields resolved against the config file's directory.
_PATHS: frozenset[tuple[type, str]] = frozenset({(ExperimentConfig, "initial_algorithm")})

_NONE_TYPE = type(None)


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


def _fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if f.init and (cls, f.name) not in _EXCLUDED]


def _has_default(f: dataclasses.Field[Any]) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _describe(tp: Any) -> str:
    """What a value of type ``tp`` looks like in YAML, for error messages."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not _NONE_TYPE]
        return " or ".join(_describe(a) for a in inner) + " or null"
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            element = args[0]
            if isinstance(element, type) and issubclass(element, enum.Enum):
                presets = ", ".join(_PRESETS[element])
                return f"a preset ({presets}) or a list of {_ENUM_WHAT[element]} names"
            return f"a list of {_plural(element)}"
        return f"a list of {len(args)} {_plural(args[0])}"
    if dataclasses.is_dataclass(tp):
        return "a mapping of keys to values"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(tp, str(tp))


def _plural(tp: Any) -> str:
    return {int: "integers", float: "numbers", str: "strings", bool: "booleans"}.get(tp, str(tp))


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


class _Reader:
    """Turns plain data into the config dataclasses, raising ConfigError with file, line and key."""

    def __init__(self, source: str, lines: Mapping[KeyPath, int] | None) -> None:
        self.source = source
        self.lines: Mapping[KeyPath, int] = lines or {}
        self.base_dir = Path.cwd() if source.startswith("<") else Path(source).parent

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its closest enclosing key that has one."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def error(self, path: KeyPath, problem: str) -> ConfigError:
        line = self.line(path) if self.lines else None
        where = self.source if line is None else f"{self.source}:{line}"
        return ConfigError(f"{where}: {_dotted(path)}: {problem}")

    def fail(self, path: KeyPath, problem: str) -> NoReturn:
        raise self.error(path, problem)

    # -- sections ----------------------------------------------------------

    def build(
        self,
        cls: type,
        data: Any,
        path: KeyPath,
        *,
        base: Any = None,
        injected: Mapping[str, Any] | None = None,
        inherited: Mapping[str, Any] | None = None,
    ) -> Any:
        """Build dataclass ``cls`` from mapping ``data``.

        Missing keys take ``inherited`` values, then ``base``'s value (an
        instance of ``cls``: the enclosing default's section) where it differs
        from the class's default, then the field's default, then ``base``'s
        value for fields without default.
        """
        if not isinstance(data, Mapping):
            self.fail(path, f"expected a mapping of keys to values (a section), got {data!r}")
        valid = [f.name for f in _fields(cls)]
        for key in data:
            if (cls, str(key)) in _EXCLUDED:
                self.fail((*path, str(key)), f"not allowed here: {_EXCLUDED[cls, str(key)]}")
            if key not in valid:
                self.fail((*path, str(key)), f"unknown key{_suggestion(str(key), valid)}")
        merged = {**(inherited or {}), **data}
        hints = get_type_hints(cls)
        kwargs: dict[str, Any] = {}
        plain = _class_default(cls) if base is not None else None
        for f in _fields(cls):
            key_path = (*path, f.name)
            nested_base = getattr(base, f.name) if base is not None else None
            if f.name not in merged:
                if (cls, f.name) in _INJECTED:
                    kwargs[f.name] = self.convert(
                        {}, hints[f.name], key_path, owner=(cls, f.name), kwargs=kwargs, base=nested_base
                    )
                elif plain is not None and nested_base != getattr(plain, f.name):
                    # The enclosing default sets this field apart (an experiment draws tasks afresh, a bare
                    # EvolutionConfig does not): a section that omits the key keeps the experiment's default.
                    kwargs[f.name] = nested_base
                elif not _has_default(f):
                    if base is None:
                        self.fail(key_path, "missing required key")
                    kwargs[f.name] = nested_base
                continue
            kwargs[f.name] = self.convert(
                merged[f.name],
                hints[f.name],
                key_path,
                owner=(cls, f.name),
                kwargs=kwargs,
                base=nested_base,
                data=merged,
            )
        kwargs.update(injected or {})
        try:
            return cls(**kwargs)
        except (ValueError, TypeError) as error:
            raise self.error(self._blame(path, data, str(error), list(injected or ())), str(error)) from None

    def _blame(self, path: KeyPath, data: Mapping[Any, Any], message: str, injected: list[str]) -> KeyPath:
        """The key an error message names (earliest mention, then longest), else the section.

        Keys of the section count, and injected fields, which point to the enclosing section's key.
        """
        found: list[tuple[int, int, KeyPath]] = []
        for name in injected:
            match = re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", message)
            if match:
                found.append((match.start(), -len(name), (*path[:-1], name)))

        def walk(node: Mapping[Any, Any], prefix: tuple[str, ...]) -> None:
            for key, value in node.items():
                sub = (*prefix, str(key))
                match = re.search(rf"(?<![\w.]){re.escape('.'.join(sub))}(?![\w])", message)
                if match:
                    found.append((match.start(), -len(match.group()), (*path, *sub)))
                if isinstance(value, Mapping):
                    walk(value, sub)

        walk(data, ())
        return min(found)[2] if found else path

    # -- values ------------------------------------------------------------

    def convert(
        self,
        value: Any,
        tp: Any,
        path: KeyPath,
        *,
        owner: tuple[type, str],
        kwargs: Mapping[str, Any],
        base: Any = None,
        data: Mapping[str, Any] | None = None,
        what: str | None = None,
    ) -> Any:
        """Convert one field's value to type ``tp`` and check its choices and bounds."""
        what = what or _describe(tp)
        origin, args = get_origin(tp), get_args(tp)
        if origin in (Union, types.UnionType):
            if value is None and _NONE_TYPE in args:
                return None
            (inner,) = (a for a in args if a is not _NONE_TYPE)
            return self.convert(value, inner, path, owner=owner, kwargs=kwargs, base=base, data=data, what=what)
        if dataclasses.is_dataclass(tp):
            assert isinstance(tp, type)
            injected = {child: kwargs[parent] for child, parent in _INJECTED.get(owner, {}).items() if parent in kwargs}
            inherited: Mapping[str, Any] | None = None
            if owner in _INHERITS and data is not None:
                source = data.get(_INHERITS[owner])
                inherited = source if isinstance(source, Mapping) else None
            return self.build(tp, value, path, base=base, injected=injected, inherited=inherited)
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis and dataclasses.is_dataclass(args[0]):
                if not isinstance(value, list | tuple):
                    self.fail(path, f"expected a list of sections, got {value!r}")
                return tuple(
                    self.convert(item, args[0], (*path, i), owner=owner, kwargs=kwargs, data=data)
                    for i, item in enumerate(value)
                )
            return self._tuple(value, args, path, owner, what)
        converted = self._scalar(value, tp, path, what)
        self._check(converted, path, owner)
        if owner in _PATHS and isinstance(converted, str):
            converted = str((self.base_dir / Path(converted).expanduser()).resolve())
        return converted

    def _tuple(self, value: Any, args: tuple[Any, ...], path: KeyPath, owner: tuple[type, str], what: str) -> Any:
        variadic = len(args) == 2 and args[1] is Ellipsis
        element = args[0]
        if variadic and isinstance(element, type) and issubclass(element, enum.Enum):
            return self._enums(value, element, path, what)
        if not isinstance(value, list | tuple):
            self.fail(path, f"expected {what}, got {value!r}")
        if not variadic and len(value) != len(args):
            self.fail(path, f"expected {what}, got {len(value)} values: {value!r}")
        out = []
        for i, item in enumerate(value):
            tp = element if variadic else args[i]
            converted = self._scalar(item, tp, (*path, i), _describe(tp))
            self._check(converted, (*path, i), owner)
            out.append(converted)
        return tuple(out)

    def _enums(self, value: Any, cls: type[enum.Enum], path: KeyPath, what: str) -> tuple[Any, ...]:
        presets = _PRESETS[cls]
        if isinstance(value, str):
            key = value.strip().lower()
            if key not in presets:
                self.fail(path, f"unknown preset {value!r} (expected {what}){_suggestion(key, list(presets))}")
            return presets[key]
        if not isinstance(value, list | tuple):
            self.fail(path, f"expected {what}, got {value!r}")
        suffix = _SUFFIX.get(cls, "")
        names = list(cls.__members__)
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail((*path, i), f"expected {_ENUM_WHAT[cls]} name, got {item!r}")
            key = item.strip().upper()
            if key not in cls.__members__ and key + suffix in cls.__members__:
                key += suffix
            if key not in cls.__members__:
                guess = key if key.endswith(suffix) else key + suffix
                self.fail((*path, i), f"unknown {_ENUM_WHAT[cls]} {item!r}{_suggestion(guess, names)}")
            out.append(cls.__members__[key])
        return tuple(out)

    def _scalar(self, value: Any, tp: Any, path: KeyPath, what: str) -> Any:
        if tp is bool:
            if isinstance(value, bool):
                return value
        elif tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
        elif tp is float:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
        elif tp is str:
            if isinstance(value, str):
                return value
        else:  # pragma: no cover - a field type this reader does not know
            raise TypeError(f"{_dotted(path)}: unsupported field type {tp!r}")
        self.fail(path, f"expected {what}, got {value!r}")

    def _check(self, value: Any, path: KeyPath, owner: tuple[type, str]) -> None:
        name = owner[1]
        if owner in _CHOICES and isinstance(value, str):
            choices, normalize = _CHOICES[owner]
            key = value.strip().lower().replace("-", "_") if normalize else value
            if key not in choices:
                self.fail(
                    path,
                    f"unknown {name.rstrip('s')} {value!r} (expected one of {', '.join(choices)})"
                    f"{_suggestion(key, choices)}",
                )
        if owner in _LOWER and isinstance(value, int | float) and not isinstance(value, bool):
            bound, strict = _LOWER[owner]
            if not (value > bound if strict else value >= bound):
                self.fail(path, f"must be {'>' if strict else '>='} {bound:g}, got {value!r}")


def _class_default(cls: type) -> Any:
    """``cls()`` (a section with its class's defaults), or None when it needs arguments."""
    try:
        return cls()
    except TypeError:
        return None


def config_from_dict(
    data: Mapping[str, Any] | None,
    source: str = "<dict>",
    lines: Mapping[KeyPath, int] | None = None,
    *,
    check_data: bool = False,
) -> ExperimentConfig:
    """Build and validate an :class:`ExperimentConfig` from plain data.

    Parameters
    ----------
    data : mapping or None
        The YAML layout as Python data (keys are the dataclasses' field
        names); None or ``{}`` give the defaults. Missing keys take their
        defaults; ``tasks.select`` and ``tasks.final`` take the keys they
        omit from ``tasks.search``.
    source : str
        The file the data came from, for messages; relative paths in the
        config resolve against its directory (the working directory for
        ``"<dict>"`` and other names in angle brackets).
    lines : mapping, optional
        Line (1-based) of each key path, e.g. ``("evolution",
        "population_size") -> 12``, as :func:`load_config` finds them.
    check_data : bool
        Also check that every data set's files can be found (``path`` exists,
        or ``download: true``), as a run needs, naming the key that is wrong.

    Returns
    -------
    ExperimentConfig

    Raises
    ------
    ConfigError
        On an unknown key, a value of the wrong type or out of range, an
        unknown name, or an initial algorithm that cannot be read.

    """
    reader = _Reader(source, lines)
    config: ExperimentConfig = reader.build(ExperimentConfig, {} if data is None else data, (), base=ExperimentConfig())
    if config.initial_algorithm is not None:
        path = ("initial_algorithm",)
        try:
            text = Path(config.initial_algorithm).read_text(encoding="utf-8")
        except OSError as error:
            reader.fail(path, f"cannot read algorithm file {config.initial_algorithm!r}: {error.strerror or error}")
        try:
            config.search_space.validate(parse(text, config.memory))
        except ValueError as error:
            reader.fail(path, f"algorithm file {config.initial_algorithm!r}: {error}")
    if check_data:
        _check_data(reader, config.tasks)
    return config


def _check_data(reader: _Reader, tasks: TasksConfig) -> None:
    """Fail at the ``path`` key of the first task spec whose data set cannot be found (see ``missing_data``)."""
    specs: list[tuple[KeyPath, TaskSpec | None]] = [
        (("tasks", "search"), tasks.search),
        (("tasks", "select"), tasks.select),
        (("tasks", "final"), tasks.final),
        *((("tasks", "island_search", i), spec) for i, spec in enumerate(tasks.island_search)),
    ]
    for key, spec in specs:
        if spec is None or spec.family not in DATA_FAMILIES:
            continue
        problem = missing_data(spec.dataset, spec.path, spec.download)
        if problem is not None:
            reader.fail((*key, "path"), problem)


# ---------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-3`` (no dot) as a float, as YAML 1.2 does."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


class _Dumper(yaml.SafeDumper):
    """Block mappings, flow lists (``sizes: [10, 2, 8]``)."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(list, _represent_list)


def _node_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], source: str) -> None:
    """Record the line of every key and list item under ``node``; reject duplicate keys."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key_path = (*path, str(key_node.value))
            line = key_node.start_mark.line + 1
            if key_path in lines:
                raise ConfigError(
                    f"{source}:{line}: {_dotted(key_path)}: duplicate key (first at line {lines[key_path]})"
                )
            lines[key_path] = line
            _node_lines(value_node, key_path, lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _node_lines(item, (*path, i), lines, source)


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[KeyPath, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[KeyPath, int] = {}
        if node is None:
            return None, lines
        lines[()] = node.start_mark.line + 1
        _node_lines(node, (), lines, source)
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = source if mark is None else f"{source}:{mark.line + 1}"
        problem = error.problem or error.context or "syntax error"
        if error.problem and error.context:
            started = f" started at line {error.context_mark.line + 1}" if error.context_mark else ""
            problem += f" ({error.context}{started})"
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: invalid YAML: {error}") from None
    finally:
        loader.dispose()


def load_config(path: str | os.PathLike[str], *, check_data: bool = False) -> ExperimentConfig:
    """Read and validate an experiment configuration from a YAML file.

    Parameters
    ----------
    path : str or os.PathLike
        The YAML file; an empty file gives the defaults.
    check_data : bool
        Also check that the data sets' files can be found (see
        :func:`config_from_dict`); a run needs them, printing a config does not.

    Returns
    -------
    ExperimentConfig

    Raises
    ------
    ConfigError
        If the file is missing or unreadable, is not valid YAML, or holds an
        invalid configuration; the message names the file, line and key.

    """
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such config file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{source}: cannot read the config file: {error}") from None
    data, lines = _parse_yaml(text, source)
    if data is not None and not isinstance(data, Mapping):
        raise ConfigError(f"{source}:1: (top level): expected a mapping of keys to values, got {data!r}")
    return config_from_dict(data, source, lines, check_data=check_data)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _plain(value: Any, presets: bool = False) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), presets) for f in _fields(type(value))}
    if isinstance(value, tuple | list):
        if presets and value and isinstance(value[0], enum.Enum):
            for name, members in _PRESETS[type(value[0])].items():
                if tuple(value) == members:
                    return name
        return [_plain(item, presets) for item in value]
    if isinstance(value, enum.Enum):
        return value.name
    return value


def config_to_dict(config: ExperimentConfig) -> dict[str, Any]:
    """The config as plain data: ops and mutations by name, tuples as lists.

    ``config_from_dict(config_to_dict(c)) == c`` for every valid config.
    """
    out: dict[str, Any] = _plain(config)
    return out


def _yaml_text(data: Any) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


def dump_config(config: ExperimentConfig) -> str:
    """YAML text of :func:`config_to_dict`, which :func:`load_config` reads back to ``config``."""
    return _yaml_text(config_to_dict(config))


_DOCS: dict[tuple[type, str], str] = {
    (ExperimentConfig, "name"): "Names the experiment and its run directory: a non-empty string without '/'.",
    (ExperimentConfig, "seed"): (
        "One seed for everything: the task sets and the search (evolution has no seed of its own). Integer >= 0."
    ),
    (ExperimentConfig, "memory"): "Memory addresses per kind (S, V, M); also the search space's memory.",
    (ExperimentConfig, "tasks"): (
        "The task sets: T_search (evolution), T_select (compares the best candidates), T_final (scores the chosen "
        "one once). They never share a task."
    ),
    (ExperimentConfig, "search_space"): "What evolution may build.",
    (ExperimentConfig, "evolution"): "Regularized evolution, with FEC and progressive dynamic hurdles.",
    (ExperimentConfig, "budget"): (
        "When the search stops. With both limits null it runs until interrupted (Ctrl-C), then selects and reports."
    ),
    (ExperimentConfig, "run"): "Checkpoints, progress reports and the final comparison.",
    (ExperimentConfig, "initial_algorithm"): (
        "Path of an algorithm file in the paper's notation (def Setup(): ...), required exactly when "
        "evolution.initial is 'algorithm'; relative to this file's directory. null: none."
    ),
    (MemorySize, "scalars"): "Scalar addresses s0.. (s0: the label, s1: the prediction): 2..63.",
    (MemorySize, "vectors"): "Vector addresses v0.. (v0: the features; multiclass: v1 label, v2 prediction): 1..63.",
    (MemorySize, "matrices"): "Matrix addresses m0..: 1..63.",
    (TasksConfig, "search"): "T_search, the tasks evolution optimizes on.",
    (TasksConfig, "select"): (
        "T_select: null (the search spec) or a task spec; keys it omits are taken from search. Synthetic sets are "
        "new tasks; projected_binary uses held-out class pairs; multiclass the other half of the examples."
    ),
    (TasksConfig, "final"): (
        "T_final: null (the search spec) or a task spec; keys it omits are taken from search. Data-set families "
        "validate on the data set's test part."
    ),
    (TasksConfig, "num_select_pairs"): (
        "projected_binary: class pairs held out from search for T_select and T_final (9 of 45 in the paper). "
        "Integer >= 1."
    ),
    (TasksConfig, "island_search"): (
        "Further T_search sets for the island model, a list of task specs (keys each omits are taken from search): "
        "island k searches [search, *island_search][k mod n]; e.g. half the islands on CIFAR-10, half on MNIST."
    ),
    (TaskSpec, "family"): (
        f"Task family: {' | '.join(FAMILIES)}. linear_regression: y = w.x; teacher_net: y from a random 2-layer "
        "ReLU network; teacher_classification: class 1 where such a network's output is above its median; "
        "projected_binary: class pairs of a data set, randomly projected to num_features; "
        "multiclass: all classes of a data set; unit: trivial test tasks."
    ),
    (TaskSpec, "num_tasks"): (
        "Tasks in the set, integer >= 1. null: 10 for synthetic families, one per class pair for "
        "projected_binary, 1 for multiclass."
    ),
    (TaskSpec, "num_features"): (
        "F, integer >= 1. null: 4 for synthetic families, 16 for data-set families (projected: 8..256)."
    ),
    (TaskSpec, "num_train"): (
        "Training examples per task, integer >= 1. null: 100 for synthetic families; for data sets, as many as "
        "the smallest class pair (or class set) allows."
    ),
    (TaskSpec, "num_valid"): (
        "Validation examples per task, integer >= 1. null: 100 for synthetic families; for data sets, 20% of the "
        "smallest pair (T_final: its whole test part)."
    ),
    (TaskSpec, "num_epochs"): (
        "Passes over the training examples, integer >= 1 (the paper's variants: 80 examples x 100 epochs, 800 x 10)."
    ),
    (TaskSpec, "project"): (
        "Data-set families: project the features randomly to num_features (true) or keep the raw ones (false: "
        "e.g. 64 for digits, 3072 for CIFAR-10)."
    ),
    (TaskSpec, "dataset"): (
        f"Data-set families: {' | '.join(DATASETS)} (digits ships with scikit-learn; the others need path or download)."
    ),
    (TaskSpec, "path"): "Data-set families: where the data set's files are (~ expands). null: none (digits, download).",
    (TaskSpec, "download"): "Data-set families with no path: fetch the data set from OpenML (true | false).",
    (TaskSpec, "classes"): "multiclass: the classes to use, a list of integers. null: all.",
    (TaskSpec, "unit_kind"): f"unit family: {' | '.join(UNIT_TASK_KINDS)}.",
    (SearchSpace, "setup_ops"): (
        "Ops Setup may use: a preset or a list of op names (SCALAR_SUM_OP or scalar_sum, any case). Presets: "
        "all (every op), demo (the demo's six), setup (constants and random values), predict and learn "
        "(every other op plus scalar constants)."
    ),
    (SearchSpace, "predict_ops"): "Ops Predict may use: a preset or a list of op names, as for setup_ops.",
    (SearchSpace, "learn_ops"): "Ops Learn may use: a preset or a list of op names, as for setup_ops.",
    (SearchSpace, "sizes"): "Instructions in Setup, Predict and Learn of initial algorithms: [setup, predict, learn].",
    (SearchSpace, "min_sizes"): (
        "Fewest instructions insertions and removals may leave: [setup, predict, learn], each <= sizes. "
        "null: sizes (fixed-size component functions)."
    ),
    (SearchSpace, "max_sizes"): (
        "Most instructions insertions may make: [setup, predict, learn], each >= sizes. null: sizes."
    ),
    (SearchSpace, "mutations"): (
        "Mutation types, picked uniformly: demo (ALTER_PARAM, RANDOMIZE_INSTRUCTION, "
        "RANDOMIZE_COMPONENT_FUNCTION), all (every type but INSERT and REMOVE), or a list of "
        f"{', '.join(MutationType.__members__)} (INSERT_REMOVE, INSERT and REMOVE need min_sizes < max_sizes; "
        "INSERT and REMOVE are the original's separate types, INSERT_REMOVE removes twice as often as it inserts)."
    ),
    (SearchSpace, "semantic_mutation_prob"): (
        "Probability, in [0, 1], that an instruction made by RANDOMIZE_INSTRUCTION or an insertion reads addresses "
        "that hold values and writes one that is read, instead of uniform addresses (0: the original's uniform)."
    ),
    (SearchSpace, "constant_mutation"): (
        "How ALTER_PARAM changes a real constant: log_normal (the original's: sign flipped with probability 0.1, "
        "else sign(x) * exp(log|x| + N(0, 1))) or scale (times U[0.5, 2], sign flipped with probability 0.1)."
    ),
    (SearchSpace, "constant_init"): (
        "How a new instruction draws a setter's constant: uniform (the original's U[-1, 1]) or log_uniform "
        "(a random sign times 10**U[-4, 0], as likely in each decade from 1e-4 to 1)."
    ),
    (EvolutionConfig, "population_size"): "P, integer >= 2 (the paper: 100 per worker; the demo: 1000).",
    (EvolutionConfig, "tournament_size"): "T, integer in 1..population_size.",
    (EvolutionConfig, "mutate_prob"): "Probability that a copied parent is mutated, in [0, 1].",
    (EvolutionConfig, "initial"): (
        f"Initial population: {' | '.join(INITIAL_KINDS)} (random programs of the space's sizes, no-op "
        "programs, or copies of initial_algorithm)."
    ),
    (EvolutionConfig, "fec"): "Functional equivalence checking: a short fingerprint run, then an LRU fitness cache.",
    (EvolutionConfig, "fec_train_examples"): "Training examples per task in the fingerprint run, integer >= 1.",
    (EvolutionConfig, "fec_valid_examples"): "Validation examples per task in the fingerprint run, integer >= 1.",
    (EvolutionConfig, "fec_cache_size"): "Entries of the fitness cache, integer >= 1.",
    (EvolutionConfig, "structural_hash"): "Look up the pruned program's hash before the fingerprint run.",
    (EvolutionConfig, "charge_skipped_fingerprints"): (
        "Count the fingerprint run's training steps for a structural hash hit, which skips it, so that a budget "
        "of training steps buys as many individuals as in the original (which always runs it)."
    ),
    (EvolutionConfig, "hurdles"): "Progressive dynamic hurdles: train on a fraction first, in full only if it clears.",
    (EvolutionConfig, "hurdle_train_fraction"): "Fraction of the training examples in the first stage, in (0, 1].",
    (EvolutionConfig, "hurdle_task_fraction"): "Fraction of the search tasks in the first stage, in (0, 1].",
    (EvolutionConfig, "hurdle_percentile"): (
        "The hurdle: this percentile of the recent first-stage fitnesses, in [0, 100]."
    ),
    (EvolutionConfig, "max_abs_error"): "A training error above this stops training (fitness 0), > 0.",
    (EvolutionConfig, "max_cost"): (
        "Per-evaluation compute budget in op-cost units; costlier programs get fitness 0. Integer >= 0 (0: none)."
    ),
    (EvolutionConfig, "fitness_combination"): (
        f"How per-task fitnesses combine: {' | '.join(COMBINATIONS)} (the demo: mean; the paper's full runs: median)."
    ),
    (EvolutionConfig, "redraw_tasks_every"): (
        "Replace T_search with fresh tasks of the same kind every this many individuals per island (data-set "
        "families: the same search data with fresh projections and splits; the FEC cache is emptied each time). "
        f"Integer >= 0; default {REDRAW_TASKS_EVERY}; 0: never, a fixed T_search as in the original."
    ),
    (BudgetConfig, "max_individuals"): "Stop after this many individuals, integer >= 1. null: no limit.",
    (BudgetConfig, "max_seconds"): "Stop after this many seconds of search, > 0. null: no limit.",
    (RunConfig, "checkpoint_every_s"): "Seconds between checkpoints (resume continues from the last), > 0.",
    (RunConfig, "report_every_s"): "Seconds between progress log lines and display updates, > 0.",
    (RunConfig, "candidates"): (
        "The best algorithms (the latest improvements of the best) compared on T_select at the end, integer >= 1."
    ),
    (RunConfig, "baselines"): (
        f"Hand-designed algorithms scored on the same tasks for the report: a list of {', '.join(BASELINES)}."
    ),
    (ExperimentConfig, "islands"): (
        "The island model: W populations in parallel workers exchanging individuals (migration)."
    ),
    (IslandsConfig, "count"): (
        "W, the number of islands: the result is deterministic given the seed and W, however many workers run "
        "them. null: as many as workers. A run writes it into its config.yaml."
    ),
    (IslandsConfig, "workers"): (
        "Workers hosting the islands (local processes or Ray actors, a core each), at most W; resume --workers "
        "changes it. null: every core, or every CPU of the Ray cluster (growing as nodes join)."
    ),
    (IslandsConfig, "migration_interval"): "Individuals per island between migrations; 0: no migration.",
    (IslandsConfig, "migrants"): "How many of its fittest an island sends to a random other island each time.",
    (IslandsConfig, "backend"): "local (processes on this machine) or ray (pip install 'automl-zero[ray]').",
    (IslandsConfig, "address"): "Ray cluster address ('auto', 'ray://head:10001'); null starts Ray here.",
    (IslandsConfig, "round_timeout_s"): (
        "Seconds a worker may take over a round before it counts as lost (its islands continue on the other "
        "workers), > 0. null: 30, or ten times the worker's slowest round so far if longer."
    ),
    (IslandsConfig, "snapshot_every_s"): (
        "Seconds of an island's search between snapshots of its state (its changes since the last, sent along "
        "with its rounds; the coordinator keeps the state up to date in memory), >= 0. A lost worker's islands "
        "continue from them, so a loss repeats at most about this much of each island's work plus its rounds in "
        "flight. 0: with every message to the worker, a loss repeats only the rounds in flight; null: only at "
        "checkpoints."
    ),
}


def _render(instance: Any, indent: int, out: list[str]) -> None:
    cls = type(instance)
    pad = " " * indent
    for f in _fields(cls):
        if indent == 0 and out:
            out.append("")
        for line in textwrap.wrap(_DOCS[cls, f.name], width=100 - indent - 2):
            out.append(f"{pad}# {line}")
        # A None default is the documented one; the instance may hold what __post_init__ derived from it.
        value = None if f.default is None else getattr(instance, f.name)
        if dataclasses.is_dataclass(value):
            out.append(f"{pad}{f.name}:")
            _render(value, indent + 2, out)
        else:
            text = yaml.dump(_plain(value, presets=True), Dumper=_Dumper, default_flow_style=True, width=10**6)
            text = text.removesuffix("\n").removesuffix("\n...")
            out.append(f"{pad}{f.name}: {text}")


def defaults_yaml() -> str:
    """The full documented schema: every key with its default and what it allows.

    :func:`load_config` reads the text back to ``ExperimentConfig()``.
    """
    out: list[str] = []
    _render(ExperimentConfig(), 0, out)
    header = [
        "# automl-zero experiment configuration: every key, with its default value.",
        "# Keys left out of a config take these defaults.",
        "",
    ]
    return "\n".join(header + out) + "\n"
