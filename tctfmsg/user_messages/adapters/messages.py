"""MessageStore on chat_messages (keyed by conversation and seq, with each message's search
words) and chat_client_ids (one claim per sender and client_msg_id, written in the same
transaction as its message, so a message and its claim exist together or not at all)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping, Spread
from tctfmsg.core.errors import Conflict
from tctfmsg.user_messages.domain.model import Message
from tctfmsg.user_messages.domain.words import words
from tctfmsg.user_messages.ports import MessagePage

KEYS = KeyNames.of("chat_messages")
CLAIM_KEYS = KeyNames.of("chat_client_ids")
CLAIM_KEPT = timedelta(days=30)  # how long a resend is recognised
MAX_SEARCH_READ = 5000  # messages one search may read before answering what it found
WORDS = "words"  # the message's normalized words, for search
VOID = "void"  # a seq taken by a send that lost a resend race: no message, no gap
MESSAGE = ItemMapping(
    Message,
    spread={
        "attachments": Spread(
            ("attachments",),
            lambda ids: {"attachments": list(ids) or None},
            lambda stored: tuple(stored.get("attachments", ())),
        )
    },
    derived={WORDS: lambda m: words(m.text) or None},
)


class DynamoMessageStore:
    def __init__(self, messages_table: str, client_ids_table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = messages_table
        self.claims = client_ids_table
        self.client = client

    def add(self, message: Message) -> Message:
        claim_id = _claim(message.sender, message.client_msg_id)
        claim = {
            **CLAIM_KEYS.key(message.conversation_id, claim_id),
            KEYS.sorted_by: {"N": str(message.seq)},
            "expires_at": {"N": str(int((message.sent_at + CLAIM_KEPT).timestamp()))},
        }
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {"Put": self._new(self.table, MESSAGE.to_item(message), KEYS.sorted_by)},
                    {"Put": self._new(self.claims, claim, CLAIM_KEYS.sorted_by)},
                ]
            )
        except self.client.exceptions.TransactionCanceledException as cancelled:
            reasons = [r.get("Code") for r in cancelled.response.get("CancellationReasons", [])]
            earlier = self.by_client_id(
                message.conversation_id, message.sender, message.client_msg_id
            )
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed" and earlier:
                return earlier
            raise Conflict(
                f"seq {message.seq} of {message.conversation_id} is taken", "send it again"
            ) from None
        return message

    @staticmethod
    def _new(table: str, item: dict[str, Any], sort_key: str) -> dict[str, Any]:
        return {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(#sk)",
            "ExpressionAttributeNames": {"#sk": sort_key},
        }

    def by_client_id(self, conversation_id: str, sender: str, client_msg_id: str) -> Message | None:
        claim = self.client.get_item(
            TableName=self.claims,
            Key=CLAIM_KEYS.key(conversation_id, _claim(sender, client_msg_id)),
            ConsistentRead=True,
        ).get("Item")
        if claim is None:
            return None
        return self.get(conversation_id, int(claim[KEYS.sorted_by]["N"]))

    def get(self, conversation_id: str, seq: int) -> Message | None:
        item = self.client.get_item(
            TableName=self.table, Key=self._key(conversation_id, seq), ConsistentRead=True
        ).get("Item")
        return MESSAGE.from_item(item) if item and VOID not in item else None

    def after(self, conversation_id: str, after_seq: int, limit: int) -> MessagePage:
        found = self.client.query(
            TableName=self.table,
            KeyConditionExpression="#pk = :c AND #sk > :a",
            ExpressionAttributeNames=KEYS.names,
            ExpressionAttributeValues={":c": {"S": conversation_id}, ":a": {"N": str(after_seq)}},
            ConsistentRead=True,
            Limit=limit,
        )
        items = found["Items"]
        more = "LastEvaluatedKey" in found and items
        return MessagePage(
            [MESSAGE.from_item(item) for item in items if VOID not in item],
            int(items[-1][KEYS.sorted_by]["N"]) if more else None,
        )

    def search(self, conversation_id: str, words: Iterable[str], limit: int) -> list[Message]:
        wanted = list(words)
        condition = " AND ".join(f"contains(#words, :w{i})" for i in range(len(wanted)))
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="#pk = :c",
            FilterExpression=condition,
            ExpressionAttributeNames={"#pk": KEYS.partition, "#words": WORDS},
            ExpressionAttributeValues={
                ":c": {"S": conversation_id},
                **{f":w{i}": {"S": w} for i, w in enumerate(wanted)},
            },
            ScanIndexForward=False,  # newest first
            PaginationConfig={"PageSize": 500},
        )
        found: list[Message] = []
        read = 0
        for page in pages:
            found += [MESSAGE.from_item(item) for item in page["Items"]]
            read += page.get("ScannedCount", 0)
            if len(found) >= limit or read >= MAX_SEARCH_READ:
                break
        return found[:limit]

    def mark_void(self, conversation_id: str, seq: int) -> None:
        # Something there already leaves no gap to fill.
        with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):
            self.client.put_item(
                TableName=self.table,
                Item={**self._key(conversation_id, seq), VOID: {"BOOL": True}},
                ConditionExpression="attribute_not_exists(#sk)",
                ExpressionAttributeNames={"#sk": KEYS.sorted_by},
            )

    @staticmethod
    def _key(conversation_id: str, seq: int) -> dict[str, Any]:
        return {KEYS.partition: {"S": conversation_id}, KEYS.sorted_by: {"N": str(seq)}}


def _claim(sender: str, client_msg_id: str) -> str:
    """The claim's key: "/" is in no id, so no two (sender, id) pairs share one."""
    return f"{sender}/{client_msg_id}"
