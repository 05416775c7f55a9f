"""An index query is handed only the items holding its hash key value (decision 0075): every
page it answers is moto's own, before and after items are added, changed in place and deleted."""

from __future__ import annotations

import random
import threading
from typing import Any

import boto3
import pytest

GSI = "by_user"
LSI = "by_at"


def _table(client: Any) -> None:
    client.create_table(
        TableName="conns",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in (("pk", "S"), ("sk", "N"), ("user", "S"), ("at", "N"))
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": GSI,
                "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": LSI,
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def _pages(client: Any, **request: Any) -> list[Any]:
    pages, start = [], None
    while True:
        answer = client.query(TableName="conns", **request, **({"ExclusiveStartKey": start}
                                                              if start else {}))  # fmt: skip
        pages.append((answer["Items"], answer.get("LastEvaluatedKey")))
        start = answer.get("LastEvaluatedKey")
        if not start:
            return pages


def _queries(client: Any) -> list[Any]:
    by_user = {"IndexName": GSI, "KeyConditionExpression": "#u = :u",
               "ExpressionAttributeNames": {"#u": "user"}}  # fmt: skip
    answers = []
    for user in ("u0", "u1", "u7", "nobody"):
        values = {":u": {"S": user}}
        answers.append(_pages(client, **by_user, ExpressionAttributeValues=values, Limit=2))
        answers.append(
            _pages(
                client,
                **by_user,
                ExpressionAttributeValues=values | {":c": {"S": "red"}},
                FilterExpression="colour = :c",
                ScanIndexForward=False,
            )
        )
    answers.append(
        _pages(client, IndexName=LSI, KeyConditionExpression="pk = :p AND #a > :a",
               ExpressionAttributeNames={"#a": "at"},
               ExpressionAttributeValues={":p": {"S": "p1"}, ":a": {"N": "10"}}, Limit=3)
    )  # fmt: skip
    return answers


def _story(client: Any) -> list[Any]:
    rng = random.Random(3)
    for i in range(60):
        item = {"pk": {"S": f"p{i % 4}"}, "sk": {"N": str(i)}, "at": {"N": str(rng.randrange(50))},
                "colour": {"S": rng.choice(["red", "blue"])}}  # fmt: skip
        if i % 9:  # some items hold no user: never in the index
            item["user"] = {"S": f"u{rng.randrange(8)}"}
        client.put_item(TableName="conns", Item=item)
    seen = [_queries(client)]
    client.update_item(  # in place: the item moves from one user to another
        TableName="conns", Key={"pk": {"S": "p1"}, "sk": {"N": "1"}},
        UpdateExpression="SET #u = :u", ExpressionAttributeNames={"#u": "user"},
        ExpressionAttributeValues={":u": {"S": "u7"}},
    )  # fmt: skip
    client.delete_item(TableName="conns", Key={"pk": {"S": "p2"}, "sk": {"N": "2"}})
    added = {"pk": {"S": "p0"}, "sk": {"N": "100"}, "user": {"S": "u0"}, "at": {"N": "1"}}
    client.batch_write_item(RequestItems={"conns": [{"PutRequest": {"Item": added}}]})
    taken = {"pk": {"S": "p3"}, "sk": {"N": "101"}, "user": {"S": "u1"}, "at": {"N": "2"}}
    client.transact_write_items(TransactItems=[{"Put": {"TableName": "conns", "Item": taken}}])
    seen.append(_queries(client))
    return seen


def test_index_queries_page_exactly_as_moto_does(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws
    from moto.dynamodb.models.table import Table

    client = boto3.client("dynamodb")
    _table(client)
    patched = _story(client)
    client.delete_table(TableName="conns")

    with monkeypatch.context() as patch, mock_aws():
        patch.setattr(Table, "query", Table.query.__wrapped__)  # the patches below this one
        patch.setattr(Table, "all_items", Table.all_items.__wrapped__)
        _table(client)
        moto_own = _story(client)

    assert patched == moto_own
    assert any(items for pages in patched[1] for items, _ in pages)  # the story found items


def test_an_index_query_reads_only_the_items_of_its_key(aws: None) -> None:
    from tctfmsg.local.moto_patches import indexes

    client = boto3.client("dynamodb")
    _table(client)
    for i in range(50):
        client.put_item(TableName="conns", Item={"pk": {"S": "p"}, "sk": {"N": str(i)},
                                                 "user": {"S": f"u{i}"}})  # fmt: skip
    handed: list[int] = []
    real = indexes._holding
    me = threading.current_thread()

    def watching(*args: Any) -> list[Any]:
        chosen = real(*args)
        if threading.current_thread() is me:  # not another test's thread left querying
            handed.append(len(chosen))
        return chosen

    indexes._holding = watching  # type: ignore[assignment]
    try:
        found = client.query(TableName="conns", IndexName=GSI, KeyConditionExpression="#u = :u",
                             ExpressionAttributeNames={"#u": "user"},
                             ExpressionAttributeValues={":u": {"S": "u7"}})["Items"]  # fmt: skip
    finally:
        indexes._holding = real  # type: ignore[assignment]

    # every look at the index was handed the key's one item, never the table's fifty (how many
    # looks a query takes is moto's business: on an xdist worker it was more than one)
    assert [i["sk"]["N"] for i in found] == ["7"] and handed and set(handed) == {1}


def test_a_write_to_another_table_leaves_an_index_map_built(aws: None) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from tctfmsg.local.moto_patches import indexes

    client = boto3.client("dynamodb")
    _table(client)
    client.create_table(
        TableName="other",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="conns", Item={"pk": {"S": "p"}, "sk": {"N": "1"},
                                             "user": {"S": "u1"}})  # fmt: skip
    by_user = {"TableName": "conns", "IndexName": GSI, "KeyConditionExpression": "#u = :u",
               "ExpressionAttributeNames": {"#u": "user"},
               "ExpressionAttributeValues": {":u": {"S": "u1"}}}  # fmt: skip

    client.query(**by_user)
    client.put_item(TableName="other", Item={"pk": {"S": "x"}})
    client.transact_write_items(TransactItems=[{"Put": {"TableName": "other",
                                                         "Item": {"pk": {"S": "y"}}}}])  # fmt: skip
    client.update_item(TableName="other", Key={"pk": {"S": "x"}}, UpdateExpression="SET v = :v",
                       ExpressionAttributeValues={":v": {"S": "1"}})  # fmt: skip
    first = client.query(**by_user)["Items"]
    client.put_item(TableName="conns", Item={"pk": {"S": "p"}, "sk": {"N": "2"},
                                             "user": {"S": "u1"}})  # fmt: skip
    second = client.query(**by_user)["Items"]

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables["conns"]
    assert len(first) == 1 and len(second) == 2
    assert table.__dict__[indexes._state_attribute]["builds"] == 2  # once, then after its write
