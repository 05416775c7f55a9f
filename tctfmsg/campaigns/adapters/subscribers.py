"""SubscriberStore on two DynamoDB tables: subscribers (by email key) and list_members."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.core.dynamodb import batch, codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping
from tctfmsg.core.errors import NotFound

KEYS = KeyNames.of("subscribers")  # the case-folded address
MEMBERS = KeyNames.of("list_members")  # list, then address
SUBSCRIBER = ItemMapping(Subscriber, derived={KEYS.partition: lambda s: s.key})
_STATUS = {"#s": SUBSCRIBER.attribute("status")}


class DynamoSubscriberStore:
    def __init__(self, subscribers_table: str, members_table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = subscribers_table
        self.members_table = members_table
        self.client = client

    def get(self, key: str) -> Subscriber | None:
        item = self.client.get_item(
            TableName=self.table, Key=KEYS.key(key), ConsistentRead=True
        ).get("Item")
        return SUBSCRIBER.from_item(item) if item else None

    def get_many(self, keys: Sequence[str]) -> dict[str, Subscriber]:
        items = batch.get_all(self.client, self.table, [KEYS.key(k) for k in keys])
        return {s.key: s for s in map(SUBSCRIBER.from_item, items)}

    def save_many(
        self, subscribers: Sequence[Subscriber], memberships: Sequence[tuple[str, str]]
    ) -> None:
        requests = [
            (self.table, {"PutRequest": {"Item": SUBSCRIBER.to_item(s)}}) for s in subscribers
        ]
        requests += [
            (self.members_table, {"PutRequest": {"Item": MEMBERS.key(lst, key)}})
            for lst, key in memberships
        ]
        batch.write_all(self.client, requests)

    def set_status(self, key: str, status: SubscriberStatus, at: datetime) -> Subscriber:
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key=KEYS.key(key),
                UpdateExpression="SET #s = :s, updated_at = :t",
                ConditionExpression="attribute_exists(#pk)",
                ExpressionAttributeNames={**_STATUS, "#pk": KEYS.partition},
                ExpressionAttributeValues={
                    ":s": {"S": status.value},
                    ":t": {"S": codec.to_time(at)},  # as every stored time: UTC, microseconds
                },
                ReturnValues="ALL_NEW",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise NotFound(f"no subscriber {key}") from None
        return SUBSCRIBER.from_item(response["Attributes"])

    def delete(self, subscriber: Subscriber) -> None:
        requests = [
            (self.members_table, {"DeleteRequest": {"Key": MEMBERS.key(lst, subscriber.key)}})
            for lst in sorted(subscriber.lists)
        ]
        requests.append((self.table, {"DeleteRequest": {"Key": KEYS.key(subscriber.key)}}))
        batch.write_all(self.client, requests)

    def scan(self, status: SubscriberStatus | None = None) -> Iterator[Subscriber]:
        request: dict[str, Any] = {"TableName": self.table}
        if status:
            request.update(_status_filter(status))
        for page in self.client.get_paginator("scan").paginate(**request):
            yield from map(SUBSCRIBER.from_item, page["Items"])

    def members(
        self, list_name: str, status: SubscriberStatus | None = None
    ) -> Iterator[Subscriber]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.members_table,
            KeyConditionExpression="#pk = :l",
            ExpressionAttributeNames={"#pk": MEMBERS.partition},
            ExpressionAttributeValues={":l": {"S": list_name}},
        )
        for page in pages:
            keys = [item[MEMBERS.sorted_by]["S"] for item in page["Items"]]
            found = self.get_many(keys)
            for key in keys:  # keep the list's order; a member deleted meanwhile is skipped
                subscriber = found.get(key)
                if subscriber and (status is None or subscriber.status is status):
                    yield subscriber


def _status_filter(status: SubscriberStatus) -> dict[str, Any]:
    return {
        "FilterExpression": "#s = :s",
        "ExpressionAttributeNames": _STATUS,
        "ExpressionAttributeValues": {":s": {"S": status.value}},
    }
