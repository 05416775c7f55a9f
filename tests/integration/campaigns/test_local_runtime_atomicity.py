"""The embedded stack's DynamoDB keeps DynamoDB's promise: a conditional write or an ADD is
atomic even when many clients write the same item at once (moto server checks a condition and
writes with no lock held, so the runtime serialises its writes)."""

from __future__ import annotations

import contextlib
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from tctfmsg.local import runtime
from tctfmsg.local.runtime import serialise_dynamodb
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
    # moto's backends outlive a server: the table may be an earlier test's
    with contextlib.suppress(client.exceptions.ResourceInUseException):
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
    for cls, name in runtime.serialised_methods():
        monkeypatch.setattr(cls, name, getattr(cls, name))
    serialise_dynamodb()


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


def test_a_read_never_sees_an_update_half_applied(serialised: None, moto_server: Any) -> None:
    # moto applies an update's SET actions to the stored item one by one: a reader on another
    # thread must see all of them or none, as DynamoDB's readers do (the demo once printed a
    # notification "sent" with no channel yet)
    client = moto_server
    fields = [f"f{i}" for i in range(20)]
    client.put_item(TableName="t", Item={"k": {"S": "r"}, **{f: {"N": "0"} for f in fields}})
    writing = threading.Event()
    writing.set()

    def write(worker: int) -> None:
        for n in range(30):
            client.update_item(
                TableName="t",
                Key={"k": {"S": "r"}},
                UpdateExpression="SET " + ", ".join(f"{f} = :v" for f in fields),
                ExpressionAttributeValues={":v": {"N": str(worker * 1000 + n)}},
            )

    def torn_reads(_: int) -> int:
        torn = 0
        while writing.is_set():
            item = client.get_item(TableName="t", Key={"k": {"S": "r"}})["Item"]
            torn += len({item[f]["N"] for f in fields}) > 1
        return torn

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # threads switch often, so a torn read shows up if it can
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            reads = [pool.submit(torn_reads, i) for i in range(4)]
            list(pool.map(write, range(4)))
            writing.clear()
            torn = sum(r.result() for r in reads)
    finally:
        sys.setswitchinterval(switch)
    assert torn == 0
