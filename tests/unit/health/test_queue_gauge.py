"""The SQS gauge over stubbed clients: depth from the queue's attributes, age of the oldest
message from CloudWatch's newest datapoint, and unknown where no metric is published."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from tctfmsg.core.health import QueueFigures
from tctfmsg.core.queue_gauge import SqsQueueGauge
from tctfmsg.core.resources import ResourceNames
from tests.support.campaign_memory import FixedClock

URL = "http://sqs/q"


@pytest.fixture
def stubbed() -> tuple[SqsQueueGauge, Stubber, Stubber]:
    kwargs = {"region_name": "us-east-1", "aws_access_key_id": "k", "aws_secret_access_key": "s"}
    sqs, cloudwatch = boto3.client("sqs", **kwargs), boto3.client("cloudwatch", **kwargs)
    gauge = SqsQueueGauge(ResourceNames("local"), sqs, cloudwatch, FixedClock())
    with Stubber(sqs) as sqs_stub, Stubber(cloudwatch) as cw_stub:
        sqs_stub.add_response(
            "get_queue_url", {"QueueUrl": URL}, {"QueueName": "tctfmsg-local-delivery-dlq"}
        )
        sqs_stub.add_response(
            "get_queue_attributes",
            {"Attributes": {"ApproximateNumberOfMessages": "3",
                            "ApproximateNumberOfMessagesNotVisible": "2",
                            "ApproximateNumberOfMessagesDelayed": "1"}},
            {"QueueUrl": URL, "AttributeNames": ANY},
        )  # fmt: skip
        yield gauge, sqs_stub, cw_stub


def test_depth_from_attributes_and_age_from_the_newest_datapoint(stubbed) -> None:
    gauge, _, cloudwatch = stubbed
    now = FixedClock().now()
    cloudwatch.add_response(
        "get_metric_statistics",
        {"Datapoints": [{"Timestamp": now - timedelta(minutes=1), "Maximum": 42.0},
                        {"Timestamp": now - timedelta(minutes=5), "Maximum": 900.0}]},
        {"Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage",
         "Dimensions": [{"Name": "QueueName", "Value": "tctfmsg-local-delivery-dlq"}],
         "StartTime": now - timedelta(minutes=10), "EndTime": now, "Period": 60,
         "Statistics": ["Maximum"]},
    )  # fmt: skip

    assert gauge.measure("delivery_dlq") == QueueFigures("delivery_dlq", 3, 2, 1, 42.0)


def test_no_published_metric_means_the_age_is_unknown(stubbed) -> None:
    gauge, _, cloudwatch = stubbed
    cloudwatch.add_response("get_metric_statistics", {"Datapoints": []})

    assert gauge.measure("delivery_dlq").oldest_age_s is None
