"""Consumer on the delivery queue: one record, one `consumer.deliver`; a transient failure
is reported in batchItemFailures so SQS retries only that message.

A batch reads its campaigns and recipients once (`consumer.read_batch`), then handles its
records side by side on `TCTFMSG_CONSUMER_THREADS` threads: a delivery spends nearly all its
time waiting on DynamoDB and the provider, and the pacer keeps the sends under the rate."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
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
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.domain.delivery import DeliveryRequest
from tctfmsg.campaigns.services import consumer
from tctfmsg.campaigns.services.campaign_progress import Tally
from tctfmsg.core.errors import InvalidInput

# Leave a record unclaimed when less than this is left: a claim cut off by the timeout
# would become an `interrupted` delivery.
RESERVE_MS = 15_000


class Outcomes:
    """Outcome counts from the record threads, turned into metrics once the batch is done
    (Powertools' metric set is not meant to be added to from several threads)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, outcome: consumer.Outcome) -> None:
        with self._lock:
            self._counts[outcome.value] += 1

    def publish(self) -> None:
        for outcome, count in sorted(self._counts.items()):
            metrics.add_metric(name=f"Delivery-{outcome}", unit=MetricUnit.Count, value=count)


def record_handler(
    record: SQSRecord,
    lambda_context: LambdaContext | None = None,
    *,
    deps: consumer.ConsumerDeps,
    tally: Tally,
    batch: consumer.BatchView | None,
    outcomes: Outcomes,
) -> str:
    if lambda_context is not None and lambda_context.get_remaining_time_in_millis() < RESERVE_MS:
        raise consumer.RetryLater("too little time left in this invocation")
    request = DeliveryRequest.from_body(record.body)
    outcome = consumer.deliver(deps, request, uuid.uuid4().hex, tally, batch)
    outcomes.add(outcome)
    return outcome.value


class ThreadedBatchProcessor(BatchProcessor):
    """Powertools' BatchProcessor, with the records of a batch handled on a few threads.
    Success and failure bookkeeping stay the library's (appends to lists, safe across
    threads); the response is the same partial batch response."""

    def __init__(self, threads: int) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.threads = threads

    def process(self) -> list[tuple]:
        if self.threads <= 1 or len(self.records) <= 1:
            return super().process()
        workers = min(self.threads, len(self.records))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="record") as pool:
            return list(pool.map(self._process_record, self.records))


def _processor() -> BatchProcessor:
    # One per invocation: a processor holds its batch's state, and the embedded runtime runs
    # concurrent invocations in one process where AWS would give each its own environment.
    return ThreadedBatchProcessor(bootstrap.default().settings.consumer_threads)


def _read_batch(deps: consumer.ConsumerDeps, event: dict[str, Any]) -> consumer.BatchView | None:
    requests = []
    for record in event.get("Records", []):
        try:
            requests.append(DeliveryRequest.from_body(record.get("body", "")))
        except InvalidInput:
            continue  # its record handler reports it
    try:
        return consumer.read_batch(deps, requests)
    except Exception:  # each record then reads for itself
        logger.exception("could not read this batch's campaigns and recipients")
        return None


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    deps = bootstrap.default().consumer_deps  # built here, before any record thread needs it
    tally = Tally()  # the batch's counter updates, one write per campaign at the end
    outcomes = Outcomes()
    try:
        return process_partial_response(
            event=event,
            record_handler=partial(
                record_handler,
                deps=deps,
                tally=tally,
                batch=_read_batch(deps, event),
                outcomes=outcomes,
            ),
            processor=_processor(),
            context=context,
        )
    finally:
        outcomes.publish()
        try:
            tally.flush(deps.books)
        except Exception:  # the counts are recounted from the ledger at completion
            logger.exception("could not write this batch's counts")
