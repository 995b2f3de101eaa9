"""The CSV files of a run directory and their columns.

The experiment writes them, the live progress view shows ``progress.csv``'s
rows and the plots read both; each of them takes the columns from here, so
none has to import another for its file layout.
"""

from __future__ import annotations

__all__ = ["PROGRESS_COLUMNS", "TIMELINE_COLUMNS"]

#: The columns of ``progress.csv`` (one row per report interval), which are also the keys of a
#: progress snapshot.
PROGRESS_COLUMNS: tuple[str, ...] = (
    "seconds",
    "individuals",
    "individuals_per_s",
    "best_fitness",
    "mean_fitness",
    "fec_hit_rate",
    "fec_hits",
    "structural_hits",
    "hurdle_pass_rate",
    "train_steps",
)

#: The columns of ``timeline.csv``: one row per improvement of the best fitness.
TIMELINE_COLUMNS: tuple[str, ...] = ("seconds", "individuals", "fitness", "instructions", "algorithm")
