"""The ports services depend on, named by role. Adapters implement them by technology."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Protocol

from tctfmsg.domain.email import EmailMessage, SendReceipt
from tctfmsg.domain.subscriber import Subscriber, SubscriberStatus


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SubscriberStore(Protocol):
    def get(self, key: str) -> Subscriber | None: ...

    def get_many(self, keys: Sequence[str]) -> dict[str, Subscriber]: ...

    def save_many(
        self, subscribers: Sequence[Subscriber], memberships: Sequence[tuple[str, str]]
    ) -> None:
        """Write subscribers and (list, email_key) memberships; retries until all are stored."""
        ...

    def set_status(self, key: str, status: SubscriberStatus, at: datetime) -> Subscriber: ...

    def delete(self, subscriber: Subscriber) -> None: ...

    def scan(self, status: SubscriberStatus | None = None) -> Iterator[Subscriber]: ...

    def members(
        self, list_name: str, status: SubscriberStatus | None = None
    ) -> Iterator[Subscriber]: ...


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> SendReceipt: ...


class EmailProvider(Protocol):
    """One email provider (SES, Resend, SendGrid). Raises ProviderUnavailable or
    RecipientRejected from tctfmsg.domain.email, never a vendor error."""

    name: str

    def send(self, message: EmailMessage) -> SendReceipt: ...
