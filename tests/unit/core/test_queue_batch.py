"""The SQS batch mechanics every queue-fed handler shares, on hand-written fakes."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import UnexpectedBatchTypeError

from tctfmsg.core.queue_batch import BatchWork, QueueBatch, QueueMessage

pytestmark = pytest.mark.unit


def _event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": f"r-{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "3"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def _failed(response: Any) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


class Context:
    function_name = "f"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    aws_request_id = "req-1"

    def __init__(self, remaining_ms: int = 60_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Metrics:
    def __init__(self) -> None:
        self.added: list[tuple[str, float, str]] = []

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.added.append((name, value, threading.current_thread().name))


class Log:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def exception(self, msg: str) -> None:
        self.errors.append(msg)


class Work(BatchWork[str]):
    """Bodies are outcome names; "boom" raises, "bad" does not parse."""

    def __init__(self, reserve_ms: int = 0) -> None:
        self.reserve_ms = reserve_ms
        self.handled: list[str] = []
        self.read: list[list[str]] = []
        self.finished = 0
        self.parsed: list[QueueMessage] = []

    def parse(self, message: QueueMessage) -> str:
        self.parsed.append(message)
        if message.body == "bad":
            raise ValueError("not a request")
        return message.body

    def read_ahead(self, requests: Sequence[str]) -> None:
        self.read.append(list(requests))

    def handle(self, request: str) -> str:
        if request == "boom":
            raise RuntimeError("boom")
        self.handled.append(request)
        return request

    def finish(self) -> None:
        self.finished += 1


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def batches(metrics: Metrics, log: Log) -> QueueBatch:
    return QueueBatch(log=log, metrics=metrics, metric="Thing-{outcome}")


def test_a_record_that_raises_is_the_only_one_reported_failed(batches: QueueBatch) -> None:
    work = Work()

    response = batches.process(_event("sent", "boom", "skipped"), Context(), work)

    assert _failed(response) == ["m-1"]
    assert sorted(work.handled) == ["sent", "skipped"]


def test_a_malformed_record_fails_alone_and_the_read_ahead_sees_only_the_others(
    batches: QueueBatch,
) -> None:
    work = Work()

    response = batches.process(_event("sent", "bad", "sent"), Context(), work)

    assert _failed(response) == ["m-1"]
    assert work.read == [["sent", "sent"]]
    assert work.handled == ["sent", "sent"]


def test_each_record_is_parsed_once_and_sees_its_receive_count(batches: QueueBatch) -> None:
    work = Work()

    batches.process(_event("sent", "sent"), Context(), work)

    assert [(m.message_id, m.receives) for m in work.parsed] == [("m-0", 3), ("m-1", 3)]


def test_no_record_is_started_inside_the_time_reserve(batches: QueueBatch) -> None:
    work = Work(reserve_ms=15_000)

    response = batches.process(_event("sent", "sent"), Context(remaining_ms=14_999), work)

    assert _failed(response) == ["m-0", "m-1"]
    assert work.handled == []


def test_records_are_handled_while_the_time_left_covers_the_reserve(batches: QueueBatch) -> None:
    work = Work(reserve_ms=15_000)

    response = batches.process(_event("sent"), Context(remaining_ms=15_000), work)

    assert _failed(response) == []
    assert work.handled == ["sent"]


class _Together(Work):
    """Lets no record finish until `parties` records are being handled at once."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=5)
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def handle(self, request: str) -> str:
        with self.lock:
            self.threads.add(threading.current_thread().name)
        self.barrier.wait()  # broken (the record failed) if the others never come
        return super().handle(request)


def test_outcomes_from_every_thread_are_counted_and_published_once_after_the_batch(
    batches: QueueBatch, metrics: Metrics
) -> None:
    work = _Together(parties=4)
    bodies = ["sent", "sent", "skipped", "sent", "held", "sent", "skipped", "sent"]

    response = batches.process(_event(*bodies), Context(), work, threads=4)

    assert _failed(response) == []
    assert len(work.threads) == 4
    caller = threading.current_thread().name
    assert metrics.added == [
        ("Thing-held", 1, caller),
        ("Thing-sent", 5, caller),
        ("Thing-skipped", 2, caller),
    ]


def test_one_thread_handles_the_records_in_order_on_the_calling_thread(
    batches: QueueBatch,
) -> None:
    seen: list[str] = []

    class Observed(Work):
        def handle(self, request: str) -> str:
            seen.append(threading.current_thread().name)
            return super().handle(request)

    work = Observed()
    batches.process(_event("a", "b", "c"), Context(), work, threads=1)

    assert work.handled == ["a", "b", "c"]
    assert seen == [threading.current_thread().name] * 3


def test_finish_runs_once_even_when_every_record_raises(batches: QueueBatch) -> None:
    work = Work()

    response = batches.process(_event("boom", "boom"), Context(), work, threads=2)

    assert _failed(response) == ["m-0", "m-1"]
    assert work.finished == 1


def test_finish_runs_even_when_the_event_is_not_an_sqs_batch(batches: QueueBatch) -> None:
    work = Work()

    with pytest.raises(UnexpectedBatchTypeError):
        batches.process({"Records": "nonsense"}, Context(), work)

    assert work.finished == 1


def test_a_failing_finish_is_logged_and_the_records_answers_stand(
    batches: QueueBatch, log: Log
) -> None:
    class FinishFails(Work):
        def finish(self) -> None:
            raise RuntimeError("counter table down")

    response = batches.process(_event("sent", "boom"), Context(), FinishFails())

    assert _failed(response) == ["m-1"]
    assert log.errors == ["could not finish this batch"]


def test_a_failed_read_ahead_is_logged_and_every_record_is_still_handled(
    batches: QueueBatch, log: Log
) -> None:
    class ReadFails(Work):
        def read_ahead(self, requests: Sequence[str]) -> None:
            raise RuntimeError("table throttled")

    work = ReadFails()

    response = batches.process(_event("sent", "sent"), Context(), work)

    assert _failed(response) == []
    assert work.handled == ["sent", "sent"]
    assert log.errors == ["could not read this batch ahead"]


def test_a_batch_without_a_context_is_handled_without_a_reserve(batches: QueueBatch) -> None:
    work = Work(reserve_ms=15_000)

    response = batches.process(_event("sent"), None, work)

    assert _failed(response) == []
    assert work.handled == ["sent"]
