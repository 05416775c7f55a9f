"""ProviderEventQueue on SQS: the normalised events of a verified webhook, ten a call; a
webhook answered 200 must have every event in, so what SQS does not take fails the call and
the provider sends the webhook again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tctfmsg.core.errors import Throttled
from tctfmsg.core.sqs_queue import NamedQueue
from tctfmsg.email.events.model import ProviderEvent

BATCH = 10
ROUNDS = 3


class SqsProviderEventQueue(NamedQueue):
    def __init__(self, queue_name: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("sqs")
        super().__init__(queue_name, client)

    def send(self, events: Sequence[ProviderEvent]) -> int:
        bodies = [event.to_json() for event in events]
        for start in range(0, len(bodies), BATCH):
            pending = {str(i): b for i, b in enumerate(bodies[start : start + BATCH])}
            for _ in range(ROUNDS):
                entries = [{"Id": i, "MessageBody": b} for i, b in pending.items()]
                answer = self.client.send_message_batch(QueueUrl=self.url, Entries=entries)
                pending = {f["Id"]: pending[f["Id"]] for f in answer.get("Failed") or []}
                if not pending:
                    break
            if pending:
                raise Throttled(
                    f"SQS did not take {len(pending)} provider event(s)",
                    "the provider retries the webhook",
                )
        return len(bodies)
