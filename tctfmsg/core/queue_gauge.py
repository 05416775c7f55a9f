"""A queue's depth from SQS and the age of its oldest message from CloudWatch, where SQS
publishes it; the embedded stack publishes no such metric, so there the age is unknown (reading
messages to date them would count as receives and push them toward the dead-letter queue)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tctfmsg.core.clock import Clock
from tctfmsg.core.health import QueueFigures
from tctfmsg.core.resources import ResourceNames
from tctfmsg.core.sqs_queue import NamedQueue

DEPTH_ATTRIBUTES = {
    "visible": "ApproximateNumberOfMessages",
    "in_flight": "ApproximateNumberOfMessagesNotVisible",
    "delayed": "ApproximateNumberOfMessagesDelayed",
}
AGE_WINDOW = timedelta(minutes=10)  # SQS publishes every minute; a little slack for lag


class SqsQueueGauge:
    def __init__(self, names: ResourceNames, sqs: Any, cloudwatch: Any, clock: Clock) -> None:
        self.names = names
        self.sqs = sqs
        self.cloudwatch = cloudwatch
        self.clock = clock

    def measure(self, logical: str) -> QueueFigures:
        queue = NamedQueue(self.names[logical], self.sqs)
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=queue.url, AttributeNames=list(DEPTH_ATTRIBUTES.values())
        )["Attributes"]
        depth = {k: int(attributes.get(name, 0)) for k, name in DEPTH_ATTRIBUTES.items()}
        return QueueFigures(logical, **depth, oldest_age_s=self._oldest_age(queue.queue_name))

    def _oldest_age(self, queue_name: str) -> float | None:
        now = self.clock.now()
        points = self.cloudwatch.get_metric_statistics(
            Namespace="AWS/SQS",
            MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[{"Name": "QueueName", "Value": queue_name}],
            StartTime=now - AGE_WINDOW,
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        ).get("Datapoints", [])
        if not points:
            return None
        return float(max(points, key=lambda p: p["Timestamp"])["Maximum"])
