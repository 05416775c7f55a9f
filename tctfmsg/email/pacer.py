"""Keeps one process under its share of each provider's rate.

Each provider's account limit (messages/s, from the config table) is shared by every process
that sends; a process takes `rate / processes`. Sends are spaced evenly: a send reserves the next
free slot, so concurrent threads never burst past the rate, and waits for it outside the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    def __init__(
        self,
        processes: int = 1,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.processes = max(1, processes)
        self._monotonic = monotonic
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def share(self, rate_per_s: float) -> float:
        return rate_per_s / self.processes

    def wait(self, provider: str, rate_per_s: float) -> float:
        """Blocks until this process may send one more message to provider; returns the wait."""
        share = self.share(rate_per_s)
        if share <= 0:
            return 0.0
        with self._lock:
            now = self._monotonic()
            slot = max(self._next.get(provider, now), now)
            self._next[provider] = slot + 1.0 / share
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay
