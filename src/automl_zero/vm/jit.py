"""Numba compilation for the package: one decorator whose cache never loads a stale kernel.

Numba's own cache checks only the timestamp of the file that defines a
function. The package's kernels inline one another across files (the search
inlines the evaluation of :mod:`automl_zero.vm.compiled`, which inlines the
op table's kernels), so an edit to one file could leave another file's cached
kernel running old code. Here every cache entry is keyed, besides Numba's
own key, by :func:`package_key`: a hash of all of the package's sources and of
the op table, user-registered ops and the sources of the modules their
kernels import included. Anything that can change a kernel changes the key,
and an entry compiled under another key is never loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from numba import njit
from numba.core.caching import FunctionCache

from automl_zero.ops import OPS, table_fingerprint

__all__ = ["kernel", "package_key"]

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_key_cache: dict[int, str] = {}


def _module_files(statement: str) -> list[Path]:
    """Source files of the modules an import statement names (those that can be found)."""
    files = []
    for name in re.findall(r"^\s*(?:from|import)\s+([\w.]+)", statement):
        found = importlib.util.find_spec(name)
        if found is not None and found.origin and found.origin.endswith(".py"):
            files.append(Path(found.origin))
    return files


def package_key() -> str:
    """Hash of the package's sources and of the op table (as compiled code sees it).

    Examples
    --------
    >>> len(package_key())
    64

    """
    count = len(OPS)  # the table only grows, so its length names its state
    if count not in _key_cache:
        digest = hashlib.sha256()
        for path in sorted(_PACKAGE_DIR.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(_PACKAGE_DIR)).encode())
            digest.update(path.read_bytes())
        digest.update(table_fingerprint().encode())
        for row in OPS:
            for statement in row.kernel_imports:
                for path in _module_files(statement):
                    digest.update(path.read_bytes())
        _key_cache[count] = digest.hexdigest()
    return _key_cache[count]


class _KeyedCache(FunctionCache):
    """Numba's file cache, with :func:`package_key` added to every entry's key."""

    def _index_key(self, sig: Any, codegen: Any) -> tuple[Any, ...]:
        return (*super()._index_key(sig, codegen), package_key())  # type: ignore[no-untyped-call]


def kernel(*, inline: bool = False) -> Callable[[F], F]:
    """Compile a function with Numba as the package does: cached under :func:`package_key`, no Python objects.

    Parameters
    ----------
    inline : bool
        Inline the function into its callers (Numba's ``inline="always"``):
        for small helpers of hot loops.

    Returns
    -------
    callable
        The decorator.

    """
    options: dict[str, Any] = {"nogil": True, "error_model": "numpy", "boundscheck": False}
    if inline:
        options["inline"] = "always"

    def decorate(function: F) -> F:
        dispatcher = njit(**options)(function)
        dispatcher._cache = _KeyedCache(function)  # type: ignore[no-untyped-call]
        return dispatcher  # type: ignore[no-any-return]

    return decorate
