"""The run folder's CSV files (metrics.csv, probes.csv): a header, then one row per record,
the first column a step; read as one float array per column, cut back to a step on resume."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from littlebrain.errors import RunFolderError


def read_columns(
    path: str | Path, what: str, header: tuple[str, ...] | None = None
) -> dict[str, np.ndarray]:
    """The file as one float array per column (complete rows only). Its header must be
    `header` when given, else any header whose first column is "step"."""
    try:
        with open(path, newline="", encoding="utf-8") as file:
            reader = csv.reader(file)
            found = next(reader, None)
            if not found or (tuple(found) != header if header else found[0] != "step"):
                raise RunFolderError(f"{path} is not a littlebrain {what} file")
            rows = [row for row in reader if len(row) == len(found)]
        table = np.asarray(rows, dtype=np.float64).reshape(-1, len(found))
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as error:
        raise RunFolderError(f"{what} file {path} is unreadable: {error}") from None
    return {name: table[:, i] for i, name in enumerate(found)}


def truncate_rows(path: Path, last_step: int) -> int:
    """Keep the header and the complete rows whose first column (a step) is <= `last_step`;
    returns how many rows (besides the header) are kept."""
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    kept = [rows[0]] + [
        row
        for row in rows[1:]
        if len(row) == len(rows[0]) and row[0].isdigit() and int(row[0]) <= last_step
    ]
    if len(kept) == len(rows):
        return len(kept) - 1
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(kept)
    tmp.replace(path)
    return len(kept) - 1
