"""SubscriberStore on two DynamoDB tables: subscribers (by email key) and list_members."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.ports import SubscriberPage
from tctfmsg.core.dynamodb import batch, codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping
from tctfmsg.core.dynamodb.size import ITEM_LIMIT, item_size
from tctfmsg.core.errors import NotFound, Unavailable

KEYS = KeyNames.of("subscribers")  # the case-folded address
MEMBERS = KeyNames.of("list_members")  # list, then address
SUBSCRIBER = ItemMapping(Subscriber, derived={KEYS.partition: lambda s: s.key})
_STATUS = {"#s": SUBSCRIBER.attribute("status")}
FILTERED_READ = 1000


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
        try:
            items = batch.get_all(self.client, self.table, [KEYS.key(k) for k in keys])
        except (BotoCoreError, ClientError) as exc:
            raise Unavailable(f"reading subscribers failed: {_cause(exc)}") from exc
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
        try:
            batch.write_all(self.client, requests)
        except (BotoCoreError, ClientError) as exc:
            raise Unavailable(f"writing subscribers failed: {_cause(exc)}") from exc

    def unstorable_reason(self, subscriber: Subscriber) -> str | None:
        if _surely_fits(subscriber):  # nearly every row: no item built twice
            return None
        try:
            size = item_size(SUBSCRIBER.to_item(subscriber))
        except TypeError as exc:
            return str(exc)
        if size > ITEM_LIMIT:
            return (
                f"too large to store: {size:,} bytes, over DynamoDB's {ITEM_LIMIT:,}-byte "
                "item limit"
            )
        return None

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

    def list_page(
        self,
        after: str | None,
        limit: int,
        *,
        list_name: str | None = None,
        status: SubscriberStatus | None = None,
    ) -> SubscriberPage:
        read = self._members_after if list_name else self._scan_after
        # A status filter may match few of the items read, so read more of them per request.
        chunk = limit if status is None else max(limit, FILTERED_READ)
        found: list[Subscriber] = []
        while True:
            matching, last = read(after, chunk, list_name or "", status)
            room = limit - len(found)
            if len(matching) > room:  # the page fills inside this chunk: go on after its end
                found += matching[:room]
                return SubscriberPage(found, found[-1].key)
            found += matching
            if last is None or len(found) == limit:
                return SubscriberPage(found, last)
            after = last

    def _scan_after(
        self, after: str | None, chunk: int, _: str, status: SubscriberStatus | None
    ) -> tuple[list[Subscriber], str | None]:
        request: dict[str, Any] = {"TableName": self.table, "Limit": chunk}
        if status:
            request.update(_status_filter(status))
        if after is not None:
            request["ExclusiveStartKey"] = KEYS.key(after)
        response = self.client.scan(**request)
        last = response.get("LastEvaluatedKey")
        found = [SUBSCRIBER.from_item(i) for i in response["Items"]]
        return found, last and last[KEYS.partition]["S"]

    def _members_after(
        self, after: str | None, chunk: int, list_name: str, status: SubscriberStatus | None
    ) -> tuple[list[Subscriber], str | None]:
        request: dict[str, Any] = {
            "TableName": self.members_table,
            "KeyConditionExpression": "#pk = :l",
            "ExpressionAttributeNames": {"#pk": MEMBERS.partition},
            "ExpressionAttributeValues": {":l": {"S": list_name}},
            "Limit": chunk,
        }
        if after is not None:
            request["ExclusiveStartKey"] = MEMBERS.key(list_name, after)
        response = self.client.query(**request)
        keys = [item[MEMBERS.sorted_by]["S"] for item in response["Items"]]
        found = self.get_many(keys)
        matching = [  # the list's order; a member deleted meanwhile is skipped
            s for k in keys if (s := found.get(k)) and status in (None, s.status)
        ]
        last = response.get("LastEvaluatedKey")
        return matching, last and last[MEMBERS.sorted_by]["S"]


def _surely_fits(subscriber: Subscriber) -> bool:
    """A cheap upper bound: no character takes more than 4 bytes in UTF-8, and a value's JSON
    (ASCII-escaped) is never shorter than a quarter of its DynamoDB size, its overhead
    (names, types, the timestamps and key) well inside the 4 KB allowed for it."""
    text = len(subscriber.email) + len(subscriber.name) + sum(map(len, subscriber.lists))
    attributes = len(json.dumps(subscriber.attributes, default=str))
    return 4 * (text + attributes) + 4096 < ITEM_LIMIT


def _cause(exc: BotoCoreError | ClientError) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}"[:300]
    return type(exc).__name__


def _status_filter(status: SubscriberStatus) -> dict[str, Any]:
    return {
        "FilterExpression": "#s = :s",
        "ExpressionAttributeNames": _STATUS,
        "ExpressionAttributeValues": {":s": {"S": status.value}},
    }
