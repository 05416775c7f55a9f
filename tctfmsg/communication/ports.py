"""The communication service's ports, named by role. Adapters implement them by technology."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tctfmsg.communication.domain.notification import (
    Attempt,
    Notification,
    NotificationStatus,
)
from tctfmsg.communication.domain.user import User
from tctfmsg.core.errors import Conflict, TctfmsgError

# ---- channels ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One message for one channel, rendered and addressed."""

    notification_id: str
    type: str
    channel: str
    to: str  # an email address, an E.164 number, a device token, or a user id (websocket)
    text: str  # the SMS, WhatsApp or push body; the email's plain-text part
    subject: str = ""  # the email subject; the push notification's title
    html: str | None = None  # email only
    locale: str = "en"
    # the template's variables, for channels that send templates, not text (WhatsApp)
    data: Mapping[str, str] = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        """Sent to providers that deduplicate, so a retried request is one message."""
        return f"{self.notification_id}:{self.channel}"


@dataclass(frozen=True)
class ChannelReceipt:
    provider: str
    message_id: str
    attempts: tuple[str, ...] = ()  # "provider: outcome" for every provider tried, in order


class ChannelUnavailable(TctfmsgError):
    """Every provider of the channel is down, throttled or breaker-open: transient. The worker
    falls back to the next channel where the type allows, or retries later."""

    def __init__(self, channel: str, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(f"{channel} unavailable: {reason}")
        self.channel = channel
        self.reason = reason
        self.retry_after_s = retry_after_s


class RecipientUnreachable(TctfmsgError):
    """This channel can never deliver to this address (invalid number, unregistered device,
    rejected content). `forget`: the address is dead and is removed from the user (an FCM
    UNREGISTERED token)."""

    def __init__(
        self, channel: str, to: str, reason: str, *, forget: bool = False, suppressed: bool = False
    ) -> None:
        super().__init__(f"{channel} cannot reach {to[:24]}: {reason}")
        self.channel = channel
        self.to = to
        self.reason = reason
        self.forget = forget
        self.suppressed = suppressed  # on the suppression list: recorded as suppressed


class Channel(Protocol):
    """One way to reach a user. Raises ChannelUnavailable or RecipientUnreachable, never a
    vendor error; a new channel is a new adapter and nothing else."""

    name: str

    def send(self, message: Outgoing) -> ChannelReceipt: ...


# ---- stores ------------------------------------------------------------------------------------


class UserChanged(Conflict):
    """The stored user is no longer the one the write was based on."""


class UserStore(Protocol):
    def get(self, user_id: str) -> User | None: ...

    def put(self, user: User) -> User:
        """Store `user` under a new revision, and return it so. A user read from the store is
        written only over the revision it was read at (UserChanged otherwise: read again); one
        with no revision (a new user, a seeded one) is written as it is, replacing any."""
        ...

    def delete(self, user_id: str) -> bool:
        """True if there was a user to delete."""
        ...

    def remove_push_token(self, user_id: str, token: str) -> None:
        """Take one dead token away atomically (no read-modify-write); a user or token already
        gone is not an error."""
        ...


@dataclass(frozen=True)
class NotificationPage:
    notifications: list[Notification]
    after: str | None


class NotificationStore(Protocol):
    def create(self, notification: Notification) -> Notification | None:
        """Store it unless its id exists; None if stored, else the one already there."""
        ...

    def get(self, notification_id: str) -> Notification | None: ...

    def update(
        self,
        notification_id: str,
        status: NotificationStatus,
        at: datetime,
        *,
        expect: Sequence[NotificationStatus] = (),
        **fields: object,
    ) -> Notification | None:
        """Move it to `status` (only from one of `expect`, if given); None if it could not."""
        ...

    def list(
        self,
        *,
        user_id: str | None = None,
        status: NotificationStatus | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> NotificationPage: ...


class AttemptLedger(Protocol):
    """One claim per notification and channel: the same discipline as the campaign ledger."""

    def claim(self, notification_id: str, channel: str, to: str, token: str, at: datetime) -> bool:
        """True if this caller now holds the channel; False if any attempt exists for it."""
        ...

    def settle(self, notification_id: str, attempt: Attempt) -> None: ...

    def attempts(self, notification_id: str) -> list[Attempt]: ...


class NotificationQueue(Protocol):
    def enqueue(self, notification_id: str, delay_s: int = 0) -> None: ...


class RateWindows(Protocol):
    def take(self, key: str, limit: int, window_s: int, at: datetime) -> bool:
        """Count one send for `key` in the current window; False if the limit is reached."""
        ...


class StatusEvents(Protocol):
    """Where status changes are published for the calling service (EventBridge)."""

    def published(self, notification: Notification) -> None: ...
