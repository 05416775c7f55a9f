"""The provider-events dead-letter queue on SQS (DeadLetterQueue), and sending its messages to
the main queue again (DeadLetterDestination). A call SQS refuses whole answers every message
of it as not done, with SQS's error code: nothing is assumed to have happened."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tctfmsg.campaigns.ports import DeadLetter
from tctfmsg.core.sqs_queue import NamedQueue

BATCH = 10  # SQS's most per receive, send, change or delete call
WAIT_S = 1  # long polling asks every SQS host: an empty answer means empty, not unlucky


class SqsDeadLetters(NamedQueue):
    def borrow(self, most: int, hide_s: int) -> list[DeadLetter]:
        answer = self.client.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max(1, min(BATCH, most)),
            VisibilityTimeout=hide_s,
            WaitTimeSeconds=WAIT_S,
            MessageSystemAttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
            MessageAttributeNames=["All"],
        )
        return [_letter(m) for m in answer.get("Messages") or []]

    def give_back(self, letters: Sequence[DeadLetter]) -> None:
        for start in range(0, len(letters), BATCH):
            entries = [
                {"Id": str(i), "ReceiptHandle": letter.receipt, "VisibilityTimeout": 0}
                for i, letter in enumerate(letters[start : start + BATCH])
            ]
            # one that is not given back shows again when its hiding time ends
            self.client.change_message_visibility_batch(QueueUrl=self.url, Entries=entries)

    def remove(self, letters: Sequence[DeadLetter]) -> dict[str, str]:
        def call(chunk: Sequence[DeadLetter]) -> dict[str, Any]:
            entries = [{"Id": str(i), "ReceiptHandle": x.receipt} for i, x in enumerate(chunk)]
            return self.client.delete_message_batch(QueueUrl=self.url, Entries=entries)

        return _batched(letters, call)


class SqsDeadLetterDestination(NamedQueue):
    def requeue(self, letters: Sequence[DeadLetter]) -> dict[str, str]:
        def call(chunk: Sequence[DeadLetter]) -> dict[str, Any]:
            entries = []
            for i, letter in enumerate(chunk):
                entry: dict[str, Any] = {"Id": str(i), "MessageBody": letter.body}
                if letter.attributes:
                    entry["MessageAttributes"] = dict(letter.attributes)
                entries.append(entry)
            return self.client.send_message_batch(QueueUrl=self.url, Entries=entries)

        return _batched(letters, call)


def _batched(letters: Sequence[DeadLetter], call: Any) -> dict[str, str]:
    """Why, by message id, for each letter the batched call did not do."""
    undone: dict[str, str] = {}
    for start in range(0, len(letters), BATCH):
        chunk = letters[start : start + BATCH]
        try:
            answer = call(chunk)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            undone.update({letter.message_id: f"SQS refused the call: {code}" for letter in chunk})
            continue
        except BotoCoreError as exc:
            undone.update({letter.message_id: f"SQS unreachable: {exc}" for letter in chunk})
            continue
        for failed in answer.get("Failed") or []:
            letter = chunk[int(failed["Id"])]
            undone[letter.message_id] = f"SQS refused it: {failed.get('Code', 'error')}"
    return undone


def _letter(message: dict[str, Any]) -> DeadLetter:
    system = message.get("Attributes") or {}
    sent = system.get("SentTimestamp")
    return DeadLetter(
        message_id=message["MessageId"],
        body=message.get("Body", ""),
        receipt=message["ReceiptHandle"],
        sent_at=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
        receives=int(system.get("ApproximateReceiveCount", 0)),
        attributes=message.get("MessageAttributes") or {},
    )
