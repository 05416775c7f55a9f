"""DeliveryQueue on SQS: SendMessageBatch, ten a call, calls in parallel, partial failures
retried with backoff until every message is in or the attempts run out."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from tctfmsg.campaigns.domain.delivery import DeliveryRequest
from tctfmsg.core.errors import ConfigurationError, Throttled
from tctfmsg.core.lanes import LANES
from tctfmsg.core.sqs_queue import NamedQueue

BATCH = 10
MAX_ROUNDS = 8
WORKERS = 8


class SqsDeliveryQueue(NamedQueue):
    def __init__(self, queue_name: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("sqs")
        super().__init__(queue_name, client)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def send(self, requests: Sequence[DeliveryRequest]) -> int:
        bodies = [r.to_body() for r in requests]
        chunks = [bodies[i : i + BATCH] for i in range(0, len(bodies), BATCH)]
        if len(chunks) <= 1:
            return sum(map(self._send_batch, chunks))
        # One pool of WORKERS for every caller: sends of two pages in flight at once share it,
        # so the next page's calls fill the slots the last one's tail leaves, and no more than
        # WORKERS calls are ever out.
        return sum(self._workers().map(self._send_batch, chunks))

    def _workers(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                # campaign deliveries are bulk work (core/lanes.py)
                self._pool = ThreadPoolExecutor(WORKERS, "sqs-send", initializer=LANES.mark_bulk)
            return self._pool

    def depth(self) -> int:
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(v) for v in attributes.values())

    def _send_batch(self, bodies: list[str]) -> int:
        pending = {str(i): body for i, body in enumerate(bodies)}
        url = self.url
        for attempt in range(MAX_ROUNDS):
            entries = [{"Id": i, "MessageBody": body} for i, body in pending.items()]
            try:
                response = self.client.send_message_batch(QueueUrl=url, Entries=entries)
            except ClientError as exc:
                if not _transient(exc.response["Error"].get("Code", "")):
                    raise
                response = {"Failed": [{"Id": i, "SenderFault": False} for i in pending]}
            failed = response.get("Failed") or []
            permanent = [f for f in failed if f.get("SenderFault")]
            if permanent:
                reason = permanent[0].get("Message")
                raise ConfigurationError(f"SQS refused {len(permanent)} message(s): {reason}")
            pending = {f["Id"]: pending[f["Id"]] for f in failed}
            if not pending:
                return len(bodies)
            time.sleep(min(0.05 * 2**attempt, 2.0))
        raise Throttled(
            f"SQS did not take {len(pending)} delivery message(s) after {MAX_ROUNDS} tries",
            "the scheduler resumes from its saved cursor on its next run",
        )


def _transient(code: str) -> bool:
    return code in {
        "ThrottlingException",
        "RequestThrottled",
        "ServiceUnavailable",
        "InternalError",
        "KmsThrottled",
        "AWS.SimpleQueueService.ServiceUnavailable",
    }
