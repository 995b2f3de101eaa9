"""The ``automl-zero`` command."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from automl_zero.algorithm import REFERENCE_LINEAR_REGRESSION, Algorithm, MemorySize
from automl_zero.mutation import random_algorithm
from automl_zero.ops import DEMO_OPS
from automl_zero.search.islands import BACKENDS
from automl_zero.tasks import linear_regression_tasks
from automl_zero.vm.compiled import CompiledExecutor

DEMO_MEMORY = MemorySize(4, 3, 1)


def _example(args: argparse.Namespace) -> int:
    """Evaluate the reference solution and a random demo-space algorithm on linear regression."""
    memory = MemorySize(5, 3, 1)  # the reference solution as the paper prints it uses s4
    start = time.perf_counter()
    print("Compiling the executor (first run only; later runs load Numba's cache)...", flush=True)
    search = CompiledExecutor(linear_regression_tasks(10, 4, 100, 100, seed=args.seed), memory)
    converged = CompiledExecutor(linear_regression_tasks(10, 4, 1000, 100, seed=args.seed + 1, num_epochs=10), memory)
    search.evaluate(REFERENCE_LINEAR_REGRESSION)
    print(f"ready in {time.perf_counter() - start:.1f} s\n")
    rng = np.random.default_rng(args.seed)
    candidates = [
        ("Linear regression by SGD (the algorithm the demo rediscovers)", REFERENCE_LINEAR_REGRESSION),
        (
            "A random algorithm of the demo's search space",
            random_algorithm(rng, DEMO_MEMORY, (10, 2, 8), DEMO_OPS, DEMO_OPS, DEMO_OPS),
        ),
    ]
    for title, algorithm in candidates:
        print(f"# {title}")
        print(algorithm, end="")
        print(f"fitness on 10 tasks, 100 train / 100 valid examples:     {search.evaluate(algorithm):.6f}")
        print(f"fitness on 10 tasks, 1000 train x 10 epochs / 100 valid: {converged.evaluate(algorithm):.6f}\n")
    print("Fitness is 1 - (2/pi) * arctan(RMS error) on the validation examples: 1 is perfect, 0 the worst.")
    return 0


class _CompileStatus:
    """A live line (rich) that names what is being compiled and for how long, from the first second.

    A first run compiles the compiled core (a minute or more); later runs load Numba's cache and
    pass each stage in a moment. When the search starts, a line says how long it all took.
    """

    def __init__(self) -> None:
        from rich.console import Console

        self._console = Console(stderr=True)
        self._status: Any = None
        self._start = time.perf_counter()

    def stage(self, name: str) -> None:
        if name == "search":
            self.stop()
            seconds = time.perf_counter() - self._start
            self._console.print(f"compiled or loaded from Numba's cache in {seconds:.1f} s; searching", highlight=False)
            return
        text = f"compiling {name} (first run only; later runs load Numba's cache)"
        if self._status is None:
            self._status = self._console.status(text)
            self._status.start()
        else:
            self._status.update(text)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def _demo(args: argparse.Namespace) -> int:
    """Run the original's demo: rediscover linear regression by SGD."""
    from automl_zero.demo import DEMO_CONFIG, Progress, run_demo

    if args.max_seconds is not None and args.max_seconds <= 0:
        raise ValueError(f"--max-seconds must be positive, got {args.max_seconds:g}")
    out = _new_file(args.out if args.out else f"demo-seed{args.seed}.txt", args.force)  # before minutes of search
    print(
        "AutoML-Zero demo: evolving algorithms on 10 linear regression tasks (F=4) from random programs of six ops.\n"
        "Success: an experiment's best algorithm scores > 0.9999 on 100 unseen tasks. An experiment ends after 2e8\n"
        + (
            "training steps, as the original's do."
            if args.full_experiments
            else "training steps, or as soon as it succeeds (--full-experiments: always run them out)."
        )
        + (
            "\nEach experiment searches one fixed set of tasks, as the original's do."
            if args.fixed_tasks
            else "\nThe search tasks are drawn afresh every 10,000 individuals (--fixed-tasks: one set per experiment)."
        ),
        flush=True,
    )
    last = [0.0]
    status = _CompileStatus()

    def report(p: Progress) -> None:
        if p.elapsed_s - last[0] < args.report_every and p.individuals > 10_000:
            return
        last[0] = p.elapsed_s
        print(
            f"[{p.elapsed_s:6.1f} s] experiment {p.experiment}: {p.individuals:>9,} individuals "
            f"({p.individuals_per_s:,.0f}/s average)  best {p.best_fitness:.6f}  mean {p.mean_fitness:.4f}  "
            f"FEC hits {p.fec_hit_rate:.0%}",
            flush=True,
        )

    try:
        result = run_demo(
            seed=args.seed,
            max_seconds=args.max_seconds,
            progress=report,
            on_stage=status.stage,
            stop_at_success=not args.full_experiments,
            config=replace(DEMO_CONFIG, redraw_tasks_every=0) if args.fixed_tasks else DEMO_CONFIG,
        )
    finally:
        status.stop()
    for i, fitness in enumerate(result.select_history, start=1):
        print(f"experiment {i}: best algorithm scores {fitness:.6f} on T_select")
    if result.algorithm is not None:
        print(
            "\nBest algorithm found" + (" (simplify it with the analysis tools to read it):" if result.success else ":")
        )
        print(result.algorithm, end="")
    outcome = "Success" if result.success else "No success"
    print(
        f"\n{outcome} after {result.seconds:.1f} s, {result.experiments} experiment(s), {result.individuals:,} "
        f"individuals ({result.individuals_per_s:,.0f}/s on average), FEC hit rate {result.fec_hit_rate:.0%}"
    )
    print(f"fitness: T_search {result.search_fitness:.6f}, T_select {result.select_fitness:.6f}", end="")
    print(f", T_final {result.final_fitness:.6f}" if result.success else "")
    if result.algorithm is not None:
        out.write_text(str(result.algorithm))
        print(f"best algorithm written to {out} (next: automl-zero simplify {out})")
    return 0 if result.success else 1


def _new_file(path: str | Path, force: bool) -> Path:
    """``path``, after checking that writing it replaces nothing unless ``--force`` was given."""
    file = Path(path)
    if file.exists() and not force:
        raise ValueError(f"{file} already exists; pass --force to overwrite it, or --out to write another file")
    return file


def _positive(kind: type) -> Any:
    def convert(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return convert


def _default_out(config_path: str, seed: int) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{Path(config_path).stem}-seed{seed}-{stamp}"


def _search(experiment: Any, args: argparse.Namespace) -> int:
    """Run (or resume) the search with live progress, then write the report; stop the workers."""
    with experiment:
        return _search_in(experiment)


def _search_in(experiment: Any) -> int:
    from automl_zero.progress import ProgressView

    config = experiment.config
    print(f"run directory: {experiment.run_dir}", flush=True)
    islands, workers = experiment.search.num_islands, experiment.search.num_workers
    if islands > 1:
        print(
            f"{islands} islands on {workers} {config.islands.backend} worker{'s' if workers > 1 else ''}, "
            f"migration every {config.islands.migration_interval:,} individuals per island",
            flush=True,
        )
    for role, tasks in zip(("search", "select", "final"), experiment.task_sets, strict=True):
        from automl_zero.tasks.sets import describe

        print(f"T_{role}: {describe(tasks)}")
    if not experiment.finished:
        print("Compiling the search for these tasks (first run only; later runs load Numba's cache)...", flush=True)
        experiment.warm_up()
        budget = config.budget
        with ProgressView(
            max_seconds=budget.max_seconds, max_individuals=budget.max_individuals, title=config.name
        ) as view:
            try:
                experiment.run(on_progress=view.update, on_message=view.message)
            except KeyboardInterrupt:
                view.message("stopped: checkpoint written")
                print(f"Stopped. Resume with: automl-zero resume {experiment.run_dir}", file=sys.stderr)
                return 130
    print("Selecting on T_select and scoring on T_final...", flush=True)
    experiment.report()
    print((experiment.run_dir / "report.md").read_text(), end="")
    print(f"Results in {experiment.run_dir} (report.md, report.json, progress.csv, timeline.csv)")
    return 0


def _run(args: argparse.Namespace) -> int:
    from automl_zero.config import load_config
    from automl_zero.experiment import Experiment

    config = load_config(args.config, check_data=True)
    budget = config.budget
    if args.max_seconds is not None or args.max_individuals is not None:
        budget = replace(
            budget,
            max_seconds=args.max_seconds if args.max_seconds is not None else budget.max_seconds,
            max_individuals=args.max_individuals if args.max_individuals is not None else budget.max_individuals,
        )
    islands = config.islands
    placement = {"count": args.islands, "workers": args.workers, "backend": args.backend, "address": args.address}
    islands = replace(islands, **{name: value for name, value in placement.items() if value is not None})
    config = replace(config, seed=args.seed if args.seed is not None else config.seed, budget=budget, islands=islands)
    out = Path(args.out) if args.out else _default_out(args.config, config.seed)
    return _search(Experiment.create(config, out), args)


def _resume(args: argparse.Namespace) -> int:
    from automl_zero.experiment import Experiment

    experiment = Experiment.open(
        args.run_dir,
        workers=args.workers,
        backend=args.backend,
        address=args.address,
        resume=True,
        max_seconds=args.max_seconds,
        max_individuals=args.max_individuals,
    )
    return _search(experiment, args)


def _show(args: argparse.Namespace) -> int:
    from automl_zero.experiment import summary

    print(summary(args.run_dir), end="")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from automl_zero.config import load_config
    from automl_zero.experiment import evaluate_algorithm

    config = load_config(args.config, check_data=True)
    if args.seed is not None:
        config = replace(config, seed=args.seed)
    algorithm = _read_algorithm(args.algorithm_file)
    _memory_holding(algorithm, config.memory)  # the note; evaluate_algorithm widens the same way
    scores = evaluate_algorithm(algorithm, config)
    combination = config.evolution.fitness_combination
    for role, fitness in scores.items():
        print(f"T_{role:7} {fitness:.6f}  ({combination} over its tasks)")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from automl_zero.plots import plot_run

    for path in plot_run(args.run_dir, args.out):
        print(path)
    return 0


def _config(args: argparse.Namespace) -> int:
    from automl_zero.config import defaults_yaml, dump_config, load_config

    if args.defaults or args.file is None:
        print(defaults_yaml(), end="")
    else:
        print(dump_config(load_config(args.file)), end="")
    return 0


def _op_notation(template: str, row: Any) -> str:
    """An op's form with example addresses (``s1 = s2 + s3``) and its parameters named (``s1 = uniform(low, high)``)."""
    names: dict[str, str] = {f"d{i}": param.value for i, param in enumerate(row.params)}
    for slot, kind, address in (("out", row.out, 1), *zip(("in1", "in2"), row.inputs, (2, 3), strict=False)):
        if kind is not None:
            names[slot] = f"{kind.prefix}{address}"
    return template.format(**names)


def _ops(args: argparse.Namespace) -> int:
    """Print the op table: number, name, notation (and the other forms the parser accepts)."""
    from automl_zero.ops import DEMO_OPS, OPS

    print(f"{'#':>2}  {'name':<27} {'group':<15} notation")
    for row in OPS:
        if args.demo and row.op not in DEMO_OPS:
            continue
        also = "".join(f"  (also {_op_notation(alias, row)})" for alias in row.aliases)
        print(f"{row.number:>2}  {row.name:<27} {row.group:<15} {_op_notation(row.template, row)}{also}")
    print(
        "s, v, m: scalar, vector and matrix addresses; s0 holds the label, v0 the features, s1 the prediction. "
        "index: a fraction of the feature size in [0, 1)."
    )
    return 0


def _read_algorithm(path: str) -> Any:
    from automl_zero.algorithm import parse

    file = Path(path)
    if not file.is_file():
        raise ValueError(f"algorithm file {path!r} does not exist")
    return parse(file.read_text(), source=path)  # errors read FILE:LINE: ...


def _select_executor(args: argparse.Namespace, algorithm: Algorithm) -> Any:
    """An executor over the config's T_select (where the paper analyses and tunes) for ``algorithm``.

    Its memory is the config's, widened where the algorithm needs more (``memory_holding``).
    """
    from automl_zero.config import load_config
    from automl_zero.experiment import config_task_sets, executor_for

    config = load_config(args.config, check_data=True)
    return executor_for(config_task_sets(config).select, _memory_holding(algorithm, config.memory), config, "select")


def _memory_holding(algorithm: Algorithm, memory: MemorySize) -> MemorySize:
    """``memory_holding``, saying on stderr when the algorithm is scored in a memory wider than the config's."""
    from automl_zero.analysis.simplify import memory_holding

    wider = memory_holding(algorithm, memory)
    if wider != memory:
        print(
            f"note: the algorithm uses more addresses than the config's memory ({_sizes(memory)}); memory widened "
            f"to {_sizes(wider)} to hold it (spare addresses change no fitness)",
            file=sys.stderr,
        )
    return wider


def _sizes(memory: MemorySize) -> str:
    return f"S={memory.scalars} V={memory.vectors} M={memory.matrices}"


def _simplify(args: argparse.Namespace) -> int:
    from automl_zero.analysis.simplify import memory_needed, reassociate, same_up_to_renaming_and_order, simplify

    algorithm = _read_algorithm(args.file)
    out = _new_file(args.out, args.force) if args.out else None
    simple = simplify(algorithm, multiclass=args.multiclass)
    if args.reassociate:
        regrouped = reassociate(simple)
        if regrouped != simple:
            simple = simplify(regrouped, multiclass=args.multiclass)
            print(
                "# --reassociate: regrouped products of scalars and a vector; the same in exact "
                "arithmetic, but floating point may round the last digits differently",
                file=sys.stderr,
            )
    before = sum(len(c) for _, c in algorithm.components())
    after = sum(len(c) for _, c in simple.components())
    print(simple, end="")
    memory = memory_needed(simple, multiclass=args.multiclass)
    print(
        f"# {before} -> {after} instructions; needs S={memory.scalars} V={memory.vectors} M={memory.matrices}",
        file=sys.stderr,
    )
    if not args.multiclass and same_up_to_renaming_and_order(simple, REFERENCE_LINEAR_REGRESSION):
        print(
            "# this is linear regression by SGD (docs/semantics.md, 'The demo'), up to renaming and order",
            file=sys.stderr,
        )
    if out is not None:
        out.write_text(str(simple))
    return 0


def _ablate(args: argparse.Namespace) -> int:
    from automl_zero.analysis.ablate import ablate, knock_in

    algorithm = _read_algorithm(args.file)
    executor = _select_executor(args, algorithm)
    result = ablate(algorithm, executor, threshold=args.threshold)
    print(f"Knock-outs on T_select ({len(executor.tasks)} tasks); * marks changes above {args.threshold}:")
    print(result.table())
    for spec in args.knock_in or []:
        component, position, text = _knock_in_spec(spec)
        before, after = knock_in(algorithm, component, position, text, executor)
        print(f"knock-in {component}[{position}] {text!r}: {before:.6f} -> {after:.6f} ({after - before:+.6f})")
    return 0


def _knock_in_spec(spec: str) -> tuple[str, int, str]:
    parts = spec.split(":", 2)
    if len(parts) != 3 or not parts[1].strip().isdigit():
        raise ValueError(f"--knock-in takes COMPONENT:POSITION:INSTRUCTION (e.g. 'learn:2:v1 = v1 + v2'), got {spec!r}")
    return parts[0].strip().lower(), int(parts[1]), parts[2].strip()


def _tune(args: argparse.Namespace) -> int:
    from automl_zero.analysis.tune import constants, tune

    algorithm = _read_algorithm(args.file)
    out = _new_file(args.out if args.out else Path(args.file).with_suffix(".tuned.txt"), args.force)
    executor = _select_executor(args, algorithm)
    result = tune(algorithm, executor, trials=args.trials, method=args.method, seed=args.seed, scale=args.scale)
    found = constants(algorithm)
    tuned = constants(result.algorithm)
    print(f"T_select fitness: {result.before:.6f} -> {result.after:.6f} after {result.trials} trials ({args.method})")
    for old, new in zip(found, tuned, strict=True):
        if old.value != new.value:
            print(f"  {old.description}: {old.value!r} -> {new.value!r}")
    print(result.algorithm, end="")
    out.write_text(str(result.algorithm))
    print(f"tuned algorithm written to {out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from automl_zero.analysis.export import to_sklearn, write_python
    from automl_zero.analysis.simplify import memory_needed

    algorithm = _read_algorithm(args.file)
    multiclass = args.task == "multiclass"
    memory = memory_needed(algorithm, multiclass=multiclass)
    # An importable module name next to the algorithm: seed1.simplified.txt -> seed1_simplified.py.
    module = re.sub(r"\W", "_", Path(args.file).stem) + ("_sklearn" if args.to == "sklearn" else "")
    out = _new_file(args.out if args.out else Path(args.file).with_name(f"{module}.py"), args.force)
    if args.to == "python":
        write_python(algorithm, memory, out, task=args.task, num_classes=args.num_classes)
        print(f"wrote {out}: a NumPy-only module with class EvolvedAlgorithm (fit, predict)")
        return 0
    estimator = "EvolvedRegressor" if args.task == "regression" else "EvolvedClassifier"
    out.write_text(to_sklearn(algorithm, memory, task=args.task))
    print(
        f"wrote {out}: make_estimator() returns a scikit-learn {estimator}; the algorithm's constants are "
        "its hyperparameters (listed in the module)"
    )
    return 0


def _placement_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=_positive(int),
        help="workers hosting the islands, any number (default: islands.workers; null = every core or Ray CPU)",
    )
    parser.add_argument("--backend", choices=BACKENDS, help="local processes (default) or Ray actors")
    parser.add_argument("--address", help="Ray cluster address (with --backend ray); default: start Ray here")


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="automl-zero",
        description="AutoML-Zero: evolve whole learning algorithms (Setup, Predict, Learn) from basic math.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    example = commands.add_parser(
        "example", help="evaluate linear regression by SGD and a random algorithm on linear regression tasks"
    )
    example.add_argument("--seed", type=int, default=0, help="seed of the tasks and the random algorithm (default 0)")
    example.set_defaults(handler=_example)
    demo = commands.add_parser(
        "demo",
        help="run the original's demo: evolve linear regression by SGD from random programs",
        description="Regularized evolution with FEC until an algorithm scores > 0.9999 on 100 unseen tasks "
        "(exit status 0 on success, 1 if --max-seconds ran out first). The best algorithm is written to --out "
        "(default demo-seed<SEED>.txt), which is never overwritten without --force.",
    )
    demo.add_argument("--seed", type=int, default=0, help="seed of every task and random choice (default 0)")
    demo.add_argument("--max-seconds", type=float, default=None, help="give up after this many seconds")
    demo.add_argument("--report-every", type=float, default=2.0, help="seconds between progress lines (default 2)")
    demo.add_argument("--out", help="file for the best algorithm (default: demo-seed<SEED>.txt)")
    demo.add_argument("--force", action="store_true", help="overwrite the --out file if it exists")
    demo.add_argument(
        "--full-experiments",
        action="store_true",
        help="run every experiment to its 2e8 training steps, as the original does, instead of ending it at success",
    )
    demo.add_argument(
        "--fixed-tasks",
        action="store_true",
        help="search one fixed T_search per experiment, as the original does, instead of fresh draws of it every "
        "10,000 individuals",
    )
    demo.set_defaults(handler=_demo)

    run = commands.add_parser(
        "run",
        help="run an experiment from a YAML config",
        description="Build the config's task sets, evolve on T_search until the budget is spent (checkpointing "
        "every run.checkpoint_every_s seconds; Ctrl-C stops with a checkpoint), select the best of the latest "
        "improvements on T_select and score it and the baselines on T_final. Everything goes into the run "
        "directory. Exit status: 0 done, 2 bad input, 130 stopped by Ctrl-C (resume it later).",
    )
    run.add_argument("config", help="YAML config (see configs/ and `automl-zero config --defaults`)")
    run.add_argument("--out", help="run directory (default: runs/<config>-seed<N>-<time>)")
    run.add_argument("--seed", type=int, help="override the config's seed")
    run.add_argument("--max-seconds", type=_positive(float), help="override budget.max_seconds (search seconds)")
    run.add_argument("--max-individuals", type=_positive(int), help="override budget.max_individuals")
    run.add_argument(
        "--islands", type=_positive(int), help="W, the number of islands, which fixes the result (default: --workers)"
    )
    _placement_arguments(run)
    run.set_defaults(handler=_run)

    resume = commands.add_parser(
        "resume",
        help="continue a stopped or killed run from its last checkpoint",
        description="Continue a run directory from its last checkpoint (at most run.checkpoint_every_s seconds "
        "of search are lost after a kill). --max-seconds / --max-individuals extend its budget; --workers, "
        "--backend and --address say where its islands run now (any number of workers: W, and so the result, "
        "stays the run's). A finished run with a report has no budget left: extend it to continue.",
    )
    resume.add_argument("run_dir", help="a run directory written by `automl-zero run`")
    resume.add_argument("--max-seconds", type=_positive(float), help="new total budget in search seconds")
    resume.add_argument("--max-individuals", type=_positive(int), help="new total budget in individuals")
    _placement_arguments(resume)
    resume.set_defaults(handler=_resume)

    show = commands.add_parser(
        "show",
        help="summarize a run directory",
        description="Print the report of a finished run (best algorithm, T_search / T_select / T_final "
        "fitness, baselines, chance level, time, individuals, FEC hit rate), or the progress of an unfinished "
        "one. The report warns when the selected algorithm scores below chance or below the weakest baseline "
        "on T_select or T_final, and says how noisy selection was (the spread of the candidates' T_select "
        "scores, the standard error of one T_select score).",
    )
    show.add_argument("run_dir")
    show.set_defaults(handler=_show)

    evaluate = commands.add_parser(
        "evaluate",
        help="score an algorithm file on a config's task sets",
        description="Score an algorithm written in the paper's notation (def Setup(): ... def Predict(): ... "
        "def Learn(): ...) on the T_search, T_select and T_final of a config.",
    )
    evaluate.add_argument("algorithm_file", help="text file with the algorithm in the paper's notation")
    evaluate.add_argument("--config", required=True, help="YAML config whose task sets and memory to use")
    evaluate.add_argument("--seed", type=int, help="override the config's seed (which decides the tasks)")
    evaluate.set_defaults(handler=_evaluate)

    plot = commands.add_parser(
        "plot",
        help="plot a run's progress and discovery timeline (PNG)",
        description="Write fitness against individuals and against time, and the discovery timeline, as PNG "
        "files (default: RUN_DIR/plots). The best fitness steps up at each discovery (timeline.csv); once the "
        "run has its report.json, the baselines' T_search fitness and the chance level are drawn too.",
    )
    plot.add_argument("run_dir")
    plot.add_argument("--out", help="directory for the PNG files (default: RUN_DIR/plots)")
    plot.set_defaults(handler=_plot)

    ops = commands.add_parser(
        "ops",
        help="list the 65 ops: number, name and notation",
        description="Print the op table (the original's numbers and names) with each op's form in the "
        "paper's notation, as algorithm files and configs use them.",
    )
    ops.add_argument("--demo", action="store_true", help="only the six ops of the demo's search space")
    ops.set_defaults(handler=_ops)

    config = commands.add_parser(
        "config",
        help="print the documented config schema with its defaults, or a config resolved",
        description="With --defaults (or no file): every config key with its default and what it means. "
        "With a file: the file validated and resolved (every key, defaults filled in).",
    )
    config.add_argument("file", nargs="?", help="a YAML config to validate and print resolved")
    config.add_argument("--defaults", action="store_true", help="print the full documented schema")
    config.set_defaults(handler=_config)

    simplify = commands.add_parser(
        "simplify",
        help="remove what cannot affect a prediction and renumber addresses",
        description="Drop dead code, overwritten values, no-ops and Setup writes that change nothing; move "
        "constants that Predict or Learn set on every example to Setup; renumber addresses canonically (s0, s1, "
        "v0 keep their roles); print the result in the paper's notation. The "
        "simplified algorithm has exactly the same fitness on every task.",
    )
    simplify.add_argument("file", help="algorithm in the paper's notation")
    simplify.add_argument("--multiclass", action="store_true", help="the prediction is v2 (multiclass tasks)")
    simplify.add_argument(
        "--reassociate",
        action="store_true",
        help="also regroup chained scalar-vector products (exact only up to rounding), e.g. "
        "'v2 = lr * v0; v2 = err * v2' into 'g = err * lr; v2 = g * v0'",
    )
    simplify.add_argument("--out", help="also write the result to this file")
    simplify.add_argument("--force", action="store_true", help="overwrite the --out file if it exists")
    simplify.set_defaults(handler=_simplify)

    ablate = commands.add_parser(
        "ablate",
        help="knock out each instruction and component, re-score on T_select",
        description="Remove each instruction in turn (and each whole component function), re-score on the "
        "config's T_select and print the fitness changes, marking those above --threshold. Simplify first to "
        "ablate only what matters.",
    )
    ablate.add_argument("file", help="algorithm in the paper's notation")
    ablate.add_argument("--config", required=True, help="YAML config whose T_select and memory to use")
    ablate.add_argument("--threshold", type=float, default=1e-3, help="a change above this matters (default 1e-3)")
    ablate.add_argument(
        "--knock-in",
        action="append",
        metavar="COMPONENT:POSITION:INSTRUCTION",
        help="also insert an instruction, e.g. 'learn:2:v1 = v1 + v2' (repeatable)",
    )
    ablate.set_defaults(handler=_ablate)

    tune_parser = commands.add_parser(
        "tune",
        help="tune an algorithm's constants on T_select",
        description="Treat the algorithm's real constants (and random-op parameters) as hyperparameters and "
        "search them on the config's T_select: 'powell' (default) is scipy's Powell method in log space (first "
        "step a factor --scale, default 10; it can go further), 'random' is the paper's random search "
        "(log-uniform within a factor --scale of each value, default 1e4: four decades either way). Writes the "
        "tuned algorithm.",
    )
    tune_parser.add_argument("file", help="algorithm in the paper's notation")
    tune_parser.add_argument("--config", required=True, help="YAML config whose T_select and memory to use")
    tune_parser.add_argument("--trials", type=_positive(int), default=200, help="evaluations (default 200)")
    tune_parser.add_argument("--method", choices=("powell", "random"), default="powell", help="default powell")
    tune_parser.add_argument(
        "--scale", type=_positive(float), help="random search's range factor (default 1e4) or Powell's first step (10)"
    )
    tune_parser.add_argument("--seed", type=int, default=0, help="random search seed (default 0)")
    tune_parser.add_argument("--out", help="where to write the tuned algorithm (default FILE.tuned.txt)")
    tune_parser.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    tune_parser.set_defaults(handler=_tune)

    export = commands.add_parser(
        "export",
        help="export an algorithm as a standalone NumPy module or a scikit-learn estimator",
        description="--to python writes a module that needs only NumPy: a class with setup, predict, learn, "
        "fit(X, y, epochs) and predict(X), one commented line per instruction, with the VM's exact semantics. "
        "--to sklearn writes a module whose make_estimator() returns an EvolvedRegressor or EvolvedClassifier.",
    )
    export.add_argument("file", help="algorithm in the paper's notation")
    export.add_argument("--to", choices=("python", "sklearn"), required=True)
    export.add_argument("--task", choices=("regression", "binary", "multiclass"), default="regression")
    export.add_argument("--num-classes", type=int, default=0, help="K for --task multiclass")
    export.add_argument(
        "--out",
        help="output file (default: next to FILE, FILE.py for python and FILE_sklearn.py for sklearn, FILE "
        "without .txt and with _ for characters a module name cannot have)",
    )
    export.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    export.set_defaults(handler=_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except (ValueError, FileNotFoundError) as error:  # bad input: configs, files, data sets, run directories
        print(f"automl-zero: error: {error}", file=sys.stderr)
        return 2
    except ImportError as error:  # an optional extra that is not installed (Ray)
        print(f"automl-zero: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
