"""DLQ monitor on the delivery dead-letter queue: each dead message becomes a failed-message
item; only a recorded message is acknowledged (deleted), so none is lost."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.campaigns._common import logger, metrics
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.services.dead_letter_batch import DeadLetterBatch
from tctfmsg.core.queue_batch import QueueBatch

BATCHES = QueueBatch(log=logger, metrics=metrics, metric="DeadLetters")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return BATCHES.process(event, context, DeadLetterBatch(bootstrap.default().dlq_deps))
