"""FailedMessageStore on the failed_messages table (campaign look-ups by the by_campaign index)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from tctfmsg.campaigns.domain.failed_message import FailedMessage, FailureState
from tctfmsg.core.dynamodb import codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping
from tctfmsg.core.errors import NotFound

KEYS = KeyNames.of("failed_messages")
BY_CAMPAIGN = KeyNames.of("failed_messages", "by_campaign")
# Items written before detail, attempts and body were always stored read as empty.
FAILED = ItemMapping(FailedMessage, read_defaults={"detail": "", "attempts": 0, "body": ""})


class DynamoFailedMessageStore:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def record(self, failed: FailedMessage) -> None:
        self.client.put_item(TableName=self.table, Item=FAILED.to_item(failed))

    def get(self, failure_id: str) -> FailedMessage | None:
        item = self.client.get_item(
            TableName=self.table, Key=KEYS.key(failure_id), ConsistentRead=True
        ).get("Item")
        return FAILED.from_item(item) if item else None

    def list(
        self,
        *,
        campaign_id: str | None = None,
        reason: str | None = None,
        state: FailureState | None = FailureState.OPEN,
    ) -> Iterator[FailedMessage]:
        if campaign_id:
            pages = self.client.get_paginator("query").paginate(
                TableName=self.table,
                IndexName=BY_CAMPAIGN.index,
                KeyConditionExpression="#pk = :c",
                ExpressionAttributeNames={"#pk": BY_CAMPAIGN.partition},
                ExpressionAttributeValues={":c": {"S": campaign_id}},
            )
        else:
            pages = self.client.get_paginator("scan").paginate(TableName=self.table)
        for page in pages:
            for failed in map(FAILED.from_item, page["Items"]):
                if reason not in (None, failed.reason) or state not in (None, failed.state):
                    continue
                yield failed

    def set_state(self, failure_id: str, state: FailureState, now: datetime) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=KEYS.key(failure_id),
                UpdateExpression="SET #st = :st, updated_at = :now",
                ConditionExpression="attribute_exists(#pk)",
                ExpressionAttributeNames={"#st": FAILED.attribute("state"), "#pk": KEYS.partition},
                ExpressionAttributeValues={
                    ":st": {"S": state.value},
                    ":now": {"S": codec.to_time(now)},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise NotFound(f"no failed message {failure_id}") from None
