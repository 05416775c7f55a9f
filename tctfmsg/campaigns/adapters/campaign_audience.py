"""AudienceSource on list_members: one page of a list's member keys after a saved cursor."""

from __future__ import annotations

from typing import Any

from tctfmsg.campaigns.ports import AudiencePage


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
            "KeyConditionExpression": "#l = :l",
            "ExpressionAttributeNames": {"#l": "list"},
            "ExpressionAttributeValues": {":l": {"S": list_name}},
            "ProjectionExpression": "email_key",
            "Limit": limit,
            "ConsistentRead": True,
        }
        if cursor is not None:
            request["ExclusiveStartKey"] = {"list": {"S": list_name}, "email_key": {"S": cursor}}
        response = self.client.query(**request)
        keys = [item["email_key"]["S"] for item in response["Items"]]
        last = response.get("LastEvaluatedKey")
        if last is None:
            return AudiencePage(keys, None)
        return AudiencePage(keys, last["email_key"]["S"])
