"""ReceiptStore on chat_receipts and PinStore on chat_pins: what members mark on a conversation."""

from __future__ import annotations

from typing import Any

from tctfmsg.core.dynamodb import codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping
from tctfmsg.user_messages.domain.model import Pin, Receipt

RECEIPT_KEYS = KeyNames.of("chat_receipts")
PIN_KEYS = KeyNames.of("chat_pins")
RECEIPT = ItemMapping(Receipt)
PIN = ItemMapping(Pin)
MAX_PINS_LISTED = 100


class DynamoReceiptStore:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def advance(self, receipt: Receipt) -> bool:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=RECEIPT_KEYS.key(receipt.conversation_id, receipt.user_id),
                UpdateExpression="SET #seq = :seq, #at = :at",
                ConditionExpression="attribute_not_exists(#seq) OR #seq < :seq",
                ExpressionAttributeNames={
                    "#seq": RECEIPT.attribute("seq"),
                    "#at": RECEIPT.attribute("read_at"),
                },
                ExpressionAttributeValues={
                    ":seq": {"N": str(receipt.seq)},
                    ":at": {"S": codec.to_time(receipt.read_at)},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, conversation_id: str, user_id: str) -> Receipt | None:
        item = self.client.get_item(
            TableName=self.table,
            Key=RECEIPT_KEYS.key(conversation_id, user_id),
            ConsistentRead=True,
        ).get("Item")
        return RECEIPT.from_item(item) if item else None


class DynamoPinStore:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def pin(self, pin: Pin) -> None:
        self.client.put_item(TableName=self.table, Item=PIN.to_item(pin))

    def unpin(self, conversation_id: str, message_id: str) -> bool:
        old = self.client.delete_item(
            TableName=self.table,
            Key=PIN_KEYS.key(conversation_id, message_id),
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in old

    def of(self, conversation_id: str) -> list[Pin]:
        found = self.client.query(
            TableName=self.table,
            KeyConditionExpression="#pk = :c",
            ExpressionAttributeNames={"#pk": PIN_KEYS.partition},
            ExpressionAttributeValues={":c": {"S": conversation_id}},
            ConsistentRead=True,
            Limit=MAX_PINS_LISTED,
        )
        return [PIN.from_item(item) for item in found["Items"]]
