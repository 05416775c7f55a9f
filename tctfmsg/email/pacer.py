"""Keeps one sender under its share of each provider's rate.

Each provider's account limit (messages/s, from the config table, changeable at runtime) is
split by the spec's rate budget (tctfmsg.core.rate_budget); a pacer holds one sender's share
and paces to `rate * share`. Sends are spaced evenly: a send reserves the next free slot, so
concurrent threads never burst past the rate, and waits for it outside the lock.

Which share a process's sender gets is `share_for`: the one the CDK put in the function's
environment; else the spec's share of the function it sends for (locally, where one process
runs every instance of a function, the whole function's share); else the operator's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tctfmsg.core import resources
from tctfmsg.core.settings import Settings


class Pacer:
    def __init__(
        self,
        share: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"a pacer's share of the rate is in (0, 1], got {share}")
        self.share = share
        self._monotonic = monotonic
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def rate(self, rate_per_s: float) -> float:
        """The messages per second this pacer allows, out of a provider's rate."""
        return rate_per_s * self.share

    def wait(self, provider: str, rate_per_s: float) -> float:
        """Blocks until this sender may send one more message to provider; returns the wait."""
        rate = self.rate(rate_per_s)
        if rate <= 0:
            return 0.0
        with self._lock:
            now = self._monotonic()
            slot = max(self._next.get(provider, now), now)
            self._next[provider] = slot + 1.0 / rate
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay


def share_for(settings: Settings, sends_as: str | None) -> float:
    """The share of each provider's rate for a sender in this process that sends for the
    function `sends_as` (a FunctionSpec's logical name), or for an operator when None."""
    if settings.send_share is not None:
        return settings.send_share
    budget = resources.RATE_BUDGET
    if sends_as is None:
        return budget.operator
    spec = resources.function(sends_as)
    if settings.target == "local":
        # The embedded runtime runs every poller of a function in one process, on this one
        # pacer, so the pacer takes the function's share whole.
        return budget.function_share(spec, resources.FUNCTIONS)
    return budget.instance_share(spec, resources.FUNCTIONS)
