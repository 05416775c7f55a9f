"""The ports services depend on, named by role. Adapters implement them by technology."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus, Counters, Window
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryRequest, DeliveryStatus
from tctfmsg.campaigns.domain.failed_message import FailedMessage, FailureState
from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.core.errors import Conflict
from tctfmsg.email.events.model import ProviderEvent


@dataclass(frozen=True)
class SubscriberPage:
    subscribers: list[Subscriber]
    after: str | None  # the key to continue after; None: nothing follows


class SubscriberStore(Protocol):
    def get(self, key: str) -> Subscriber | None: ...

    def get_many(self, keys: Sequence[str]) -> dict[str, Subscriber]: ...

    def save_many(
        self, subscribers: Sequence[Subscriber], memberships: Sequence[tuple[str, str]]
    ) -> None:
        """Write subscribers and (list, email_key) memberships; retries until all are stored.
        Unavailable when the store cannot be reached: what was written stays written."""
        ...

    def unstorable_reason(self, subscriber: Subscriber) -> str | None:
        """Why this subscriber cannot be stored (too large for one item), or None."""
        ...

    def set_status(self, key: str, status: SubscriberStatus, at: datetime) -> Subscriber: ...

    def delete(self, subscriber: Subscriber) -> None: ...

    def list_page(
        self,
        after: str | None,
        limit: int,
        *,
        list_name: str | None = None,
        status: SubscriberStatus | None = None,
    ) -> SubscriberPage:
        """Up to `limit` subscribers after the key `after` (of one list, of one status), read a
        page at a time from the store, never the whole table."""
        ...


# ---- campaigns (docs/decisions/0040) -------------------------------------------------------


class StateChanged(Conflict):
    """A conditional write found the record in another state than the caller read."""


class CampaignStore(Protocol):
    def create(self, campaign: Campaign) -> None: ...

    def get(self, campaign_id: str) -> Campaign | None: ...

    def list(self, status: CampaignStatus | None = None) -> Sequence[Campaign]: ...

    def due(self, now: datetime) -> Sequence[Campaign]:
        """SCHEDULED campaigns whose send time has come."""
        ...

    def transition(
        self,
        campaign_id: str,
        expected: CampaignStatus,
        to: CampaignStatus,
        now: datetime,
        *,
        send_at: datetime | None = None,
        reason: str | None = None,
    ) -> Campaign:
        """Moves the status only if it is still `expected`, else raises StateChanged. The
        pause reason becomes `reason` (none: cleared)."""
        ...

    def add_counts(
        self, campaign_id: str, counts: Mapping[str, int], *, progress_at: datetime | None = None
    ) -> Campaign:
        """Adds to the counters; with `progress_at` (the counts are outcomes), stamps the
        campaign's progress in the same write."""
        ...

    def record_outcomes(
        self,
        campaign_id: str,
        counts: Mapping[str, int],
        failures: Mapping[str, tuple[int, str]],
        now: datetime,
    ) -> Campaign:
        """Adds to the counters, to the breaker's window (sent and failed deliveries) and to
        the failure summary (reason → (count, a sample recipient; the first one stays)), and
        stamps `progress_at` = now, all in one write."""
        ...

    def roll_window(self, campaign_id: str, seen: Window) -> Campaign:
        """Starts a new breaker block if the window is still as `seen`: the block's failures
        become the previous block's; what was added since `seen` stays in the new one."""
        ...

    def set_counts(self, campaign_id: str, counters: Counters) -> Campaign: ...

    def take_lease(self, campaign_id: str, token: str, until: datetime, now: datetime) -> bool:
        """Claims the fan-out for one scheduler run (or hands it on with the same token)."""
        ...

    def save_progress(
        self,
        campaign_id: str,
        token: str,
        cursor: str | None,
        counts: Mapping[str, int],
        done: bool,
    ) -> Campaign:
        """Saves the cursor and adds the page's counts; raises StateChanged if the lease is
        no longer `token`'s."""
        ...

    def release_lease(self, campaign_id: str, token: str) -> None: ...


@dataclass(frozen=True)
class AudiencePage:
    keys: list[str]
    cursor: str | None  # None: the list is exhausted


class AudienceSource(Protocol):
    def page(self, list_name: str, cursor: str | None, limit: int) -> AudiencePage: ...


@dataclass(frozen=True)
class Created:
    created: list[str]
    existing: list[str]
    end: str | None = None  # where the recorded page ends: the cursor to go on from


class DeliveryLedger(Protocol):
    def create_page(
        self,
        campaign_id: str,
        start: str | None,
        end: str | None,
        deliveries: Sequence[Delivery],
    ) -> Created:
        """Records one audience page (the keys after `start` up to `end`, None: to the end):
        each delivery only if it does not exist yet, so a re-run never resets one. Only the
        fan-out creates records, while it holds the campaign's lease. A re-run of a page may
        find it recorded further than `end`; `Created.end` is where to go on from."""
        ...

    def get(self, campaign_id: str, email_key: str) -> Delivery | None: ...

    def get_many(self, campaign_id: str, keys: Sequence[str]) -> dict[str, Delivery]: ...

    def claim(
        self, campaign_id: str, email_key: str, token: str, until: datetime, now: datetime
    ) -> Delivery | None:
        """PENDING → SENDING for `token`; None when the record is not PENDING."""
        ...

    def finish(
        self,
        campaign_id: str,
        email_key: str,
        token: str,
        status: DeliveryStatus,
        now: datetime,
        *,
        provider: str | None = None,
        message_id: str | None = None,
        reason: str | None = None,
        attempts: int | None = None,
    ) -> bool:
        """SENDING (held by `token`) → a final status. `attempts`, the claimed record's, lets
        the ledger write the final record whole."""
        ...

    def release(
        self, campaign_id: str, email_key: str, token: str, reason: str, now: datetime
    ) -> bool:
        """SENDING (held by `token`) → PENDING, for a retry."""
        ...

    def settle(
        self,
        campaign_id: str,
        email_key: str,
        expected: DeliveryStatus,
        to: DeliveryStatus,
        reason: str | None,
        now: datetime,
        *,
        stale_before: datetime | None = None,
    ) -> bool:
        """`expected` → `to` without a claim (cancel, interrupted, dead-lettered, retry)."""
        ...

    def settle_sent(
        self, campaign_id: str, email_key: str, provider: str, message_id: str, now: datetime
    ) -> bool:
        """FAILED as `interrupted` → SENT with the provider's message id, once: the provider's
        own event says it went out (docs/decisions/0077)."""
        ...

    def open_keys(self, campaign_id: str, status: DeliveryStatus | None = None) -> Iterator[str]:
        """Recipients whose delivery is still PENDING or SENDING (or just `status`)."""
        ...

    def count_by_status(self, campaign_id: str) -> dict[DeliveryStatus, int]: ...

    def list(
        self, campaign_id: str, status: DeliveryStatus | None = None
    ) -> Iterator[Delivery]: ...


class DeliveryQueue(Protocol):
    def send(self, requests: Sequence[DeliveryRequest]) -> int:
        """Enqueues every request (retrying partial failures) and returns how many."""
        ...

    def depth(self) -> int:
        """Roughly how many messages wait or are in flight."""
        ...


class FailedMessageStore(Protocol):
    def record(self, failed: FailedMessage) -> None:
        """Stores it OPEN; recording the same failure again reopens it."""
        ...

    def get(self, failure_id: str) -> FailedMessage | None: ...

    def list(
        self,
        *,
        campaign_id: str | None = None,
        reason: str | None = None,
        state: FailureState | None = FailureState.OPEN,
    ) -> Iterator[FailedMessage]: ...

    def set_state(self, failure_id: str, state: FailureState, now: datetime) -> None: ...


class FunctionInvoker(Protocol):
    def invoke_async(self, function: str, payload: Mapping[str, Any]) -> None:
        """Starts the function with `payload` and returns at once (Lambda's Event invoke)."""
        ...


class RenderedContent(Protocol):
    @property
    def subject(self) -> str: ...

    @property
    def html(self) -> str: ...

    @property
    def text(self) -> str: ...


class CampaignRenderer(Protocol):
    def render(self, template: str, data: Mapping[str, Any]) -> RenderedContent:
        """Raises InvalidInput (missing variables) or NotFound (unknown template)."""
        ...


class HostedTemplateNames(Protocol):
    def name_for(self, template: str) -> str | None:
        """The provider-hosted copy of the version the renderer uses now; None: not hostable."""
        ...


class SenderVerification(Protocol):
    def verified(self, sender: str) -> bool:
        """Whether the provider lets this address (or its domain) send."""
        ...


class PauseAlarm(Protocol):
    def auto_paused(self, campaign_id: str, reason: str) -> None:
        """A campaign paused itself: raise it where operators look (a metric, an alarm)."""
        ...


# ---- provider events (docs/decisions/0077) -------------------------------------------------


class ProviderEventQueue(Protocol):
    def send(self, events: Sequence[ProviderEvent]) -> int:
        """Enqueues every event (retrying partial failures) and returns how many."""
        ...


class Reputation(Protocol):
    """What a campaign's bounces and complaints mean for it (it may pause itself)."""

    def note(self, campaign_id: str, kind: Literal["bounced", "complained"]) -> None: ...


@dataclass(frozen=True)
class DeadLetter:
    """A message of a dead-letter queue, borrowed: out of sight until given back or removed."""

    message_id: str
    body: str
    receipt: str  # what gives it back or removes it
    sent_at: datetime | None  # when it was first queued (SQS keeps this through the move)
    receives: int
    attributes: Mapping[str, Any] = field(default_factory=dict)  # its message attributes


class DeadLetterQueue(Protocol):
    """The provider-events dead-letter queue, read without losing a message."""

    def borrow(self, most: int, hide_s: int) -> list[DeadLetter]:
        """Up to `most` (at most 10) messages, hidden for hide_s; none: it is empty."""
        ...

    def give_back(self, letters: Sequence[DeadLetter]) -> None:
        """Visible again at once."""
        ...

    def remove(self, letters: Sequence[DeadLetter]) -> dict[str, str]:
        """Deletes them; answers why, by message id, for each one still there."""
        ...


class DeadLetterDestination(Protocol):
    def requeue(self, letters: Sequence[DeadLetter]) -> dict[str, str]:
        """Sends each one's body and attributes to the main queue again; answers why, by
        message id, for each one it did not take."""
        ...
