"""The provider-events dead-letter queue against moto, as provisioned: an event that failed
every receive reaches it by SQS's own redrive; `dlq events` counts it, lists it without taking
it off, and sends the events back to provider_events, leaving what is no event behind."""

from __future__ import annotations

from typing import Any

import boto3

from tctfmsg.campaigns.adapters.sqs_dead_letters import SqsDeadLetterDestination, SqsDeadLetters
from tctfmsg.campaigns.services import provider_event_dlq
from tctfmsg.campaigns.services.provider_event_dlq import DeadEventDeps
from tctfmsg.core.clock import SystemClock
from tctfmsg.core.queue_gauge import SqsQueueGauge
from tctfmsg.core.resources import ResourceNames, queue
from tctfmsg.email.events.model import EventKind, ProviderEvent

STAGE = "test"
BOUNCE = ProviderEvent("resend", EventKind.BOUNCED, "ada@example.com", "svix-1", campaign_id="c-1")


def _deps(sqs: Any) -> DeadEventDeps:
    names, clock = ResourceNames(STAGE), SystemClock()
    return DeadEventDeps(
        dead=SqsDeadLetters(names["provider_events_dlq"], sqs),
        destination=SqsDeadLetterDestination(names["provider_events"], sqs),
        gauge=SqsQueueGauge(names, sqs, boto3.client("cloudwatch"), clock),
        clock=clock,
    )


def _url(sqs: Any, logical: str) -> str:
    return sqs.get_queue_url(QueueName=queue(logical).physical_name(STAGE))["QueueUrl"]


def _dead_letter(sqs: Any, *bodies: str) -> None:
    """Each body received and never deleted until SQS moves it to the dead-letter queue."""
    main = _url(sqs, "provider_events")
    for body in bodies:
        sqs.send_message(QueueUrl=main, MessageBody=body)
    for _ in range(queue("provider_events").max_receives + 1):
        sqs.receive_message(QueueUrl=main, MaxNumberOfMessages=10, VisibilityTimeout=0)


def _bodies(sqs: Any, logical: str) -> list[str]:
    answer = sqs.receive_message(QueueUrl=_url(sqs, logical), MaxNumberOfMessages=10)
    return [m["Body"] for m in answer.get("Messages", [])]


def test_dead_events_are_counted_listed_in_place_and_redriven_but_junk_stays(
    provisioned: dict[str, Any],
) -> None:
    sqs = provisioned["sqs"]
    _dead_letter(sqs, BOUNCE.to_json(), "not an event")
    deps = _deps(sqs)
    assert provider_event_dlq.count(deps).visible == 2

    listing = provider_event_dlq.list_dead(deps)

    assert sorted((e.provider, e.kinds) for e in listing.events) == [
        ("", ()),
        ("resend", ("bounced",)),
    ]
    assert all(e.age_s is not None and 0 <= e.age_s < 60 for e in listing.events)
    assert provider_event_dlq.count(deps).visible == 2  # given back, not taken off

    report = provider_event_dlq.redrive(deps)

    assert len(report.requeued) == 1 and len(report.refused) == 1
    (why,) = report.refused.values()
    assert why.startswith("not a provider event")
    assert _bodies(sqs, "provider_events") == [BOUNCE.to_json()]
    assert _bodies(sqs, "provider_events_dlq") == ["not an event"]  # given back at once


def test_message_attributes_travel_with_a_redriven_message(provisioned: dict[str, Any]) -> None:
    sqs = provisioned["sqs"]
    main = _url(sqs, "provider_events")
    sqs.send_message(
        QueueUrl=main,
        MessageBody=BOUNCE.to_json(),
        MessageAttributes={"source": {"DataType": "String", "StringValue": "webhook"}},
    )
    for _ in range(queue("provider_events").max_receives + 1):
        sqs.receive_message(QueueUrl=main, VisibilityTimeout=0)

    report = provider_event_dlq.redrive(_deps(sqs))

    assert len(report.requeued) == 1
    (message,) = sqs.receive_message(QueueUrl=main, MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"]["source"]["StringValue"] == "webhook"
    assert provider_event_dlq.count(_deps(sqs)).visible == 0
