"""Run every shell command block of README.md as written, each in a fresh copy of the repository.

A ```bash block is a script (every line runs); in a ```console block the lines that start with
``$ `` are the commands and the others their output. Each block runs under ``bash -e -o pipefail``
in a new temporary directory that holds the repository's files (tracked, and new ones git does
not ignore), so relative paths such as ``configs/demo.yaml`` work as from the root of a fresh
clone and nothing a block writes touches the repository. A block passes when it exits with 0.

Installing needs the network: by default the steps of a command line that create and activate
a virtual environment or ``pip install`` are left out, and the rest of the line runs with this
Python's environment first on PATH (where automl-zero must be installed, e.g. ``pip install -e
.``); ``--install`` runs them as written.

Usage::

    python scripts/check_readme.py                     # every block (the README's digits run takes 10 min)
    python scripts/check_readme.py --list              # the blocks, with their lines
    python scripts/check_readme.py --skip 'automl-zero run|pytest'

Exit status: 0 when every block selected passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHELL_LANGUAGES = ("bash", "sh", "shell", "console")
# The steps of a command line that set up an environment: left out unless --install.
_INSTALL_STEP = re.compile(r"^\s*(python3? -m venv\b|\. \S*bin/activate\b|source \S*bin/activate\b|pip3? install\b)")


@dataclass(frozen=True)
class Block:
    """A shell command block of the README.

    Attributes
    ----------
    line : int
        Line (1-based) of the block's opening fence.
    language : str
        The fence's language (bash, console, ...).
    commands : tuple of str
        The command lines, as written (without the ``$ `` prompt).

    """

    line: int
    language: str
    commands: tuple[str, ...]

    def script(self, install: bool) -> str:
        """The bash script that runs the block (environment set-up steps left out unless ``install``)."""
        lines = []
        for command in self.commands:
            if not install:
                steps = [step.strip() for step in command.split("&&")]
                kept = [step for step in steps if not _INSTALL_STEP.match(step)]
                command = " && ".join(kept) if kept else "true"
            lines.append(command)
        return "\n".join(lines) + "\n"


def shell_blocks(text: str) -> list[Block]:
    """Return the shell command blocks of a Markdown text, in order."""
    blocks: list[Block] = []
    fence: tuple[int, str, list[str]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if fence is None:
            opening = re.fullmatch(r"```\s*(\w*)\s*", stripped)
            if opening:
                fence = (number, opening.group(1).lower(), [])
            continue
        if stripped.startswith("```"):
            start, language, body = fence
            fence = None
            if language not in SHELL_LANGUAGES:
                continue
            if language == "console":
                commands = [entry[2:] for entry in body if entry.startswith("$ ")]
            else:
                commands = [entry for entry in body if entry.strip() and not entry.lstrip().startswith("#")]
            if commands:
                blocks.append(Block(start, language, tuple(commands)))
            continue
        fence[2].append(line.strip() if fence[1] == "console" else line)
    return blocks


def repository_files(repo: Path) -> list[str]:
    """The files of a fresh clone of ``repo`` (tracked), plus new files git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (repo / name).is_file()]


def fresh_copy(repo: Path, files: list[str], into: Path) -> None:
    """Copy ``files`` of ``repo`` into the empty directory ``into``."""
    for name in files:
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, target)


def run_block(block: Block, repo: Path, files: list[str], *, install: bool, timeout: float) -> tuple[int, str, float]:
    """Run ``block`` in a fresh copy of ``repo``; return its exit status, output and seconds."""
    environment = dict(os.environ)
    # This Python's environment first, so that `automl-zero` and `python` are the installed ones.
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    environment.setdefault("MPLBACKEND", "Agg")
    with tempfile.TemporaryDirectory(prefix="readme-block-") as directory:
        fresh_copy(repo, files, Path(directory))
        start = time.perf_counter()
        try:
            done = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", block.script(install)],
                cwd=directory,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
            status, output = done.returncode, done.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired as error:
            status, output = 124, (error.stdout or b"").decode(errors="replace") + f"\n(timed out after {timeout} s)"
        return status, output, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Check the README's blocks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readme", type=Path, default=REPO / "README.md", help="the Markdown file (default README.md)")
    parser.add_argument("--only", help="run only the blocks whose commands match this regular expression")
    parser.add_argument("--skip", help="leave out the blocks whose commands match this regular expression")
    parser.add_argument("--install", action="store_true", help="also run the virtual-environment and pip steps")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per block (default 1800)")
    parser.add_argument("--list", action="store_true", help="list the blocks and run nothing")
    args = parser.parse_args(argv)

    blocks = shell_blocks(args.readme.read_text(encoding="utf-8"))
    selected = [
        block
        for block in blocks
        if (args.only is None or re.search(args.only, "\n".join(block.commands)))
        and (args.skip is None or not re.search(args.skip, "\n".join(block.commands)))
    ]
    name = args.readme.name
    if args.list:
        for block in blocks:
            mark = " " if block in selected else "-"
            print(f"{mark} {name}:{block.line} ({block.language}): " + " ; ".join(block.commands))
        return 0
    files = repository_files(args.readme.resolve().parent)
    failed = 0
    for block in selected:
        status, output, seconds = run_block(
            block, args.readme.resolve().parent, files, install=args.install, timeout=args.timeout
        )
        outcome = "ok" if status == 0 else f"FAILED (exit status {status})"
        print(f"{name}:{block.line} ({block.language}) {outcome} in {seconds:.1f} s: " + " ; ".join(block.commands))
        if status != 0:
            failed += 1
            print("\n".join("    " + line for line in output.rstrip().splitlines()[-30:]))
        sys.stdout.flush()
    print(f"{len(selected) - failed} of {len(selected)} blocks passed ({len(blocks) - len(selected)} left out)")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
