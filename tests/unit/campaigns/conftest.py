"""Campaign services over in-memory ports: no sockets."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tctfmsg.campaigns.domain.campaign import Campaign
from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.services import campaigns, scheduler
from tctfmsg.campaigns.services.campaigns import CampaignDeps
from tctfmsg.campaigns.services.consumer import ConsumerDeps
from tctfmsg.campaigns.services.dlq import DlqDeps
from tests.support.campaign_fakes import FakeRenderer, FakeSender, RecordingInvoker
from tests.support.campaign_memory import (
    FixedClock,
    MemoryCampaigns,
    MemoryFailures,
    MemoryLedger,
    MemoryQueue,
    MemorySubscribers,
)


@dataclass
class World:
    clock: FixedClock
    store: MemoryCampaigns
    ledger: MemoryLedger
    queue: MemoryQueue
    failures: MemoryFailures
    people: MemorySubscribers
    sender: FakeSender
    invoker: RecordingInvoker
    deps: CampaignDeps
    consumer: ConsumerDeps
    dlq: DlqDeps

    def seed(self, count: int, list_name: str = "news", **statuses: SubscriberStatus) -> None:
        self.people.add(
            *(
                Subscriber(
                    email=f"p{i:02d}@example.com",
                    name=f"P{i}",
                    status=statuses.get(f"p{i:02d}", SubscriberStatus.SUBSCRIBED),
                    lists=frozenset({list_name}),
                )
                for i in range(count)
            )
        )

    def draft(self, list_name: str = "news", filter: dict[str, str] | None = None) -> Campaign:
        return campaigns.create(
            self.deps,
            name="n",
            subject="s",
            template="newsletter",
            list_name=list_name,
            filter=filter,
            sender="news@example.com",
        )

    def started(self, page_size: int = 3, filter: dict[str, str] | None = None) -> Campaign:
        campaign = self.draft(filter=filter)
        campaigns.send_now(self.deps, campaign.campaign_id)
        scheduler.start(self.deps, campaign.campaign_id)
        scheduler.fan_out(
            self.deps,
            self.people,
            self.people,
            campaign.campaign_id,
            lambda: 900.0,
            scheduler.FanoutConfig(page_size=page_size),
        )
        found = self.store.get(campaign.campaign_id)
        assert found is not None
        return found


@pytest.fixture
def world() -> World:
    clock = FixedClock()
    store, ledger, queue = MemoryCampaigns(), MemoryLedger(), MemoryQueue()
    failures, people = MemoryFailures(), MemorySubscribers()
    sender, invoker = FakeSender(), RecordingInvoker()
    deps = CampaignDeps(store, ledger, queue, invoker, clock)
    consumer = ConsumerDeps(
        store, ledger, people, FakeRenderer(), sender, failures, clock, lambda c, e: f"u:{c}:{e}"
    )
    return World(
        clock, store, ledger, queue, failures, people, sender, invoker, deps, consumer,
        DlqDeps(store, ledger, failures, queue, clock),
    )  # fmt: skip
