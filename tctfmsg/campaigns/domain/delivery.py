"""The delivery ledger's vocabulary: one record per campaign recipient, and its message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tctfmsg.core.errors import InvalidInput


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

    @property
    def open(self) -> bool:
        return self in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)

    @property
    def counter(self) -> str:
        """The campaign counter a record in this (final) status adds to."""
        return self.value


@dataclass(frozen=True)
class Delivery:
    campaign_id: str
    email_key: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    claim: str | None = None  # the token of the consumer that holds it while SENDING
    claimed_until: datetime | None = None
    provider: str | None = None
    provider_message_id: str | None = None
    reason: str | None = None  # why it failed or was skipped; the last transient error
    updated_at: datetime | None = None

    def claim_expired(self, now: datetime) -> bool:
        return self.claimed_until is None or self.claimed_until <= now


@dataclass(frozen=True)
class DeliveryRequest:
    """The queue message: asks for the delivery the ledger says is still to do."""

    campaign_id: str
    email_key: str

    def to_body(self) -> str:
        return json.dumps({"campaign_id": self.campaign_id, "email_key": self.email_key})

    @classmethod
    def from_body(cls, body: str) -> DeliveryRequest:
        try:
            data = json.loads(body)
            return cls(campaign_id=str(data["campaign_id"]), email_key=str(data["email_key"]))
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(f"not a delivery request: {body[:200]!r}") from None


def idempotency_key(campaign_id: str, email_key: str) -> str:
    """The same for every attempt at one recipient, so a provider that honours it dedupes."""
    return f"campaign/{campaign_id}/{email_key}"


class Reason(StrEnum):
    """Why a delivery ended badly; stable codes an operator filters by."""

    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    SUPPRESSED = "suppressed"  # on the suppression list, whatever the subscriber's status
    NO_SUBSCRIBER = "no-subscriber"
    REJECTED = "rejected"  # the provider refused this recipient for good
    RENDER_ERROR = "render-error"
    PROVIDERS_UNAVAILABLE = "providers-unavailable"
    UNEXPECTED_ERROR = "unexpected-error"
    INTERRUPTED = "interrupted"  # a consumer stopped after claiming: outcome unknown
    DEAD_LETTERED = "dead-lettered"
    MALFORMED = "malformed"
