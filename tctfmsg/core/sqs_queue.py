"""A queue named by its physical name, its URL looked up once: what every SQS adapter needs."""

from __future__ import annotations

from typing import Any

from tctfmsg.core.errors import ConfigurationError


class NamedQueue:
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
