"""NotificationQueue on the service's own SQS queue: one message per notification, asking for
the work its record says is still to do."""

from __future__ import annotations

import json

from tctfmsg.core.sqs_queue import NamedQueue


class SqsNotificationQueue(NamedQueue):
    def enqueue(self, notification_id: str, delay_s: int = 0) -> None:
        self.client.send_message(
            QueueUrl=self.url,
            MessageBody=json.dumps({"notification_id": notification_id}),
            DelaySeconds=max(0, min(900, delay_s)),
        )


def notification_id_of(body: str) -> str:
    """The notification a queue message asks for; raises ValueError for anything else."""
    parsed = json.loads(body)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("notification_id"), str):
        raise ValueError("not a notification message")
    return str(parsed["notification_id"])
