"""What stands in front of a channel: its circuit breaker, shared by every process through the
email backbone's breaker storage (the `breakers` table, one item per channel name), and the
per-recipient rate limit that keeps SMS pumping from spending the account's money."""

from __future__ import annotations

import hashlib
import threading

import pybreaker

from tctfmsg.communication.ports import (
    Channel,
    ChannelReceipt,
    ChannelUnavailable,
    Outgoing,
    RateWindows,
    RecipientUnreachable,
)
from tctfmsg.core.clock import Clock, SystemClock
from tctfmsg.core.errors import Throttled
from tctfmsg.email.breaker_storage import SharedBreakerStorage


class BreakerChannel:
    """A channel behind a pybreaker breaker: ChannelUnavailable counts against it (and a
    Retry-After is kept, so no process calls before then); RecipientUnreachable is a healthy
    answer. Open, or resting, it refuses at once without calling. Thread-safe: each thread
    drives its own pybreaker object over the shared storage, as the email failover does."""

    def __init__(
        self,
        channel: Channel,
        storage: SharedBreakerStorage,
        fail_max: int = 5,
        reset_timeout_s: float = 30.0,
        clock: Clock | None = None,
    ) -> None:
        self.name = channel.name
        self.channel = channel
        self.storage = storage
        self._fail_max = fail_max
        self._reset_timeout_s = reset_timeout_s
        self._clock = clock or SystemClock()
        self._local = threading.local()

    def send(self, message: Outgoing) -> ChannelReceipt:
        resting = self.storage.resting_for()
        if resting > 0:
            raise ChannelUnavailable(self.name, "asked to wait", retry_after_s=resting)
        try:
            return self._breaker().call(self.channel.send, message)
        except pybreaker.CircuitBreakerError:
            now = self._clock.now().timestamp()
            wait = self.storage.status().half_opens_in(self._reset_timeout_s, now)
            raise ChannelUnavailable(self.name, "breaker open", retry_after_s=wait) from None
        except ChannelUnavailable as exc:
            self.storage.note_failure(exc.reason, exc.retry_after_s)
            raise

    def _breaker(self) -> pybreaker.CircuitBreaker:
        breaker: pybreaker.CircuitBreaker | None = getattr(self._local, "breaker", None)
        if breaker is None:
            breaker = pybreaker.CircuitBreaker(
                fail_max=self._fail_max,
                reset_timeout=self._reset_timeout_s,
                exclude=[RecipientUnreachable],
                state_storage=self.storage,
                name=self.name,
                throw_new_error_on_trip=False,
            )
            self._local.breaker = breaker
        return breaker


class RateLimitedChannel:
    """At most `per_hour` sends to one address an hour, counted before the send (a failed send
    counts too: a pumping attack must not get retries for free). Past it the message is refused
    as unreachable, so the worker falls back or gives up instead of retrying into the limit. If
    the counters cannot be read the channel is unavailable: it fails closed."""

    WINDOW_S = 3600

    def __init__(
        self,
        channel: Channel,
        windows: RateWindows,
        per_hour: int,
        clock: Clock | None = None,
    ) -> None:
        self.name = channel.name
        self.channel = channel
        self._windows = windows
        self._per_hour = per_hour
        self._clock = clock or SystemClock()

    def send(self, message: Outgoing) -> ChannelReceipt:
        try:
            allowed = self._windows.take(
                window_key(self.name, message.to),
                self._per_hour,
                self.WINDOW_S,
                self._clock.now(),
            )
        except Throttled as exc:
            raise ChannelUnavailable(self.name, f"rate windows unreadable: {exc}") from exc
        if not allowed:
            raise RecipientUnreachable(
                self.name, message.to, f"rate limited ({self._per_hour} an hour)"
            )
        return self.channel.send(message)


def window_key(channel: str, to: str) -> str:
    """The counter's key: the channel and a digest of the address, so the table holds no
    phone numbers."""
    return f"{channel}:{hashlib.sha256(to.encode()).hexdigest()[:32]}"
