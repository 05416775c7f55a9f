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
    NO_SUBSCRIBER = "no-subscriber"
    REJECTED = "rejected"  # the provider refused this recipient for good
    RENDER_ERROR = "render-error"
    PROVIDERS_UNAVAILABLE = "providers-unavailable"
    UNEXPECTED_ERROR = "unexpected-error"
    INTERRUPTED = "interrupted"  # a consumer stopped after claiming: outcome unknown
    DEAD_LETTERED = "dead-lettered"
    MALFORMED = "malformed"
    SUPPRESSED = "suppressed"  # on the suppression list: never sent to


def reason_code(detail: str | None) -> str:
    """The stable code a delivery's reason text starts with (`render-error: …`)."""
    return (detail or "").split(":", 1)[0].strip()


# Why retrying will not help, for the reasons where it will not.
_NOT_RETRYABLE = {
    Reason.RENDER_ERROR: "the template does not render with this recipient's data: "
    "fix the data or the template first",
    Reason.REJECTED: "the provider refused this address for good: a retry sends to it again",
    Reason.SUPPRESSED: "the address is on the suppression list: a retry is refused again",
    Reason.NO_SUBSCRIBER: "the subscriber no longer exists",
    Reason.MALFORMED: "the queue message could not be read",
}
_RETRYABLE = {
    Reason.DEAD_LETTERED: "every provider was down for every attempt; retry once they are up",
    Reason.PROVIDERS_UNAVAILABLE: "every provider was down; retry once they are up",
    Reason.UNEXPECTED_ERROR: "an unexpected error, not the recipient's; retry after a look",
    Reason.INTERRUPTED: "it may have been sent: retry only once the provider's events say "
    "it was not",
}


def retry_advice(detail: str | None) -> tuple[bool, str]:
    """Whether retrying a failed delivery can help, and why (or why not)."""
    code = reason_code(detail)
    if code in _NOT_RETRYABLE:
        return False, _NOT_RETRYABLE[Reason(code)]
    if code in _RETRYABLE:
        return True, _RETRYABLE[Reason(code)]
    return True, "no known reason it would fail again"
