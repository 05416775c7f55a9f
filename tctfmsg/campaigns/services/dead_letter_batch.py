"""A batch from the delivery dead-letter queue: each message recorded as a failed-message item.
A record is acknowledged (and SQS deletes it) only once it is recorded, so none is lost."""

from __future__ import annotations

import logging

from tctfmsg.campaigns.services import dlq
from tctfmsg.core.queue_batch import BatchWork, QueueMessage

log = logging.getLogger(__name__)

RECORDED = "recorded"


class DeadLetterBatch(BatchWork[QueueMessage]):
    def __init__(self, deps: dlq.DlqDeps) -> None:
        self.deps = deps

    def parse(self, message: QueueMessage) -> QueueMessage:
        return message  # whatever it holds, even a malformed body, is recorded as it is

    def handle(self, request: QueueMessage) -> str:
        failed = dlq.record_dead(self.deps, request.body, request.message_id, request.receives)
        log.warning("dead delivery recorded as %s", failed.failure_id)
        return RECORDED
