"""ScheduleStore on chat_schedules: what is due is read through the sparse by_due index, whose
partition attribute exists only while a schedule is pending."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tctfmsg.core.dynamodb import codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping
from tctfmsg.user_messages.domain.model import Schedule

KEYS = KeyNames.of("chat_schedules")
BY_DUE = KeyNames.of("chat_schedules", "by_due")
PENDING = "pending"
SCHEDULE = ItemMapping(Schedule, derived={BY_DUE.partition: lambda _: PENDING})


class DynamoScheduleStore:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def add(self, schedule: Schedule) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=SCHEDULE.to_item(schedule),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": KEYS.partition},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, schedule_id: str) -> Schedule | None:
        item = self.client.get_item(
            TableName=self.table, Key=KEYS.key(schedule_id), ConsistentRead=True
        ).get("Item")
        return SCHEDULE.from_item(item) if item else None

    def due(self, now: datetime, limit: int) -> list[Schedule]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            IndexName=BY_DUE.index,
            KeyConditionExpression="#pk = :p AND #sk <= :now",
            ExpressionAttributeNames=BY_DUE.names,
            ExpressionAttributeValues={":p": {"S": PENDING}, ":now": {"S": codec.to_time(now)}},
            PaginationConfig={"MaxItems": limit},
        )
        return [SCHEDULE.from_item(item) for page in pages for item in page["Items"]][:limit]

    def remove(self, schedule_id: str) -> bool:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=KEYS.key(schedule_id),
                ConditionExpression="attribute_exists(#pk)",
                ExpressionAttributeNames={"#pk": KEYS.partition},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True
