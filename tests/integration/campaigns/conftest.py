"""The campaign pipeline against moto in-process: real adapters, the real Lambda handlers run
by the embedded runtime's poller (real SQS receive, delete, visibility and redrive), and fakes
for the renderer and the email backbone only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.adapters.campaign_audience import DynamoAudienceSource
from tctfmsg.campaigns.adapters.campaigns import DynamoCampaignStore
from tctfmsg.campaigns.adapters.deliveries import DynamoDeliveryLedger
from tctfmsg.campaigns.adapters.failed_messages import DynamoFailedMessageStore
from tctfmsg.campaigns.adapters.sqs import SqsDeliveryQueue
from tctfmsg.campaigns.adapters.subscribers import DynamoSubscriberStore
from tctfmsg.campaigns.domain.campaign import Campaign
from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.services import campaigns, scheduler
from tctfmsg.campaigns.services.campaigns import CampaignDeps
from tctfmsg.campaigns.services.consumer import ConsumerDeps
from tctfmsg.campaigns.services.dlq import DlqDeps
from tctfmsg.campaigns.services.scheduler import FanoutConfig
from tctfmsg.core import resources
from tctfmsg.core.clock import SystemClock
from tctfmsg.core.resources import ResourceNames
from tctfmsg.local.runtime import FunctionRuntime
from tests.support.campaign_fakes import FakeRenderer, FakeSender, RecordingInvoker

VISIBILITY_S = 1
STAGE = "test"


@dataclass
class Pipeline:
    deps: CampaignDeps
    consumer_deps: ConsumerDeps
    dlq_deps: DlqDeps
    subscribers: DynamoSubscriberStore
    audience: DynamoAudienceSource
    sender: FakeSender
    invoker: RecordingInvoker
    runtime: FunctionRuntime
    sqs: Any

    def seed(self, count: int, list_name: str = "news", **statuses: SubscriberStatus) -> list[str]:
        people = [
            Subscriber(
                email=f"user{i:03d}@example.com",
                name=f"User {i}",
                status=statuses.get(f"user{i:03d}", SubscriberStatus.SUBSCRIBED),
                lists=frozenset({list_name}),
                attributes={"plan": "pro" if i % 2 else "free"},
            )
            for i in range(count)
        ]
        self.subscribers.save_many(people, [(list_name, p.key) for p in people])
        return [p.email for p in people]

    def launch(self, list_name: str = "news", **filters: str) -> Campaign:
        campaign = campaigns.create(
            self.deps,
            name="Spring",
            subject="Spring news",
            template="newsletter",
            list_name=list_name,
            filter=filters,
            sender="news@example.com",
        )
        campaigns.send_now(self.deps, campaign.campaign_id)
        self.run_scheduler(campaign.campaign_id)
        return self.campaign(campaign.campaign_id)

    def run_scheduler(self, campaign_id: str, page_size: int = 7) -> scheduler.FanoutReport:
        scheduler.start(self.deps, campaign_id)
        config = scheduler.FanoutConfig(page_size=page_size)
        return scheduler.fan_out(
            self.deps, self.subscribers, self.audience, campaign_id, lambda: 900.0, config
        )

    def campaign(self, campaign_id: str) -> Campaign:
        found = self.deps.campaigns.get(campaign_id)
        assert found is not None
        return found

    def poll(self, function: str = "campaign_consumer") -> int:
        spec = resources.function(function)
        assert spec.queue_source is not None
        name = resources.queue(spec.queue_source.queue).physical_name(STAGE)
        url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        return self.runtime.poll_once(spec, url, arn, spec.queue_source.batch_size)

    def drain(self, function: str = "campaign_consumer", timeout_s: float = 30.0) -> None:
        """Polls until the queue stays empty past one visibility timeout."""
        deadline = time.monotonic() + timeout_s
        quiet_since = None
        while time.monotonic() < deadline:
            if self.poll(function):
                quiet_since = None
                continue
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > VISIBILITY_S + 1.5:
                return
        raise AssertionError(f"{function}'s queue did not drain in {timeout_s}s")

    def queue_depth(self, logical: str = "delivery") -> int:
        url = self.sqs.get_queue_url(QueueName=resources.queue(logical).physical_name(STAGE))[
            "QueueUrl"
        ]
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )


@pytest.fixture
def pipeline(provisioned: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    names = ResourceNames(STAGE)
    dynamodb, sqs = provisioned["dynamodb"], provisioned["sqs"]
    clock = SystemClock()
    invoker = RecordingInvoker()
    store = DynamoCampaignStore(names["campaigns"], dynamodb)
    ledger = DynamoDeliveryLedger(names["deliveries"], dynamodb)
    queue = SqsDeliveryQueue(names["delivery"], sqs)
    failures = DynamoFailedMessageStore(names["failed_messages"], dynamodb)
    subscribers = DynamoSubscriberStore(names["subscribers"], names["list_members"], dynamodb)
    sender = FakeSender()
    deps = CampaignDeps(store, ledger, queue, invoker, clock)
    consumer_deps = ConsumerDeps(
        store,
        ledger,
        subscribers,
        FakeRenderer(),
        sender,
        failures,
        clock,
        lambda cid, email: f"https://u.example/?c={cid}&e={email}",
        claim_for=timedelta(seconds=VISIBILITY_S),
    )
    dlq_deps = DlqDeps(store, ledger, failures, queue, clock)
    audience = DynamoAudienceSource(names["list_members"], dynamodb)
    # The real handlers ask the composition root for their dependencies: hand them these.
    fake_root = SimpleNamespace(
        campaign_deps=deps,
        consumer_deps=consumer_deps,
        dlq_deps=dlq_deps,
        subscribers=subscribers,
        audience=audience,
        settings=SimpleNamespace(consumer_threads=10),
        # the embedded stack's default: pages no deeper than its queue may be
        fanout_config=FanoutConfig(page_size=200, max_queue_depth=200),
    )
    monkeypatch.setattr(bootstrap, "default", lambda: fake_root)
    runtime = FunctionRuntime(visibility_timeout_s=VISIBILITY_S, wait_s=0, sqs=sqs)
    runtime.stage = STAGE
    runtime._handlers = {
        spec.logical: __import__(spec.handler.split(":")[0], fromlist=["handler"]).handler
        for spec in resources.FUNCTIONS
    }
    yield Pipeline(
        deps, consumer_deps, dlq_deps, subscribers, audience, sender, invoker, runtime, sqs
    )
