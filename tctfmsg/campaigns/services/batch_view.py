"""What a batch of delivery messages reads once instead of once per record."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus
from tctfmsg.campaigns.domain.delivery import DeliveryRequest
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.ports import CampaignStore, SubscriberStore

SENDS = (CampaignStatus.SENDING, CampaignStatus.COMPLETED)  # a delivery may still go out


class BatchView:
    """Every recipient, in one request when the batch starts (an unsubscribe is seen by the
    next batch), and each campaign, read again when the copy is older than `max_age_s`, so a
    pause or a cancel reaches records already under way within that long. Shared by the
    batch's threads."""

    def __init__(
        self,
        campaigns: dict[str, Campaign | None],
        subscribers: dict[str, Subscriber],
        looked_up: frozenset[str],
        max_age_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.subscribers = subscribers  # those found
        self.looked_up = looked_up  # every key asked for, found or not
        self.max_age_s = max_age_s
        self._monotonic = monotonic
        self._campaigns = {cid: (c, monotonic()) for cid, c in campaigns.items()}
        self._lock = threading.Lock()

    def subscriber(self, store: SubscriberStore, email_key: str) -> Subscriber | None:
        if email_key in self.looked_up:
            return self.subscribers.get(email_key)
        return store.get(email_key)

    def campaign(self, store: CampaignStore, campaign_id: str) -> Campaign | None:
        with self._lock:
            found = self._campaigns.get(campaign_id)
            if found is not None and self._monotonic() - found[1] <= self.max_age_s:
                return found[0]
            campaign = store.get(campaign_id)
            self._campaigns[campaign_id] = (campaign, self._monotonic())
            return campaign


def read_batch(
    campaigns: CampaignStore, subscribers: SubscriberStore, requests: Sequence[DeliveryRequest]
) -> BatchView:
    """Reads each campaign once, and the recipients of the live ones in one request."""
    found = {cid: campaigns.get(cid) for cid in {r.campaign_id for r in requests}}
    live = {cid for cid, c in found.items() if c is not None and c.status in SENDS}
    keys = sorted({r.email_key for r in requests if r.campaign_id in live})
    return BatchView(found, subscribers.get_many(keys) if keys else {}, frozenset(keys))
