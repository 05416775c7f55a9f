"""Hand-written fakes for the backbone: scripted providers, a clock tests move, an in-memory
shared breaker storage (one object shared by several senders stands for the shared table)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pybreaker import STATE_CLOSED

from tctfmsg.email.breaker_storage import SharedBreakerStorage
from tctfmsg.email.message import BreakerStatus, EmailMessage, SendReceipt

Outcome = Exception | Callable[[EmailMessage], Exception | None] | None


class FakeClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class ScriptedProvider:
    """Answers each send with the next scripted outcome (an exception to raise, or None to
    deliver); after the script, with `then`."""

    def __init__(self, name: str, *script: Outcome, then: Outcome = None, idempotent: bool = False):
        self.name = name
        self.idempotent = idempotent
        self.script = list(script)
        self.then = then
        self.sent: list[EmailMessage] = []
        self.calls: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> SendReceipt:
        self.calls.append(message)
        outcome = self.script.pop(0) if self.script else self.then
        if callable(outcome) and not isinstance(outcome, Exception):
            outcome = outcome(message)
        if isinstance(outcome, Exception):
            raise outcome
        self.sent.append(message)
        return SendReceipt(self.name, f"{self.name}-{len(self.sent)}")


class MemoryBreakerStorage(SharedBreakerStorage):
    """The shared storage's contract in memory, on the same clock translation as DynamoDB's."""

    def __init__(self, name: str, clock: FakeClock) -> None:
        super().__init__(name)
        self.clock = clock
        self.item: dict[str, Any] = {}

    @property
    def state(self) -> str:
        return str(self.item.get("state", STATE_CLOSED))

    @state.setter
    def state(self, state: str) -> None:
        self.item["state"] = state

    def increment_counter(self) -> None:
        self.item["fail_counter"] = self.counter + 1

    def reset_counter(self) -> None:
        self.item["fail_counter"] = 0

    def increment_success_counter(self) -> None:
        self.item["success_counter"] = self.success_counter + 1

    def reset_success_counter(self) -> None:
        self.item["success_counter"] = 0

    @property
    def counter(self) -> int:
        return int(self.item.get("fail_counter", 0))

    @property
    def success_counter(self) -> int:
        return int(self.item.get("success_counter", 0))

    @property
    def opened_at(self) -> datetime | None:
        stored = self.item.get("opened_at")
        if stored is None:
            return None
        return datetime.now(UTC) - (self.clock.now() - stored)

    @opened_at.setter
    def opened_at(self, _wall_clock_now: datetime) -> None:
        self.item["opened_at"] = self.clock.now()

    def note_failure(self, reason: str, retry_after_s: float | None) -> None:
        self.item["last_error"] = reason
        if retry_after_s:
            self.item["rest_until"] = self.clock.now() + timedelta(seconds=retry_after_s)

    def resting_for(self) -> float:
        until = self.item.get("rest_until")
        return max(0.0, (until - self.clock.now()).total_seconds()) if until else 0.0

    def status(self, fresh: bool = False) -> BreakerStatus:
        opened = self.item.get("opened_at")
        return BreakerStatus(
            self.name,
            self.state,
            self.counter,
            opened.timestamp() if opened else None,
            self.item.get("last_error"),
        )

    def reset(self) -> None:
        self.item = {"state": STATE_CLOSED}


def message(to: str = "ada@example.com", **changes: Any) -> EmailMessage:
    values: dict[str, Any] = {
        "to": to,
        "sender": "news@tctfmsg.local",
        "subject": "Hello",
        "html": "<p>Hello</p>",
        "text": "Hello",
    }
    values.update(changes)
    return EmailMessage(**values)
