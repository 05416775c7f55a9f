"""Completion: a sending campaign is complete when its fan-out is done and the ledger holds no
open delivery. The counters are then recounted from the ledger, so they add up even after a
crash between a ledger write and its counter update."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus, Thresholds
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.campaigns.ports import CampaignStore, DeliveryLedger, PauseAlarm, StateChanged
from tctfmsg.core.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Books:
    campaigns: CampaignStore
    ledger: DeliveryLedger
    clock: Clock
    thresholds: Thresholds = field(default_factory=Thresholds)
    alarm: PauseAlarm | None = None


def count(books: Books, campaign_id: str, counts: dict[str, int]) -> Campaign | None:
    """Adds outcomes to the counters, stamping the campaign's progress, and completes the
    campaign if that was the last outcome."""
    campaign = books.campaigns.add_counts(campaign_id, counts, progress_at=books.clock.now())
    if campaign.finished_sending:
        return settle(books, campaign)
    return campaign


def settle(books: Books, campaign: Campaign) -> Campaign:
    if campaign.status is not CampaignStatus.SENDING or not campaign.fanout_done:
        return campaign
    if next(iter(books.ledger.open_keys(campaign.campaign_id)), None) is not None:
        return campaign
    counts = books.ledger.count_by_status(campaign.campaign_id)
    if counts[DeliveryStatus.PENDING] or counts[DeliveryStatus.SENDING]:
        return campaign  # the index lagged behind the table
    exact = replace(
        campaign.counters,
        targeted=sum(counts.values()),
        sent=counts[DeliveryStatus.SENT],
        failed=counts[DeliveryStatus.FAILED],
        skipped=counts[DeliveryStatus.SKIPPED],
        cancelled=counts[DeliveryStatus.CANCELLED],
    )
    if exact != campaign.counters:
        log.warning("recounted %s: %s → %s", campaign.campaign_id, campaign.counters, exact)
        books.campaigns.set_counts(campaign.campaign_id, exact)
    try:
        return books.campaigns.transition(
            campaign.campaign_id,
            CampaignStatus.SENDING,
            CampaignStatus.COMPLETED,
            books.clock.now(),
        )
    except StateChanged:
        return books.campaigns.get(campaign.campaign_id) or campaign
