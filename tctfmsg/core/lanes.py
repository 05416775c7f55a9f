"""Priority between the send classes inside one process: bulk work steps aside while urgent work
runs, so an MFA code is never handled behind a newsletter's records.

In AWS each function runs in processes of its own, so no process ever holds both lanes, and this
costs one uncontended lock per record (and per AWS call of a bulk record). The embedded stack
runs every handler in one process, next to one AWS endpoint, on one machine: there the campaign
consumer's threads and the notification worker's share the CPU and the endpoint, and without
lanes a running campaign multiplies an MFA code's latency (docs/decisions/0072). A bulk record
waits before it starts, and before each of its AWS calls, while urgent records are being
handled, at most `max_wait_s` each time, so bulk work is slowed, never starved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from tctfmsg.core import resources

Lane = Literal["urgent", "bulk"]
LANE_OF_CLASS: dict[str, Lane] = {"transactional": "urgent", "campaign": "bulk"}
MAX_WAIT_S = 2.0
LINGER_S = 0.05  # urgent work arrives in bursts: bulk waits this long after the last one ends


class Lanes:
    def __init__(self) -> None:
        self._urgent = 0
        self._last_urgent = 0.0
        self._changed = threading.Condition()
        self._thread = threading.local()

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """This thread does bulk work: each AWS call it makes steps aside first."""
        self._thread.bulk = True
        try:
            yield
        finally:
            self._thread.bulk = False

    def mark_bulk(self) -> None:
        """For a worker thread that only ever does bulk work (a fan-out's senders)."""
        self._thread.bulk = True

    def before_call(self, **_: object) -> None:
        """botocore's before-send hook (core/clients.py): a bulk thread's call waits while
        urgent work runs, so an in-flight newsletter record stops taking the endpoint and the
        CPU from an MFA code between its calls, not only between its records."""
        if getattr(self._thread, "bulk", False):
            self.step_aside()

    @contextmanager
    def urgent(self) -> Iterator[None]:
        with self._changed:
            self._urgent += 1
        try:
            yield
        finally:
            with self._changed:
                self._urgent -= 1
                self._last_urgent = time.monotonic()
                self._changed.notify_all()

    def step_aside(self, max_wait_s: float = MAX_WAIT_S) -> float:
        """Wait while urgent work runs (and briefly after); returns the seconds waited."""
        started = time.monotonic()
        deadline = started + max_wait_s
        with self._changed:
            while True:
                now = time.monotonic()
                quiet_for = now - self._last_urgent
                if (self._urgent == 0 and quiet_for >= LINGER_S) or now >= deadline:
                    return now - started
                wait = deadline - now if self._urgent else LINGER_S - quiet_for
                self._changed.wait(min(wait, deadline - now))


LANES = Lanes()  # one per process


def lane_of(function: str) -> Lane | None:
    """The lane of a function's records, from its send class in the spec."""
    send_class = resources.function(function).send_class
    return LANE_OF_CLASS.get(send_class) if send_class else None
