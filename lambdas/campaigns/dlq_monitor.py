"""DLQ monitor on the delivery dead-letter queue: each dead message becomes a failed-message
item; only a recorded message is acknowledged (deleted), so none is lost."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.campaigns._common import logger, metrics
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.services import dlq


def record_handler(record: SQSRecord) -> str:
    receives = int(record.attributes.approximate_receive_count or 0)
    failed = dlq.record_dead(bootstrap.default().dlq_deps, record.body, record.message_id, receives)
    metrics.add_metric(name="DeadLetters", unit=MetricUnit.Count, value=1)
    logger.warning("dead delivery recorded", extra={"failure_id": failed.failure_id})
    return failed.failure_id


def _processor() -> BatchProcessor:
    # One per invocation: a processor holds its batch's state, and the embedded runtime runs
    # concurrent invocations in one process where AWS would give each its own environment.
    return BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=_processor(), context=context
    )
