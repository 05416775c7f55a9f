"""Consumer on the delivery queue: one record, one `consumer.deliver`; a transient failure
is reported in batchItemFailures so SQS retries only that message."""

from __future__ import annotations

import uuid
from functools import partial
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
from tctfmsg import bootstrap
from tctfmsg.domain.delivery import DeliveryRequest
from tctfmsg.services import consumer
from tctfmsg.services.campaign_progress import Tally

# Leave a record unclaimed when less than this is left: a claim cut off by the timeout
# would become an `interrupted` delivery.
RESERVE_MS = 15_000


def record_handler(
    record: SQSRecord, lambda_context: LambdaContext | None = None, tally: Tally | None = None
) -> str:
    if lambda_context is not None and lambda_context.get_remaining_time_in_millis() < RESERVE_MS:
        raise consumer.RetryLater("too little time left in this invocation")
    request = DeliveryRequest.from_body(record.body)
    deps = bootstrap.default().consumer_deps
    outcome = consumer.deliver(deps, request, uuid.uuid4().hex, tally)
    metrics.add_metric(name=f"Delivery-{outcome.value}", unit=MetricUnit.Count, value=1)
    return outcome.value


def _processor() -> BatchProcessor:
    # One per invocation: a processor holds its batch's state, and the embedded runtime runs
    # concurrent invocations in one process where AWS would give each its own environment.
    return BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    tally = Tally()  # the batch's counter updates, one write per campaign at the end
    try:
        return process_partial_response(
            event=event,
            record_handler=partial(record_handler, tally=tally),
            processor=_processor(),
            context=context,
        )
    finally:
        try:
            tally.flush(bootstrap.default().consumer_deps.books)
        except Exception:  # the counts are recounted from the ledger at completion
            logger.exception("could not write this batch's counts")
