"""What every queue-fed handler does with an SQS batch, so that a handler is its decorators and
one call. A service says what one batch means (`BatchWork`); `QueueBatch` runs it.

Powertools' BatchProcessor stays the engine: a record that raises is reported in
`batchItemFailures`, so SQS brings back only that message. Around it:

- a time reserve: a record not yet started when less than `work.reserve_ms` is left is reported
  failed without being handled, so the timeout never cuts a record off half done;
- a read-ahead: the work sees every request of the batch before the first is handled (one read
  for the batch instead of one per record); if that fails, the records go on without it;
- the records handled side by side on a few threads: a record spends nearly all its time
  waiting on the network;
- the outcome of each record counted, and published as metrics once the batch is done (a
  Powertools metric set is not meant to be added to from several threads);
- `work.finish`, run once when the batch is done, whatever happened to its records.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tctfmsg.core.errors import TctfmsgError
from tctfmsg.core.lanes import LANES, Lane

Request = TypeVar("Request")


@dataclass(frozen=True)
class QueueMessage:
    """An SQS record as a service sees it."""

    message_id: str
    body: str
    receives: int  # how many times SQS has handed it out, this time included

    @classmethod
    def of(cls, record: SQSRecord) -> QueueMessage:
        receives = int(record.attributes.approximate_receive_count or 0)
        return cls(record.message_id, record.body, receives)


class OutOfTime(TctfmsgError):
    """Too little of the invocation is left to start this record: SQS brings it back."""


class BatchWork(ABC, Generic[Request]):
    """One batch's work, as a service defines it. A new instance per invocation, so it may
    hold the batch's own state (what it read ahead, counts to write at the end); `handle` is
    called from several threads at once."""

    reserve_ms: int = 0  # no record is started with less than this left of the invocation

    @abstractmethod
    def parse(self, message: QueueMessage) -> Request:
        """The request a record carries; raises for a malformed one (that record fails)."""

    def read_ahead(self, requests: Sequence[Request]) -> None:
        """Sees every request that parsed before the first is handled."""

    @abstractmethod
    def handle(self, request: Request) -> str:
        """Does one record's work and names its outcome; raises to have the record retried."""

    def finish(self) -> None:
        """Runs once when every record is done."""


class MetricSink(Protocol):
    def add_metric(self, name: str, unit: MetricUnit, value: float) -> None: ...


class ErrorLog(Protocol):
    def exception(self, msg: str) -> None: ...


@dataclass(frozen=True)
class QueueBatch:
    """How one handler runs its batches: where its errors are logged, where its outcome counts
    go, and the metric name of each outcome (`{outcome}` is replaced by the outcome's name)."""

    log: ErrorLog
    metrics: MetricSink
    metric: str = "{outcome}"
    lane: Lane | None = None  # urgent records go first; bulk ones step aside (core/lanes.py)

    def process(
        self,
        event: dict[str, Any],
        context: LambdaContext | None,
        work: BatchWork[Any],
        threads: int = 1,
    ) -> PartialItemFailureResponse:
        outcomes = _Outcomes()
        try:
            requests = self._read_ahead(event, work)
            return process_partial_response(
                event=event,
                record_handler=partial(_handle_record, work, requests, outcomes, self.lane),
                processor=ThreadedBatchProcessor(threads),
                context=context,
            )
        finally:
            for outcome, count in outcomes.counts():
                name = self.metric.format(outcome=outcome)
                self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
            try:
                work.finish()
            except Exception:  # the records' answers stand; failing now would resend them all
                self.log.exception("could not finish this batch")

    def _read_ahead(self, event: dict[str, Any], work: BatchWork[Any]) -> dict[str, Any]:
        """The requests that parsed, by message id; each record handler parses its own again
        only if it is missing here, and so reports its own error."""
        requests: dict[str, Any] = {}
        for raw in event.get("Records", []):
            try:
                message = QueueMessage.of(SQSRecord(raw))
                requests[message.message_id] = work.parse(message)
            except Exception:
                continue
        try:
            work.read_ahead(list(requests.values()))
        except Exception:  # each record then does its own reading
            self.log.exception("could not read this batch ahead")
        return requests


def _handle_record(
    work: BatchWork[Any],
    requests: dict[str, Any],
    outcomes: _Outcomes,
    lane: Lane | None,
    record: SQSRecord,
    lambda_context: LambdaContext | None = None,  # by this name, Powertools passes it in
) -> str:
    left = lambda_context.get_remaining_time_in_millis() if lambda_context else None
    if left is not None and left < work.reserve_ms:
        raise OutOfTime(f"{left} ms left, under the {work.reserve_ms} ms reserve")
    if record.message_id in requests:
        request = requests[record.message_id]
    else:
        request = work.parse(QueueMessage.of(record))
    if lane == "urgent":
        with LANES.urgent():
            outcome = work.handle(request)
    elif lane == "bulk":
        with LANES.bulk():
            LANES.step_aside()
            outcome = work.handle(request)
    else:
        outcome = work.handle(request)
    outcomes.add(outcome)
    return outcome


class ThreadedBatchProcessor(BatchProcessor):
    """Powertools' BatchProcessor with a batch's records handled on a few threads. Success and
    failure bookkeeping stay the library's (appends to lists, safe across threads), and so does
    the partial batch response. One per invocation: a processor holds its batch's state, and the
    embedded runtime runs concurrent invocations in one process."""

    def __init__(self, threads: int = 1) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.threads = threads

    def process(self) -> list[tuple]:
        if self.threads <= 1 or len(self.records) <= 1:
            return super().process()
        workers = min(self.threads, len(self.records))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="record") as pool:
            # the per-record step BatchProcessor.process itself maps over the records
            return list(pool.map(self._process_record, self.records))


class _Outcomes:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, outcome: str) -> None:
        with self._lock:
            self._counts[outcome] += 1

    def counts(self) -> list[tuple[str, int]]:
        with self._lock:
            return sorted(self._counts.items())
