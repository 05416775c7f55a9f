"""UserStore on the users table: one item per user, written only over the revision it was read
at, and a dead push token taken out of its string set in one atomic update."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from uuid import uuid4

from botocore.exceptions import ClientError

from tctfmsg.communication.domain.user import QuietHours, User
from tctfmsg.communication.ports import UserChanged
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping, Spread
from tctfmsg.core.errors import ConfigurationError, Throttled

KEYS = KeyNames.of("users")
PUSH_TOKENS = "push_tokens"
USER = ItemMapping(
    User,
    renamed={"user_id": KEYS.partition},
    spread={
        # A string set, so a dead token leaves in one DELETE; a user's devices have no order.
        "push_tokens": Spread(
            (PUSH_TOKENS,),
            write=lambda tokens: {PUSH_TOKENS: set(tokens) or None},
            read=lambda v: tuple(sorted(v.get(PUSH_TOKENS, ()))),
        ),
        "quiet_hours": Spread(
            ("quiet_hours",),
            write=lambda q: {"quiet_hours": str(q) if q else None},
            read=lambda v: QuietHours.parse(v["quiet_hours"]) if "quiet_hours" in v else None,
        ),
    },
)
REVISION = USER.attribute("revision")
THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
}


class DynamoUserStore:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def get(self, user_id: str) -> User | None:
        with _translated(self.table):
            item = self.client.get_item(
                TableName=self.table, Key=KEYS.key(user_id), ConsistentRead=True
            ).get("Item")
        return USER.from_item(item) if item else None

    def put(self, user: User) -> User:
        stored = replace(user, revision=uuid4().hex)
        request: dict[str, Any] = {"TableName": self.table, "Item": USER.to_item(stored)}
        if user.revision is not None:
            request.update(
                ConditionExpression="#r = :r",
                ExpressionAttributeNames={"#r": REVISION},
                ExpressionAttributeValues={":r": {"S": user.revision}},
            )
        try:
            with _translated(self.table):
                self.client.put_item(**request)
        except self.client.exceptions.ConditionalCheckFailedException:
            raise UserChanged(
                f"user {user.user_id} was changed by someone else meanwhile",
                "read it again and repeat the change",
            ) from None
        return stored

    def delete(self, user_id: str) -> bool:
        with _translated(self.table):
            response = self.client.delete_item(
                TableName=self.table, Key=KEYS.key(user_id), ReturnValues="ALL_OLD"
            )
        return bool(response.get("Attributes"))

    def remove_push_token(self, user_id: str, token: str) -> None:
        """Takes the token out of the stored set in one update, whatever else is changing the
        user meanwhile, and gives the user a new revision, so a write read before it cannot
        bring the token back; a user or token already gone is not an error."""
        try:
            with _translated(self.table):
                self.client.update_item(
                    TableName=self.table,
                    Key=KEYS.key(user_id),
                    UpdateExpression="DELETE #t :t SET #r = :r",
                    ConditionExpression="contains(#t, :token)",
                    ExpressionAttributeNames={
                        "#t": PUSH_TOKENS,
                        "#r": REVISION,
                    },
                    ExpressionAttributeValues={
                        ":t": {"SS": [token]},
                        ":token": {"S": token},
                        ":r": {"S": uuid4().hex},
                    },
                )
        except self.client.exceptions.ConditionalCheckFailedException:
            return


@contextmanager
def _translated(table: str) -> Iterator[None]:
    """DynamoDB's refusals as the platform's errors; a failed condition passes through, for
    the caller to say what it means."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in THROTTLED:
            raise Throttled(f"DynamoDB is throttling table {table}", "try again shortly") from None
        if code == "ResourceNotFoundException":
            raise ConfigurationError(
                f"no table {table}", "is the communication stack deployed (or `local up`)?"
            ) from None
        raise
