"""The consumer handler takes the event AWS sends (`sam local generate-event sqs
receive-message`), and the embedded runtime builds events of exactly that shape."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryRequest, DeliveryStatus
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.services import consumer
from tctfmsg.campaigns.services.consumer import ConsumerDeps, Outcome
from tctfmsg.email.message import EmailMessage, SendReceipt
from tctfmsg.local.runtime import sqs_event
from tests.support.campaign_memory import record
from tests.unit.campaigns.conftest import World

EVENT = Path(__file__).parents[2] / "events" / "sqs_receive_message.json"


def test_sam_shaped_sqs_event_is_accepted_by_the_consumer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.campaigns import consumer as handler_module

    event = json.loads(EVENT.read_text())
    world.people.add(Subscriber(email="sam@example.com", name="Sam", lists=frozenset({"news"})))
    campaign = world.draft()
    world.store.items["c-sam"] = replace(
        campaign, campaign_id="c-sam", status=CampaignStatus.SENDING
    )
    record(world.ledger, [Delivery("c-sam", "sam@example.com")])
    _use(monkeypatch, world.consumer)

    result = handler_module.handler(event, _Context())

    assert result == {"batchItemFailures": []}
    assert [m.to for m in world.sender.sent] == ["sam@example.com"]


def test_a_failed_record_is_reported_by_its_message_id(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.campaigns import consumer as handler_module

    event = json.loads(EVENT.read_text())
    event["Records"][0]["body"] = "not a delivery request"
    _use(monkeypatch, world.consumer)

    result = handler_module.handler(event, _Context())

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_the_embedded_runtime_builds_the_same_record_shape_as_aws() -> None:
    aws = json.loads(EVENT.read_text())["Records"][0]
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": aws["body"],
        "MD5OfBody": aws["md5OfBody"],
        "Attributes": {
            "ApproximateReceiveCount": "2",
            "SentTimestamp": "1",
            "SenderId": "123456789012",
            "ApproximateFirstReceiveTimestamp": "2",
        },
    }

    local = sqs_event([message], aws["eventSourceARN"], "us-east-1")["Records"][0]

    assert set(local) == set(aws)
    assert set(local["attributes"]) == set(aws["attributes"])
    assert local["eventSource"] == "aws:sqs"
    assert local["attributes"]["ApproximateReceiveCount"] == "2"


def _use(monkeypatch: pytest.MonkeyPatch, deps: ConsumerDeps, threads: int = 10) -> None:
    runtime = SimpleNamespace(
        consumer_deps=deps, settings=SimpleNamespace(consumer_threads=threads)
    )
    monkeypatch.setattr(bootstrap, "default", lambda: runtime)


def _batch_event(campaign_id: str, keys: list[str]) -> dict[str, object]:
    arn = "arn:aws:sqs:us-east-1:123456789012:tctfmsg-test-delivery"
    messages = [
        {
            "MessageId": f"m-{i}",
            "ReceiptHandle": f"r-{i}",
            "Body": DeliveryRequest(campaign_id, key).to_body(),
            "MD5OfBody": "",
            "Attributes": {},
        }
        for i, key in enumerate(keys)
    ]
    return sqs_event(messages, arn, "us-east-1")


def _sending(world: World, count: int) -> tuple[str, list[str]]:
    world.seed(count)
    campaign = world.draft()
    world.store.items[campaign.campaign_id] = replace(campaign, status=CampaignStatus.SENDING)
    keys = sorted(world.people.people)
    record(world.ledger, [Delivery(campaign.campaign_id, k) for k in keys])
    return campaign.campaign_id, keys


class _Together:
    """A sender that lets no send through until `parties` sends are waiting at once."""

    def __init__(self, inner: object, parties: int) -> None:
        self.inner = inner
        self.barrier = threading.Barrier(parties, timeout=5)

    def send(self, message: EmailMessage, proceed: object = None) -> SendReceipt:
        self.barrier.wait()  # broken (and the record failed) if the others never come
        return self.inner.send(message, proceed=proceed)  # type: ignore[attr-defined, no-any-return]


def test_the_records_of_a_batch_are_sent_side_by_side(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.campaigns import consumer as handler_module

    campaign_id, keys = _sending(world, 4)
    _use(monkeypatch, replace(world.consumer, sender=_Together(world.sender, parties=4)))

    result = handler_module.handler(_batch_event(campaign_id, keys), _Context())

    assert result == {"batchItemFailures": []}
    assert sorted(m.to for m in world.sender.sent) == keys
    assert world.store.items[campaign_id].counters.sent == 4


def test_one_thread_handles_the_records_one_after_another(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.campaigns import consumer as handler_module

    campaign_id, keys = _sending(world, 3)
    seen: list[str] = []
    _use(monkeypatch, world.consumer, threads=1)
    monkeypatch.setattr(
        consumer,
        "deliver",
        lambda deps, request, *a: seen.append(threading.current_thread().name) or Outcome.SENT,
    )

    result = handler_module.handler(_batch_event(campaign_id, keys), _Context())

    assert result == {"batchItemFailures": []}
    assert seen == [threading.current_thread().name] * 3


def test_a_batch_reads_its_recipients_once_and_its_campaign_once_plus_once_per_claim(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.campaigns import consumer as handler_module

    campaign_id, keys = _sending(world, 5)
    reads: list[str] = []
    people, store = world.people, world.store
    monkeypatch.setattr(people, "get", lambda key: reads.append("get") or None)
    get_many, get_campaign = people.get_many, store.get
    monkeypatch.setattr(people, "get_many", lambda ks: reads.append("get_many") or get_many(ks))
    monkeypatch.setattr(store, "get", lambda cid: reads.append("campaign") or get_campaign(cid))
    _use(monkeypatch, world.consumer)

    result = handler_module.handler(_batch_event(campaign_id, keys), _Context())

    assert result == {"batchItemFailures": []}
    assert sorted(m.to for m in world.sender.sent) == keys
    assert reads.count("get_many") == 1 and "get" not in reads
    # once for the batch, and once after each claim, so a pause is seen exactly (0076)
    assert reads.count("campaign") == 1 + len(keys)


def test_a_paused_batch_reads_no_recipients_and_leaves_every_delivery_pending(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.campaigns import consumer as handler_module

    campaign_id, keys = _sending(world, 3)
    paused = replace(world.store.items[campaign_id], status=CampaignStatus.PAUSED)
    world.store.items[campaign_id] = paused
    monkeypatch.setattr(world.people, "get_many", lambda ks: pytest.fail("read recipients"))
    _use(monkeypatch, world.consumer)

    result = handler_module.handler(_batch_event(campaign_id, keys), _Context())

    assert result == {"batchItemFailures": []}
    assert world.sender.sent == []
    statuses = {world.ledger.get(campaign_id, k).status for k in keys}  # type: ignore[union-attr]
    assert statuses == {DeliveryStatus.PENDING}


class _Context:
    function_name = "tctfmsg-test-campaign-consumer"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:x"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000
