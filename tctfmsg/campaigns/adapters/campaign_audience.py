"""AudienceSource on list_members: one page of a list's member keys after a saved cursor."""

from __future__ import annotations

from typing import Any

from tctfmsg.campaigns.ports import AudiencePage
from tctfmsg.core.dynamodb.keys import KeyNames

MEMBERS = KeyNames.of("list_members")  # list, then address: a list pages in address order


class DynamoAudienceSource:
    def __init__(self, members_table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = members_table
        self.client = client

    def page(self, list_name: str, cursor: str | None, limit: int) -> AudiencePage:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :l",
            "ExpressionAttributeNames": MEMBERS.names,
            "ExpressionAttributeValues": {":l": {"S": list_name}},
            "ProjectionExpression": "#sk",
            "Limit": limit,
            "ConsistentRead": True,
        }
        if cursor is not None:
            request["ExclusiveStartKey"] = MEMBERS.key(list_name, cursor)
        response = self.client.query(**request)
        keys = [item[MEMBERS.sorted_by]["S"] for item in response["Items"]]
        last = response.get("LastEvaluatedKey")
        if last is None:
            return AudiencePage(keys, None)
        return AudiencePage(keys, last[MEMBERS.sorted_by]["S"])
