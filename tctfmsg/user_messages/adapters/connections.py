"""ConnectionStore on the chat_connections table; a user's connections through by_user.

A stored connection never changes (its user and expiry are set at $connect), and a frame only
ever comes from an open one, so `get` answers a connection this process has seen from memory:
every chat frame names its caller by connection id, and this spares that read. `delete`
forgets it; the memory is bounded.
"""

from __future__ import annotations

import threading
from typing import Any

from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping
from tctfmsg.user_messages.domain.model import Connection

KEYS = KeyNames.of("chat_connections")
BY_USER = KeyNames.of("chat_connections", "by_user")
CONNECTION = ItemMapping(Connection)
MAX_PER_USER = 100  # far above any real user's devices; a bound on one routing read
MAX_REMEMBERED = 10_000  # connections answered from memory; the oldest is forgotten first


class DynamoConnectionStore:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client
        self._seen: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def put(self, connection: Connection) -> None:
        self.client.put_item(TableName=self.table, Item=CONNECTION.to_item(connection))
        self._remember(connection)

    def get(self, connection_id: str) -> Connection | None:
        with self._lock:
            seen = self._seen.get(connection_id)
        if seen is not None:
            return seen
        item = self.client.get_item(
            TableName=self.table, Key=KEYS.key(connection_id), ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        connection = CONNECTION.from_item(item)
        self._remember(connection)
        return connection

    def _remember(self, connection: Connection) -> None:
        with self._lock:
            if len(self._seen) >= MAX_REMEMBERED:
                self._seen.pop(next(iter(self._seen)))
            self._seen[connection.connection_id] = connection

    def delete(self, connection_id: str) -> None:
        with self._lock:
            self._seen.pop(connection_id, None)
        self.client.delete_item(TableName=self.table, Key=KEYS.key(connection_id))

    def of_user(self, user_id: str) -> list[Connection]:
        found = self.client.query(
            TableName=self.table,
            IndexName=BY_USER.index,
            KeyConditionExpression="#pk = :u",
            ExpressionAttributeNames={"#pk": BY_USER.partition},
            ExpressionAttributeValues={":u": {"S": user_id}},
            Limit=MAX_PER_USER,
        )
        return [CONNECTION.from_item(item) for item in found["Items"]]

    def every(self, limit: int = 1000) -> list[Connection]:
        found: list[Connection] = []
        for page in self.client.get_paginator("scan").paginate(
            TableName=self.table, PaginationConfig={"MaxItems": limit}
        ):
            found += [CONNECTION.from_item(item) for item in page["Items"]]
        return found[:limit]
