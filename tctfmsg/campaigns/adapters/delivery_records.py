"""What the delivery ledger's two halves share: a recipient's record as an item, the table's
keys from the spec, and the query over one campaign's partition."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping

KEYS = KeyNames.of("deliveries")  # campaign, then recipient
# Sparse: it holds only records still open, keyed by their open status (docs/decisions/0041).
BY_OPEN = KeyNames.of("deliveries", "by_open")
DELIVERY = ItemMapping(
    Delivery, derived={BY_OPEN.sorted_by: lambda d: d.status.value if d.status.open else None}
)
STATUS = {"#s": DELIVERY.attribute("status")}  # a reserved word in expressions


def unclaimed(campaign_id: str, email_key: str) -> Delivery:
    """A recipient its page lists who has no record of their own yet."""
    return Delivery(campaign_id, email_key, DeliveryStatus.PENDING)


def recipient(item: dict[str, Any]) -> str:
    return str(item[KEYS.sorted_by]["S"])


def query(
    client: Any,
    table: str,
    partition: str,
    *,
    projection: str | None = None,
    between: tuple[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every item of one partition, in key order, consistently read; `between` bounds the
    recipient key (both ends included). Expressions name the keys `#pk` and `#sk`."""
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#pk = :c",
        "ExpressionAttributeNames": {"#pk": KEYS.partition, **(names or {})},
        "ExpressionAttributeValues": {":c": {"S": partition}},
        "ConsistentRead": True,
    }
    if between:
        request["KeyConditionExpression"] += " AND #sk BETWEEN :lo AND :hi"
        request["ExpressionAttributeValues"] |= {
            ":lo": {"S": between[0]},
            ":hi": {"S": between[1]},
        }
    if projection:
        request["ProjectionExpression"] = projection
    if between or "#sk" in (projection or ""):
        request["ExpressionAttributeNames"]["#sk"] = KEYS.sorted_by
    for page in client.get_paginator("query").paginate(**request):
        yield from page["Items"]
