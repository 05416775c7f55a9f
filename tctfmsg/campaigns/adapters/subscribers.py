"""SubscriberStore on two DynamoDB tables: subscribers (by email key) and list_members."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.ports import SubscriberPage
from tctfmsg.core.dynamodb import batch, codec
from tctfmsg.core.errors import NotFound

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
            TableName=self.table, Key={"email_key": {"S": key}}, ConsistentRead=True
        ).get("Item")
        return _subscriber(item) if item else None

    def get_many(self, keys: Sequence[str]) -> dict[str, Subscriber]:
        items = batch.get_all(self.client, self.table, [{"email_key": {"S": k}} for k in keys])
        return {s.key: s for s in map(_subscriber, items)}

    def save_many(
        self, subscribers: Sequence[Subscriber], memberships: Sequence[tuple[str, str]]
    ) -> None:
        requests = [(self.table, {"PutRequest": {"Item": _item(s)}}) for s in subscribers]
        requests += [
            (
                self.members_table,
                {"PutRequest": {"Item": {"list": {"S": lst}, "email_key": {"S": key}}}},
            )
            for lst, key in memberships
        ]
        batch.write_all(self.client, requests)

    def set_status(self, key: str, status: SubscriberStatus, at: datetime) -> Subscriber:
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key={"email_key": {"S": key}},
                UpdateExpression="SET #s = :s, updated_at = :t",
                ConditionExpression="attribute_exists(email_key)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": {"S": status.value}, ":t": {"S": at.isoformat()}},
                ReturnValues="ALL_NEW",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise NotFound(f"no subscriber {key}") from None
        return _subscriber(response["Attributes"])

    def delete(self, subscriber: Subscriber) -> None:
        requests = [
            (self.members_table, {"DeleteRequest": {"Key": _member_key(lst, subscriber.key)}})
            for lst in sorted(subscriber.lists)
        ]
        requests.append(
            (self.table, {"DeleteRequest": {"Key": {"email_key": {"S": subscriber.key}}}})
        )
        batch.write_all(self.client, requests)

    def scan(self, status: SubscriberStatus | None = None) -> Iterator[Subscriber]:
        request: dict[str, Any] = {"TableName": self.table}
        if status:
            request.update(_status_filter(status))
        for page in self.client.get_paginator("scan").paginate(**request):
            yield from map(_subscriber, page["Items"])

    def members(
        self, list_name: str, status: SubscriberStatus | None = None
    ) -> Iterator[Subscriber]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.members_table,
            KeyConditionExpression="#l = :l",
            ExpressionAttributeNames={"#l": "list"},
            ExpressionAttributeValues={":l": {"S": list_name}},
        )
        for page in pages:
            keys = [item["email_key"]["S"] for item in page["Items"]]
            found = self.get_many(keys)
            for key in keys:  # keep the list's order; a member deleted meanwhile is skipped
                subscriber = found.get(key)
                if subscriber and (status is None or subscriber.status is status):
                    yield subscriber

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
            request["ExclusiveStartKey"] = {"email_key": {"S": after}}
        response = self.client.scan(**request)
        last = response.get("LastEvaluatedKey")
        return [_subscriber(i) for i in response["Items"]], last and last["email_key"]["S"]

    def _members_after(
        self, after: str | None, chunk: int, list_name: str, status: SubscriberStatus | None
    ) -> tuple[list[Subscriber], str | None]:
        request: dict[str, Any] = {
            "TableName": self.members_table,
            "KeyConditionExpression": "#l = :l",
            "ExpressionAttributeNames": {"#l": "list"},
            "ExpressionAttributeValues": {":l": {"S": list_name}},
            "Limit": chunk,
        }
        if after is not None:
            request["ExclusiveStartKey"] = _member_key(list_name, after)
        response = self.client.query(**request)
        keys = [item["email_key"]["S"] for item in response["Items"]]
        found = self.get_many(keys)
        matching = [  # the list's order; a member deleted meanwhile is skipped
            s for k in keys if (s := found.get(k)) and status in (None, s.status)
        ]
        last = response.get("LastEvaluatedKey")
        return matching, last and last["email_key"]["S"]


def _item(s: Subscriber) -> dict[str, Any]:
    return codec.to_item(
        {
            "email_key": s.key,
            "email": s.email,
            "name": s.name,
            "status": s.status.value,
            "lists": set(s.lists) or None,  # DynamoDB refuses an empty set
            "attributes": dict(s.attributes),
            "created_at": codec.to_time(s.created_at) if s.created_at else None,
            "updated_at": codec.to_time(s.updated_at) if s.updated_at else None,
        }
    )


def _subscriber(item: dict[str, Any]) -> Subscriber:
    values = codec.from_item(item)
    return Subscriber(
        email=values["email"],
        name=values.get("name", ""),
        status=SubscriberStatus(values["status"]),
        lists=frozenset(values.get("lists", ())),
        attributes=values.get("attributes", {}),
        created_at=codec.from_time(values.get("created_at")),
        updated_at=codec.from_time(values.get("updated_at")),
    )


def _member_key(list_name: str, key: str) -> dict[str, Any]:
    return {"list": {"S": list_name}, "email_key": {"S": key}}


def _status_filter(status: SubscriberStatus) -> dict[str, Any]:
    return {
        "FilterExpression": "#s = :s",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": {"S": status.value}},
    }
