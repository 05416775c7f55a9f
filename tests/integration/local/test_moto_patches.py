"""The embedded AWS endpoint's moto patches change how much work moto does, never what it
answers."""

import random

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import sqs_backends

from tctfmsg.local import moto_patches
from tctfmsg.local.moto_patches import dynamodb as dynamodb_patches


@pytest.fixture
def patched():
    with moto_patches.applied():
        yield


@pytest.fixture
def sqs(aws):
    return boto3.client("sqs")


def test_approximate_counts_are_still_exact(sqs):
    url = sqs.create_queue(QueueName="counts")["QueueUrl"]
    for i in range(3):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": f"{i}-{j}"} for j in range(10)]
        )
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "20"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "10"
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"


def test_named_attributes_answer_as_moto_does(sqs, monkeypatch):
    from moto.sqs.models import SQSBackend

    url = sqs.create_queue(QueueName="named", Attributes={"DelaySeconds": "0"})["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": str(j)} for j in range(7)]
    )
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=60)
    asks = [
        ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        ["VisibilityTimeout", "QueueArn", "DelaySeconds"],
        ["All"],
    ]

    def answers():
        return [
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=a)["Attributes"] for a in asks
        ]

    patched = answers()
    monkeypatch.setattr(
        SQSBackend, "get_queue_attributes", SQSBackend.get_queue_attributes.__wrapped__
    )
    assert patched == answers()
    assert patched[0] == {
        "ApproximateNumberOfMessages": "4",
        "ApproximateNumberOfMessagesNotVisible": "3",
    }


def test_messages_past_retention_are_still_not_delivered(sqs):
    url = sqs.create_queue(QueueName="short", Attributes={"MessageRetentionPeriod": "60"})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    sqs.send_message(QueueUrl=url, MessageBody="fresh")
    queue = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues["short"]
    old = next(m for m in queue._messages if m.body == "old")
    old.sent_timestamp -= 120_000  # sent two minutes ago: past its 60 s retention

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert "old" not in [m["Body"] for m in received]
    assert len(queue._messages) == 2  # refused, not lost: moto drops it on its own schedule


def test_content_based_deduplication_still_applies_to_fifo_queues(sqs):
    url = sqs.create_queue(
        QueueName="dedupe.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"


def test_apply_is_idempotent(patched):
    from moto.sqs import models

    first = models.SQSBackend.send_message
    moto_patches.apply()
    assert models.SQSBackend.send_message is first


# --- DynamoDB: a table query answered from the sorted partition ---------------------------


@pytest.fixture
def dynamodb(aws):
    client = boto3.client("dynamodb")
    for name, range_type in (("strings", "S"), ("numbers", "N")):
        client.create_table(
            TableName=name,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": range_type},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    rng = random.Random(7)
    for pk in ("a", "b", "c"):
        for n in rng.sample(range(1000), 120):  # inserted out of order, on purpose
            colour = rng.choice(["red", "blue"])
            for name, sk in (("strings", {"S": f"k{n}"}), ("numbers", {"N": str(n - 500)})):
                client.put_item(
                    TableName=name,
                    Item={"pk": {"S": pk}, "sk": sk, "colour": {"S": colour}, "n": {"N": str(n)}},
                )
    return client


def _pages(client, **request):
    pages, start = [], None
    while True:
        kwargs = dict(request, ExclusiveStartKey=start) if start else dict(request)
        response = client.query(**kwargs)
        pages.append((response["Items"], response["Count"], response.get("ScannedCount")))
        start = response.get("LastEvaluatedKey")
        if start is None:
            return pages


QUERIES = [
    {"Limit": 25},
    {"Limit": 7, "ScanIndexForward": False},
    {"Limit": 50, "ProjectionExpression": "sk, colour"},
    {
        "Limit": 30,
        "FilterExpression": "colour = :red",
        "ExpressionAttributeValues": {":red": {"S": "red"}},
    },
    {},
    {"Limit": 40, "ProjectionExpression": "sk, n"},  # a number: moto's own projection
    {"ProjectionExpression": "colour, absent"},  # strings only, one missing: the fast one
]
STRING_RANGES = [
    ("sk BETWEEN :lo AND :hi", {":lo": {"S": "k2"}, ":hi": {"S": "k5"}}),
    ("sk > :lo", {":lo": {"S": "k5"}}),
    ("sk <= :hi", {":hi": {"S": "k3"}}),
    ("begins_with(sk, :pre)", {":pre": {"S": "k1"}}),
]
NUMBER_RANGES = [
    ("sk BETWEEN :lo AND :hi", {":lo": {"N": "-100"}, ":hi": {"N": "100"}}),
    ("sk < :hi", {":hi": {"N": "0"}}),
    ("sk >= :lo", {":lo": {"N": "250"}}),
]
CASES = [(t, q, None) for t in ("strings", "numbers") for q in QUERIES]
CASES += [("strings", q, r) for q in QUERIES[:3] for r in STRING_RANGES]
CASES += [("numbers", q, r) for q in QUERIES[:3] for r in NUMBER_RANGES]
CASES += [("strings", {"Limit": 1}, ("sk = :k", {":k": {"S": "k5"}}))]


@pytest.mark.parametrize(("table", "extra", "key_range"), CASES)
def test_a_partition_query_pages_exactly_as_moto_does(
    dynamodb, monkeypatch, table, extra, key_range
):
    from moto.dynamodb.models.table import Table

    extra = dict(extra)
    values = {":p": {"S": "b"}} | extra.pop("ExpressionAttributeValues", {})
    condition = "pk = :p"
    if key_range is not None:
        condition += f" AND {key_range[0]}"
        values |= key_range[1]
    request = {
        "TableName": table,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        **extra,
    }
    patched = _pages(dynamodb, **request)
    monkeypatch.setattr(Table, "query", Table.query.__wrapped__)  # moto's own
    assert patched == _pages(dynamodb, **request)
    if key_range is None or "=" not in key_range[0]:
        assert sum(count for _, count, _ in patched) > 0


def test_a_partition_query_sees_items_added_and_deleted_since_it_was_sorted(dynamodb):
    def keys():
        items = dynamodb.query(
            TableName="strings",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "c"}},
        )["Items"]
        return [item["sk"]["S"] for item in items]

    before = keys()
    assert before == sorted(before)
    dynamodb.put_item(TableName="strings", Item={"pk": {"S": "c"}, "sk": {"S": "k5000"}})
    dynamodb.delete_item(TableName="strings", Key={"pk": {"S": "c"}, "sk": {"S": before[0]}})
    dynamodb.update_item(
        TableName="strings",
        Key={"pk": {"S": "c"}, "sk": {"S": before[1]}},
        UpdateExpression="SET colour = :g",
        ExpressionAttributeValues={":g": {"S": "green"}},
    )
    after = keys()
    assert after == sorted([*before[1:], "k5000"])
    updated = dynamodb.query(
        TableName="strings",
        KeyConditionExpression="pk = :p AND sk = :k",
        ExpressionAttributeValues={":p": {"S": "c"}, ":k": {"S": before[1]}},
    )["Items"]
    assert updated[0]["colour"] == {"S": "green"}


# --- DynamoDB: data-plane requests read and answers written as JSON directly ---------------

ITEM = {
    "pk": {"S": "a"},
    "sk": {"S": "k1"},
    "n": {"N": "12.50"},
    "b": {"B": b"\x00\xffbytes"},
    "ss": {"SS": ["x", "y"]},
    "ns": {"NS": ["1", "2"]},
    "l": {"L": [{"S": "one"}, {"N": "2"}, {"NULL": True}]},
    "m": {"M": {"flag": {"BOOL": False}, "deep": {"M": {"s": {"S": "é"}}}}},
}


def _data_plane_calls(client):
    key = {"pk": {"S": "a"}, "sk": {"S": "k1"}}
    other = {"pk": {"S": "a"}, "sk": {"S": "k2"}}
    by_key = "pk = :p"
    return [
        lambda: client.put_item(TableName="strings", Item=ITEM, ReturnValues="ALL_OLD"),
        lambda: client.get_item(TableName="strings", Key=key),
        lambda: client.get_item(TableName="strings", Key={"pk": {"S": "none"}, "sk": {"S": "x"}}),
        lambda: client.batch_get_item(
            RequestItems={"strings": {"Keys": [key, other], "ProjectionExpression": "pk, sk, m"}}
        ),
        lambda: client.query(
            TableName="strings",
            KeyConditionExpression=by_key,
            ExpressionAttributeValues={":p": {"S": "a"}},
            Limit=1,
            ReturnConsumedCapacity="TOTAL",
        ),
        lambda: client.scan(TableName="strings", Limit=2),
        lambda: client.update_item(
            TableName="strings",
            Key=key,
            UpdateExpression="SET n = :n",
            ExpressionAttributeValues={":n": {"N": "12.50"}},
            ReturnValues="ALL_NEW",
        ),
        lambda: client.batch_write_item(
            RequestItems={"strings": [{"PutRequest": {"Item": {**other, "v": {"S": "2"}}}}]}
        ),
        lambda: client.transact_get_items(
            TransactItems=[{"Get": {"TableName": "strings", "Key": key}}]
        ),
        lambda: client.delete_item(TableName="strings", Key=other, ReturnValues="ALL_OLD"),
        lambda: client.put_item(  # no blob: read as JSON
            TableName="strings",
            Item={k: v for k, v in ITEM.items() if k != "b"} | {"sk": {"S": "k3"}},
            ReturnValues="ALL_OLD",
        ),
        lambda: client.query(
            TableName="strings",
            KeyConditionExpression="pk = :p AND begins_with(sk, :k)",
            FilterExpression="#m.#f = :no",
            ExpressionAttributeNames={"#m": "m", "#f": "flag"},
            ExpressionAttributeValues={":p": {"S": "a"}, ":k": {"S": "k3"}, ":no": {"BOOL": False}},
            ConsistentRead=True,
        ),
        lambda: client.transact_write_items(
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": "strings",
                        "Key": key,
                        "ConditionExpression": "attribute_exists(ss)",
                    }
                },
                {
                    "Update": {
                        "TableName": "strings",
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "k3"}},
                        "UpdateExpression": "ADD ns :two",
                        "ExpressionAttributeValues": {":two": {"NS": ["2"]}},
                    }
                },
            ]
        ),
    ]


def test_data_plane_answers_parse_exactly_as_moto_writes_them(dynamodb, monkeypatch):
    from moto.dynamodb.responses import DynamoHandler

    def answers():
        return [
            {k: v for k, v in call().items() if k != "ResponseMetadata"}
            for call in _data_plane_calls(dynamodb)
        ]

    answers()  # once first, so that each call meets the same table both times
    patched = answers()
    monkeypatch.setattr(DynamoHandler, "serialized", DynamoHandler.serialized.__wrapped__)
    monkeypatch.setattr(
        DynamoHandler, "parse_parameters", DynamoHandler.parse_parameters.__wrapped__
    )
    assert patched == answers()
    assert patched[1]["Item"]["b"] == {"B": b"\x00\xffbytes"}  # the model's path, kept for blobs


def test_errors_are_still_written_by_moto(dynamodb):
    dynamodb.put_item(TableName="strings", Item=ITEM)
    with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
        dynamodb.put_item(
            TableName="strings", Item=ITEM, ConditionExpression="attribute_not_exists(pk)"
        )


def test_an_items_size_is_moto_s_own():
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    strings = Item(DynamoType({"S": "l"}), DynamoType({"S": "é@x.io"}), {"a": {"S": "ünï"}})
    mixed = Item(DynamoType({"S": "l"}), None, {"a": {"S": "x"}, "n": {"N": "12.5"}})
    for item in (strings, mixed):
        assert dynamodb_patches._size(item) == item.size()


def test_results_are_walked_into_what_moto_makes_of_them(patched):
    from datetime import UTC, datetime

    from moto.dynamodb import responses
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    item = Item(
        DynamoType({"S": "h"}),
        DynamoType({"S": "r"}),
        {
            "s": {"S": "x"},
            "n": {"N": "1.5"},
            "t": {"BOOL": True},
            "z": {"NULL": True},
            "b": {"B": "aGk="},
            "ss": {"SS": ["a", "b"]},
            "l": {"L": [{"S": "a"}, {"N": "2"}, {"M": {"k": {"S": "v"}}}]},
            "m": {"M": {"k": {"BS": ["aGk="]}}},
        },
    )
    result = {
        "Items": [item.attrs, item.to_json()["Attributes"]],  # as a query and a get put them
        "Count": 2,
        "Item": item,
        "At": datetime(2026, 1, 1, tzinfo=UTC),
        "Nothing": None,
    }
    walk = responses.dynamo_to_dict
    assert walk is not walk.__wrapped__  # patched
    assert walk(result) == walk.__wrapped__(result)
