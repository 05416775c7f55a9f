"""The scheduler: starts due campaigns and fans their audience out, a page at a time, from a
saved cursor. Per page: the page recorded in the ledger (its recipients PENDING, none reset),
one queue message per recipient still PENDING, then the cursor and counters in one write once
those messages are sent. The status is re-read before every page; before time runs out the
run hands its lease to a fresh invocation, so a million recipients fan out exactly as ten
thousand do."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryRequest, DeliveryStatus
from tctfmsg.campaigns.ports import AudiencePage, AudienceSource, StateChanged, SubscriberStore
from tctfmsg.campaigns.services import campaign_progress
from tctfmsg.campaigns.services.campaigns import SCHEDULER, CampaignDeps
from tctfmsg.core.errors import InvalidInput, TctfmsgError
from tctfmsg.core.lanes import LANES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FanoutConfig:
    page_size: int = 1000
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
    # sending with recipients left and no progress for `stalled_after` (Campaign.stalled):
    # counted in a metric the campaign-stalled alarm watches (decision 0093)
    stalled: list[str] = field(default_factory=list)


def run(
    deps: CampaignDeps,
    subscribers: SubscriberStore,
    audience: AudienceSource,
    event: Mapping[str, object],
    remaining_s: Callable[[], float],
    config: FanoutConfig = FanoutConfig(),
    stalled_after: timedelta = timedelta(minutes=10),
) -> dict[str, Any]:
    """One invocation: the every-minute rule's event carries no action (`tick`); send-now and
    resume ask to `start`; a run that hands on asks for `fanout` with its lease."""
    action = event.get("action", "tick")
    if action == "tick":
        return asdict(tick(deps, stalled_after))
    campaign_id, lease = event.get("campaign_id"), event.get("lease")
    if action not in ("start", "fanout") or not isinstance(campaign_id, str):
        raise InvalidInput(f"not a scheduler request: {dict(event)!r:.200}", "see scheduler.run")
    if lease is not None and not isinstance(lease, str):
        raise InvalidInput("a scheduler lease is a string", "hand on with the lease token")
    if action == "start" and not start(deps, campaign_id):
        return {"campaign_id": campaign_id, "outcome": "not-due"}
    with LANES.bulk():  # a fan-out's calls step aside for urgent work (core/lanes.py)
        report = fan_out(deps, subscribers, audience, campaign_id, remaining_s, config, lease)
    return asdict(report)


def tick(deps: CampaignDeps, stalled_after: timedelta = timedelta(minutes=10)) -> TickReport:
    """The every-minute run: start what is due, restart a fan-out whose run died, complete
    campaigns whose last outcome was recorded without completing them, and name those that
    stalled."""
    report = TickReport()
    now = deps.clock.now()
    for campaign in deps.campaigns.due(now):
        if start(deps, campaign.campaign_id):
            report.started.append(campaign.campaign_id)
    for campaign in deps.campaigns.list(CampaignStatus.SENDING):
        if campaign.stalled(now, stalled_after):
            report.stalled.append(campaign.campaign_id)
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
    # Two things overlap the page being written: the next page's reads (they change nothing,
    # so the status check before every page keeps its meaning) and the previous page's queue
    # sends. A page's cursor and counts are saved once its sends are done, in page order; so
    # a stop lets out at most the page already being sent, and a re-run after a crash
    # re-sends only what is still PENDING. The save returns the campaign as it is then, which
    # serves as the status read before the next page.
    with (
        ThreadPoolExecutor(1, "fanout-read", initializer=LANES.mark_bulk) as reader,
        ThreadPoolExecutor(2, "fanout-send", initializer=LANES.mark_bulk) as sender,
    ):
        ahead: Future[_Read] | None = None
        out: _Sending | None = None
        cursor: str | None = None
        first = True
        saved: Campaign | None = None  # as the last save returned it: a read of its own
        while True:
            campaign = saved or deps.campaigns.get(campaign_id)
            saved = None
            if campaign is None or campaign.status is not CampaignStatus.SENDING:
                _saved(deps, out, token, report)
                deps.campaigns.release_lease(campaign_id, token)
                report.outcome = f"stopped:{campaign.status.value if campaign else 'missing'}"
                return report
            if first:
                if campaign.fanout_done:
                    deps.campaigns.release_lease(campaign_id, token)
                    campaign_progress.settle(deps.books, campaign)
                    return report
                cursor, first = campaign.cursor, False
            if remaining_s() < config.reserve_s:
                _saved(deps, out, token, report)
                report.outcome = _hand_on(deps, campaign_id, token)
                return report
            if config.max_queue_depth:
                _saved(deps, out, token, report)  # its messages count in the depth
                out = None  # and the status is read again after any wait
                if deps.queue.depth() >= config.max_queue_depth:
                    config.pause(0.5)
                    continue  # re-read the status and the time left, then look again
            read = ahead.result() if ahead is not None else None
            if read is None or read.start != cursor:
                read = _read(subscribers, audience, campaign, cursor, config.page_size)
            ahead = None
            if read.page.cursor is not None:
                ahead = reader.submit(
                    _read, subscribers, audience, campaign, read.page.cursor, config.page_size
                )
            LANES.step_aside()  # a fan-out is bulk work: urgent records in this process first
            sending = _page(deps, campaign, read, sender)
            saved = _saved(deps, out, token, report)
            out, cursor = sending, sending.end
            if sending.end is None:  # that was the last page
                done = _saved(deps, out, token, report)
                if done is not None:
                    campaign_progress.settle(deps.books, done)
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
    skipped: dict[str, str]  # recipients not to send to, and why


def _read(
    subscribers: SubscriberStore,
    audience: AudienceSource,
    campaign: Campaign,
    cursor: str | None,
    page_size: int,
) -> _Read:
    """One page of the audience. Subscribers are read only to apply a filter: whether a
    recipient may be sent to is decided by the consumer, at send time, from the subscriber as
    it then is (docs/decisions/0048)."""
    page = audience.page(campaign.audience.list_name, cursor, page_size)
    if not campaign.audience.filter:
        return _Read(cursor, page, {})
    found = subscribers.get_many(page.keys)
    matching = [found[k] for k in page.keys if k in found and campaign.audience.matches(found[k])]
    skipped = {s.key: s.status.value for s in matching if not s.sendable}
    return _Read(cursor, AudiencePage([s.key for s in matching], page.cursor), skipped)


@dataclass(frozen=True)
class _Sending:
    """A page whose records are written and whose queue sends are under way."""

    campaign_id: str
    end: str | None  # the cursor once this page is saved
    counts: dict[str, int]
    sends: Future[int]


def _page(
    deps: CampaignDeps, campaign: Campaign, read: _Read, sender: ThreadPoolExecutor
) -> _Sending:
    cid = campaign.campaign_id
    now = deps.clock.now()
    records = [
        Delivery(cid, k, DeliveryStatus.SKIPPED, reason=read.skipped[k], updated_at=now)
        if k in read.skipped
        else Delivery(cid, k, DeliveryStatus.PENDING, updated_at=now)
        for k in read.page.keys
    ]
    created = deps.ledger.create_page(cid, read.start, read.page.cursor, records)
    fresh = set(created.created)
    to_queue = [r.email_key for r in records if r.email_key in fresh and r.status.open]
    skipped = sum(1 for r in records if r.email_key in fresh and not r.status.open)
    again: list[str] = []
    if created.existing:  # a re-run of a page whose run died: enqueue what is still to do
        existing = deps.ledger.get_many(cid, created.existing)
        again = [k for k, d in existing.items() if d.status is DeliveryStatus.PENDING]
    sends = sender.submit(deps.queue.send, [DeliveryRequest(cid, k) for k in to_queue + again])
    counts = {"targeted": len(fresh), "skipped": skipped, "requeued": len(again)}
    return _Sending(cid, created.end, counts, sends)


def _saved(
    deps: CampaignDeps, sending: _Sending | None, token: str, report: FanoutReport
) -> Campaign | None:
    """Waits for a page's sends, then saves its cursor and counts (and, after the last page,
    that the fan-out is done)."""
    if sending is None:
        return None
    # first enqueues are `queued`, so queued never exceeds targeted; a re-run's are `requeued`
    queued = sending.sends.result() - sending.counts["requeued"]
    counts = sending.counts | {"queued": queued}
    report.pages += 1
    report.targeted += counts["targeted"]
    report.skipped += counts["skipped"]
    report.queued += queued
    return deps.campaigns.save_progress(
        sending.campaign_id, token, sending.end, counts, done=sending.end is None
    )
