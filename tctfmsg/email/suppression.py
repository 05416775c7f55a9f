"""The suppression list: addresses no service sends to any more (a permanent bounce, a
complaint, an operator's word). It belongs to the backbone, so every send of every service
consults it (FailoverSender) and no service can forget to.

One item per case-folded address. An item with a `reason` is a suppression; an item without
one only counts the address's transient bounces in a row, until a delivery resets the count or
the count reaches its limit and the address is suppressed (docs/decisions/0077).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from tctfmsg.core.dynamodb import codec


class SuppressionReason(StrEnum):
    BOUNCED = "bounced"  # a permanent bounce, or too many transient ones in a row
    COMPLAINED = "complained"  # the recipient marked it as spam
    MANUAL = "manual"  # an operator put it there


@dataclass(frozen=True)
class Suppression:
    address: str
    reason: SuppressionReason
    source: str  # what put it there: "ses:<feedback id>", "resend:<svix id>", "cli"
    detail: str = ""
    created_at: datetime | None = None

    @property
    def key(self) -> str:
        return suppression_key(self.address)


def suppression_key(address: str) -> str:
    """Addresses that differ only in case are one entry (as subscribers are)."""
    return address.strip().lower()


class SuppressionList(Protocol):
    def find(self, address: str) -> Suppression | None: ...

    def find_many(self, addresses: Sequence[str]) -> dict[str, Suppression]:
        """The suppressed ones among `addresses` (at most 100), by suppression_key."""
        ...

    def add(self, suppression: Suppression) -> bool:
        """Suppresses the address; False if it already was (the first reason stays)."""
        ...

    def remove(self, address: str) -> Suppression | None:
        """Lifts it (and forgets its transient bounces); the entry it removed, if any."""
        ...

    def entries(self, reason: SuppressionReason | None = None) -> Iterator[Suppression]: ...

    def count_transient_bounce(self, address: str, now: datetime) -> int:
        """Adds one to the address's transient bounces in a row and returns the new count."""
        ...

    def reset_transient_bounces(self, address: str) -> None: ...


class DynamoSuppressionList:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def find(self, address: str) -> Suppression | None:
        item = self.client.get_item(TableName=self.table, Key=_key(address)).get("Item")
        return _suppression(item) if item else None

    def find_many(self, addresses: Sequence[str]) -> dict[str, Suppression]:
        keys = list({suppression_key(a): _key(a) for a in addresses}.values())[:100]
        found: dict[str, Suppression] = {}
        request = {self.table: {"Keys": keys}} if keys else {}
        for _ in range(8):  # unprocessed keys come back under load; ask again for those
            if not request:
                break
            answer = self.client.batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(self.table, []):
                entry = _suppression(item)
                if entry is not None:
                    found[entry.key] = entry
            request = answer.get("UnprocessedKeys") or {}
        return found

    def add(self, suppression: Suppression) -> bool:
        values = {
            ":a": suppression.address,
            ":r": suppression.reason.value,
            ":s": suppression.source,
            ":d": suppression.detail,
            ":t": codec.to_time(suppression.created_at) if suppression.created_at else "",
        }
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_key(suppression.address),
                UpdateExpression="SET #a = :a, #r = :r, #s = :s, #d = :d, #t = :t",
                ConditionExpression="attribute_not_exists(#r)",
                ExpressionAttributeNames={
                    "#a": "address",
                    "#r": "reason",
                    "#s": "source",
                    "#d": "detail",
                    "#t": "created_at",
                },
                ExpressionAttributeValues=codec.to_item(values),
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def remove(self, address: str) -> Suppression | None:
        old = self.client.delete_item(
            TableName=self.table, Key=_key(address), ReturnValues="ALL_OLD"
        ).get("Attributes")
        return _suppression(old) if old else None

    def entries(self, reason: SuppressionReason | None = None) -> Iterator[Suppression]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "attribute_exists(#r)",
            "ExpressionAttributeNames": {"#r": "reason"},
        }
        if reason is not None:
            request["FilterExpression"] = "#r = :r"
            request["ExpressionAttributeValues"] = {":r": {"S": reason.value}}
        for page in self.client.get_paginator("scan").paginate(**request):
            for item in page["Items"]:
                found = _suppression(item)
                if found is not None:
                    yield found

    def count_transient_bounce(self, address: str, now: datetime) -> int:
        answer = self.client.update_item(
            TableName=self.table,
            Key=_key(address),
            UpdateExpression="SET #a = :a, last_transient_at = :t ADD transient_bounces :one",
            ExpressionAttributeNames={"#a": "address"},
            ExpressionAttributeValues=codec.to_item(
                {":a": address, ":t": codec.to_time(now), ":one": 1}
            ),
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["transient_bounces"]["N"])

    def reset_transient_bounces(self, address: str) -> None:
        try:  # only an entry that counts some: a delivery to a clean address writes nothing
            self.client.update_item(
                TableName=self.table,
                Key=_key(address),
                UpdateExpression="REMOVE transient_bounces, last_transient_at",
                ConditionExpression="attribute_exists(transient_bounces)",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return


def _key(address: str) -> dict[str, Any]:
    return {"email_key": {"S": suppression_key(address)}}


def _suppression(item: dict[str, Any]) -> Suppression | None:
    values = codec.from_item(item)
    reason = str(values.get("reason", ""))
    if reason not in SuppressionReason.__members__.values():
        return None  # only counts transient bounces
    return Suppression(
        address=str(values.get("address") or values["email_key"]),
        reason=SuppressionReason(reason),
        source=str(values.get("source", "")),
        detail=str(values.get("detail", "")),
        created_at=codec.from_time(values.get("created_at") or None),
    )
