"""A round of work the local stack repeats in a thread of its own (the stream poller, the
schedules' ticker, the restore clock): started and stopped with the stack, a failed round logged
and the next one run."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class Periodic:
    """Subclasses name their thread and say what one round does (`round`)."""

    thread_name = "periodic"

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> object:
        raise NotImplementedError

    def start(self, interval_seconds: float) -> None:
        """Run a round every `interval_seconds` until stop()."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, args=(interval_seconds,), name=self.thread_name, daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self, interval_seconds: float) -> None:
        while not self._stopped.wait(interval_seconds):
            try:
                self.round()
            except Exception:  # the stack goes on; the next round tries again
                log.exception("%s: a round failed", self.thread_name)
