"""The backbone's ports: what a service sends through, and what each provider implements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tctfmsg.email.message import EmailMessage, SendReceipt


class EmailSender(Protocol):
    def send(
        self, message: EmailMessage, *, proceed: Callable[[], bool] | None = None
    ) -> SendReceipt:
        """`proceed`, if given, is asked once, when the send has its rate slot and just before
        the first provider is asked: False raises SendWithdrawn and nothing is sent; an error
        it raises is raised as it is. A failover after it goes on without asking again."""
        ...


class EmailProvider(Protocol):
    """One email provider (SES, Resend, SendGrid). Raises ProviderUnavailable or
    RecipientRejected from tctfmsg.email.message, never a vendor error."""

    name: str

    def send(self, message: EmailMessage) -> SendReceipt: ...
