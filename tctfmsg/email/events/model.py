"""The one internal event every provider's bounce, complaint, delivery and send becomes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from tctfmsg.core.errors import InvalidInput, TctfmsgError

MAX_RECIPIENTS = 50  # SES lists at most 50 recipients a message; nobody sends us more
MAX_FIELD = 512  # ids, tags, reasons: anything longer is cut, never trusted whole


class WebhookRefused(TctfmsgError):
    """A webhook that is not provably the provider's: unsigned, forged, tampered with, stale."""

    def __init__(self, provider: str, why: str) -> None:
        super().__init__(f"{provider} webhook refused: {why}")
        self.provider = provider
        self.why = why


class EventKind(StrEnum):
    SENT = "sent"  # the provider accepted it (SES Send, Resend email.sent, SendGrid processed)
    DELIVERED = "delivered"
    BOUNCED = "bounced"  # permanent: the address does not exist or refuses us for good
    SOFT_BOUNCED = "soft-bounced"  # transient: mailbox full, greylisted, blocked for now
    COMPLAINED = "complained"
    REJECTED = "rejected"  # the provider would not send this message (content, its own list)
    DEFERRED = "deferred"  # still trying: nothing to act on yet


@dataclass(frozen=True)
class ProviderEvent:
    provider: str  # ses, resend, sendgrid
    kind: EventKind
    recipient: str  # one event per recipient
    event_id: str  # the provider's id for this event (feedback id, svix id, sg_event_id)
    message_id: str = ""  # the provider's message id, as its send answered it
    campaign_id: str = ""  # from the message's tags (custom_args on SendGrid)
    detail: str = ""  # the provider's reason (diagnostic code, bounce type)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, body: str) -> ProviderEvent:
        try:
            data = json.loads(body)
            return cls(
                provider=_text(data["provider"]),
                kind=EventKind(data["kind"]),
                recipient=_text(data["recipient"]),
                event_id=_text(data["event_id"]),
                message_id=_text(data.get("message_id", "")),
                campaign_id=_text(data.get("campaign_id", "")),
                detail=_text(data.get("detail", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InvalidInput(f"not a provider event: {body[:200]!r}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value[:MAX_FIELD]


def text(value: Any) -> str:
    """A field of a provider's payload as a bounded string; anything else is empty."""
    return value[:MAX_FIELD] if isinstance(value, str) else ""
