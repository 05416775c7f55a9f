"""NotificationQueue on the service's own SQS queue: one message per notification, asking for
the work its record says is still to do."""

from __future__ import annotations

import json
from typing import Any

from tctfmsg.core.errors import ConfigurationError


class SqsNotificationQueue:
    def __init__(self, queue_name: str, client: Any) -> None:
        self.queue_name = queue_name
        self.client = client
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            try:
                self._url = self.client.get_queue_url(QueueName=self.queue_name)["QueueUrl"]
            except self.client.exceptions.QueueDoesNotExist:
                raise ConfigurationError(
                    f"queue {self.queue_name} does not exist", "deploy or provision the stack"
                ) from None
        return self._url

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
