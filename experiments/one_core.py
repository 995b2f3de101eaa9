"""Pin an experiment script to one core, as the original's single-core figures were measured."""

from __future__ import annotations

import os


def pin_to_one_core() -> None:
    """Run this process (and what it starts) on the lowest-numbered core it may use, where the OS allows."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
