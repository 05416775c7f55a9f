"""What `tctfmsg local status` reports: endpoints and every resource of the spec, with counts."""

from __future__ import annotations

from typing import Any

from tctfmsg.core import resources
from tctfmsg.core.clients import Clients
from tctfmsg.local.state import StackState


def collect(running: StackState, runtime: Clients) -> dict[str, Any]:
    dynamodb, sqs = runtime.client("dynamodb"), runtime.client("sqs")
    names = runtime.names
    tables = []
    for table in resources.TABLES:
        described = dynamodb.describe_table(TableName=names[table.logical])["Table"]
        tables.append({"name": names[table.logical], "items": described.get("ItemCount", 0)})
    queues = []
    for spec in resources.QUEUES:
        url = sqs.get_queue_url(QueueName=names[spec.logical])["QueueUrl"]
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        queues.append(
            {
                "name": names[spec.logical],
                "visible": int(attributes["ApproximateNumberOfMessages"]),
                "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
            }
        )
    return {
        "pid": running.pid,
        "started_at": running.started_at,
        "endpoints": running.endpoints,
        "tables": tables,
        "queues": queues,
        "secrets": [{"name": names[s.logical]} for s in resources.SECRETS],
    }
