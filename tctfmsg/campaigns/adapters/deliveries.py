"""DeliveryLedger on the deliveries table. Every change is a conditional update on the
record's status (and, while SENDING, on the claim token): that is what makes redelivery,
crashes, resume and retry unable to send a recipient the campaign twice.

A recipient's delivery starts PENDING without an item of its own (docs/decisions/0048): the
fan-out writes one *page* item per audience page, listing the recipients it queued, in the
partition `<campaign>#pending`, keyed by the cursor the page started after. A page covers the
audience keys after its start up to its end, and pages never overlap, so the page that may list
a key is the one with the greatest start below it. The recipient's own item is created by the
first change to it (a claim, a skip, a cancel), with a condition that it is absent or PENDING.
So a fan-out writes 1 item per 500 recipients instead of 500, and an unclaimed recipient reads
as PENDING everywhere the port is asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.campaigns.ports import Created
from tctfmsg.core.dynamodb import batch, codec

PUT_WORKERS = 8
PAGES = "#pending"  # suffix of the partition that holds a campaign's pending pages
FIRST = " "  # the start of the first page: below every address, never a key itself
# Page items read per request: a look-up needs one and stops early, where an unlimited query
# would return a megabyte of them (about forty).
PAGES_PER_READ = 4


@dataclass(frozen=True)
class _Page:
    start: str
    end: str | None  # None: to the end of the audience
    keys: frozenset[str]

    @classmethod
    def of(cls, item: dict[str, Any]) -> _Page:
        listed = item["keys"]["S"]
        end = item.get("end")
        return cls(
            item["email_key"]["S"],
            end["S"] if end else None,
            frozenset(listed.split("\n")) if listed else frozenset(),
        )


class DynamoDeliveryLedger:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def create_page(
        self,
        campaign_id: str,
        start: str | None,
        end: str | None,
        deliveries: Sequence[Delivery],
    ) -> Created:
        # Only the fan-out writes pages, and only while it holds the campaign's lease, which
        # outlasts any run (docs/decisions/0045): a consistent read of what exists, then the
        # writes, cannot race another creator. A re-run of a page whose run died finds its
        # page item and its recipients' items, and adds only who is new to the page; the page
        # then reaches as far as the further of the two ends, which the cursor moves on to.
        # The page item is written before any recipient's item (even when it lists no one), so
        # where there is no page item there is no recipient item in its range either: a first
        # run of a page is one conditional put, and only a re-run reads what exists.
        keys = [d.email_key for d in deliveries]
        page_key = start or FIRST
        queued = sorted(d.email_key for d in deliveries if d.status is DeliveryStatus.PENDING)
        page = self._put_page(campaign_id, page_key, end, queued, new=True)
        existing: frozenset[str] = frozenset()
        if page is not None:  # a re-run: the page was recorded before
            existing = page.keys | self._recorded(campaign_id, keys)
            queued = [k for k in queued if k not in existing]
            end = _further(page.end, end)
            if queued or end != page.end:
                self._put_page(campaign_id, page_key, end, sorted(page.keys | set(queued)))
        fresh = [d for d in deliveries if d.email_key not in existing]
        others = [d for d in fresh if d.status is not DeliveryStatus.PENDING]
        with ThreadPoolExecutor(max_workers=PUT_WORKERS) as pool:
            chunks = [
                others[i : i + batch.WRITE_BATCH] for i in range(0, len(others), batch.WRITE_BATCH)
            ]
            list(pool.map(self._put_all, chunks))
        return Created([d.email_key for d in fresh], [k for k in keys if k in existing], end=end)

    def _put_page(
        self, campaign_id: str, start: str, end: str | None, keys: list[str], *, new: bool = False
    ) -> _Page | None:
        """Writes the page; with `new`, only if it is not there, returning the one that is."""
        item = {
            "campaign_id": {"S": campaign_id + PAGES},
            "email_key": {"S": start},
            "keys": {"S": "\n".join(keys)},
            "count": {"N": str(len(keys))},
        }
        if end is not None:
            item["end"] = {"S": end}
        options: dict[str, Any] = {}
        if new:
            options["ConditionExpression"] = "attribute_not_exists(email_key)"
            options["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self.client.put_item(TableName=self.table, Item=item, **options)
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            return _Page.of(exc.response["Item"])
        return None

    def _pages_for(self, campaign_id: str, keys: Iterable[str]) -> list[_Page]:
        """The pages that may list any of `keys`: those starting from below the lowest key up
        to the highest (pages are disjoint and sorted by start)."""
        ordered = sorted(keys)
        if not ordered:
            return []
        lowest, highest = ordered[0], ordered[-1]
        pages: list[_Page] = []
        request = {
            "TableName": self.table,
            "KeyConditionExpression": "campaign_id = :c AND email_key < :hi",
            "ExpressionAttributeValues": {
                ":c": {"S": campaign_id + PAGES},
                ":hi": {"S": highest},
            },
            "ScanIndexForward": False,
            "ConsistentRead": True,
            "Limit": PAGES_PER_READ,
        }
        for response in self.client.get_paginator("query").paginate(**request):
            for item in response["Items"]:
                page = _Page.of(item)
                pages.append(page)
                if page.start < lowest:
                    return pages
        return pages

    def _listed(self, campaign_id: str, keys: Sequence[str]) -> set[str]:
        wanted = set(keys)
        listed: set[str] = set()
        for page in self._pages_for(campaign_id, wanted):
            listed |= page.keys & wanted
        return listed

    def _pages(self, campaign_id: str) -> Iterator[_Page]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="campaign_id = :c",
            ExpressionAttributeValues={":c": {"S": campaign_id + PAGES}},
            ConsistentRead=True,
            ScanIndexForward=False,
            Limit=PAGES_PER_READ,
        )
        for response in pages:
            yield from map(_Page.of, response["Items"])

    def _unclaimed(
        self, campaign_id: str, recorded: AbstractSet[str] | None = None
    ) -> Iterator[str]:
        """Recipients a page lists who have no item of their own yet: PENDING. Given the keys
        that have one (a caller that read them all), no more is read but the pages; otherwise
        each page's range is read as it comes. The last pages first: the queue hands out
        roughly in order, so while a campaign sends, the every-minute check for anything left
        finds it in the first page it reads, not after reading every recipient already done."""
        for page in self._pages(campaign_id):
            if not page.keys:
                continue
            if recorded is None:
                found = {
                    item["email_key"]["S"]
                    for item in self._query(
                        campaign_id,
                        projection="email_key",
                        between=(min(page.keys), max(page.keys)),
                    )
                }
                yield from sorted(page.keys - found)
            else:
                yield from sorted(page.keys - recorded)

    def _recorded(self, campaign_id: str, keys: Sequence[str]) -> frozenset[str]:
        """Which of `keys` have an item of their own: one query when none has."""
        if not keys or not self._any_between(campaign_id, min(keys), max(keys)):
            return frozenset()
        found = batch.get_all(
            self.client,
            self.table,
            [_key(campaign_id, k) for k in keys],
            consistent=True,
            projection="email_key",
        )
        return frozenset(item["email_key"]["S"] for item in found)

    def _any_between(self, campaign_id: str, lowest: str, highest: str) -> bool:
        """Whether any recipient item exists with a key from `lowest` to `highest`."""
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="campaign_id = :c AND email_key BETWEEN :lo AND :hi",
            ExpressionAttributeValues={
                ":c": {"S": campaign_id},
                ":lo": {"S": lowest},
                ":hi": {"S": highest},
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
        if item:
            return _delivery(item)
        if self._listed(campaign_id, [email_key]):
            return _unclaimed(campaign_id, email_key)
        return None

    def get_many(self, campaign_id: str, keys: Sequence[str]) -> dict[str, Delivery]:
        items = batch.get_all(self.client, self.table, [_key(campaign_id, k) for k in keys])
        found = {d.email_key: d for d in map(_delivery, items)}
        missing = [k for k in keys if k not in found]
        for key in self._listed(campaign_id, missing) if missing else ():
            found[key] = _unclaimed(campaign_id, key)
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
        if expected is DeliveryStatus.PENDING:
            condition = "(attribute_not_exists(#s) OR #s = :expected)"  # unclaimed, on its page
        values = {":expected": expected.value}
        if stale_before is not None:
            condition += " AND (attribute_not_exists(claimed_until) OR claimed_until <= :stale)"
            values[":stale"] = codec.to_time(stale_before)
        return self._update(campaign_id, email_key, sets, remove, condition, values)

    def open_keys(self, campaign_id: str, status: DeliveryStatus | None = None) -> Iterator[str]:
        # Recipients with an open item of their own first (the index; cheap), then those their
        # page lists who have none yet.
        yield from self._open_items(campaign_id, status)
        if status in (None, DeliveryStatus.PENDING):
            yield from self._unclaimed(campaign_id)

    def _open_items(self, campaign_id: str, status: DeliveryStatus | None) -> Iterator[str]:
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
        recorded: set[str] = set()
        for item in self._query(campaign_id, projection="email_key, #s"):
            recorded.add(item["email_key"]["S"])
            counts[DeliveryStatus(item["status"]["S"])] += 1
        counts[DeliveryStatus.PENDING] += sum(1 for _ in self._unclaimed(campaign_id, recorded))
        return counts

    def list(self, campaign_id: str, status: DeliveryStatus | None = None) -> Iterator[Delivery]:
        recorded: set[str] = set()
        for item in self._query(campaign_id):
            delivery = _delivery(item)
            recorded.add(delivery.email_key)
            if status in (None, delivery.status):
                yield delivery
        if status in (None, DeliveryStatus.PENDING):
            for key in self._unclaimed(campaign_id, recorded):
                yield _unclaimed(campaign_id, key)

    def _query(
        self,
        campaign_id: str,
        projection: str | None = None,
        between: tuple[str, str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "campaign_id = :c",
            "ExpressionAttributeValues": {":c": {"S": campaign_id}},
            "ConsistentRead": True,
        }
        if between:
            request["KeyConditionExpression"] += " AND email_key BETWEEN :lo AND :hi"
            request["ExpressionAttributeValues"] |= {
                ":lo": {"S": between[0]},
                ":hi": {"S": between[1]},
            }
        if projection:
            request["ProjectionExpression"] = projection
            if "#s" in projection:
                request["ExpressionAttributeNames"] = {"#s": "status"}
        for page in self.client.get_paginator("query").paginate(**request):
            yield from page["Items"]

    def _put_if(self, delivery: Delivery, condition: str, values: dict[str, str]) -> bool:
        """Writes the whole record if `condition` holds; False if it does not."""
        options: dict[str, Any] = {}
        if values:
            options["ExpressionAttributeValues"] = {k: {"S": v} for k, v in values.items()}
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_item(delivery),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#s": "status"},
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


def _further(a: str | None, b: str | None) -> str | None:
    """The later of two page ends; None (the end of the audience) is later than any key."""
    return None if a is None or b is None else max(a, b)


def _unclaimed(campaign_id: str, email_key: str) -> Delivery:
    return Delivery(campaign_id, email_key, DeliveryStatus.PENDING)


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
            "claim": d.claim,
            "claimed_until": codec.to_time(d.claimed_until) if d.claimed_until else None,
            "provider": d.provider,
            "provider_message_id": d.provider_message_id,
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
