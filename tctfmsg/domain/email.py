"""The email backbone's vocabulary, shared by every service that sends email."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tctfmsg.errors import TctfmsgError


@dataclass(frozen=True)
class EmailMessage:
    to: str
    sender: str
    subject: str
    html: str
    text: str
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe
    tags: Mapping[str, str] = field(default_factory=dict)  # e.g. campaign_id, type
    # Same key for every attempt at the same logical message: providers that support it
    # (Resend's Idempotency-Key) refuse to deliver it twice.
    idempotency_key: str | None = None


@dataclass(frozen=True)
class SendReceipt:
    provider: str
    message_id: str
    attempts: tuple[str, ...] = ()  # "provider: outcome" for every provider tried, in order


class ProviderUnavailable(TctfmsgError):
    """The provider cannot take the message now (outage, timeout, 5xx, throttling).
    Counts against its breaker; the backbone fails over."""

    def __init__(self, provider: str, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(f"{provider} unavailable: {reason}")
        self.provider = provider
        self.reason = reason
        self.retry_after_s = retry_after_s


class RecipientRejected(TctfmsgError):
    """This message can never be delivered to this recipient (invalid, suppressed, content
    rejected). Neither trips a breaker nor fails over."""

    def __init__(self, provider: str, recipient: str, reason: str) -> None:
        super().__init__(f"{provider} rejected {recipient}: {reason}")
        self.provider = provider
        self.recipient = recipient
        self.reason = reason


class AllProvidersUnavailable(TctfmsgError):
    """Every enabled provider is down or open: transient, the caller retries later."""

    def __init__(self, attempts: tuple[str, ...], retry_after_s: float | None = None) -> None:
        super().__init__(
            "no email provider is available", "; ".join(attempts) or "none is enabled"
        )
        self.attempts = attempts
        self.retry_after_s = retry_after_s
