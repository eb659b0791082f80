"""A rich progress bar for long runs: steps, steps/s, recent mean score, time left."""

from __future__ import annotations

from types import TracebackType

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class RunProgress:
    def __init__(self, total: int, completed: int, enabled: bool = True) -> None:
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("[bold]steps"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} steps/s"),
            TextColumn("mean score (last 100): {task.fields[score]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            disable=not enabled,
        )
        self._task = self._progress.add_task(
            "run", total=total, completed=completed, rate="-", score="-"
        )
        self._start_completed = completed

    def __enter__(self) -> RunProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._progress.__exit__(kind, error, trace)

    def update(self, completed: int, mean_score: float | None) -> None:
        if not self.enabled:
            return
        elapsed = self._progress.tasks[0].elapsed or 0.0
        rate = (completed - self._start_completed) / elapsed if elapsed > 0 else 0.0
        self._progress.update(
            self._task,
            completed=completed,
            rate=f"{rate:,.0f}",
            score="-" if mean_score is None else f"{mean_score:.2f}",
        )
