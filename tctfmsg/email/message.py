"""The email backbone's vocabulary, shared by every service that sends email."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any

from tctfmsg.core.errors import InvalidInput, TctfmsgError
from tctfmsg.core.metric_names import EMAIL_PROVIDERS
from tctfmsg.email.headers import one_address, require_header_safe, without_bidi

_HEADER_NAME = re.compile(r"^[!-9;-~]{1,76}$")  # RFC 5322 field name: printable, no colon


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
    # An SES-hosted template for high-volume sends: SES renders it with template_data, the other
    # providers send html/text, which must be the same template rendered locally.
    ses_template: str | None = None
    template_data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Safe by construction: no header field carries a control character, the sender is
        exactly one address, and no bidirectional formatting survives in a subject or a name,
        so no adapter has to check again (tctfmsg.email.headers is the one place of the rules)."""
        for name in ("to", "sender", "subject", "reply_to"):
            value = getattr(self, name)
            if value is not None:
                require_header_safe(f"email's {name.replace('_', '-')}", value)
                object.__setattr__(self, name, without_bidi(value))
        for name, value in self.headers.items():
            if not _HEADER_NAME.match(name):
                raise InvalidInput(f"{name[:80]!r} is not a header name", "use letters and -")
            require_header_safe(f"email's header {name}", value)
        one_address("sender", self.sender)
        if self.reply_to is not None:
            one_address("reply-to", self.reply_to)
        # The recipient may still be one the provider refuses (that is its RecipientRejected
        # to give); it may not be two.
        parsed = getaddresses([self.to])
        if len(parsed) != 1 or not parsed[0][1]:
            raise InvalidInput(
                f"the email's to must be exactly one address, not {self.to[:120]!r}",
                "give one address, optionally as 'Name <address>'",
            )


@dataclass(frozen=True)
class SendReceipt:
    provider: str
    message_id: str
    attempts: tuple[str, ...] = ()  # "provider: outcome" for every provider tried, in order
    # Providers that timed out after the request left: they may have delivered it too.
    uncertain: tuple[str, ...] = ()


class ProviderUnavailable(TctfmsgError):
    """The provider cannot take the message now (outage, timeout, 5xx, throttling).
    Counts against its breaker; the backbone fails over."""

    def __init__(
        self,
        provider: str,
        reason: str,
        retry_after_s: float | None = None,
        *,
        uncertain: bool = False,
    ) -> None:
        super().__init__(f"{provider} unavailable: {reason}")
        self.provider = provider
        self.reason = reason
        self.retry_after_s = retry_after_s
        # True when the request reached the provider and no answer came back (a read timeout):
        # the provider may have delivered the message.
        self.uncertain = uncertain


class RecipientRejected(TctfmsgError):
    """This message can never be delivered to this recipient (invalid, suppressed, content
    rejected). Neither trips a breaker nor fails over."""

    attempts: tuple[str, ...] = ()  # set by the backbone: every provider tried before this one

    def __init__(self, provider: str, recipient: str, reason: str) -> None:
        super().__init__(f"{provider} rejected {recipient}: {reason}")
        self.provider = provider
        self.recipient = recipient
        self.reason = reason


class RecipientSuppressed(RecipientRejected):
    """The address is on the suppression list (it bounced for good, complained, or an operator
    put it there): no provider is asked, for every service alike."""

    def __init__(self, recipient: str, reason: str) -> None:
        super().__init__("suppression list", recipient, f"suppressed: {reason}")
        self.suppressed_for = reason


class SendWithdrawn(TctfmsgError):
    """The caller no longer wants the message sent (its campaign was paused or cancelled while
    the send waited for its rate slot). Nothing was sent; no provider is to blame."""


class AllProvidersUnavailable(TctfmsgError):
    """Every enabled provider is down or open: transient, the caller retries later."""

    def __init__(
        self,
        attempts: tuple[str, ...],
        retry_after_s: float | None = None,
        *,
        uncertain: tuple[str, ...] = (),
    ) -> None:
        super().__init__("no email provider is available", "; ".join(attempts) or "none is enabled")
        self.attempts = attempts
        self.retry_after_s = retry_after_s
        self.uncertain = uncertain


PROVIDERS: tuple[str, ...] = EMAIL_PROVIDERS


@dataclass(frozen=True)
class ProviderConfig:
    """One provider's row of the config table; what is not stored comes from DEFAULT_CONFIG."""

    name: str
    order: int
    enabled: bool = True
    rate_per_s: float = 10.0  # the account's limit, shared by every sending process
    fail_max: int = 5  # consecutive failures that open the breaker
    reset_timeout_s: float = 30.0  # how long an open breaker waits before a trial send


DEFAULT_CONFIG: dict[str, ProviderConfig] = {
    "ses": ProviderConfig("ses", 1, rate_per_s=14.0),
    "resend": ProviderConfig("resend", 2, rate_per_s=10.0),
    "sendgrid": ProviderConfig("sendgrid", 3, rate_per_s=100.0),
}


@dataclass(frozen=True)
class BreakerStatus:
    """A provider's shared breaker as every process sees it; times are epoch seconds."""

    name: str
    state: str = "closed"  # closed, open, half-open
    failures: int = 0
    opened_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    rest_until: float | None = None  # Retry-After: not tried again before this

    def half_opens_in(self, reset_timeout_s: float, now: float) -> float | None:
        if self.state != "open" or self.opened_at is None:
            return None
        return max(0.0, self.opened_at + reset_timeout_s - now)
