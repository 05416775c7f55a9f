"""The embedded stack's Lambda runtime: runs the handlers of `lambdas/` in this process, the way
AWS would run them (docs/decisions/0044).

- SQS event sources: per function, `max_concurrency` pollers long-poll the queue for up to
  `batch_size` messages with every attribute, call the handler with the exact event AWS builds,
  and delete only the records not named in `batchItemFailures`. The rest reappear after the
  visibility timeout, and moto moves a message to the dead-letter queue after max receives.
- Schedules: the every-N-minutes rules, with EventBridge's scheduled event.
- Invoke: Lambda's Invoke API on its own port, so the one `LambdaInvoker` adapter (and any
  boto3 `lambda` client) starts functions here as it does in AWS.
- Pacing: on AWS each instance of a sending function paces itself to its share of each
  provider's rate (TCTFMSG_SEND_SHARE, from the spec's rate budget). Here every handler runs in
  this one process: each sending function's service root builds its own email sender, whose
  pacer takes that function's whole share and is shared by its pollers (tctfmsg.email.pacer),
  so one function's backlog never delays another's sends.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from http.server import ThreadingHTTPServer
from typing import Any

from tctfmsg.core import resources
from tctfmsg.core.resources import FunctionSpec
from tctfmsg.local import invoke_api
from tctfmsg.local.components import StackContext

log = logging.getLogger("tctfmsg.local.runtime")

ACCOUNT = "123456789012"
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalContext:
    """What a handler sees of Lambda's context object."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    deadline: float
    stopping: threading.Event
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        if self.stopping.is_set():  # shutting down: long runs save and hand on at once
            return 0
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class FunctionRuntime:
    name = "functions"

    def __init__(
        self,
        functions: tuple[FunctionSpec, ...] = resources.FUNCTIONS,
        *,
        visibility_timeout_s: int | None = None,
        schedule_s: float | None = None,
        wait_s: int | None = None,
        idle_s: float = 0.2,
        sqs: Any = None,
    ) -> None:
        self.functions = functions
        self.visibility_timeout_s = visibility_timeout_s
        self.schedule_s = schedule_s
        # None: long polls of a second where the stack's durable endpoint answers them (it wakes
        # a receive only for a send to its queue), short polls with a pause when the queue is
        # empty where moto does (it wakes every long-polling receiver on every message sent,
        # and each rescans the whole queue: with a deep queue that turns fan-out quadratic)
        self.wait_s = wait_s
        self.idle_s = idle_s
        self._sqs = sqs
        self.stopping = threading.Event()
        self._handlers: dict[str, Handler] = {}
        self._threads: list[threading.Thread] = []
        self._executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="invoke")
        self._server: ThreadingHTTPServer | None = None
        self.region = "us-east-1"
        self.stage = "local"

    def start(self, context: StackContext) -> dict[str, str]:
        from tctfmsg.core import settings

        self.stage = context.stage
        self.stopping, self._threads = threading.Event(), []  # fresh: the supervisor restarts
        self._executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="invoke")
        url = f"http://127.0.0.1:{context.port('lambda')}"
        current = settings.load()
        self.region = current.region
        if self.visibility_timeout_s is None:
            self.visibility_timeout_s = current.local_visibility_timeout_s
        if self.schedule_s is None:
            self.schedule_s = current.local_schedule_s
        if self.wait_s is None:
            self.wait_s = current.local_poll_wait_s
        if self.wait_s is None:
            self.wait_s = 1 if current.local_durable else 0
        for spec in self.functions:
            self._handlers[spec.logical] = _load(spec.handler)
        api = invoke_api.handler(self, invoke_api.Guard.of(context.home))  # signed only (0083)
        self._server = ThreadingHTTPServer(("127.0.0.1", context.port("lambda")), api)
        self._spawn("invoke-api", self._server.serve_forever)
        for spec in self.functions:
            if spec.queue_source:
                for i in range(spec.queue_source.max_concurrency):
                    self._spawn(f"poll-{spec.logical}-{i}", partial(self._poll, spec))
            if spec.schedule_minutes:
                self._spawn(f"rule-{spec.logical}", partial(self._schedule, spec))
        log.info("function runtime up at %s: %s", url, ", ".join(self._handlers))
        return {"lambda": url}

    def stop(self) -> None:
        self.stopping.set()
        for thread in self._threads:
            if thread.name != "invoke-api":
                thread.join(timeout=60)
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        log.info("function runtime stopped")

    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def spec(self, name: str) -> FunctionSpec | None:
        name = name.rsplit(":", 1)[-1] if name.startswith("arn:") else name
        for spec in self.functions:
            if name in (spec.logical, spec.physical_name(self.stage)):
                return spec
        return None

    def invoke(self, spec: FunctionSpec, event: dict[str, Any]) -> Any:
        context = LocalContext(
            function_name=spec.physical_name(self.stage),
            memory_limit_in_mb=spec.memory_mb,
            invoked_function_arn=(
                f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{spec.physical_name(self.stage)}"
            ),
            deadline=time.monotonic() + spec.timeout_s,
            stopping=self.stopping,
        )
        return self._handlers[spec.logical](event, context)

    def invoke_async(self, spec: FunctionSpec, event: dict[str, Any]) -> None:
        def run() -> None:
            try:
                self.invoke(spec, event)
            except Exception:
                log.exception("%s failed on an async invoke", spec.logical)

        self._executor.submit(run)

    # ---- SQS event source --------------------------------------------------------------

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            from tctfmsg.core import clients

            self._sqs = clients.client("sqs")
        return self._sqs

    def _poll(self, spec: FunctionSpec) -> None:
        source = spec.queue_source
        assert source is not None
        queue_name = resources.queue(source.queue).physical_name(self.stage)
        url = arn = ""
        # an MFA code waits for at most this long to be seen: transactional queues are polled
        # more often (an empty receive costs the local endpoint little)
        idle = min(self.idle_s, 0.05) if spec.send_class == "transactional" else self.idle_s
        while not self.stopping.is_set():
            try:
                if not url:
                    url = self.sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
                    arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                        "Attributes"
                    ]["QueueArn"]
                if not self.poll_once(spec, url, arn, source.batch_size) and not self.wait_s:
                    self.stopping.wait(idle)
            except Exception:
                log.exception("poller of %s failed; retrying", spec.logical)
                self.stopping.wait(1.0)

    def poll_once(self, spec: FunctionSpec, url: str, arn: str, batch_size: int) -> int:
        """One receive, one handler call, deletes of the successes. Returns records handled."""
        request: dict[str, Any] = {
            "QueueUrl": url,
            "MaxNumberOfMessages": batch_size,
            "WaitTimeSeconds": self.wait_s or 0,
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        }
        # the shorter test timeout is for work queues (the ones with a dead-letter queue)
        if (
            self.visibility_timeout_s
            and spec.queue_source
            and resources.queue(spec.queue_source.queue).dead_letter is not None
        ):
            request["VisibilityTimeout"] = self.visibility_timeout_s
        messages = self.sqs.receive_message(**request).get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(messages, arn, self.region)
        try:
            result = self.invoke(spec, event)
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:
            # An invocation error fails the whole batch, as in AWS: nothing is deleted.
            log.exception("%s raised; the whole batch returns to the queue", spec.logical)
            return len(messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + 10])
            ]
            self.sqs.delete_message_batch(QueueUrl=url, Entries=entries)
        return len(messages)

    # ---- schedules ---------------------------------------------------------------------

    def _schedule(self, spec: FunctionSpec) -> None:
        period = self.schedule_s or (spec.schedule_minutes or 1) * 60.0
        while not self.stopping.wait(period):
            self.invoke_async(spec, scheduled_event(spec, self.stage, self.region))


_ITEM_LOCK = threading.RLock()
# held around moto's API handler, which builds its answer (ALL_NEW, a read's item) from the live
# item: the backend alone would let another write change it before the answer is made
_SERIALISED = (
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_write_items",
    "get_item",
    "batch_get_item",
    "query",
    "scan",
    "transact_get_items",
)


def serialise_dynamodb() -> None:
    """Make moto's DynamoDB writes atomic, and its reads isolated, as DynamoDB's are.

    moto server answers requests on several threads and checks a ConditionExpression, then
    writes, with nothing in between held: two consumers claiming the same delivery at the same
    instant could both win, and concurrent ADDs could lose one. Every exactly-once guarantee of
    the pipeline rests on conditional writes being atomic, so the embedded stack serialises
    them, answer included (an ADD's new value read after another ADD gave two senders one
    seq). moto also applies an update's actions to the stored item one by one, so a read on
    another thread could see a status already SET and the fields beside it not yet: reads take
    the same lock. Call it in the process that runs moto server, before it serves."""
    for cls, name in serialised_methods():
        method = getattr(cls, name)
        if getattr(method, "_tctfmsg_serialised", False):
            continue

        def serialised(self: Any, *args: Any, _original: Any = method, **kwargs: Any) -> Any:
            with _ITEM_LOCK:
                return _original(self, *args, **kwargs)

        serialised._tctfmsg_serialised = True  # type: ignore[attr-defined]
        setattr(cls, name, serialised)


def serialised_methods() -> list[tuple[type, str]]:
    """The moto methods `serialise_dynamodb` wraps, for a test to put back."""
    from moto.dynamodb.responses import DynamoHandler

    return [(DynamoHandler, name) for name in _SERIALISED]


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS poller hands a function, record for record."""
    records = []
    for m in messages:
        attributes = m.get("Attributes", {})
        record = {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": {
                "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                "SentTimestamp": attributes.get("SentTimestamp", ""),
                "SenderId": attributes.get("SenderId", ACCOUNT),
                "ApproximateFirstReceiveTimestamp": attributes.get(
                    "ApproximateFirstReceiveTimestamp", ""
                ),
                **{
                    k: v
                    for k, v in attributes.items()
                    if k in ("MessageGroupId", "MessageDeduplicationId", "SequenceNumber")
                },
            },
            "messageAttributes": {
                name: _message_attribute(value)
                for name, value in m.get("MessageAttributes", {}).items()
            },
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
        if "MD5OfMessageAttributes" in m:
            record["md5OfMessageAttributes"] = m["MD5OfMessageAttributes"]
        records.append(record)
    return {"Records": records}


def scheduled_event(spec: FunctionSpec, stage: str, region: str) -> dict[str, Any]:
    rule = f"arn:aws:events:{region}:{ACCOUNT}:rule/{spec.physical_name(stage)}-schedule"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule],
        "detail": {},
    }


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value.get("DataType", "String"),
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        import base64

        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return converted


def _load(reference: str) -> Handler:
    module, _, attribute = reference.partition(":")
    handler: Handler = getattr(importlib.import_module(module), attribute)
    return handler
