"""DeliveryLedger on the deliveries table. Every change is a conditional update on the
record's status (and, while SENDING, on the claim token): that is what makes redelivery,
crashes, resume and retry unable to send a recipient the campaign twice.

A recipient's delivery starts PENDING with no item of its own, listed on its fan-out page
(delivery_pages, docs/decisions/0048); its first claim, skip or cancel creates the item. This
module is the claim and settle half; keys and item mapping are in delivery_records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from tctfmsg.campaigns.adapters.delivery_pages import DeliveryPages
from tctfmsg.campaigns.adapters.delivery_records import (
    BY_OPEN,
    DELIVERY,
    KEYS,
    STATUS,
    query,
    recipient,
    unclaimed,
)
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus, Reason
from tctfmsg.campaigns.ports import Created
from tctfmsg.core.dynamodb import batch, codec

_OPEN_STATUS = BY_OPEN.sorted_by


class DynamoDeliveryLedger:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client
        self.pages = DeliveryPages(table, client)

    def create_page(
        self,
        campaign_id: str,
        start: str | None,
        end: str | None,
        deliveries: Sequence[Delivery],
    ) -> Created:
        return self.pages.create(campaign_id, start, end, deliveries)

    def get(self, campaign_id: str, email_key: str) -> Delivery | None:
        item = self.client.get_item(
            TableName=self.table, Key=KEYS.key(campaign_id, email_key), ConsistentRead=True
        ).get("Item")
        if item:
            return DELIVERY.from_item(item)
        if self.pages.listed(campaign_id, [email_key]):
            return unclaimed(campaign_id, email_key)
        return None

    def get_many(self, campaign_id: str, keys: Sequence[str]) -> dict[str, Delivery]:
        items = batch.get_all(self.client, self.table, [KEYS.key(campaign_id, k) for k in keys])
        found = {d.email_key: d for d in map(DELIVERY.from_item, items)}
        missing = [k for k in keys if k not in found]
        for key in self.pages.listed(campaign_id, missing) if missing else ():
            found[key] = unclaimed(campaign_id, key)
        return found

    def claim(
        self, campaign_id: str, email_key: str, token: str, until: datetime, now: datetime
    ) -> Delivery | None:
        # A recipient's first claim creates its record (absent: PENDING on its page, and the
        # queue message is the page's), with a conditional put: a whole item written, where an
        # update that creates one is evaluated twice over. A record that exists (released for a
        # retry, settled, or claimed by another consumer) takes the conditional update.
        claimed = Delivery(
            campaign_id,
            email_key,
            DeliveryStatus.SENDING,
            attempts=1,
            claim=token,
            claimed_until=until,
            updated_at=now,
        )
        if self._put_if(claimed, "attribute_not_exists(#s)", {}):
            return claimed
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key=KEYS.key(campaign_id, email_key),
                UpdateExpression=(
                    "SET #s = :sending, #o = :sending, claim = :t, claimed_until = :u,"
                    " updated_at = :now ADD attempts :one"
                ),
                ConditionExpression="#s = :pending",
                ExpressionAttributeNames={**STATUS, "#o": _OPEN_STATUS},
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
        return DELIVERY.from_item(response["Attributes"])

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
        attempts: int | None = None,
    ) -> bool:
        assert not status.open, status
        if attempts is not None:
            # The claim's attempts are all a final record keeps of its SENDING one, so with
            # them it is written whole: a conditional put, cheaper than the update below.
            final = Delivery(
                campaign_id,
                email_key,
                status,
                attempts=attempts,
                provider=provider,
                provider_message_id=message_id,
                reason=reason,
                updated_at=now,
            )
            return self._put_if(
                final,
                "#s = :sending AND claim = :token",
                {":sending": DeliveryStatus.SENDING.value, ":token": token},
            )
        sets = {"#s": status.value, "updated_at": codec.to_time(now), "provider": provider}
        sets |= {"provider_message_id": message_id, "reason": reason}
        return self._update(
            campaign_id,
            email_key,
            sets,
            remove=("#o", "claim", "claimed_until"),
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
                "#o": pending,
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
            sets["#o"] = to.value
        else:
            remove += ("#o",)
        condition = "#s = :expected"
        if expected is DeliveryStatus.PENDING:
            condition = "(attribute_not_exists(#s) OR #s = :expected)"  # unclaimed, on its page
        values = {":expected": expected.value}
        if stale_before is not None:
            condition += " AND (attribute_not_exists(claimed_until) OR claimed_until <= :stale)"
            values[":stale"] = codec.to_time(stale_before)
        return self._update(campaign_id, email_key, sets, remove, condition, values)

    def settle_sent(
        self, campaign_id: str, email_key: str, provider: str, message_id: str, now: datetime
    ) -> bool:
        sets: dict[str, str | None] = {"#s": DeliveryStatus.SENT.value}
        sets["updated_at"] = codec.to_time(now)
        sets |= {"provider": provider, "provider_message_id": message_id or None}
        sets["reason"] = f"{Reason.INTERRUPTED}: settled by {provider}'s event"
        return self._update(
            campaign_id,
            email_key,
            sets,
            remove=(),
            condition="#s = :failed AND begins_with(reason, :interrupted)",
            condition_values={
                ":failed": DeliveryStatus.FAILED.value,
                ":interrupted": Reason.INTERRUPTED.value,
            },
        )

    def open_keys(self, campaign_id: str, status: DeliveryStatus | None = None) -> Iterator[str]:
        # Recipients with an open item of their own first (the index; cheap), then those their
        # page lists who have none yet.
        yield from self._open_items(campaign_id, status)
        if status in (None, DeliveryStatus.PENDING):
            yield from self.pages.unclaimed(campaign_id)

    def _open_items(self, campaign_id: str, status: DeliveryStatus | None) -> Iterator[str]:
        condition = "#pk = :c"
        names = {"#pk": BY_OPEN.partition, "#r": KEYS.sorted_by}
        values: dict[str, Any] = {":c": {"S": campaign_id}}
        if status is not None:
            condition += " AND #sk = :s"
            names["#sk"] = BY_OPEN.sorted_by
            values[":s"] = {"S": status.value}
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            IndexName=BY_OPEN.index,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ProjectionExpression="#r",
        )
        for page in pages:
            yield from map(recipient, page["Items"])

    def count_by_status(self, campaign_id: str) -> dict[DeliveryStatus, int]:
        counts = dict.fromkeys(DeliveryStatus, 0)
        recorded: set[str] = set()
        for item in query(self.client, self.table, campaign_id, projection="#sk, #s", names=STATUS):
            recorded.add(recipient(item))
            counts[DeliveryStatus(item[STATUS["#s"]]["S"])] += 1
        unclaimed_keys = self.pages.unclaimed(campaign_id, recorded)
        counts[DeliveryStatus.PENDING] += sum(1 for _ in unclaimed_keys)
        return counts

    def list(self, campaign_id: str, status: DeliveryStatus | None = None) -> Iterator[Delivery]:
        recorded: set[str] = set()
        for item in query(self.client, self.table, campaign_id):
            delivery = DELIVERY.from_item(item)
            recorded.add(delivery.email_key)
            if status in (None, delivery.status):
                yield delivery
        if status in (None, DeliveryStatus.PENDING):
            for key in self.pages.unclaimed(campaign_id, recorded):
                yield unclaimed(campaign_id, key)

    def _put_if(self, delivery: Delivery, condition: str, values: dict[str, str]) -> bool:
        """Writes the whole record if `condition` holds; False if it does not."""
        options: dict[str, Any] = {}
        if values:
            options["ExpressionAttributeValues"] = {k: {"S": v} for k, v in values.items()}
        try:
            self.client.put_item(
                TableName=self.table,
                Item=DELIVERY.to_item(delivery),
                ConditionExpression=condition,
                ExpressionAttributeNames=STATUS,
                **options,
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

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
        names = {**STATUS, "#o": _OPEN_STATUS} if "#o" in expression else STATUS
        try:
            self.client.update_item(
                TableName=self.table,
                Key=KEYS.key(campaign_id, email_key),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _s(value: datetime) -> dict[str, str]:
    return {"S": codec.to_time(value)}
