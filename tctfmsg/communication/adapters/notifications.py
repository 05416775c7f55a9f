"""NotificationStore on the notifications table: created once by conditional put (its id is the
idempotency key's), moved between statuses by conditional update, listed through its indexes."""

from __future__ import annotations

import builtins
import heapq
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tctfmsg.communication.domain.notification import (
    Notification,
    NotificationStatus,
    Recipient,
)
from tctfmsg.communication.ports import NotificationPage
from tctfmsg.core.dynamodb import codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping, Spread
from tctfmsg.core.errors import InvalidInput

KEEP_FOR = timedelta(days=30)  # the record, and so its idempotency key, lives this long
KEYS = KeyNames.of("notifications")
BY_USER = KeyNames.of("notifications", "by_user")
BY_STATUS = KeyNames.of("notifications", "by_status")
NOTIFICATION = ItemMapping(
    Notification,
    spread={
        "recipient": Spread(
            ("recipient_email", "recipient_phone"),
            write=lambda r: {"recipient_email": r.email, "recipient_phone": r.phone},
            read=lambda v: Recipient(v.get("recipient_email"), v.get("recipient_phone")),
        ),
        # attempts live in the attempt ledger, one item per channel
        "attempts": Spread((), write=lambda _: {}, read=lambda _: ()),
    },
    derived={"expires_at": lambda n: int((n.created_at + KEEP_FOR).timestamp())},
)


class DynamoNotificationStore:
    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def create(self, notification: Notification) -> Notification | None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=NOTIFICATION.to_item(notification),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": KEYS.partition},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            item = exc.response.get("Item") or self._item(notification.notification_id)
            return NOTIFICATION.from_item(item) if item else None
        return None

    def get(self, notification_id: str) -> Notification | None:
        item = self._item(notification_id)
        return NOTIFICATION.from_item(item) if item else None

    def update(
        self,
        notification_id: str,
        status: NotificationStatus,
        at: datetime,
        *,
        expect: Sequence[NotificationStatus] = (),
        **fields: object,
    ) -> Notification | None:
        names = {"#pk": KEYS.partition, "#s": NOTIFICATION.attribute("status")}
        values: dict[str, Any] = {":s": {"S": status.value}, ":at": _value(at)}
        sets = ["#s = :s", "#updated = :at"]
        names["#updated"] = NOTIFICATION.attribute("updated_at")
        for i, (name, value) in enumerate(fields.items()):
            if value is None:
                continue
            names[f"#f{i}"] = NOTIFICATION.attribute(name)
            values[f":f{i}"] = _value(value)
            sets.append(f"#f{i} = :f{i}")
        condition = "attribute_exists(#pk)"
        if expect:
            allowed = [f":e{i}" for i in range(len(expect))]
            values.update({a: {"S": s.value} for a, s in zip(allowed, expect, strict=True)})
            condition += f" AND #s IN ({', '.join(allowed)})"
        try:
            item = self.client.update_item(
                TableName=self.table,
                Key=KEYS.key(notification_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except self.client.exceptions.ConditionalCheckFailedException:
            return None
        return NOTIFICATION.from_item(item)

    def list(
        self,
        *,
        user_id: str | None = None,
        status: NotificationStatus | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> NotificationPage:
        """Newest first. By user or by status through their indexes; neither: the newest of
        every status, merged (never a scan)."""
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000")
        if user_id is not None:
            found = self._query(BY_USER, user_id, limit, after)
            if status is not None:
                found = [n for n in found if n.status == status]
        else:
            statuses = [status] if status else list(NotificationStatus)
            streams = [self._query(BY_STATUS, s.value, limit, after) for s in statuses]
            found = list(heapq.merge(*streams, key=lambda n: n.created_at, reverse=True))
        page = found[:limit]
        more = len(found) > limit
        return NotificationPage(page, codec.to_time(page[-1].created_at) if more else None)

    def _query(
        self, index: KeyNames, value: str, limit: int, after: str | None
    ) -> builtins.list[Notification]:
        condition = "#pk = :v"
        values: dict[str, Any] = {":v": {"S": value}}
        if after is not None:
            condition += " AND #sk < :after"
            values[":after"] = {"S": after}
        found: builtins.list[Notification] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index.index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": {k: v for k, v in index.names.items() if k in condition},
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        while len(found) <= limit:
            answer = self.client.query(**request)
            found += [NOTIFICATION.from_item(i) for i in answer.get("Items", [])]
            if "LastEvaluatedKey" not in answer:
                break
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        return found

    def _item(self, notification_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(
            TableName=self.table, Key=KEYS.key(notification_id), ConsistentRead=True
        ).get("Item")
        return item


def _value(value: object) -> dict[str, Any]:
    if isinstance(value, datetime):
        return {"S": codec.to_time(value)}
    return codec.to_value(value)
