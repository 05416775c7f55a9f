"""AttemptLedger on the notification_attempts table: one item per notification and channel,
claimed by a conditional put before anything is sent, settled by the claim's holder only."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from tctfmsg.communication.domain.notification import Attempt, AttemptOutcome
from tctfmsg.core.dynamodb import codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping

KEEP_FOR = timedelta(days=30)
KEYS = KeyNames.of("notification_attempts")
ATTEMPT = ItemMapping(Attempt)


class DynamoAttemptLedger:
    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def claim(self, notification_id: str, channel: str, to: str, token: str, at: datetime) -> bool:
        """Only a channel never tried, or tried while all its providers were down (nothing was
        sent), can be claimed."""
        attempt = Attempt(channel, AttemptOutcome.SENDING, to or None, at=at, claim=token)
        item = {
            **ATTEMPT.to_item(attempt),
            KEYS.partition: {"S": notification_id},
            "expires_at": {"N": str(int((at + KEEP_FOR).timestamp()))},
        }
        try:
            self.client.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression="attribute_not_exists(#pk) OR #o = :unavailable",
                ExpressionAttributeNames={"#pk": KEYS.partition, "#o": "outcome"},
                ExpressionAttributeValues={":unavailable": {"S": AttemptOutcome.UNAVAILABLE}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def settle(self, notification_id: str, attempt: Attempt) -> None:
        item = {
            **ATTEMPT.to_item(attempt),
            KEYS.partition: {"S": notification_id},
            "expires_at": {"N": str(int(((attempt.at or _now()) + KEEP_FOR).timestamp()))},
        }
        # a claim no longer ours is not overwritten: what its holder records stands
        with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):
            self.client.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression="#c = :token",
                ExpressionAttributeNames={"#c": "claim"},
                ExpressionAttributeValues={":token": {"S": attempt.claim or ""}},
            )

    def attempts(self, notification_id: str) -> list[Attempt]:
        items = self.client.query(
            TableName=self.table,
            KeyConditionExpression="#pk = :id",
            ExpressionAttributeNames={"#pk": KEYS.partition},
            ExpressionAttributeValues={":id": {"S": notification_id}},
            ConsistentRead=True,
        ).get("Items", [])
        found = [ATTEMPT.from_item(i) for i in items]
        return sorted(found, key=lambda a: codec.to_time(a.at) if a.at else "")


def _now() -> datetime:
    return datetime.now(UTC)
