"""The embedded stack's DynamoDB keeps DynamoDB's promise: a conditional write or an ADD is
atomic even when many clients write the same item at once (moto server checks a condition and
writes with no lock held, so the runtime serialises its writes)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from tctfmsg.local import runtime
from tctfmsg.local.runtime import serialise_dynamodb_writes
from tests.support.ports import free_base_port


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    port = free_base_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        config=Config(max_pool_connections=32, retries={"max_attempts": 1}),
    )
    client.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield client
    server.stop()


@pytest.fixture
def serialised(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's writes serialised for this test; monkeypatch puts back what each class held."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in runtime._WRITES:
        monkeypatch.setattr(DynamoDBBackend, name, getattr(DynamoDBBackend, name))
    serialise_dynamodb_writes()


def test_concurrent_adds_and_claims_on_one_item_are_atomic(
    serialised: None, moto_server: Any
) -> None:
    client = moto_server
    client.put_item(TableName="t", Item={"k": {"S": "c"}, "n": {"N": "0"}})

    def add(_: int) -> None:
        client.update_item(
            TableName="t",
            Key={"k": {"S": "c"}},
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    def claim(i: int) -> bool:
        try:
            client.update_item(
                TableName="t",
                Key={"k": {"S": "c"}},
                UpdateExpression="SET holder = :me",
                ConditionExpression="attribute_not_exists(holder)",
                ExpressionAttributeValues={":me": {"S": str(i)}},
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(add, range(400)))
        winners = sum(pool.map(claim, range(64)))

    item = client.get_item(TableName="t", Key={"k": {"S": "c"}})["Item"]
    assert item["n"]["N"] == "400"
    assert winners == 1
