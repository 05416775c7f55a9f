"""A campaign that is hurting its list, or the sender's reputation, pauses itself with a reason
an operator can read (docs/decisions/0076):

- a template-level render error (the template is gone or broken for everyone) at once;
- too many failed deliveries among its last N (`Thresholds.failure_window`);
- a bounce or complaint rate over the thresholds SES reviews accounts at, once enough was sent.

`campaign resume` clears the reason; what was left PENDING is sent, each recipient once."""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus
from tctfmsg.campaigns.ports import StateChanged
from tctfmsg.campaigns.services import campaign_progress
from tctfmsg.campaigns.services.campaign_progress import Books
from tctfmsg.core.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

METRIC = "CampaignAutoPaused"  # what the alarm of a later issue watches
Reputation = Literal["bounced", "complained"]
_RATE = {"bounced": ("bounce", "bounce_rate"), "complained": ("complaint", "complaint_rate")}


def record_outcomes(
    books: Books,
    campaign_id: str,
    counts: Mapping[str, int],
    failures: Mapping[str, tuple[int, str]],
) -> Campaign | None:
    """Counts a batch's outcomes (stamping the campaign's progress), pauses the campaign if its
    recent failures crossed the threshold, and completes it if that was its last outcome."""
    try:
        now = books.clock.now()
        campaign = books.campaigns.record_outcomes(campaign_id, counts, failures, now)
    except NotFound:
        log.warning("outcomes for unknown campaign %s dropped", campaign_id)
        return None
    size = books.thresholds.failure_window
    failed = campaign.window.failures_in_last(size)
    if campaign.window.window_settled >= size:
        campaign = books.campaigns.roll_window(campaign_id, campaign.window)
    if campaign.status is CampaignStatus.SENDING and failed >= failure_limit(books):
        seen = min(size, campaign.counters.sent + campaign.counters.failed)
        top = campaign.failures[0].reason if campaign.failures else "failures"
        reason = f"auto-paused: {round(failed)} failed deliveries in the last {seen:,} ({top})"
        return pause_now(books, campaign_id, reason) or campaign
    if campaign.finished_sending:
        return campaign_progress.settle(books, campaign)
    return campaign


@dataclass
class Tally:
    """Counter increments gathered over one batch of records and written as one ADD per
    campaign: a tenth of the writes on the campaign item, which every consumer shares. The
    batch's records may add from several threads at once."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    # campaign → reason code → (failures, the first recipient it happened to)
    failures: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, campaign_id: str, counter: str) -> None:
        with self._lock:
            self.counts.setdefault(campaign_id, Counter())[counter] += 1

    def fail(self, campaign_id: str, reason: str, recipient: str) -> None:
        """A failed delivery: counted, and in the campaign's failure summary."""
        with self._lock:
            self.counts.setdefault(campaign_id, Counter())["failed"] += 1
            by_reason = self.failures.setdefault(campaign_id, {})
            seen, sample = by_reason.get(reason, (0, recipient))
            by_reason[reason] = (seen + 1, sample)

    def flush(self, books: Books) -> None:
        with self._lock:
            pending, self.counts = self.counts, {}
            failures, self.failures = self.failures, {}
        for campaign_id, counts in pending.items():
            record_outcomes(books, campaign_id, dict(counts), failures.get(campaign_id, {}))


def failure_limit(books: Books) -> int:
    """How many failures among the last N deliveries pause a campaign (at least one)."""
    t = books.thresholds
    return max(1, math.ceil(t.failure_rate * t.failure_window - 1e-9))


def pause_now(books: Books, campaign_id: str, reason: str) -> Campaign | None:
    """SENDING → PAUSED with `reason`; None if it was not sending any more (already paused,
    cancelled, completed): the first reason stays."""
    try:
        campaign = books.campaigns.transition(
            campaign_id,
            CampaignStatus.SENDING,
            CampaignStatus.PAUSED,
            books.clock.now(),
            reason=reason,
        )
    except (StateChanged, NotFound):
        return None
    log.warning("campaign %s %s", campaign_id, reason, extra={"campaign_id": campaign_id})
    if books.alarm is not None:
        books.alarm.auto_paused(campaign_id, reason)
    return campaign


def note_reputation(books: Books, campaign_id: str, kind: Reputation) -> Campaign | None:
    """Counts a bounce or a complaint a provider reported for one of the campaign's sends and
    pauses the campaign when that rate over its sends is over the threshold (once at least
    `reputation_min_sends` were sent). None for an unknown campaign."""
    if kind not in _RATE:
        raise InvalidInput(f"not a reputation event: {kind!r:.40}", "bounced or complained")
    try:
        campaign = books.campaigns.add_counts(campaign_id, {kind: 1})
    except NotFound:
        return None
    t = books.thresholds
    label, setting = _RATE[kind]
    limit: float = getattr(t, setting)
    sent, count = campaign.counters.sent, getattr(campaign.counters, kind)
    if campaign.status is not CampaignStatus.SENDING or sent < max(t.reputation_min_sends, 1):
        return campaign
    rate = count / sent
    if rate <= limit:
        return campaign
    reason = (
        f"auto-paused: {label} rate {rate * 100:.1f} % ({count:,} of {sent:,} sent)"
        f" over {limit * 100:g} %"
    )
    return pause_now(books, campaign_id, reason) or campaign


@dataclass(frozen=True)
class CampaignReputation:
    """The provider events' Reputation port over the guard: each bounce or complaint a
    provider reports is counted on its campaign, which pauses itself past the threshold."""

    books: Books

    def note(self, campaign_id: str, kind: Reputation) -> None:
        note_reputation(self.books, campaign_id, kind)
