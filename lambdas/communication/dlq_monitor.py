"""Monitor of the notification dead-letter queue: every dead message marks its notification
failed, with why, open for an operator (`tctfmsg notify dlq`); nothing is lost."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.communication._common import logger, metrics
from tctfmsg.communication import bootstrap
from tctfmsg.communication.adapters.sqs import notification_id_of
from tctfmsg.communication.services import records
from tctfmsg.core.queue_batch import BatchWork, QueueBatch, QueueMessage

BATCHES = QueueBatch(log=logger, metrics=metrics, metric="DeadNotification-{outcome}")


class DeadLetterBatch(BatchWork[tuple[str, int]]):
    def __init__(self, deps: records.RecordDeps) -> None:
        self.deps = deps

    def parse(self, message: QueueMessage) -> tuple[str, int]:
        return notification_id_of(message.body), message.receives

    def handle(self, request: tuple[str, int]) -> str:
        notification_id, receives = request
        marked = records.mark_dead(self.deps, notification_id, receives)
        if marked is None:
            logger.warning("dead letter for unknown notification %s", notification_id)
            return "unknown"
        logger.info("notification dead-lettered", extra={"notification_id": notification_id})
        return "recorded"


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return BATCHES.process(event, context, DeadLetterBatch(bootstrap.default().record_deps))
