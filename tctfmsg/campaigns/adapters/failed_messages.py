"""FailedMessageStore on the failed_messages table (campaign look-ups by the by_campaign index)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from tctfmsg.campaigns.domain.failed_message import FailedMessage, FailureState
from tctfmsg.core.dynamodb import codec
from tctfmsg.core.errors import NotFound


class DynamoFailedMessageStore:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def record(self, failed: FailedMessage) -> None:
        self.client.put_item(TableName=self.table, Item=_item(failed))

    def get(self, failure_id: str) -> FailedMessage | None:
        item = self.client.get_item(
            TableName=self.table, Key={"failure_id": {"S": failure_id}}, ConsistentRead=True
        ).get("Item")
        return _failed(item) if item else None

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
                IndexName="by_campaign",
                KeyConditionExpression="campaign_id = :c",
                ExpressionAttributeValues={":c": {"S": campaign_id}},
            )
        else:
            pages = self.client.get_paginator("scan").paginate(TableName=self.table)
        for page in pages:
            for failed in map(_failed, page["Items"]):
                if reason not in (None, failed.reason) or state not in (None, failed.state):
                    continue
                yield failed

    def set_state(self, failure_id: str, state: FailureState, now: datetime) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"failure_id": {"S": failure_id}},
                UpdateExpression="SET #st = :st, updated_at = :now",
                ConditionExpression="attribute_exists(failure_id)",
                ExpressionAttributeNames={"#st": "state"},
                ExpressionAttributeValues={
                    ":st": {"S": state.value},
                    ":now": {"S": codec.to_time(now)},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise NotFound(f"no failed message {failure_id}") from None


def _item(f: FailedMessage) -> dict[str, Any]:
    return codec.to_item(
        {
            "failure_id": f.failure_id,
            "campaign_id": f.campaign_id,
            "email_key": f.email_key,
            "reason": f.reason,
            "detail": f.detail,
            "attempts": f.attempts,
            "body": f.body,
            "failed_at": codec.to_time(f.failed_at),
            "state": f.state.value,
            "updated_at": codec.to_time(f.updated_at) if f.updated_at else None,
        }
    )


def _failed(item: dict[str, Any]) -> FailedMessage:
    v = codec.from_item(item)
    return FailedMessage(
        failure_id=v["failure_id"],
        campaign_id=v["campaign_id"],
        email_key=v["email_key"],
        reason=v["reason"],
        detail=v.get("detail", ""),
        attempts=int(v.get("attempts", 0)),
        body=v.get("body", ""),
        failed_at=datetime.fromisoformat(v["failed_at"]),
        state=FailureState(v.get("state", FailureState.OPEN.value)),
        updated_at=datetime.fromisoformat(v["updated_at"]) if v.get("updated_at") else None,
    )
