"""The scheduler: starts due campaigns and fans their audience out, a page at a time, from a
saved cursor. Per page: delivery records (created only if absent), one queue message per
recipient still PENDING, then the cursor and counters in one write. The status is re-read
before every page; before time runs out the run hands its lease to a fresh invocation, so a
million recipients fan out exactly as ten thousand do."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from tctfmsg.domain.campaign import Campaign, CampaignStatus
from tctfmsg.domain.delivery import Delivery, DeliveryRequest, DeliveryStatus
from tctfmsg.domain.subscriber import Subscriber
from tctfmsg.errors import TctfmsgError
from tctfmsg.services import campaign_progress
from tctfmsg.services.campaigns import SCHEDULER, CampaignDeps
from tctfmsg.services.ports import AudiencePage, AudienceSource, StateChanged, SubscriberStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FanoutConfig:
    page_size: int = 500
    lease: timedelta = timedelta(minutes=16)  # longer than one run may last
    reserve_s: float = 60.0  # hand on when less than this is left
    # Embedded stack only (docs/decisions/0043): moto's SQS rescans the whole queue for every
    # message sent or received, so the local fan-out waits while the queue is this deep.
    max_queue_depth: int | None = None
    pause: Callable[[float], None] = time.sleep


@dataclass
class FanoutReport:
    campaign_id: str
    outcome: str = "done"  # done | handed-on | stopped:<status> | busy
    pages: int = 0
    targeted: int = 0
    queued: int = 0
    skipped: int = 0


@dataclass
class TickReport:
    started: list[str] = field(default_factory=list)
    fanouts: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)


def tick(deps: CampaignDeps) -> TickReport:
    """The every-minute run: start what is due, restart a fan-out whose run died, and
    complete campaigns whose last outcome was recorded without completing them."""
    report = TickReport()
    for campaign in deps.campaigns.due(deps.clock.now()):
        if start(deps, campaign.campaign_id):
            report.started.append(campaign.campaign_id)
    for campaign in deps.campaigns.list(CampaignStatus.SENDING):
        if not campaign.fanout_done:
            deps.invoker.invoke_async(
                SCHEDULER, {"action": "fanout", "campaign_id": campaign.campaign_id}
            )
            report.fanouts.append(campaign.campaign_id)
        elif campaign_progress.settle(deps.books, campaign).status is CampaignStatus.COMPLETED:
            report.completed.append(campaign.campaign_id)
    return report


def start(deps: CampaignDeps, campaign_id: str) -> bool:
    """SCHEDULED → SENDING when due; False if it is not (any more) a due scheduled campaign."""
    campaign = deps.campaigns.get(campaign_id)
    now = deps.clock.now()
    if campaign is None or campaign.status is not CampaignStatus.SCHEDULED:
        return False
    if campaign.send_at is not None and campaign.send_at > now:
        return False
    try:
        deps.campaigns.transition(
            campaign_id, CampaignStatus.SCHEDULED, CampaignStatus.SENDING, now
        )
    except StateChanged:
        return False
    log.info("campaign %s started", campaign_id)
    return True


def fan_out(
    deps: CampaignDeps,
    subscribers: SubscriberStore,
    audience: AudienceSource,
    campaign_id: str,
    remaining_s: Callable[[], float],
    config: FanoutConfig = FanoutConfig(),
    lease: str | None = None,
) -> FanoutReport:
    report = FanoutReport(campaign_id)
    token = lease or uuid.uuid4().hex
    now = deps.clock.now()
    if not deps.campaigns.take_lease(campaign_id, token, now + config.lease, now):
        report.outcome = "busy"  # another run holds it
        return report
    # The next page's reads (audience, subscribers) run while this page is written and sent;
    # they change nothing, so the status check before every page keeps its meaning.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fanout-read") as reader:
        ahead: Future[_Read] | None = None
        while True:
            campaign = deps.campaigns.get(campaign_id)
            if campaign is None or campaign.status is not CampaignStatus.SENDING:
                deps.campaigns.release_lease(campaign_id, token)
                report.outcome = f"stopped:{campaign.status.value if campaign else 'missing'}"
                return report
            if campaign.fanout_done:
                deps.campaigns.release_lease(campaign_id, token)
                campaign_progress.settle(deps.books, campaign)
                return report
            if remaining_s() < config.reserve_s:
                report.outcome = _hand_on(deps, campaign_id, token)
                return report
            if config.max_queue_depth and deps.queue.depth() >= config.max_queue_depth:
                config.pause(0.5)
                continue  # re-read the status and the time left, then look again
            read = ahead.result() if ahead is not None else None
            if read is None or read.start != campaign.cursor:
                read = _read(subscribers, audience, campaign, campaign.cursor, config.page_size)
            ahead = None
            if read.page.cursor is not None:
                ahead = reader.submit(
                    _read, subscribers, audience, campaign, read.page.cursor, config.page_size
                )
            campaign = _page(deps, campaign, read, token, report)
            if campaign.fanout_done:
                campaign_progress.settle(deps.books, campaign)
                return report


def _hand_on(deps: CampaignDeps, campaign_id: str, token: str) -> str:
    try:
        deps.invoker.invoke_async(
            SCHEDULER, {"action": "fanout", "campaign_id": campaign_id, "lease": token}
        )
    except TctfmsgError as exc:
        # The cursor is saved: let go of the lease so the next every-minute run continues.
        log.warning("could not hand %s on (%s); the next run continues it", campaign_id, exc)
        deps.campaigns.release_lease(campaign_id, token)
        return "paused-for-next-run"
    return "handed-on"


@dataclass(frozen=True)
class _Read:
    start: str | None  # the cursor the page starts after
    page: AudiencePage
    targets: list[Subscriber]


def _read(
    subscribers: SubscriberStore,
    audience: AudienceSource,
    campaign: Campaign,
    cursor: str | None,
    page_size: int,
) -> _Read:
    page = audience.page(campaign.audience.list_name, cursor, page_size)
    found = subscribers.get_many(page.keys)
    targets = [found[k] for k in page.keys if k in found and campaign.audience.matches(found[k])]
    return _Read(cursor, page, targets)


def _page(
    deps: CampaignDeps, campaign: Campaign, read: _Read, token: str, report: FanoutReport
) -> Campaign:
    cid = campaign.campaign_id
    page, targets = read.page, read.targets
    now = deps.clock.now()
    records = [
        Delivery(cid, s.key, DeliveryStatus.PENDING, updated_at=now)
        if s.sendable
        else Delivery(cid, s.key, DeliveryStatus.SKIPPED, reason=s.status.value, updated_at=now)
        for s in targets
    ]
    created = deps.ledger.create_many(records)
    fresh = set(created.created)
    to_queue = [r.email_key for r in records if r.email_key in fresh and r.status.open]
    skipped = sum(1 for r in records if r.email_key in fresh and not r.status.open)
    if created.existing:  # a re-run of a page whose run died: enqueue what is still to do
        existing = deps.ledger.get_many(cid, created.existing)
        to_queue += [k for k, d in existing.items() if d.status is DeliveryStatus.PENDING]
    queued = deps.queue.send([DeliveryRequest(cid, k) for k in to_queue])
    counts = {"targeted": len(fresh), "skipped": skipped, "queued": queued}
    report.pages += 1
    report.targeted += len(fresh)
    report.skipped += skipped
    report.queued += queued
    return deps.campaigns.save_progress(cid, token, page.cursor, counts, done=page.cursor is None)
