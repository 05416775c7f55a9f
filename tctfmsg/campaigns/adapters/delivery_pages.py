"""The delivery ledger's pending pages: how a fan-out page records its recipients PENDING in
one item, and how a recipient with no record of their own is found on its page.

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
from typing import Any

from tctfmsg.campaigns.adapters.delivery_records import DELIVERY, KEYS, query, recipient
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.campaigns.ports import Created
from tctfmsg.core.dynamodb import batch

PUT_WORKERS = 8
PAGES = "#pending"  # suffix of the partition that holds a campaign's pending pages
FIRST = " "  # the start of the first page: below every address, never a key itself
# Page items read per request: a look-up needs one and stops early, where an unlimited query
# would return a megabyte of them (about forty).
PAGES_PER_READ = 4
_RECIPIENT = {"#sk": KEYS.sorted_by}


@dataclass(frozen=True)
class Page:
    start: str
    end: str | None  # None: to the end of the audience
    keys: frozenset[str]

    @classmethod
    def of(cls, item: dict[str, Any]) -> Page:
        listed = item["keys"]["S"]
        end = item.get("end")
        return cls(
            recipient(item),
            end["S"] if end else None,
            frozenset(listed.split("\n")) if listed else frozenset(),
        )


class DeliveryPages:
    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def create(
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

    def listed(self, campaign_id: str, keys: Sequence[str]) -> set[str]:
        """Which of `keys` a page of the campaign lists."""
        wanted = set(keys)
        listed: set[str] = set()
        for page in self._pages_for(campaign_id, wanted):
            listed |= page.keys & wanted
        return listed

    def unclaimed(
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
                    recipient(item)
                    for item in query(
                        self.client,
                        self.table,
                        campaign_id,
                        projection="#sk",
                        between=(min(page.keys), max(page.keys)),
                    )
                }
                yield from sorted(page.keys - found)
            else:
                yield from sorted(page.keys - recorded)

    def _put_page(
        self, campaign_id: str, start: str, end: str | None, keys: list[str], *, new: bool = False
    ) -> Page | None:
        """Writes the page; with `new`, only if it is not there, returning the one that is."""
        item = {
            **KEYS.key(campaign_id + PAGES, start),
            "keys": {"S": "\n".join(keys)},
            "count": {"N": str(len(keys))},
        }
        if end is not None:
            item["end"] = {"S": end}
        options: dict[str, Any] = {}
        if new:
            options["ConditionExpression"] = "attribute_not_exists(#sk)"
            options["ExpressionAttributeNames"] = _RECIPIENT
            options["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self.client.put_item(TableName=self.table, Item=item, **options)
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            return Page.of(exc.response["Item"])
        return None

    def _pages_for(self, campaign_id: str, keys: Iterable[str]) -> list[Page]:
        """The pages that may list any of `keys`: those starting from below the lowest key up
        to the highest (pages are disjoint and sorted by start)."""
        ordered = sorted(keys)
        if not ordered:
            return []
        lowest, highest = ordered[0], ordered[-1]
        pages: list[Page] = []
        request = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :c AND #sk < :hi",
            "ExpressionAttributeNames": KEYS.names,
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
                page = Page.of(item)
                pages.append(page)
                if page.start < lowest:
                    return pages
        return pages

    def _pages(self, campaign_id: str) -> Iterator[Page]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="#pk = :c",
            ExpressionAttributeNames={"#pk": KEYS.partition},
            ExpressionAttributeValues={":c": {"S": campaign_id + PAGES}},
            ConsistentRead=True,
            ScanIndexForward=False,
            Limit=PAGES_PER_READ,
        )
        for response in pages:
            yield from map(Page.of, response["Items"])

    def _recorded(self, campaign_id: str, keys: Sequence[str]) -> frozenset[str]:
        """Which of `keys` have an item of their own: one query when none has."""
        if not keys or not self._any_between(campaign_id, min(keys), max(keys)):
            return frozenset()
        found = batch.get_all(
            self.client,
            self.table,
            [KEYS.key(campaign_id, k) for k in keys],
            consistent=True,
            projection="#sk",
            names=_RECIPIENT,
        )
        return frozenset(map(recipient, found))

    def _any_between(self, campaign_id: str, lowest: str, highest: str) -> bool:
        """Whether any recipient item exists with a key from `lowest` to `highest`."""
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="#pk = :c AND #sk BETWEEN :lo AND :hi",
            ExpressionAttributeNames=KEYS.names,
            ExpressionAttributeValues={
                ":c": {"S": campaign_id},
                ":lo": {"S": lowest},
                ":hi": {"S": highest},
            },
            ProjectionExpression="#sk",
            ConsistentRead=True,
            Limit=1,
        )
        return bool(response["Items"])

    def _put_all(self, deliveries: Sequence[Delivery]) -> None:
        batch.write_all(
            self.client,
            [(self.table, {"PutRequest": {"Item": DELIVERY.to_item(d)}}) for d in deliveries],
        )


def _further(a: str | None, b: str | None) -> str | None:
    """The later of two page ends; None (the end of the audience) is later than any key."""
    return None if a is None or b is None else max(a, b)
