"""DeliveryLedger on the deliveries table. Every change is a conditional update on the
record's status (and, while SENDING, on the claim token): that is what makes redelivery,
crashes, resume and retry unable to send a recipient the campaign twice."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from tctfmsg.adapters.dynamodb import batch, codec
from tctfmsg.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.services.ports import Created

PUT_WORKERS = 8


class DynamoDeliveryLedger:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def create_many(self, deliveries: Sequence[Delivery]) -> Created:
        # Records are created only by the fan-out, and only while it holds the campaign's
        # lease, which outlasts any run (docs/decisions/0045). So a consistent read of which
        # exist, then batch writes of the others, cannot race another creator, and never
        # overwrites a record a consumer has moved on (it reads as existing): a re-run never
        # turns SENT back into PENDING. About 1/20 of the calls of one conditional put each.
        # A page past everything written so far (every page but one after a crash) needs only
        # one query to know that none of its records exists.
        existing: set[str] = set()
        if self._any_between(deliveries):
            keys = [_key(d.campaign_id, d.email_key) for d in deliveries]
            found = batch.get_all(
                self.client, self.table, keys, consistent=True, projection="email_key"
            )
            existing = {item["email_key"]["S"] for item in found}
        fresh = [d for d in deliveries if d.email_key not in existing]
        with ThreadPoolExecutor(max_workers=PUT_WORKERS) as pool:
            chunks = [
                fresh[i : i + batch.WRITE_BATCH] for i in range(0, len(fresh), batch.WRITE_BATCH)
            ]
            list(pool.map(self._put_all, chunks))
        return Created(
            [d.email_key for d in fresh],
            [d.email_key for d in deliveries if d.email_key in existing],
        )

    def _any_between(self, deliveries: Sequence[Delivery]) -> bool:
        """Whether any record exists with a key from the lowest to the highest of these."""
        if not deliveries:
            return False
        campaigns = {d.campaign_id for d in deliveries}
        if len(campaigns) != 1:
            return True  # no single range to look in: read them all
        keys = [d.email_key for d in deliveries]
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="campaign_id = :c AND email_key BETWEEN :lo AND :hi",
            ExpressionAttributeValues={
                ":c": {"S": campaigns.pop()},
                ":lo": {"S": min(keys)},
                ":hi": {"S": max(keys)},
            },
            ProjectionExpression="email_key",
            ConsistentRead=True,
            Limit=1,
        )
        return bool(response["Items"])

    def _put_all(self, deliveries: Sequence[Delivery]) -> None:
        batch.write_all(
            self.client, [(self.table, {"PutRequest": {"Item": _item(d)}}) for d in deliveries]
        )

    def get(self, campaign_id: str, email_key: str) -> Delivery | None:
        item = self.client.get_item(
            TableName=self.table, Key=_key(campaign_id, email_key), ConsistentRead=True
        ).get("Item")
        return _delivery(item) if item else None

    def get_many(self, campaign_id: str, keys: Sequence[str]) -> dict[str, Delivery]:
        items = batch.get_all(self.client, self.table, [_key(campaign_id, k) for k in keys])
        return {d.email_key: d for d in map(_delivery, items)}

    def claim(
        self, campaign_id: str, email_key: str, token: str, until: datetime, now: datetime
    ) -> Delivery | None:
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key=_key(campaign_id, email_key),
                UpdateExpression=(
                    "SET #s = :sending, open_status = :sending, claim = :t, claimed_until = :u,"
                    " updated_at = :now ADD attempts :one"
                ),
                ConditionExpression="#s = :pending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":sending": {"S": DeliveryStatus.SENDING.value},
                    ":pending": {"S": DeliveryStatus.PENDING.value},
                    ":t": {"S": token},
                    ":u": _s(until),
                    ":now": _s(now),
                    ":one": {"N": "1"},
                },
                ReturnValues="ALL_NEW",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return None
        return _delivery(response["Attributes"])

    def finish(
        self,
        campaign_id: str,
        email_key: str,
        token: str,
        status: DeliveryStatus,
        now: datetime,
        *,
        provider: str | None = None,
        message_id: str | None = None,
        reason: str | None = None,
    ) -> bool:
        assert not status.open, status
        sets = {"#s": status.value, "updated_at": codec.to_time(now), "provider": provider}
        sets |= {"provider_message_id": message_id, "reason": reason}
        return self._update(
            campaign_id,
            email_key,
            sets,
            remove=("open_status", "claim", "claimed_until"),
            condition="#s = :expected AND claim = :token",
            condition_values={":expected": DeliveryStatus.SENDING.value, ":token": token},
        )

    def release(
        self, campaign_id: str, email_key: str, token: str, reason: str, now: datetime
    ) -> bool:
        pending = DeliveryStatus.PENDING.value
        return self._update(
            campaign_id,
            email_key,
            {
                "#s": pending,
                "open_status": pending,
                "reason": reason,
                "updated_at": codec.to_time(now),
            },
            remove=("claim", "claimed_until"),
            condition="#s = :expected AND claim = :token",
            condition_values={":expected": DeliveryStatus.SENDING.value, ":token": token},
        )

    def settle(
        self,
        campaign_id: str,
        email_key: str,
        expected: DeliveryStatus,
        to: DeliveryStatus,
        reason: str | None,
        now: datetime,
        *,
        stale_before: datetime | None = None,
    ) -> bool:
        sets: dict[str, str | None] = {
            "#s": to.value,
            "updated_at": codec.to_time(now),
            "reason": reason,
        }
        remove: tuple[str, ...] = ("claim", "claimed_until")
        if to.open:
            sets["open_status"] = to.value
        else:
            remove += ("open_status",)
        condition = "#s = :expected"
        values = {":expected": expected.value}
        if stale_before is not None:
            condition += " AND (attribute_not_exists(claimed_until) OR claimed_until <= :stale)"
            values[":stale"] = codec.to_time(stale_before)
        return self._update(campaign_id, email_key, sets, remove, condition, values)

    def open_keys(self, campaign_id: str, status: DeliveryStatus | None = None) -> Iterator[str]:
        condition = "campaign_id = :c"
        values: dict[str, Any] = {":c": {"S": campaign_id}}
        if status is not None:
            condition += " AND open_status = :s"
            values[":s"] = {"S": status.value}
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            IndexName="by_open",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ProjectionExpression="email_key",
        )
        for page in pages:
            for item in page["Items"]:
                yield item["email_key"]["S"]

    def count_by_status(self, campaign_id: str) -> dict[DeliveryStatus, int]:
        counts = dict.fromkeys(DeliveryStatus, 0)
        for item in self._query(campaign_id, projection="#s"):
            counts[DeliveryStatus(item["status"]["S"])] += 1
        return counts

    def list(self, campaign_id: str, status: DeliveryStatus | None = None) -> Iterator[Delivery]:
        for item in self._query(campaign_id):
            delivery = _delivery(item)
            if status in (None, delivery.status):
                yield delivery

    def _query(self, campaign_id: str, projection: str | None = None) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "campaign_id = :c",
            "ExpressionAttributeValues": {":c": {"S": campaign_id}},
            "ConsistentRead": True,
        }
        if projection:
            request["ProjectionExpression"] = projection
            request["ExpressionAttributeNames"] = {"#s": "status"}
        for page in self.client.get_paginator("query").paginate(**request):
            yield from page["Items"]

    def _update(
        self,
        campaign_id: str,
        email_key: str,
        sets: dict[str, str | None],
        remove: tuple[str, ...],
        condition: str,
        condition_values: dict[str, str],
    ) -> bool:
        values = {k: {"S": v} for k, v in condition_values.items()}
        assignments = []
        for i, (name, value) in enumerate(sets.items()):
            if value is None:
                remove += (name,)
                continue
            assignments.append(f"{name} = :v{i}")
            values[f":v{i}"] = {"S": value}
        expression = "SET " + ", ".join(assignments)
        if remove:
            expression += " REMOVE " + ", ".join(dict.fromkeys(remove))
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_key(campaign_id, email_key),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values,
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _key(campaign_id: str, email_key: str) -> dict[str, Any]:
    return {"campaign_id": {"S": campaign_id}, "email_key": {"S": email_key}}


def _s(value: datetime) -> dict[str, str]:
    return {"S": codec.to_time(value)}


def _item(d: Delivery) -> dict[str, Any]:
    return codec.to_item(
        {
            "campaign_id": d.campaign_id,
            "email_key": d.email_key,
            "status": d.status.value,
            "open_status": d.status.value if d.status.open else None,
            "attempts": d.attempts,
            "reason": d.reason,
            "updated_at": codec.to_time(d.updated_at) if d.updated_at else None,
        }
    )


def _delivery(item: dict[str, Any]) -> Delivery:
    v = codec.from_item(item)
    return Delivery(
        campaign_id=v["campaign_id"],
        email_key=v["email_key"],
        status=DeliveryStatus(v["status"]),
        attempts=int(v.get("attempts", 0)),
        claim=v.get("claim"),
        claimed_until=codec.from_time(v.get("claimed_until")),
        provider=v.get("provider"),
        provider_message_id=v.get("provider_message_id"),
        reason=v.get("reason"),
        updated_at=codec.from_time(v.get("updated_at")),
    )
