"""The store knows DynamoDB's item limit before it writes, and says so when it cannot be
reached, instead of failing a whole batch or raising the SDK's error (decision 0081)."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config

from tctfmsg.campaigns.adapters.subscribers import DynamoSubscriberStore
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.core.errors import Unavailable

TABLES = ("tctfmsg-test-subscribers", "tctfmsg-test-list-members")


@pytest.fixture
def store(provisioned) -> DynamoSubscriberStore:
    return DynamoSubscriberStore(*TABLES, provisioned["dynamodb"])


def test_an_item_just_under_the_limit_is_storable_and_stored(store) -> None:
    near = Subscriber("near@x.io", name="n" * 400_000)

    assert store.unstorable_reason(near) is None
    store.save_many([near], [])
    assert store.get("near@x.io") == near


def test_an_item_over_the_limit_is_refused_before_any_write(store) -> None:
    over = Subscriber("over@x.io", name="o" * 410_000)

    reason = store.unstorable_reason(over)

    assert reason is not None and "over DynamoDB's 409,600-byte item limit" in reason


def test_a_store_that_cannot_be_reached_is_unavailable_not_an_sdk_error() -> None:
    client = boto3.client(
        "dynamodb",
        region_name="eu-west-1",
        endpoint_url="http://127.0.0.1:9",  # discard port: nothing listens
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )
    store = DynamoSubscriberStore(*TABLES, client)

    with pytest.raises(Unavailable, match="writing subscribers failed"):
        store.save_many([Subscriber("a@x.io")], [])
