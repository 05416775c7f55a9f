"""A notification: one request to tell one user one thing, its status, and every attempt made."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from tctfmsg.communication.domain.user import User


class NotificationStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"
    SUPPRESSED = "suppressed"
    DEFERRED = "deferred"  # waiting for the user's quiet hours to end

    @property
    def final(self) -> bool:
        return self in (
            NotificationStatus.SENT,
            NotificationStatus.DELIVERED,
            NotificationStatus.FAILED,
            NotificationStatus.SKIPPED,
            NotificationStatus.SUPPRESSED,
        )


class AttemptOutcome(StrEnum):
    SENDING = "sending"  # claimed; a crash here leaves it uncertain, never re-sent
    SENT = "sent"
    FAILED = "failed"  # permanent for this channel: the next channel is tried
    UNAVAILABLE = "unavailable"  # every provider of the channel down
    SKIPPED = "skipped"  # opted out, no address, rate limited
    SUPPRESSED = "suppressed"  # the address is on the suppression list: nothing was sent


@dataclass(frozen=True)
class Attempt:
    channel: str
    outcome: AttemptOutcome
    to: str | None = None
    provider: str | None = None
    provider_message_id: str | None = None
    error: str | None = None
    at: datetime | None = None
    claim: str | None = None


@dataclass(frozen=True)
class Recipient:
    """Addresses the caller gave inline, for a user not (yet) stored."""

    email: str | None = None
    phone: str | None = None

    def reaching(self, user_id: str, user: User | None) -> User:
        """The user as a notification reaches them: the stored addresses, with these filling
        in (a user not stored yet is reached at these alone)."""
        base = user or User(user_id)
        return replace(base, email=self.email or base.email, phone=self.phone or base.phone)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("email", self.email), ("phone", self.phone)) if v}


@dataclass(frozen=True)
class NotificationRequest:
    type: str
    user_id: str
    data: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    recipient: Recipient = Recipient()

    def fingerprint(self) -> str:
        """What "the same payload" means for an idempotency key: type, user, data, recipient."""
        canonical = json.dumps(
            [self.type, self.user_id, self.data, self.recipient.as_dict()],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Notification:
    notification_id: str
    type: str
    user_id: str
    status: NotificationStatus
    data: dict[str, Any]
    fingerprint: str
    created_at: datetime
    idempotency_key: str | None = None
    recipient: Recipient = Recipient()
    channel: str | None = None  # the channel that delivered it
    provider: str | None = None
    provider_message_id: str | None = None
    reason: str | None = None  # why it was skipped, failed, suppressed or deferred
    not_before: datetime | None = None  # deferred until (quiet hours)
    # "open" once the dead-letter queue gave it up, "resolved" when an operator closed it
    dead_letter: str | None = None
    updated_at: datetime | None = None
    attempts: tuple[Attempt, ...] = ()
