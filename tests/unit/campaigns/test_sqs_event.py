"""The consumer handler takes the event AWS sends (`sam local generate-event sqs
receive-message`), and the embedded runtime builds events of exactly that shape."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from tctfmsg import bootstrap
from tctfmsg.domain.campaign import CampaignStatus
from tctfmsg.domain.delivery import Delivery
from tctfmsg.domain.subscriber import Subscriber
from tctfmsg.local.runtime import sqs_event
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
    world.ledger.create_many([Delivery("c-sam", "sam@example.com")])
    monkeypatch.setattr(bootstrap, "default", lambda: SimpleNamespace(consumer_deps=world.consumer))

    result = handler_module.handler(event, _Context())

    assert result == {"batchItemFailures": []}
    assert [m.to for m in world.sender.sent] == ["sam@example.com"]


def test_a_failed_record_is_reported_by_its_message_id(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.campaigns import consumer as handler_module

    event = json.loads(EVENT.read_text())
    event["Records"][0]["body"] = "not a delivery request"
    monkeypatch.setattr(bootstrap, "default", lambda: SimpleNamespace(consumer_deps=world.consumer))

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


class _Context:
    function_name = "tctfmsg-test-campaign-consumer"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:x"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000
