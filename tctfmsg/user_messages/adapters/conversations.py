"""ConversationStore on chat_conversations (the item and its seq counter) and chat_members (a
user's conversations by key, a conversation's members through by_conversation)."""

from __future__ import annotations

from typing import Any

from tctfmsg.core.dynamodb.batch import write_all
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping
from tctfmsg.core.errors import Conflict
from tctfmsg.user_messages.domain.model import Conversation, NotAMember

KEYS = KeyNames.of("chat_conversations")
MEMBER_KEYS = KeyNames.of("chat_members")
BY_CONVERSATION = KeyNames.of("chat_members", "by_conversation")
CONVERSATION = ItemMapping(Conversation)


class DynamoConversationStore:
    def __init__(self, conversations_table: str, members_table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = conversations_table
        self.members_table = members_table
        self.client = client

    def create(self, conversation: Conversation) -> None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=CONVERSATION.to_item(conversation),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": KEYS.partition},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise Conflict(f"conversation {conversation.conversation_id} exists") from None
        requests = [
            (self.members_table, {"PutRequest": {"Item": self._member(member, conversation)}})
            for member in sorted(conversation.members)
        ]
        write_all(self.client, requests)

    @staticmethod
    def _member(user_id: str, conversation: Conversation) -> dict[str, Any]:
        return MEMBER_KEYS.key(user_id, conversation.conversation_id)

    def get(self, conversation_id: str) -> Conversation | None:
        item = self.client.get_item(
            TableName=self.table, Key=KEYS.key(conversation_id), ConsistentRead=True
        ).get("Item")
        return CONVERSATION.from_item(item) if item else None

    def members(self, conversation_id: str) -> list[str]:
        return [
            item[BY_CONVERSATION.sorted_by]["S"]
            for item in self._query(
                IndexName=BY_CONVERSATION.index,
                KeyConditionExpression="#pk = :v",
                ExpressionAttributeNames={"#pk": BY_CONVERSATION.partition},
                ExpressionAttributeValues={":v": {"S": conversation_id}},
            )
        ]

    def is_member(self, conversation_id: str, user_id: str) -> bool:
        found = self.client.get_item(
            TableName=self.members_table,
            Key=MEMBER_KEYS.key(user_id, conversation_id),
            ConsistentRead=True,
        )
        return "Item" in found

    def of_user(self, user_id: str, limit: int = 100) -> list[str]:
        items = self._query(
            KeyConditionExpression="#pk = :v",
            ExpressionAttributeNames={"#pk": MEMBER_KEYS.partition},
            ExpressionAttributeValues={":v": {"S": user_id}},
            PaginationConfig={"MaxItems": limit},
        )
        return [item[MEMBER_KEYS.sorted_by]["S"] for item in items][:limit]

    def _query(self, **request: Any) -> list[dict[str, Any]]:
        pages = self.client.get_paginator("query").paginate(TableName=self.members_table, **request)
        return [item for page in pages for item in page["Items"]]

    def take_seq(self, conversation_id: str, member: str) -> Conversation:
        try:
            updated = self.client.update_item(
                TableName=self.table,
                Key=KEYS.key(conversation_id),
                UpdateExpression="ADD #seq :one",
                # false for a conversation that is not there: ADD would have made one
                ConditionExpression="contains(#members, :member)",
                ExpressionAttributeNames={
                    "#seq": CONVERSATION.attribute("last_seq"),
                    "#members": CONVERSATION.attribute("members"),
                },
                ExpressionAttributeValues={":one": {"N": "1"}, ":member": {"S": member}},
                ReturnValues="ALL_NEW",  # the members too: routing needs no second read
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise NotAMember.of(conversation_id) from None
        return CONVERSATION.from_item(updated["Attributes"])

    def every(self, limit: int = 1000) -> list[Conversation]:
        found: list[Conversation] = []
        for page in self.client.get_paginator("scan").paginate(
            TableName=self.table, PaginationConfig={"MaxItems": limit}
        ):
            found += [CONVERSATION.from_item(item) for item in page["Items"]]
        return found[:limit]
