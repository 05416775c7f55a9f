"""The embedded AWS endpoint's SQS patches change how much moto counts, never what it answers."""

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import sqs_backends

from tctfmsg.local import moto_patches


@pytest.fixture
def sqs(aws):
    moto_patches.apply()
    return boto3.client("sqs")


def test_approximate_counts_are_still_exact(sqs):
    url = sqs.create_queue(QueueName="counts")["QueueUrl"]
    for i in range(3):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": f"{i}-{j}"} for j in range(10)]
        )
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "20"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "10"
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"


def test_messages_past_retention_are_still_not_delivered(sqs):
    url = sqs.create_queue(QueueName="short", Attributes={"MessageRetentionPeriod": "60"})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    sqs.send_message(QueueUrl=url, MessageBody="fresh")
    queue = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues["short"]
    old = next(m for m in queue._messages if m.body == "old")
    old.sent_timestamp -= 120_000  # sent two minutes ago: past its 60 s retention

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert "old" not in [m["Body"] for m in received]
    assert len(queue._messages) == 2  # refused, not lost: moto drops it on its own schedule


def test_content_based_deduplication_still_applies_to_fifo_queues(sqs):
    url = sqs.create_queue(
        QueueName="dedupe.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"


def test_apply_is_idempotent():
    moto_patches.apply()
    from moto.sqs import models

    first = models.SQSBackend.send_message
    moto_patches.apply()
    assert models.SQSBackend.send_message is first
