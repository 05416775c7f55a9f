"""pybreaker's storage on the `breakers` table: one item per provider, seen by every process.

Reads are served from a snapshot at most `max_age_s` old, so a busy sender reads DynamoDB about
once a second per provider instead of several times per send; every write returns the new item,
so this process sees its own changes at once. If DynamoDB cannot be reached the breaker keeps
working on the last snapshot (and logs), as pybreaker's Redis storage does: a storage outage must
not stop email.

Times are kept on the injected clock. pybreaker compares `opened_at` with the wall clock, so the
getter presents it as "wall clock now minus the time elapsed on our clock": with the system clock
that is the stored time itself, and a test clock can move the breaker through its reset timeout.
"""

from __future__ import annotations

import logging
import threading
from abc import abstractmethod
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pybreaker import STATE_CLOSED, CircuitBreakerStorage

from tctfmsg.core.clock import Clock, SystemClock
from tctfmsg.core.dynamodb import codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.email.message import BreakerStatus

log = logging.getLogger(__name__)
KEYS = KeyNames.of("breakers")  # one item per breaker, by its name
_NAMES = {"#s": "state"}


class SharedBreakerStorage(CircuitBreakerStorage):
    """pybreaker's storage plus what the backbone keeps beside the breaker state."""

    @abstractmethod
    def note_failure(self, reason: str, retry_after_s: float | None) -> None: ...

    @abstractmethod
    def resting_for(self) -> float: ...

    @abstractmethod
    def status(self, fresh: bool = False) -> BreakerStatus: ...

    @abstractmethod
    def reset(self) -> None: ...


class DynamoBreakerStorage(SharedBreakerStorage):
    def __init__(
        self,
        name: str,
        table: str,
        client: Any,
        clock: Clock | None = None,
        max_age_s: float = 1.0,
    ) -> None:
        super().__init__(name)
        self._table = table
        self._client = client
        self._clock = clock or SystemClock()
        self._max_age_s = max_age_s
        self._lock = threading.Lock()
        self._item: dict[str, Any] = {}
        self._fetched_at: float | None = None

    # ---- pybreaker's interface -------------------------------------------------------------

    @property
    def state(self) -> str:
        return str(self._snapshot().get("state", STATE_CLOSED))

    @state.setter
    def state(self, state: str) -> None:
        self._update("SET #s = :s, updated_at = :now", {":s": state}, _NAMES)

    def increment_counter(self) -> None:
        self._update("ADD fail_counter :one SET updated_at = :now", {":one": 1})

    def reset_counter(self) -> None:
        if self._cached("fail_counter"):  # a success per send must not cost a write per send
            self._update("SET fail_counter = :zero, updated_at = :now", {":zero": 0})

    def increment_success_counter(self) -> None:
        self._update("ADD success_counter :one SET updated_at = :now", {":one": 1})

    def reset_success_counter(self) -> None:
        if self._cached("success_counter"):
            self._update("SET success_counter = :zero, updated_at = :now", {":zero": 0})

    @property
    def counter(self) -> int:
        return int(self._snapshot().get("fail_counter", 0))

    @property
    def success_counter(self) -> int:
        return int(self._snapshot().get("success_counter", 0))

    @property
    def opened_at(self) -> datetime | None:
        stored = self._snapshot().get("opened_at")
        if stored is None:
            return None
        elapsed = self._now() - float(stored)
        return datetime.now(UTC) - timedelta(seconds=elapsed)

    @opened_at.setter
    def opened_at(self, _wall_clock_now: datetime) -> None:
        self._update("SET opened_at = :now, updated_at = :now", {})

    # ---- what the backbone and the CLI add ---------------------------------------------------

    def note_failure(self, reason: str, retry_after_s: float | None) -> None:
        values: dict[str, Any] = {":e": reason[:500]}
        expression = "SET last_error = :e, last_error_at = :now, updated_at = :now"
        if retry_after_s:
            values[":r"] = self._now() + retry_after_s
            expression += ", rest_until = :r"
        self._update(expression, values)

    def resting_for(self) -> float:
        """Seconds left of a Retry-After the provider asked for (0 when none)."""
        until = self._snapshot().get("rest_until")
        return max(0.0, float(until) - self._now()) if until else 0.0

    def status(self, fresh: bool = False) -> BreakerStatus:
        item = self._snapshot(force=fresh)
        return BreakerStatus(
            name=self.name,
            state=str(item.get("state", STATE_CLOSED)),
            failures=int(item.get("fail_counter", 0)),
            opened_at=_float(item.get("opened_at")),
            last_error=item.get("last_error"),
            last_error_at=_float(item.get("last_error_at")),
            rest_until=_float(item.get("rest_until")),
        )

    def reset(self) -> None:
        """Closed, no failures, no Retry-After: what `providers reset` asks for."""
        self._update(
            "SET #s = :s, fail_counter = :zero, success_counter = :zero, updated_at = :now "
            "REMOVE rest_until, opened_at",
            {":s": STATE_CLOSED, ":zero": 0},
            _NAMES,
        )

    # ---- DynamoDB ----------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _cached(self, attribute: str) -> Any:
        with self._lock:
            return self._item.get(attribute)

    def _snapshot(self, force: bool = False) -> dict[str, Any]:
        now = self._now()
        with self._lock:
            fresh = self._fetched_at is not None and now - self._fetched_at < self._max_age_s
            if fresh and not force:
                return self._item
        try:
            response = self._client.get_item(
                TableName=self._table, Key=KEYS.key(self.name), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            log.warning("breaker %s: cannot read shared state (%s); using the last", self.name, exc)
            with self._lock:
                return self._item
        item = codec.from_item(response.get("Item") or {})
        with self._lock:
            self._item, self._fetched_at = item, now
            return item

    def _update(
        self, expression: str, values: dict[str, Any], names: dict[str, str] | None = None
    ) -> None:
        now = self._now()
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": KEYS.key(self.name),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": codec.to_item({":now": now, **values}),
            "ReturnValues": "ALL_NEW",
        }
        if ":now" not in expression:
            request["ExpressionAttributeValues"].pop(":now")
        if names:
            request["ExpressionAttributeNames"] = names
        try:
            response = self._client.update_item(**request)
        except (ClientError, BotoCoreError) as exc:
            log.warning("breaker %s: cannot write shared state (%s)", self.name, exc)
            return
        with self._lock:
            self._item, self._fetched_at = codec.from_item(response["Attributes"]), now


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
