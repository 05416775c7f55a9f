"""Hand-written fakes of the communication service's ports, for unit tests with sockets off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from tctfmsg.communication.domain.notification import (
    Attempt,
    AttemptOutcome,
    Notification,
    NotificationStatus,
)
from tctfmsg.communication.domain.user import User
from tctfmsg.communication.ports import (
    ChannelReceipt,
    ChannelUnavailable,
    NotificationPage,
    Outgoing,
    RecipientUnreachable,
)


@dataclass
class MemoryNotifications:
    items: dict[str, Notification] = field(default_factory=dict)

    def create(self, notification: Notification) -> Notification | None:
        if notification.notification_id in self.items:
            return self.items[notification.notification_id]
        self.items[notification.notification_id] = notification
        return None

    def get(self, notification_id: str) -> Notification | None:
        return self.items.get(notification_id)

    def update(
        self,
        notification_id: str,
        status: NotificationStatus,
        at: datetime,
        *,
        expect: Sequence[NotificationStatus] = (),
        **fields: object,
    ) -> Notification | None:
        found = self.items.get(notification_id)
        if found is None or (expect and found.status not in expect):
            return None
        given = {k: v for k, v in fields.items() if v is not None}
        updated = replace(found, status=status, updated_at=at, **given)  # type: ignore[arg-type]
        self.items[notification_id] = updated
        return updated

    def list(
        self,
        *,
        user_id: str | None = None,
        status: NotificationStatus | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> NotificationPage:
        found = [
            n
            for n in self.items.values()
            if user_id in (None, n.user_id) and status in (None, n.status)
        ]
        found.sort(key=lambda n: n.created_at, reverse=True)
        return NotificationPage(found[:limit], None)


@dataclass
class MemoryLedger:
    items: dict[tuple[str, str], Attempt] = field(default_factory=dict)

    def claim(self, notification_id: str, channel: str, to: str, token: str, at: datetime) -> bool:
        found = self.items.get((notification_id, channel))
        if found is not None and found.outcome != AttemptOutcome.UNAVAILABLE:
            return False
        self.items[(notification_id, channel)] = Attempt(
            channel, AttemptOutcome.SENDING, to, at=at, claim=token
        )
        return True

    def settle(self, notification_id: str, attempt: Attempt) -> None:
        found = self.items.get((notification_id, attempt.channel))
        if found is not None and found.claim == attempt.claim:
            self.items[(notification_id, attempt.channel)] = attempt

    def attempts(self, notification_id: str) -> list[Attempt]:
        return [a for (n, _), a in self.items.items() if n == notification_id]


@dataclass
class MemoryUsers:
    items: dict[str, User] = field(default_factory=dict)

    def get(self, user_id: str) -> User | None:
        return self.items.get(user_id)

    def put(self, user: User) -> User:
        self.items[user.user_id] = user
        return user

    def delete(self, user_id: str) -> bool:
        return self.items.pop(user_id, None) is not None

    def remove_push_token(self, user_id: str, token: str) -> None:
        if user_id in self.items:
            self.items[user_id] = self.items[user_id].without_token(token)


@dataclass
class MemoryQueue:
    sent: list[tuple[str, int]] = field(default_factory=list)
    refuse: bool = False

    def enqueue(self, notification_id: str, delay_s: int = 0) -> None:
        if self.refuse:
            raise ConnectionError("queue unreachable")
        self.sent.append((notification_id, delay_s))


@dataclass
class FakeChannel:
    """A channel that records what it sends; `mode` makes it fail: "down" (every provider),
    "reject" (this address), "crash" (sends, then the worker dies before recording it)."""

    name: str
    mode: str = "up"
    unregistered: set[str] = field(default_factory=set)
    sent: list[Outgoing] = field(default_factory=list)

    def send(self, message: Outgoing) -> ChannelReceipt:
        if self.mode == "down":
            raise ChannelUnavailable(self.name, "every provider is down")
        if self.mode == "reject":
            raise RecipientUnreachable(self.name, message.to, "invalid address")
        if message.to in self.unregistered:
            raise RecipientUnreachable(self.name, message.to, "UNREGISTERED", forget=True)
        self.sent.append(message)
        if self.mode == "crash":
            raise SystemExit("the worker died after the provider took the message")
        return ChannelReceipt(f"{self.name}-provider", f"{self.name}-{len(self.sent)}")


class EventLog:
    def __init__(self) -> None:
        self.events: list[Notification] = []

    def published(self, notification: Notification) -> None:
        self.events.append(notification)
