"""In-memory subscribers whose status can be set, counting the writes: what the unsubscribe
page's tests check for "nothing changed"."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tests.support.campaign_memory import MemorySubscribers


@dataclass
class WritableSubscribers(MemorySubscribers):
    writes: int = 0

    def set_status(self, key: str, status: SubscriberStatus, at: datetime) -> Subscriber:
        self.people[key] = replace(self.people[key], status=status, updated_at=at)
        self.writes += 1
        return self.people[key]
