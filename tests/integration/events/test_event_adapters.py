"""The provider-event adapters against moto: the suppression list on DynamoDB, the ledger's
settle-as-sent, the events queue, and SES's topic feeding the provider_events queue exactly as
the embedded stack provisions it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3

from tctfmsg.campaigns.adapters.deliveries import DynamoDeliveryLedger
from tctfmsg.campaigns.adapters.provider_events import SqsProviderEventQueue
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.email.events import ses
from tctfmsg.email.events.model import EventKind, ProviderEvent
from tctfmsg.email.suppression import DynamoSuppressionList, Suppression, SuppressionReason
from tctfmsg.local.providers.feedback import SnsPublisher
from tctfmsg.local.provision import provision_email_events

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _suppressions(provisioned: dict[str, Any]) -> DynamoSuppressionList:
    return DynamoSuppressionList("tctfmsg-test-suppressions", provisioned["dynamodb"])


def test_a_suppression_is_added_once_found_by_any_case_and_lifted(
    provisioned: dict[str, Any],
) -> None:
    store = _suppressions(provisioned)
    first = Suppression("Ada@Example.com", SuppressionReason.COMPLAINED, "ses:fb-1", "abuse", NOW)

    assert store.add(first) is True
    assert store.add(Suppression("ada@example.com", SuppressionReason.BOUNCED, "x")) is False
    assert store.find("ADA@example.com") == first
    assert set(store.find_many(["ada@example.com", "bob@example.com"])) == {"ada@example.com"}
    assert [s.address for s in store.entries(SuppressionReason.COMPLAINED)] == ["Ada@Example.com"]
    assert list(store.entries(SuppressionReason.MANUAL)) == []
    assert store.remove("ada@example.com") == first
    assert store.find("ada@example.com") is None


def test_transient_bounces_count_up_reset_and_are_no_suppression(
    provisioned: dict[str, Any],
) -> None:
    store = _suppressions(provisioned)

    counts = [store.count_transient_bounce("bob@example.com", NOW) for _ in range(2)]
    assert counts == [1, 2]
    assert store.find("bob@example.com") is None and list(store.entries()) == []
    store.reset_transient_bounces("bob@example.com")
    store.reset_transient_bounces("nobody@example.com")  # writes nothing, raises nothing
    assert store.count_transient_bounce("bob@example.com", NOW) == 1


def test_only_an_interrupted_failure_is_settled_as_sent_and_only_once(
    provisioned: dict[str, Any],
) -> None:
    ledger = DynamoDeliveryLedger("tctfmsg-test-deliveries", provisioned["dynamodb"])
    for key, reason in (("a@x.io", "interrupted: no answer"), ("b@x.io", "rejected: 550")):
        ledger.create_page("c-1", None, None, [Delivery("c-1", key)])
        assert ledger.claim("c-1", key, "t", NOW, NOW) is not None
        assert ledger.finish("c-1", key, "t", DeliveryStatus.FAILED, NOW, reason=reason)

    assert ledger.settle_sent("c-1", "a@x.io", "ses", "m-1", NOW) is True
    assert ledger.settle_sent("c-1", "a@x.io", "ses", "m-1", NOW) is False
    assert ledger.settle_sent("c-1", "b@x.io", "ses", "m-2", NOW) is False
    settled = ledger.get("c-1", "a@x.io")
    assert settled is not None
    assert (settled.status, settled.provider_message_id) == (DeliveryStatus.SENT, "m-1")
    assert ledger.get("c-1", "b@x.io").status is DeliveryStatus.FAILED  # type: ignore[union-attr]


def _receive(sqs: Any, name: str) -> list[str]:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [m["Body"] for m in answer.get("Messages", [])]


def test_webhook_events_are_queued_whole(provisioned: dict[str, Any]) -> None:
    queue = SqsProviderEventQueue("tctfmsg-test-provider-events", provisioned["sqs"])
    events = [
        ProviderEvent("sendgrid", EventKind.BOUNCED, f"p{i}@x.io", f"e{i}") for i in range(12)
    ]

    assert queue.send(events) == 12
    bodies = _receive(provisioned["sqs"], "tctfmsg-test-provider-events")
    bodies += _receive(provisioned["sqs"], "tctfmsg-test-provider-events")
    assert sorted(ProviderEvent.from_json(b).recipient for b in bodies) == sorted(
        e.recipient for e in events
    )


def test_an_ses_event_published_to_the_topic_arrives_on_the_provider_events_queue(
    provisioned: dict[str, Any],
) -> None:
    sns, sesv1 = boto3.client("sns"), boto3.client("ses")
    topic = provision_email_events("test", sns, sesv1, provisioned["sqs"])
    assert provision_email_events("test", sns, sesv1, provisioned["sqs"]) == topic  # idempotent
    sent = {
        "id": "m-1",
        "to": "ada@example.com",
        "sender": "n@x.io",
        "tags": {"campaign_id": "c-1"},
    }

    delivered = {**sent, "id": "m-2", "to": "bo@example.com"}

    SnsPublisher(sns, topic)([("bounce", sent), ("delivery", delivered)])

    bodies = _receive(provisioned["sqs"], "tctfmsg-test-provider-events")
    assert all(json.loads(body)["Type"] == "Notification" for body in bodies)
    events = sorted((e for body in bodies for e in ses.events_from_sns(body)), key=lambda e: e.kind)
    assert [(e.kind, e.recipient, e.campaign_id, e.message_id) for e in events] == [
        (EventKind.BOUNCED, "ada@example.com", "c-1", "m-1"),
        (EventKind.DELIVERED, "bo@example.com", "c-1", "m-2"),
    ]  # one notification, and one queue message, per record
    config_sets = sesv1.list_configuration_sets()["ConfigurationSets"]
    assert [c["Name"] for c in config_sets] == ["tctfmsg-test-email-events"]
