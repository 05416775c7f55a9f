"""Worker on the notification queue: each record one notification, delivered over its channels
at most once each; a record that must come back is reported in batchItemFailures."""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.communication._common import logger, metrics
from tctfmsg.communication import bootstrap
from tctfmsg.communication.adapters.sqs import notification_id_of
from tctfmsg.communication.services.worker import WorkerDeps, deliver
from tctfmsg.core.lanes import lane_of
from tctfmsg.core.queue_batch import BatchWork, QueueBatch, QueueMessage

BATCHES = QueueBatch(
    log=logger,
    metrics=metrics,
    metric="Notification-{outcome}",
    lane=lane_of("notification_worker"),
)


class NotificationBatch(BatchWork[str]):
    reserve_ms = 10_000  # a send cut off by the timeout would become an uncertain attempt

    def __init__(self, deps: WorkerDeps) -> None:
        self.deps = deps

    def parse(self, message: QueueMessage) -> str:
        return notification_id_of(message.body)

    def handle(self, request: str) -> str:
        return deliver(self.deps, request, uuid.uuid4().hex).value


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    root = bootstrap.default()
    return BATCHES.process(event, context, NotificationBatch(root.worker_deps), threads=5)
