"""Per-chain progress bars (rich, as PyMC's) fed by the chains through a queue."""

from __future__ import annotations

import queue as queue_mod
from concurrent.futures import FIRST_COMPLETED, wait


class ChainProgress:
    """Context manager: ``queue`` receives ``(chain, iterations_done)`` messages."""

    def __init__(self, chains: int, total: int, *, enabled: bool = True, parallel: bool = False):
        self.chains, self.total, self.enabled, self.parallel = chains, total, enabled, parallel
        self.queue = None
        self._manager = self._progress = None

    def __enter__(self):
        if not self.enabled:
            return self
        if self.parallel:
            import multiprocessing as mp

            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
            self._manager = ctx.Manager()
            self.queue = self._manager.Queue()
        else:
            self.queue = queue_mod.Queue()
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("Gibbs chain {task.fields[chain]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            transient=False,
        )
        self._progress.start()
        self._tasks = [self._progress.add_task("", total=self.total, chain=c) for c in range(self.chains)]
        return self

    def drain(self):
        if self.queue is None:
            return
        while True:
            try:
                chain, done = self.queue.get_nowait()
            except (queue_mod.Empty, EOFError, OSError):
                return
            self._progress.update(self._tasks[chain], completed=done)

    def wait(self, futures):
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            self.drain()
        self.drain()

    def __exit__(self, *exc):
        if self._progress is not None:
            self.drain()
            self._progress.stop()
        if self._manager is not None:
            self._manager.shutdown()
        return False
