"""Items the stores wrote before they shared one mapping still read, through each store, as the
records they were; and what the stores write now is those same items (tests/unit/test_codec.py
holds them, attribute for attribute)."""

from __future__ import annotations

from typing import Any

from tctfmsg.campaigns.adapters.campaigns import DynamoCampaignStore
from tctfmsg.campaigns.adapters.deliveries import DynamoDeliveryLedger
from tctfmsg.campaigns.adapters.failed_messages import DynamoFailedMessageStore
from tctfmsg.campaigns.adapters.subscribers import DynamoSubscriberStore
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tctfmsg.core.resources import ResourceNames
from tests.unit.test_codec import STORED

NAMES = ResourceNames("test")


def _put(provisioned: dict[str, Any], table: str, item: dict[str, Any]) -> None:
    provisioned["dynamodb"].put_item(TableName=NAMES[table], Item=item)


def _get(provisioned: dict[str, Any], table: str, key: dict[str, Any]) -> dict[str, Any]:
    return provisioned["dynamodb"].get_item(TableName=NAMES[table], Key=key)["Item"]


def test_items_stored_before_read_through_each_store(provisioned: dict[str, Any]) -> None:
    client = provisioned["dynamodb"]
    _, delivery, delivery_item = STORED["delivery sent"]
    _, campaign, campaign_item = STORED["campaign"]
    _, failure, failure_item = STORED["failed message"]
    _, subscriber, subscriber_item = STORED["subscriber"]
    for table, item in (
        ("deliveries", delivery_item),
        ("campaigns", campaign_item),
        ("failed_messages", failure_item),
        ("subscribers", subscriber_item),
    ):
        _put(provisioned, table, item)

    ledger = DynamoDeliveryLedger(NAMES["deliveries"], client)
    subscribers = DynamoSubscriberStore(NAMES["subscribers"], NAMES["list_members"], client)
    assert ledger.get("c-1", "ada@example.com") == delivery
    assert list(ledger.list("c-1", DeliveryStatus.SENT)) == [delivery]
    assert DynamoCampaignStore(NAMES["campaigns"], client).get("c-1") == campaign
    assert DynamoFailedMessageStore(NAMES["failed_messages"], client).get("f-1") == failure
    assert subscribers.get("ada@example.com") == subscriber


def test_the_stores_write_the_items_they_always_wrote(provisioned: dict[str, Any]) -> None:
    client = provisioned["dynamodb"]
    _, campaign, campaign_item = STORED["campaign"]
    _, failure, failure_item = STORED["failed message"]
    _, subscriber, subscriber_item = STORED["subscriber"]

    DynamoCampaignStore(NAMES["campaigns"], client).create(campaign)
    DynamoFailedMessageStore(NAMES["failed_messages"], client).record(failure)
    DynamoSubscriberStore(NAMES["subscribers"], NAMES["list_members"], client).save_many(
        [subscriber], []
    )

    assert _get(provisioned, "campaigns", {"campaign_id": {"S": "c-1"}}) == campaign_item
    assert _get(provisioned, "failed_messages", {"failure_id": {"S": "f-1"}}) == failure_item
    stored_subscriber = _get(provisioned, "subscribers", {"email_key": {"S": "ada@example.com"}})
    assert stored_subscriber == subscriber_item
