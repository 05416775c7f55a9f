"""Completion: a sending campaign is complete when its fan-out is done and the ledger holds no
open delivery. The counters are then recounted from the ledger, so they add up even after a
crash between a ledger write and its counter update."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus, Counters
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.campaigns.ports import CampaignStore, DeliveryLedger, StateChanged
from tctfmsg.core.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Books:
    campaigns: CampaignStore
    ledger: DeliveryLedger
    clock: Clock


@dataclass
class Tally:
    """Counter increments gathered over one batch of records and written as one ADD per
    campaign: a tenth of the writes on the campaign item, which every consumer shares. The
    batch's records may add from several threads at once."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, campaign_id: str, counter: str) -> None:
        with self._lock:
            self.counts.setdefault(campaign_id, Counter())[counter] += 1

    def flush(self, books: Books) -> None:
        with self._lock:
            pending, self.counts = self.counts, {}
        for campaign_id, counts in pending.items():
            count(books, campaign_id, dict(counts))


def count(books: Books, campaign_id: str, counts: dict[str, int]) -> Campaign | None:
    """Adds to the counters and completes the campaign if that was the last outcome."""
    campaign = books.campaigns.add_counts(campaign_id, counts)
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
    exact = Counters(
        targeted=sum(counts.values()),
        queued=campaign.counters.queued,
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
