"""The notification record, the attempt ledger, the queue and the status events against moto:
the conditions that make idempotency and at-most-once hold are DynamoDB's, so they are tested
on DynamoDB's semantics."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from tctfmsg.communication.adapters.attempts import DynamoAttemptLedger
from tctfmsg.communication.adapters.events import EventBridgeStatusEvents
from tctfmsg.communication.adapters.notifications import DynamoNotificationStore
from tctfmsg.communication.adapters.sqs import SqsNotificationQueue, notification_id_of
from tctfmsg.communication.domain.notification import (
    Attempt,
    AttemptOutcome,
    Notification,
    NotificationStatus,
    Recipient,
)
from tctfmsg.core.resources import ResourceNames

NAMES = ResourceNames("test")
AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def _notification(nid: str, user: str = "u-1", minutes: int = 0, **kw: Any) -> Notification:
    return Notification(
        notification_id=nid,
        type="mfa_code",
        user_id=user,
        status=kw.pop("status", NotificationStatus.QUEUED),
        data={"code": "482913", "attempts": 3},
        fingerprint="f1",
        created_at=AT + timedelta(minutes=minutes),
        recipient=Recipient(phone="+447700900123"),
        **kw,
    )


def test_a_second_create_with_the_same_id_returns_the_first_and_stores_nothing(
    provisioned: dict[str, Any],
) -> None:
    store = DynamoNotificationStore(NAMES["notifications"], provisioned["dynamodb"])
    assert store.create(_notification("n-1")) is None

    existing = store.create(_notification("n-1", user="u-other"))

    assert existing is not None and existing.user_id == "u-1"
    assert existing.data == {"code": "482913", "attempts": 3}
    assert existing.recipient.phone == "+447700900123"


def test_a_status_moves_only_from_the_statuses_expected(provisioned: dict[str, Any]) -> None:
    store = DynamoNotificationStore(NAMES["notifications"], provisioned["dynamodb"])
    store.create(_notification("n-2"))

    sent = store.update(
        "n-2",
        NotificationStatus.SENT,
        AT,
        expect=(NotificationStatus.QUEUED,),
        channel="sms",
        provider="end-user-messaging-sms",
    )
    again = store.update("n-2", NotificationStatus.FAILED, AT, expect=(NotificationStatus.QUEUED,))

    assert sent is not None and (sent.status, sent.channel) == (NotificationStatus.SENT, "sms")
    assert again is None
    assert store.get("n-2").status == NotificationStatus.SENT  # type: ignore[union-attr]


def test_lists_come_newest_first_by_user_by_status_and_overall(
    provisioned: dict[str, Any],
) -> None:
    store = DynamoNotificationStore(NAMES["notifications"], provisioned["dynamodb"])
    for i in range(5):
        store.create(_notification(f"n-{i}", user="u-a" if i % 2 else "u-b", minutes=i))
    store.update("n-3", NotificationStatus.SENT, AT)

    by_user = store.list(user_id="u-a").notifications
    by_status = store.list(status=NotificationStatus.QUEUED).notifications
    overall = store.list(limit=3)

    assert [n.notification_id for n in by_user] == ["n-3", "n-1"]
    assert [n.notification_id for n in by_status] == ["n-4", "n-2", "n-1", "n-0"]
    assert [n.notification_id for n in overall.notifications] == ["n-4", "n-3", "n-2"]
    assert overall.after is not None


def test_only_one_of_many_concurrent_claims_of_a_channel_wins(provisioned: dict[str, Any]) -> None:
    ledger = DynamoAttemptLedger(NAMES["notification_attempts"], provisioned["dynamodb"])
    wins: list[bool] = []
    threads = [
        threading.Thread(target=lambda t=t: wins.append(ledger.claim("n-9", "sms", "+4477", t, AT)))
        for t in ("a", "b", "c", "d")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(wins) == [False, False, False, True]


def test_an_unavailable_channel_can_be_claimed_again_a_sent_one_never(
    provisioned: dict[str, Any],
) -> None:
    ledger = DynamoAttemptLedger(NAMES["notification_attempts"], provisioned["dynamodb"])
    assert ledger.claim("n-5", "email", "a@example.com", "t1", AT)
    ledger.settle("n-5", Attempt("email", AttemptOutcome.UNAVAILABLE, at=AT, claim="t1"))
    assert ledger.claim("n-5", "email", "a@example.com", "t2", AT)
    ledger.settle(
        "n-5",
        Attempt("email", AttemptOutcome.SENT, "a@example.com", "ses", "m-1", at=AT, claim="t2"),
    )

    assert not ledger.claim("n-5", "email", "a@example.com", "t3", AT)
    (attempt,) = ledger.attempts("n-5")
    assert (attempt.outcome, attempt.provider_message_id) == (AttemptOutcome.SENT, "m-1")


def test_a_settle_by_a_worker_that_lost_its_claim_changes_nothing(
    provisioned: dict[str, Any],
) -> None:
    ledger = DynamoAttemptLedger(NAMES["notification_attempts"], provisioned["dynamodb"])
    ledger.claim("n-6", "sms", "+4477", "mine", AT)

    ledger.settle("n-6", Attempt("sms", AttemptOutcome.FAILED, error="late", at=AT, claim="other"))

    assert ledger.attempts("n-6")[0].outcome == AttemptOutcome.SENDING


def test_the_queue_carries_the_notification_id_with_its_delay(provisioned: dict[str, Any]) -> None:
    queue = SqsNotificationQueue(NAMES["notification_queue"], provisioned["sqs"])
    queue.enqueue("n-7")

    message = provisioned["sqs"].receive_message(QueueUrl=queue.url)["Messages"][0]

    assert notification_id_of(message["Body"]) == "n-7"


def test_a_final_status_is_published_on_eventbridge(provisioned: dict[str, Any]) -> None:
    events, sqs = boto3.client("events"), provisioned["sqs"]
    url = sqs.create_queue(QueueName="watch")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="statuses", EventPattern=json.dumps({"source": ["tctfmsg.communication"]}))
    events.put_targets(Rule="statuses", Targets=[{"Id": "q", "Arn": arn}])

    EventBridgeStatusEvents("default", events).published(
        _notification("n-8", status=NotificationStatus.SENT, channel="sms")
    )

    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert body["detail-type"] == "Notification Status"
    assert body["detail"] == {
        "notification_id": "n-8",
        "type": "mfa_code",
        "user_id": "u-1",
        "status": "sent",
        "channel": "sms",
        "provider": None,
        "reason": None,
    }
