"""One provider's reports on its way out: one worker thread and a bounded queue per provider,
so a campaign of thousands costs one thread, not one per message, and the reports leave in
batches (SNS PublishBatch, SendGrid's arrays) in the order the sends were taken.

Nothing is dropped silently: a full queue makes the provider's answer wait up to `block_s`
(back pressure on the sender, as a slow provider is), and only then is the report counted as
dropped and logged. A batch the topic or the web endpoint did not take is counted and logged;
the real providers retry theirs, but a local report that failed once points at a stopped
stack, and retrying would hold `local down` up (docs/decisions/0077)."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from tctfmsg.local.providers.feedback import Kind, Publish, Report, Rule

log = logging.getLogger("tctfmsg.local.providers")

_STOP = object()


@dataclass
class ReportCounts:
    queued: int = 0
    published: int = 0
    failed: int = 0  # the topic or web endpoint refused them, or could not be reached
    dropped: int = 0  # the queue stayed full for `block_s`


class ReportQueue:
    def __init__(
        self,
        provider: str,
        publish: Publish,
        *,
        deliveries: bool = True,
        capacity: int = 10_000,
        batch: int = 100,
        block_s: float = 2.0,
    ) -> None:
        self.provider, self.publish, self.deliveries = provider, publish, deliveries
        self.batch, self.block_s = batch, block_s
        self.counts = ReportCounts()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=capacity)
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        self._worker = threading.Thread(
            target=self._run, name=f"local-{self.provider}-reports", daemon=True
        )
        self._worker.start()

    def report(self, sent: dict[str, Any], rule: Rule | None) -> bool:
        """What the provider reports for this accepted send: its rule for the address, else a
        delivery (unless delivery reports are off). False: dropped, or nothing to report."""
        kind: Kind | None = rule if rule is not None else ("delivery" if self.deliveries else None)
        if kind is None:
            return False
        try:
            self._queue.put((kind, sent), timeout=self.block_s)
        except queue.Full:
            self._count("dropped", 1)
            log.warning("%s reports queue full: %s for a send dropped", self.provider, kind)
            return False
        self._count("queued", 1)
        return True

    @property
    def waiting(self) -> int:
        """Reports queued that the worker has not taken yet."""
        return self._queue.qsize()

    def drain(self, timeout_s: float) -> bool:
        """Waits until every queued report has been handed on; False if time ran out."""
        deadline = time.monotonic() + timeout_s
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True

    def stop(self, timeout_s: float = 5.0) -> None:
        """Hands on what is queued (for at most `timeout_s`), then ends the worker."""
        if self._worker is None:
            return
        self.drain(timeout_s)
        # still stuck publishing if full: the worker is a daemon and ends with the stack
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=0.1)
        self._worker.join(timeout=1.0)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                self._queue.task_done()
                return
            reports: list[Report] = [first]
            stop = False
            while len(reports) < self.batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    self._queue.task_done()
                    break
                reports.append(item)
            self._hand_on(reports)
            for _ in reports:
                self._queue.task_done()
            if stop:
                return

    def _hand_on(self, reports: list[Report]) -> None:
        try:
            self.publish(reports)
        except Exception:  # a lost report must not end the worker
            self._count("failed", len(reports))
            log.exception("%s could not report %d sends", self.provider, len(reports))
        else:
            self._count("published", len(reports))

    def _count(self, what: str, n: int) -> None:
        with self._lock:
            setattr(self.counts, what, getattr(self.counts, what) + n)
