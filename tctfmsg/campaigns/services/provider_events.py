"""Provider events applied: what a bounce, a complaint, a delivery or a send means for the
subscriber, the suppression list, the campaign's reputation and the delivery ledger.

Every rule is idempotent, because SNS, SQS and the providers' webhooks all deliver at least
once: a suppression is added once (the first reason stays), a status only moves away from
sendable, a reputation is noted only by the event that added the suppression, and an
interrupted delivery is settled by one conditional update (docs/decisions/0077)."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.campaigns.domain.failed_message import FailureState, failure_id
from tctfmsg.campaigns.domain.subscriber import SubscriberStatus, email_key
from tctfmsg.campaigns.ports import (
    CampaignStore,
    DeliveryLedger,
    FailedMessageStore,
    Reputation,
    SubscriberStore,
)
from tctfmsg.campaigns.services import campaign_progress
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import NotFound, TctfmsgError
from tctfmsg.email.events.model import EventKind, ProviderEvent
from tctfmsg.email.suppression import Suppression, SuppressionList, SuppressionReason

log = logging.getLogger(__name__)


class OutcomePending(TctfmsgError):
    """Transient: the delivery an event is for has no outcome yet; the event must come back."""


class Applied(StrEnum):
    SUPPRESSED = "suppressed"  # newly on the list
    ALREADY_SUPPRESSED = "already-suppressed"
    COUNTED = "counted"  # a transient bounce, below the limit
    RECONCILED = "reconciled"  # an interrupted delivery is now SENT
    NOTED = "noted"  # a send or delivery with nothing to settle
    IGNORED = "ignored"  # nothing to act on (deferred, rejected, no recipient)


@dataclass(frozen=True)
class EventDeps:
    subscribers: SubscriberStore
    suppressions: SuppressionList
    campaigns: CampaignStore
    ledger: DeliveryLedger
    failures: FailedMessageStore
    reputation: Reputation
    clock: Clock
    transient_bounce_limit: int = 3

    @property
    def books(self) -> campaign_progress.Books:
        return campaign_progress.Books(self.campaigns, self.ledger, self.clock)


def apply(deps: EventDeps, event: ProviderEvent) -> Applied:
    if not event.recipient:
        return Applied.IGNORED
    if event.kind is EventKind.BOUNCED:
        return _suppress(deps, event, SuppressionReason.BOUNCED, event.detail)
    if event.kind is EventKind.COMPLAINED:
        return _suppress(deps, event, SuppressionReason.COMPLAINED, event.detail)
    if event.kind is EventKind.SOFT_BOUNCED:
        count = deps.suppressions.count_transient_bounce(event.recipient, deps.clock.now())
        if count < deps.transient_bounce_limit:
            return Applied.COUNTED
        detail = f"{count} transient bounces in a row ({event.detail})"
        return _suppress(deps, event, SuppressionReason.BOUNCED, detail)
    if event.kind is EventKind.DELIVERED:
        deps.suppressions.reset_transient_bounces(event.recipient)
        return _reconcile(deps, event)
    if event.kind is EventKind.SENT:
        return _reconcile(deps, event)
    return Applied.IGNORED


def _suppress(
    deps: EventDeps, event: ProviderEvent, reason: SuppressionReason, detail: str
) -> Applied:
    now = deps.clock.now()
    added = deps.suppressions.add(
        Suppression(event.recipient, reason, f"{event.provider}:{event.event_id}", detail, now)
    )
    status = SubscriberStatus(reason.value)  # bounced and complained are both
    _mark(deps, event.recipient, status)
    if not added:
        return Applied.ALREADY_SUPPRESSED
    log.info("suppressed %s: %s (%s)", event.recipient, reason.value, event.provider)
    if event.campaign_id:
        kind: Literal["bounced", "complained"] = (
            "complained" if reason is SuppressionReason.COMPLAINED else "bounced"
        )
        deps.reputation.note(event.campaign_id, kind)
    return Applied.SUPPRESSED


def _mark(deps: EventDeps, address: str, status: SubscriberStatus) -> None:
    """The subscriber's status moves away from sendable, never back (as imports do)."""
    key = email_key(address)
    subscriber = deps.subscribers.get(key)
    if subscriber is None or subscriber.status.suppression >= status.suppression:
        return
    try:
        deps.subscribers.set_status(key, status, deps.clock.now())
    except NotFound:
        return  # deleted meanwhile: the suppression list still holds the address


def _reconcile(deps: EventDeps, event: ProviderEvent) -> Applied:
    """The provider says it sent or delivered a campaign email: a delivery the consumer left
    `interrupted` (it stopped between the provider's call and the record) is SENT, counted
    as sent instead of failed, and its failed-message item settled so no one retries it."""
    if not event.campaign_id:
        return Applied.NOTED
    key, now = email_key(event.recipient), deps.clock.now()
    if not deps.ledger.settle_sent(event.campaign_id, key, event.provider, event.message_id, now):
        current = deps.ledger.get(event.campaign_id, key)
        if current is not None and current.status is DeliveryStatus.SENDING:
            # The consumer has not written its outcome yet (it may be about to write
            # `interrupted`): the event comes back later rather than being lost.
            raise OutcomePending(
                f"the delivery to {key} in {event.campaign_id} is still being sent",
                "the event is retried once the consumer has recorded its outcome",
            )
        return Applied.NOTED
    campaign_progress.count(deps.books, event.campaign_id, {"failed": -1, "sent": 1})
    # never recorded (the consumer stopped before it could): nothing to settle
    with contextlib.suppress(NotFound):
        deps.failures.set_state(failure_id(event.campaign_id, key), FailureState.RESOLVED, now)
    log.info("delivery to %s in %s settled as sent by %s", key, event.campaign_id, event.provider)
    return Applied.RECONCILED
