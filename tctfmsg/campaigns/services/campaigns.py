"""The campaign lifecycle an operator drives: create, schedule, send now, pause, resume,
cancel. Every move is a conditional write from the status that was read, so two operators
(or an operator and the scheduler) can never both win a race."""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tctfmsg.campaigns.domain.campaign import (
    Audience,
    Campaign,
    CampaignStatus,
    IllegalTransition,
    Thresholds,
    new_campaign,
)
from tctfmsg.campaigns.domain.delivery import (
    Delivery,
    DeliveryRequest,
    DeliveryStatus,
    reason_code,
)
from tctfmsg.campaigns.domain.subscriber import Subscriber, normalise_email
from tctfmsg.campaigns.ports import (
    CampaignRenderer,
    CampaignStore,
    DeliveryLedger,
    DeliveryQueue,
    FunctionInvoker,
    PauseAlarm,
    StateChanged,
)
from tctfmsg.campaigns.services import campaign_progress
from tctfmsg.campaigns.services.campaign_checks import Readiness, require_ready
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import InvalidInput, NotFound, TctfmsgError
from tctfmsg.email.message import SendReceipt
from tctfmsg.email.ports import EmailSender

log = logging.getLogger(__name__)

SCHEDULER = "campaign_scheduler"
PAST_TOLERANCE = timedelta(minutes=5)
ENQUEUE_CHUNK = 500
_REASON = re.compile(r"[a-z][a-z-]{0,39}")


@dataclass(frozen=True)
class CampaignDeps:
    campaigns: CampaignStore
    ledger: DeliveryLedger
    queue: DeliveryQueue
    invoker: FunctionInvoker
    clock: Clock
    # The checks before anything is sent (campaign_checks); None: none (tests of other rules).
    readiness: Readiness | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    alarm: PauseAlarm | None = None
    # How long `pause` waits for sends already claimed to settle, and how it waits.
    pause_settle_s: float = 20.0  # under API Gateway's 29 s
    wait: Callable[[float], None] = time.sleep

    @property
    def books(self) -> campaign_progress.Books:
        return campaign_progress.Books(
            self.campaigns, self.ledger, self.clock, self.thresholds, self.alarm
        )


def create(
    deps: CampaignDeps,
    *,
    name: str,
    subject: str,
    template: str,
    list_name: str,
    filter: dict[str, str] | None = None,
    sender: str,
    render: str = "runtime",
) -> Campaign:
    campaign = new_campaign(
        name=name,
        subject=subject,
        template=template,
        audience=Audience(list_name.strip(), filter or {}),
        sender=sender,
        now=deps.clock.now(),
        render=render,
    )
    _require_ready(deps, campaign)
    deps.campaigns.create(campaign)
    return campaign


def get(deps: CampaignDeps, campaign_id: str) -> Campaign:
    campaign = deps.campaigns.get(campaign_id.strip())
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}", "list them with `tctfmsg campaign list`")
    return campaign


def list_campaigns(deps: CampaignDeps, status: CampaignStatus | None = None) -> list[Campaign]:
    return list(deps.campaigns.list(status))


def schedule(deps: CampaignDeps, campaign_id: str, at: datetime) -> Campaign:
    now = deps.clock.now()
    if at.tzinfo is None:
        raise InvalidInput(f"send time {at.isoformat()} has no time zone", "add one, e.g. Z")
    if at < now - PAST_TOLERANCE:
        raise InvalidInput(
            f"send time {at.isoformat()} is in the past", "pick a later time, or use send-now"
        )
    campaign = get(deps, campaign_id)
    _check_move(campaign, CampaignStatus.SCHEDULED)
    _require_ready(deps, campaign)
    return _move(deps, campaign, CampaignStatus.SCHEDULED, send_at=at)


def send_now(deps: CampaignDeps, campaign_id: str) -> Campaign:
    """Makes the campaign due now and starts the scheduler on it at once. Should the start
    not arrive, the scheduler's every-minute run picks the due campaign up anyway."""
    campaign = get(deps, campaign_id)
    _check_move(campaign, CampaignStatus.SCHEDULED)
    _require_ready(deps, campaign)
    campaign = _move(deps, campaign, CampaignStatus.SCHEDULED, send_at=deps.clock.now())
    _start_scheduler(deps, {"action": "start", "campaign_id": campaign.campaign_id})
    return campaign


def pause(deps: CampaignDeps, campaign_id: str) -> Campaign:
    """PAUSED, and returns once the sends already claimed have settled: a consumer reads the
    campaign again after it claims, so no send starts after this returns (decision 0076)."""
    campaign = _move(deps, get(deps, campaign_id), CampaignStatus.PAUSED)
    deadline = time.monotonic() + deps.pause_settle_s
    while next(iter(deps.ledger.open_keys(campaign_id, DeliveryStatus.SENDING)), None):
        if time.monotonic() >= deadline:
            log.warning("%s paused; sends in flight after %ss", campaign_id, deps.pause_settle_s)
            break
        deps.wait(0.2)
    return deps.campaigns.get(campaign.campaign_id) or campaign


def resume(deps: CampaignDeps, campaign_id: str) -> Campaign:
    """Back to SENDING; what is still PENDING is enqueued again (the consumer left it alone
    while paused) and the fan-out continues from its cursor."""
    campaign = get(deps, campaign_id)
    _check_move(campaign, CampaignStatus.SENDING)
    _require_ready(deps, campaign)  # the template an auto-pause named may still be broken
    campaign = _move(deps, campaign, CampaignStatus.SENDING)
    requeue_pending(deps, campaign.campaign_id)
    if not campaign.fanout_done:
        _start_scheduler(deps, {"action": "fanout", "campaign_id": campaign.campaign_id})
    return deps.campaigns.get(campaign.campaign_id) or campaign


def cancel(deps: CampaignDeps, campaign_id: str) -> Campaign:
    """CANCELLED, and every delivery still PENDING with it; one a consumer already holds
    finishes, and the consumer drops every message that arrives later."""
    campaign = _move(deps, get(deps, campaign_id), CampaignStatus.CANCELLED)
    now = deps.clock.now()
    cancelled = 0
    for key in list(deps.ledger.open_keys(campaign.campaign_id, DeliveryStatus.PENDING)):
        settled = deps.ledger.settle(
            campaign.campaign_id, key, DeliveryStatus.PENDING, DeliveryStatus.CANCELLED, None, now
        )
        cancelled += settled
    if cancelled:
        return deps.campaigns.add_counts(campaign.campaign_id, {"cancelled": cancelled})
    return campaign


def requeue_pending(deps: CampaignDeps, campaign_id: str) -> int:
    keys = list(deps.ledger.open_keys(campaign_id, DeliveryStatus.PENDING))
    queued = 0
    for start in range(0, len(keys), ENQUEUE_CHUNK):
        chunk = keys[start : start + ENQUEUE_CHUNK]
        queued += deps.queue.send([DeliveryRequest(campaign_id, k) for k in chunk])
        deps.campaigns.add_counts(campaign_id, {"requeued": len(chunk)})
    return queued


def failed_deliveries(
    deps: CampaignDeps, campaign_id: str, reason: str | None = None, limit: int = 100
) -> list[Delivery]:
    """The campaign's failed deliveries (of one reason code), read from its own records."""
    if not 1 <= limit <= 10_000:
        raise InvalidInput(f"limit {limit} is out of range", "pass 1 to 10000")
    if reason is not None and not _REASON.fullmatch(reason):
        raise InvalidInput(f"invalid reason {reason[:40]!r}", "e.g. render-error or rejected")
    campaign = get(deps, campaign_id)
    found = (
        d
        for d in deps.ledger.list(campaign.campaign_id, DeliveryStatus.FAILED)
        if reason is None or reason_code(d.reason) == reason
    )
    return list(itertools.islice(found, limit))


def settle(deps: CampaignDeps, campaign_id: str) -> Campaign:
    return campaign_progress.settle(deps.books, get(deps, campaign_id))


def test_send(
    campaign: Campaign,
    to: str,
    renderer: CampaignRenderer,
    sender: EmailSender,
    unsubscribe_link: Callable[[str, str], str],
    unsubscribe_mailto: Callable[[str, str, str], str] | None = None,
) -> SendReceipt:
    """One copy to `to`, outside the ledger and the counters, marked as a test."""
    from tctfmsg.campaigns.services.campaign_email import compose

    address = normalise_email(to)
    sample = Subscriber(email=address, name=address.split("@", 1)[0])
    message = compose(
        renderer, unsubscribe_link, campaign, sample, unsubscribe_mailto=unsubscribe_mailto
    )
    return sender.send(replace(message, subject=f"[test] {message.subject}", idempotency_key=None))


def _check_move(campaign: Campaign, to: CampaignStatus) -> None:
    if campaign.status is not to or to is not CampaignStatus.SCHEDULED:
        campaign.require(to)  # only a scheduled campaign may be "moved" to itself: rescheduled


def _require_ready(deps: CampaignDeps, campaign: Campaign) -> None:
    if deps.readiness is not None:
        require_ready(deps.readiness, campaign)


def _move(
    deps: CampaignDeps,
    campaign: Campaign,
    to: CampaignStatus,
    send_at: datetime | None = None,
) -> Campaign:
    _check_move(campaign, to)
    try:
        return deps.campaigns.transition(
            campaign.campaign_id, campaign.status, to, deps.clock.now(), send_at=send_at
        )
    except StateChanged:
        fresh = get(deps, campaign.campaign_id)
        raise IllegalTransition(campaign.campaign_id, fresh.status, to) from None


def _start_scheduler(deps: CampaignDeps, payload: dict[str, str]) -> None:
    try:
        deps.invoker.invoke_async(SCHEDULER, payload)
    except TctfmsgError as exc:
        # The campaign is due and recorded; the every-minute run will start it.
        log.warning("could not start the scheduler now (%s); its next run will", exc)
