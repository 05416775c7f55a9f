"""The journaled AWS endpoint: after a crash (moto's memory gone), the snapshot and the journal
give back every acknowledged write exactly, with the ids moto generated: message ids, receipt
handles (so a message deleted before the crash stays deleted, and one in flight can still be
deleted with the handle its consumer holds), receive counts and items (decision 0082)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from werkzeug.serving import BaseWSGIServer, make_server

from tctfmsg.local import durable, journal, moto_patches, snapshot
from tctfmsg.local.journal import Journal
from tests.support.ports import free_port

ACCOUNT, REGION = "123456789012", "us-east-1"


@dataclass
class Endpoint:
    app: durable.DurableEndpoint
    server: BaseWSGIServer
    directory: Path

    def client(self, service: str) -> Any:
        host, port = self.server.server_address[:2]
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=f"http://{host!s}:{port}",
            config=Config(retries={"max_attempts": 1}),
        )

    def crash(self) -> None:
        """The process dies: no snapshot, moto's memory gone, only the files remain."""
        self.server.shutdown()
        self.server.server_close()
        _forget_everything()


def _forget_everything() -> None:
    from moto.backends import get_backend

    for service in snapshot.SERVICES:
        get_backend(service).reset()  # type: ignore[call-overload]


@pytest.fixture
def determinism(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's random source and clock per request for this test; monkeypatch puts them back."""
    from moto.core import utils
    from moto.moto_api._internal import mock_random

    monkeypatch.setattr(utils, "utcnow", utils.utcnow)
    monkeypatch.setattr(mock_random, "__class__", type(mock_random))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    durable.install_determinism()


@pytest.fixture
def endpoint(determinism: None, tmp_path: Path) -> Iterator[Endpoint]:
    with moto_patches.applied():
        _forget_everything()
        running = _serve(tmp_path / "journal", last_seq=0)
        yield running
        running.server.shutdown()
        running.server.server_close()
        _forget_everything()


def _serve(directory: Path, last_seq: int) -> Endpoint:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    app = durable.DurableEndpoint(
        DomainDispatcherApplication(create_backend_app), Journal(directory, last_seq)
    )
    server = make_server(
        "127.0.0.1", free_port(), app, threaded=True, request_handler=MotoRequestHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Endpoint(app, server, directory)


def _replayed(directory: Path, after: int = 0) -> tuple[int, int]:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = durable.DurableEndpoint(DomainDispatcherApplication(create_backend_app), None)
    return app.replay(directory, after)


def _queue_state(name: str) -> list[tuple[str, str, int, str | None, float]]:
    from moto.backends import get_backend

    queue = get_backend("sqs")[ACCOUNT][REGION].queues[name]  # type: ignore[call-overload]
    return sorted(
        (m.id, m.body, m.approximate_receive_count, m.receipt_handle, m.visible_at)
        for m in queue._messages
    )


def _table_items(db: Any) -> list[dict[str, Any]]:
    return sorted(db.scan(TableName="t")["Items"], key=lambda item: item["k"]["S"])


def _workload(sqs: Any, db: Any) -> tuple[str, str]:
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    db.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(6):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
        db.put_item(TableName="t", Item={"k": {"S": f"k{i}"}, "n": {"N": "0"}})
    taken = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=taken[0]["ReceiptHandle"])
    db.update_item(
        TableName="t",
        Key={"k": {"S": "k1"}},
        UpdateExpression="ADD n :one",
        ConditionExpression="n = :zero",
        ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}},
    )
    db.delete_item(TableName="t", Key={"k": {"S": "k2"}})
    return url, taken[1]["ReceiptHandle"]


def test_replaying_the_journal_after_a_crash_gives_back_the_same_queues_and_items(
    endpoint: Endpoint,
) -> None:
    sqs, db = endpoint.client("sqs"), endpoint.client("dynamodb")
    url, in_flight_handle = _workload(sqs, db)
    before_queue, before_items = _queue_state("q"), _table_items(db)

    endpoint.crash()
    replayed, last = _replayed(endpoint.directory)

    assert replayed == last > 0
    assert _queue_state("q") == before_queue  # same ids, counts, handles, visibility
    assert len(before_queue) == 5  # the deleted one stayed deleted
    again = _serve(endpoint.directory, last)
    try:
        assert _table_items(again.client("dynamodb")) == before_items
        # the consumer that held a message at the crash can still delete it
        again.client("sqs").delete_message(QueueUrl=url, ReceiptHandle=in_flight_handle)
        assert len(_queue_state("q")) == 4
    finally:
        again.server.shutdown()
        again.server.server_close()


def test_a_snapshot_then_the_journal_after_it_give_back_everything(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    sqs, db = endpoint.client("sqs"), endpoint.client("dynamodb")
    url, _ = _workload(sqs, db)
    endpoint.app.snapshot(tmp_path / "snapshot.pickle")
    sqs.send_message(QueueUrl=url, MessageBody="after the snapshot")
    db.put_item(TableName="t", Item={"k": {"S": "k9"}, "n": {"N": "9"}})
    before_queue, before_items = _queue_state("q"), _table_items(db)

    endpoint.crash()
    _, snapshot_seq = snapshot.load(tmp_path / "snapshot.pickle")
    replayed, _ = _replayed(endpoint.directory, after=snapshot_seq)

    assert replayed == 2  # only what the snapshot does not hold
    assert len(journal.segments(endpoint.directory)) == 1  # the snapshot's were dropped
    assert _queue_state("q") == before_queue
    from moto.backends import get_backend

    table = get_backend("dynamodb")[ACCOUNT][REGION].tables["t"]  # type: ignore[call-overload]
    assert len(list(table.all_items())) == len(before_items)


def test_an_empty_receive_is_not_journaled_and_a_long_poll_still_waits_for_a_message(
    endpoint: Endpoint,
) -> None:
    sqs = endpoint.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    journaled = endpoint.app.journal.last_seq if endpoint.app.journal else 0
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    assert endpoint.app.journal is not None and endpoint.app.journal.last_seq == journaled

    sender = threading.Timer(
        0.3, lambda: endpoint.client("sqs").send_message(QueueUrl=url, MessageBody="late")
    )
    sender.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    sender.join(timeout=5)

    assert [m["Body"] for m in got] == ["late"]


def test_a_long_poll_looks_again_for_a_send_to_its_own_queue_not_for_every_write(
    endpoint: Endpoint,
) -> None:
    sqs = endpoint.client("sqs")
    mine = sqs.create_queue(QueueName="mine")["QueueUrl"]
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    receives: list[str] = []
    moto_app = endpoint.app.app

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        body = environ["wsgi.input"].getvalue()
        if durable.action(environ, body) == "ReceiveMessage":
            receives.append(durable.queue_of(environ, body))
        return moto_app(environ, start_response)

    endpoint.app.app = counting

    def traffic() -> None:
        busy = endpoint.client("sqs")
        for i in range(30):  # another queue's writes: they must not wake the poll
            busy.send_message(QueueUrl=other, MessageBody=f"other {i}")
        busy.send_message(QueueUrl=mine, MessageBody="mine")

    sender = threading.Thread(target=traffic)
    sender.start()
    got = sqs.receive_message(QueueUrl=mine, WaitTimeSeconds=10)["Messages"]
    sender.join(timeout=10)

    assert [m["Body"] for m in got] == ["mine"]
    assert set(receives) == {"mine"}
    # the first look, the look after its own send, and the once-a-second look while 30 other
    # sends went by: never one look per write
    assert len(receives) <= 2 + 3


def test_the_queue_of_a_request_is_read_from_either_protocol() -> None:
    url = "http://127.0.0.1:4566/123456789012/tctfmsg-local-delivery"
    json_request = {"HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"}
    form = {"CONTENT_TYPE": "application/x-www-form-urlencoded", "QUERY_STRING": ""}

    assert durable.queue_of(json_request, b'{"QueueUrl": "%s"}' % url.encode()) == (
        "tctfmsg-local-delivery"
    )
    assert durable.queue_of(form, b"Action=SendMessage&QueueUrl=" + url.encode()) == (
        "tctfmsg-local-delivery"
    )
    assert durable.queue_of(json_request, b"not json") == ""
    assert durable.queue_of(json_request, b'{"QueueUrl": 7}') == ""
    assert durable.queue_of(json_request, b"[1]") == ""


def test_an_s3_upload_and_a_secret_come_back_after_a_crash(endpoint: Endpoint) -> None:
    s3, secrets = endpoint.client("s3"), endpoint.client("secretsmanager")
    s3.create_bucket(Bucket="attachments")
    s3.put_object(Bucket="attachments", Key="a/b.txt", Body=b"x" * 70_000)
    version = secrets.create_secret(Name="keys", SecretString="s3cret")["VersionId"]

    endpoint.crash()
    _replayed(endpoint.directory)
    again = _serve(endpoint.directory, endpoint.app.journal.last_seq if endpoint.app.journal else 0)
    try:
        body = again.client("s3").get_object(Bucket="attachments", Key="a/b.txt")["Body"].read()
        secret = again.client("secretsmanager").get_secret_value(SecretId="keys")
    finally:
        again.server.shutdown()
        again.server.server_close()

    assert body == b"x" * 70_000
    assert (secret["SecretString"], secret["VersionId"]) == ("s3cret", version)
