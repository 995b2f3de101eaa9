"""README.md's shell command blocks run as written (scripts/check_readme.py)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "check_readme.py"
# Blocks that take well over 30 s: the demo (about a minute with its first compile), the whole
# test suite, and the 10-minute digits run. `python scripts/check_readme.py` runs them too.
LONG_BLOCKS = r"automl-zero (run|demo)\b|pytest"


def check_readme() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_readme", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_readme"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


MARKDOWN = """\
Text.

```bash
python3 -m venv .venv && . .venv/bin/activate && pip install -e . && automl-zero demo --seed 1
# a comment
automl-zero show runs/x && automl-zero plot runs/x
```

```console
$ automl-zero simplify a.txt
def Setup():
$ automl-zero ops --demo
```

```python
print("not a shell block")
```

```
plain text
```
"""


def test_shell_blocks_are_the_commands_of_bash_and_console_blocks() -> None:
    module = check_readme()
    blocks = module.shell_blocks(MARKDOWN)
    assert [(block.line, block.language) for block in blocks] == [(3, "bash"), (9, "console")]
    assert blocks[0].commands == (
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && automl-zero demo --seed 1",
        "automl-zero show runs/x && automl-zero plot runs/x",
    )
    assert blocks[1].commands == ("automl-zero simplify a.txt", "automl-zero ops --demo")
    # Without --install the environment set-up steps are left out; with it the line runs as written.
    assert blocks[0].script(install=False).splitlines()[0] == "automl-zero demo --seed 1"
    assert blocks[0].script(install=True).splitlines()[0] == blocks[0].commands[0]


def test_the_files_the_readme_commands_name_are_in_the_repository() -> None:
    module = check_readme()
    blocks = module.shell_blocks((REPO / "README.md").read_text())
    assert len(blocks) >= 4
    named = {
        word
        for block in blocks
        for command in block.commands
        for word in command.split()
        if re.fullmatch(r"(configs|experiments|examples|benchmarks|scripts)/\S+", word)
    }
    assert named, "the README's commands name files of the repository"
    tracked = set(module.repository_files(REPO))
    assert sorted(named - tracked) == []


@pytest.mark.slow
def test_the_readme_command_blocks_run() -> None:
    """Every shell block of README.md that takes under about 30 s, each in a fresh copy of the repository.

    Left out here (LONG_BLOCKS): the demo, the test suite and the 10-minute digits run;
    ``python scripts/check_readme.py`` runs every block.
    """
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--skip", LONG_BLOCKS],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    passed = re.search(r"(\d+) of (\d+) blocks passed", done.stdout)
    assert passed is not None and passed.group(1) == passed.group(2) and int(passed.group(2)) >= 1, done.stdout
