"""Experiment configs: round trips, the ready configs, the documented defaults, and every kind of error."""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, MemorySize
from automl_zero.config import (
    BudgetConfig,
    ConfigError,
    ExperimentConfig,
    RunConfig,
    TasksConfig,
    config_from_dict,
    config_to_dict,
    defaults_yaml,
    dump_config,
    load_config,
)
from automl_zero.demo import DEMO_CONFIG
from automl_zero.mutation import MutationType
from automl_zero.ops import DEMO_OPS, LEARN_OPS, SETUP_OPS, Op
from automl_zero.search.evolution import REDRAW_TASKS_EVERY, EvolutionConfig
from automl_zero.search.space import SearchSpace
from automl_zero.tasks import build_task_sets
from automl_zero.tasks.sets import TaskSpec

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def load_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:"), message
    return message


def a_custom_config() -> ExperimentConfig:
    """A config that differs from the defaults almost everywhere."""
    memory = MemorySize(5, 9, 2)
    return ExperimentConfig(
        name="custom",
        seed=7,
        memory=memory,
        tasks=TasksConfig(
            search=TaskSpec(family="projected_binary", num_features=8, num_train=50, num_epochs=3),
            select=TaskSpec(family="teacher_net", num_tasks=3),
            final=TaskSpec(family="multiclass", classes=(0, 1, 2), project=False),
            num_select_pairs=4,
        ),
        search_space=SearchSpace(
            memory=memory,
            setup_ops=SETUP_OPS,
            predict_ops=(Op.VECTOR_SUM_OP, Op.SCALAR_SUM_OP),
            learn_ops=LEARN_OPS,
            sizes=(2, 3, 4),
            min_sizes=(0, 1, 2),
            max_sizes=(5, 6, 7),
            mutations=(MutationType.INSERT_REMOVE, MutationType.ALTER_PARAM),
        ),
        evolution=EvolutionConfig(population_size=50, tournament_size=5, hurdles=True, fitness_combination="median"),
        budget=BudgetConfig(max_individuals=1000, max_seconds=12.5),
        run=RunConfig(checkpoint_every_s=1.5, report_every_s=2, candidates=3, baselines=("two_layer_network",)),
    )


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("config", [ExperimentConfig(), a_custom_config()], ids=["defaults", "custom"])
def test_dict_round_trip(config: ExperimentConfig) -> None:
    data = config_to_dict(config)
    assert data["search_space"]["predict_ops"] == [op.name for op in config.search_space.predict_ops]
    assert isinstance(data["search_space"]["sizes"], list)
    assert config_from_dict(data) == config


@pytest.mark.parametrize("config", [ExperimentConfig(), a_custom_config()], ids=["defaults", "custom"])
def test_yaml_round_trip_through_a_file(config: ExperimentConfig, tmp_path: Path) -> None:
    path = write(tmp_path, dump_config(config))
    assert load_config(path) == config


def test_seed_and_memory_are_copied_into_evolution_and_search_space() -> None:
    config = ExperimentConfig(seed=5, memory=MemorySize(6, 4, 2))
    assert config.evolution.seed == 5
    assert config.search_space.memory == MemorySize(6, 4, 2)
    loaded = config_from_dict({"seed": 5, "memory": {"scalars": 6, "vectors": 4, "matrices": 2}})
    assert loaded == config


def test_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")) == ExperimentConfig()
    assert load_config(write(tmp_path, "# only a comment\n")) == ExperimentConfig()


# ---------------------------------------------------------------------------
# The ready configs and the documented defaults
# ---------------------------------------------------------------------------


def test_the_ready_configs_exist() -> None:
    names = {path.stem for path in CONFIGS}
    expected = {"demo", "nonlinear", "digits", "cifar10", "mnist", "few_examples", "fast_training", "multiclass"}
    assert expected <= names


@pytest.mark.parametrize("path", CONFIGS, ids=[path.stem for path in CONFIGS])
def test_every_ready_config_loads_and_round_trips(path: Path, tmp_path: Path) -> None:
    config = load_config(path)
    assert config.name == path.stem
    assert path.read_text().startswith("#"), "each config starts with a header comment"
    assert load_config(write(tmp_path, dump_config(config))) == config


@pytest.mark.parametrize(
    "path",
    [path for path in CONFIGS if load_config(path).tasks.search.path is None],
    ids=[path.stem for path in CONFIGS if load_config(path).tasks.search.path is None],
)
def test_ready_configs_without_external_data_build_their_task_sets(path: Path) -> None:
    config = load_config(path)
    tasks = config.tasks
    sets = build_task_sets(tasks.search, tasks.select, tasks.final, seed=config.seed, num_select_pairs=9)
    assert all(len(role) >= 1 for role in sets)


def test_demo_config_is_the_spec_demo() -> None:
    config = load_config(next(path for path in CONFIGS if path.stem == "demo"))
    search, select, final = config.tasks.search, config.tasks.select, config.tasks.final
    assert (search.family, search.num_tasks, search.num_features, search.num_train, search.num_valid) == (
        "linear_regression",
        10,
        4,
        100,
        100,
    )
    for spec in (select, final):
        assert spec is not None
        assert (spec.family, spec.num_tasks, spec.num_features, spec.num_train, spec.num_valid) == (
            "linear_regression",
            100,
            4,
            1000,
            100,
        )
    assert config.memory == MemorySize(4, 3, 1)
    assert config.search_space == SearchSpace()  # the demo's space is SearchSpace's default
    assert config.search_space.setup_ops == DEMO_OPS
    assert dataclasses.replace(config.evolution, seed=0) == DEMO_CONFIG  # fresh task draws included
    assert config.budget.max_seconds == 300


def test_defaults_yaml_loads_back_to_the_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, defaults_yaml())) == ExperimentConfig()


def test_defaults_yaml_documents_every_key() -> None:
    lines = defaults_yaml().splitlines()
    keys = [i for i, line in enumerate(lines) if re.match(r"^\s*\w+:", line)]
    assert len(keys) > 50
    for i in keys:
        assert lines[i - 1].lstrip().startswith("#"), f"key without a comment: {lines[i]!r}"
    # Every field of every section appears (seed and memory only at the top level).
    text = "\n".join(lines)
    for cls in (TaskSpec, SearchSpace, EvolutionConfig, BudgetConfig, RunConfig, TasksConfig, MemorySize):
        for f in dataclasses.fields(cls):
            if (cls, f.name) in ((SearchSpace, "memory"), (EvolutionConfig, "seed")):
                continue
            assert re.search(rf"^\s+{f.name}:", text, re.MULTILINE), f"{cls.__name__}.{f.name} missing"


# ---------------------------------------------------------------------------
# Reading conveniences
# ---------------------------------------------------------------------------


def test_presets_names_without_suffix_and_case(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """
            search_space:
              setup_ops: SETUP
              predict_ops: [scalar_sum, VECTOR_SUM_OP, Vector_Inner_Product]
              learn_ops: all
              mutations: [alter_param]
            """,
        )
    )
    space = config.search_space
    assert space.setup_ops == SETUP_OPS
    assert space.predict_ops == (Op.SCALAR_SUM_OP, Op.VECTOR_SUM_OP, Op.VECTOR_INNER_PRODUCT_OP)
    assert len(space.learn_ops) == 65
    assert space.mutations == (MutationType.ALTER_PARAM,)


def test_numbers_in_exponent_form_and_ints_for_floats(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, "budget: {max_individuals: 1e6, max_seconds: 5e-1}\nevolution: {mutate_prob: 1}\n")
    )
    assert config.budget == BudgetConfig(max_individuals=1_000_000, max_seconds=0.5)
    assert isinstance(config.budget.max_individuals, int)
    assert config.evolution.mutate_prob == 1.0 and isinstance(config.evolution.mutate_prob, float)


def test_select_and_final_take_omitted_keys_from_search() -> None:
    config = config_from_dict(
        {"tasks": {"search": {"family": "teacher_net", "num_features": 6}, "select": {"num_tasks": 50}}}
    )
    assert config.tasks.select == TaskSpec(family="teacher_net", num_features=6, num_tasks=50)
    assert config.tasks.final is None


def test_island_search_sets_take_omitted_keys_from_search() -> None:
    config = config_from_dict(
        {"tasks": {"search": {"family": "teacher_net", "num_features": 6}, "island_search": [{"num_tasks": 3}, {}]}}
    )
    assert config.tasks.island_search == (
        TaskSpec(family="teacher_net", num_features=6, num_tasks=3),
        TaskSpec(family="teacher_net", num_features=6),
    )
    assert config_from_dict(config_to_dict(config)) == config


# ---------------------------------------------------------------------------
# Errors: file, line, key and a suggestion
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nsed: 3\n", ":2: sed: unknown key, did you mean 'seed'?"),
        (
            "name: x\nevolution:\n  tournament_size: 5\n  populaton_size: 10\n",
            ":4: evolution.populaton_size: unknown key, did you mean 'population_size'?",
        ),
        (
            "tasks:\n  search:\n    family: teacher_net\n    num_featurs: 8\n",
            ":4: tasks.search.num_featurs: unknown key, did you mean 'num_features'?",
        ),
        ("memory:\n  scalar: 5\n", ":2: memory.scalar: unknown key, did you mean 'scalars'?"),
        ("run: {candidats: 3}\n", ":1: run.candidats: unknown key, did you mean 'candidates'?"),
        (
            "tasks:\n  search: {}\n  island_search:\n    - {}\n    - {famly: unit}\n",
            ":5: tasks.island_search[1].famly: unknown key, did you mean 'family'?",
        ),
    ],
)
def test_misspelt_keys_name_file_line_and_suggestion(tmp_path: Path, text: str, expected: str) -> None:
    assert load_error(tmp_path, text).endswith(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("evolution:\n  population_size: ten\n", ":2: evolution.population_size: expected an integer, got 'ten'"),
        ("evolution:\n  population_size: true\n", ":2: evolution.population_size: expected an integer, got True"),
        ("evolution:\n  population_size: 10.5\n", "expected an integer, got 10.5"),
        ("evolution:\n  fec: 1\n", ":2: evolution.fec: expected true or false, got 1"),
        ("evolution:\n  mutate_prob: high\n", "evolution.mutate_prob: expected a number, got 'high'"),
        ("name: 3\n", ":1: name: expected a string, got 3"),
        ("budget:\n  max_seconds: soon\n", "budget.max_seconds: expected a number or null, got 'soon'"),
        ("search_space:\n  sizes: [1, 2]\n", ":2: search_space.sizes: expected a list of 3 integers, got 2 values"),
        ("search_space:\n  sizes: [1, x, 2]\n", "search_space.sizes[1]: expected an integer, got 'x'"),
        ("run:\n  baselines: linear_regression\n", "run.baselines: expected a list of strings"),
        ("evolution: 3\n", ":1: evolution: expected a mapping of keys to values (a section), got 3"),
        ("tasks:\n  search: [1]\n", ":2: tasks.search: expected a mapping"),
        ("- 1\n- 2\n", ":1: (top level): expected a mapping of keys to values"),
    ],
)
def test_wrong_types(tmp_path: Path, text: str, expected: str) -> None:
    message = load_error(tmp_path, text)
    assert expected in message, message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("evolution:\n  fec: true\n  mutate_prob: 1.5\n", ":3: evolution.mutate_prob: mutate_prob must be in [0, 1]"),
        ("evolution:\n  population_size: 1\n", ":2: evolution.population_size: need population_size >= 2"),
        ("memory:\n  vectors: 3\n  scalars: 1\n", ":3: memory.scalars: memory scalars must be an integer in [2, 63]"),
        ("budget:\n  max_seconds: 0\n", ":2: budget.max_seconds: max_seconds must be > 0"),
        ("run:\n  candidates: 0\n", ":2: run.candidates: candidates must be >= 1"),
        ("tasks:\n  search:\n    num_train: 0\n", ":3: tasks.search.num_train: must be >= 1, got 0"),
        ("seed: -1\n", ":1: seed: seed must be an integer >= 0"),
        ("search_space:\n  sizes: [10, 2, 8]\n  min_sizes: [11, 2, 8]\n", ":2: search_space.sizes: Setup sizes must"),
        ("memory: {vectors: 1}\n", ":1: memory: op SCALAR_VECTOR_PRODUCT_OP writes a vector"),
    ],
)
def test_out_of_range_values(tmp_path: Path, text: str, expected: str) -> None:
    message = load_error(tmp_path, text)
    assert expected in message, message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "search_space:\n  learn_ops:\n    - SCALAR_SUM\n    - VECTR_SUM_OP\n",
            ":4: search_space.learn_ops[1]: unknown op 'VECTR_SUM_OP', did you mean 'VECTOR_SUM_OP'?",
        ),
        (
            "search_space:\n  setup_ops: [scalar_sine]\n",
            "search_space.setup_ops[0]: unknown op 'scalar_sine', did you mean 'SCALAR_SIN_OP'?",
        ),
        ("search_space:\n  setup_ops: dmeo\n", ":2: search_space.setup_ops: unknown preset 'dmeo'"),
        (
            "search_space:\n  mutations: [ALTER_PARAMS]\n",
            "search_space.mutations[0]: unknown mutation type 'ALTER_PARAMS', did you mean 'ALTER_PARAM'?",
        ),
        (
            "tasks:\n  search: {family: linear_regresion}\n",
            ":2: tasks.search.family: unknown family 'linear_regresion'",
        ),
        ("tasks:\n  search: {dataset: cifar-100}\n", "tasks.search.dataset: unknown dataset 'cifar-100'"),
        (
            "run:\n  baselines:\n    - logistic_regresion\n",
            ":3: run.baselines[0]: unknown baseline 'logistic_regresion'",
        ),
        ("evolution:\n  initial: randm\n", ":2: evolution.initial: unknown initial 'randm'"),
    ],
)
def test_unknown_names_with_suggestions(tmp_path: Path, text: str, expected: str) -> None:
    message = load_error(tmp_path, text)
    assert expected in message, message
    if "family" in expected or "baseline" in expected or "preset" in expected or "initial" in expected:
        assert "did you mean" in message


def test_evolution_seed_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, "seed: 1\nevolution:\n  seed: 3\n")
    assert ":3: evolution.seed: not allowed here" in message and "top-level 'seed'" in message
    message = load_error(tmp_path, "search_space:\n  memory: {scalars: 4}\n")
    assert ":2: search_space.memory: not allowed here" in message


def test_duplicate_key(tmp_path: Path) -> None:
    message = load_error(tmp_path, "seed: 1\nname: a\nseed: 2\n")
    assert message.endswith(":3: seed: duplicate key (first at line 1)")


def test_dict_errors_have_no_line() -> None:
    with pytest.raises(ConfigError, match=r"^<dict>: evolution\.tournament_sise: unknown key, did you mean"):
        config_from_dict({"evolution": {"tournament_sise": 3}})
    with pytest.raises(ConfigError, match=r"^my-source: run.candidates"):
        config_from_dict({"run": {"candidates": "x"}}, source="my-source")


# ---------------------------------------------------------------------------
# Initial algorithm
# ---------------------------------------------------------------------------

ALGORITHM_CONFIG = """
memory: {scalars: 5, vectors: 3, matrices: 1}
search_space: {sizes: [1, 1, 4]}
evolution:
  initial: algorithm
initial_algorithm: algorithms/lr.txt
"""


def test_initial_algorithm_needs_initial_algorithm(tmp_path: Path) -> None:
    message = load_error(tmp_path, "evolution:\n  population_size: 10\n  initial: algorithm\n")
    assert ":3: evolution.initial: evolution.initial is 'algorithm' but initial_algorithm is not set" in message
    message = load_error(tmp_path, "initial_algorithm: lr.txt\n")
    assert ":1: initial_algorithm: initial_algorithm is set but evolution.initial is 'random'" in message


def test_initial_algorithm_resolves_against_the_config_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "algorithms").mkdir()
    algorithm_file = tmp_path / "algorithms" / "lr.txt"
    algorithm_file.write_text(str(REFERENCE_LINEAR_REGRESSION))
    path = write(tmp_path, ALGORITHM_CONFIG)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(path)
    assert config.initial_algorithm == str(algorithm_file.resolve())
    assert Path(config.initial_algorithm).is_absolute()
    # The resolved config reads back the same, wherever it is written.
    assert load_config(write(elsewhere, dump_config(config), "resolved.yaml")) == config


def test_initial_algorithm_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "algorithms").mkdir()
    algorithm_file = tmp_path / "algorithms" / "lr.txt"
    algorithm_file.write_text("def Setup():\n  s2 = 0.001\ndef Predict():\n  s1 = frobnicate(v0)\n")
    message = load_error(tmp_path, ALGORITHM_CONFIG)
    assert ":5: initial_algorithm: algorithm file" in message
    assert str(algorithm_file.resolve()) in message and "line 4" in message


def test_initial_algorithm_outside_the_space_or_missing(tmp_path: Path) -> None:
    message = load_error(tmp_path, ALGORITHM_CONFIG)
    assert ":5: initial_algorithm: cannot read algorithm file" in message and "lr.txt" in message
    (tmp_path / "algorithms").mkdir()
    (tmp_path / "algorithms" / "lr.txt").write_text("def Setup():\n  s2 = sin(s3)\n")
    message = load_error(tmp_path, ALGORITHM_CONFIG)
    assert ":5: initial_algorithm: algorithm file" in message and "SCALAR_SIN" in message.upper()


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def test_yaml_syntax_error_reports_a_line(tmp_path: Path) -> None:
    message = load_error(tmp_path, "name: x\nevolution:\n  population_size: [10\n  tournament_size: 3\n")
    assert re.search(r"config\.yaml:\d+: invalid YAML: ", message), message
    line = int(message.split(":")[1])
    assert 3 <= line <= 4
    message = load_error(tmp_path, "name: x\n  bad: indentation\n")
    assert ":2: invalid YAML" in message


def test_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=re.escape(f"{path}: no such config file")):
        load_config(path)


def test_fresh_draws_of_data_set_tasks_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "redraw.yaml"
    path.write_text(
        "name: redraw\ntasks:\n  search: {family: projected_binary, dataset: digits}\n"
        "evolution:\n  redraw_tasks_every: 1000\n"
    )
    assert load_config(path).evolution.redraw_tasks_every == 1000
    config = config_from_dict({"evolution": {"redraw_tasks_every": 1000}})
    assert config.evolution.redraw_tasks_every == 1000


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_python_construction_validates_too() -> None:
    kwargs: dict[str, Any] = {"evolution": EvolutionConfig(initial="algorithm")}
    with pytest.raises(ValueError, match="initial_algorithm is not set"):
        ExperimentConfig(**kwargs)
    with pytest.raises(ValueError, match="did you mean 'linear_regression'"):
        RunConfig(baselines=("linear_regresion",))
    with pytest.raises(ValueError, match="path separators"):
        ExperimentConfig(name="a/b")


# ---------------------------------------------------------------------------
# Data files a run needs
# ---------------------------------------------------------------------------

CIFAR_CONFIG = """\
name: cifar
tasks:
  search:
    family: projected_binary
    dataset: cifar10
    path: {path}
    download: false
"""


def test_a_missing_data_path_names_config_line_key_and_the_download_key(tmp_path: Path) -> None:
    path = write(tmp_path, CIFAR_CONFIG.format(path=tmp_path / "nowhere"))
    assert load_config(path).tasks.search.path is not None  # printing a config does not need the data
    with pytest.raises(ConfigError) as info:
        load_config(path, check_data=True)
    message = str(info.value)
    assert message.startswith(f"{path}:6: tasks.search.path: '{tmp_path / 'nowhere'}' does not exist;"), message
    assert "cifar-10-python.tar.gz" in message and "download: true" in message
    (tmp_path / "nowhere").mkdir()
    assert load_config(path, check_data=True).tasks.search.dataset == "cifar10"


def test_a_data_set_with_neither_path_nor_download(tmp_path: Path) -> None:
    path = write(tmp_path, CIFAR_CONFIG.format(path="null"))
    with pytest.raises(
        ConfigError, match=r":6: tasks.search.path: the cifar10 data set needs its files: .*download: true"
    ):
        load_config(path, check_data=True)
    downloads = write(tmp_path, CIFAR_CONFIG.format(path="null").replace("download: false", "download: true"))
    assert load_config(downloads, check_data=True).tasks.search.download
    own = write(tmp_path, "tasks:\n  search: {family: multiclass, dataset: npz, path: x.npz}\n", "own.yaml")
    with pytest.raises(
        ConfigError, match=r"own\.yaml:2: tasks\.search\.path: 'x\.npz' does not exist; set path: to an \.npz"
    ):
        load_config(own, check_data=True)


@pytest.mark.parametrize("name", ["demo", "digits", "multiclass", "nonlinear"])
def test_ready_configs_on_bundled_data_pass_the_data_check(name: str) -> None:
    load_config(next(path for path in CONFIGS if path.stem == name), check_data=True)


def test_an_experiment_draws_its_search_tasks_afresh_unless_its_config_says_otherwise() -> None:
    assert EvolutionConfig().redraw_tasks_every == 0  # the search alone is given tasks, not a way to draw them
    drawn = config_from_dict({"evolution": {"population_size": 50}})
    assert drawn.evolution.redraw_tasks_every == REDRAW_TASKS_EVERY > 0
    assert drawn.evolution.population_size == 50
    fixed = config_from_dict({"evolution": {"redraw_tasks_every": 0}})
    assert fixed.evolution.redraw_tasks_every == 0
    # A run directory's resolved config keeps the choice either way.
    assert config_from_dict(yaml.safe_load(dump_config(fixed))).evolution.redraw_tasks_every == 0
    assert config_from_dict(yaml.safe_load(dump_config(drawn))).evolution.redraw_tasks_every == REDRAW_TASKS_EVERY
