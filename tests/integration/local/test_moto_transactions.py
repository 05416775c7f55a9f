"""A cancelled TransactWriteItems is undone item by item instead of from copies of whole tables
(decision 0075): what moto answers and what the tables hold afterwards are moto's own."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

KEY = {"pk": {"S": "a"}, "sk": {"N": "1"}}
NEW = {"pk": {"S": "a"}, "sk": {"N": "9"}}


def _table(client: Any, name: str) -> None:
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def _put(table: str, item: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": table, "Item": item}
    if condition:
        op |= {"ConditionExpression": condition, "ExpressionAttributeNames": {"#k": "sk"}}
    return {"Put": op}


def _transactions() -> list[list[dict[str, Any]]]:
    """Each is run in turn on the same tables: successes, and cancellations after earlier
    operations of the same transaction had written (a put, an update in place, a delete)."""
    taken = "attribute_not_exists(#k)"
    return [
        [_put("one", {**KEY, "v": {"S": "first"}}), _put("two", {**KEY, "v": {"S": "claim"}})],
        [  # the chat service's race: the message is new, its claim is not
            _put("one", {**NEW, "v": {"S": "lost"}}, taken),
            _put("two", {**KEY, "v": {"S": "again"}}, taken),
        ],
        [
            {
                "Update": {
                    "TableName": "one",
                    "Key": KEY,
                    "UpdateExpression": "SET v = :v, n = :n",
                    "ExpressionAttributeValues": {":v": {"S": "changed"}, ":n": {"N": "3"}},
                }
            },
            {"Delete": {"TableName": "two", "Key": KEY}},
            {
                "ConditionCheck": {
                    "TableName": "one",
                    "Key": NEW,
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
        [
            {"Delete": {"TableName": "two", "Key": KEY}},
            _put("one", {**KEY, "v": {"S": "twice"}}),
            _put("one", {**KEY, "v": {"S": "same item"}}),  # MultipleTransactions: raised
        ],
        [
            _put("one", {**NEW, "v": {"S": "kept"}}, taken),
            {
                "Update": {
                    "TableName": "one",
                    "Key": KEY,
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ],
    ]


def _outcomes(client: Any) -> list[Any]:
    outcomes: list[Any] = []
    for transaction in _transactions():
        try:
            client.transact_write_items(TransactItems=transaction)
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(
                (error.response["Error"]["Code"], error.response.get("CancellationReasons"))
            )
        for table in ("one", "two"):
            scanned = client.scan(TableName=table)["Items"]
            queried = client.query(
                TableName=table,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "a"}},
                ConsistentRead=True,
            )["Items"]
            outcomes.append((table, sorted(map(str, scanned)), queried))
    return outcomes


def _run(monkeypatch: pytest.MonkeyPatch, original: bool) -> list[Any]:
    from moto import mock_aws
    from moto.dynamodb.models import DynamoDBBackend

    with monkeypatch.context() as patch, mock_aws():
        if original:
            method = DynamoDBBackend.transact_write_items
            patch.setattr(DynamoDBBackend, "transact_write_items", method.__wrapped__)
        client = boto3.client("dynamodb")
        _table(client, "one")
        _table(client, "two")
        try:
            return _outcomes(client)
        finally:  # one mock for both runs: the next starts from no tables
            client.delete_table(TableName="one")
            client.delete_table(TableName="two")


def test_transactions_answer_and_leave_the_tables_as_moto_does(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    patched = _run(monkeypatch, original=False)
    moto_own = _run(monkeypatch, original=True)

    assert patched == moto_own
    answers = [o if o == "ok" else o[0] for o in patched if o == "ok" or o[0] not in ("one", "two")]
    cancelled = "TransactionCanceledException"
    assert answers == ["ok", cancelled, cancelled, "ValidationException", "ok"]


def test_a_cancelled_transaction_copies_no_table(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copy

    from moto.dynamodb.models.table import Table

    copied: list[str] = []
    real = copy.deepcopy

    def watching(value: Any, *args: Any) -> Any:
        if isinstance(value, Table):
            copied.append(value.name)
        return real(value, *args)

    monkeypatch.setattr(copy, "deepcopy", watching)
    client = boto3.client("dynamodb")
    _table(client, "one")
    _table(client, "two")

    _outcomes(client)

    assert copied == []
