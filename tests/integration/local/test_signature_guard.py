"""The AWS endpoint answers only requests signed with the stack's own keys (decision 0083):
header-signed calls, presigned URLs and presigned POST uploads, recomputed and compared; an
unsigned or wrongly signed request is a 403 the SDK reads as its usual error, and counted."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from tctfmsg.local.signature_guard import RefusalCounter, SignatureGuard, refused
from tests.support.ports import free_port

KEY, SECRET = "TCTFTESTKEY0000001", "the-stack-s-own-secret"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    home = tmp_path_factory.mktemp("guarded")
    app = SignatureGuard(
        DomainDispatcherApplication(create_backend_app),
        {KEY: SECRET},
        RefusalCounter(home / "refused-aws.json"),
    )
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}", home
    server.shutdown()
    server.server_close()


def _client(url: str, service: str, key: str = KEY, secret: str = SECRET) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(
            retries={"total_max_attempts": 1},
            signature_version="s3v4" if service == "s3" else None,
        ),
    )


def _code(error: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = error.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_a_client_signing_with_the_stack_s_keys_is_answered(endpoint: tuple[str, Path]) -> None:
    url, _ = endpoint
    sqs, dynamodb = _client(url, "sqs"), _client(url, "dynamodb")
    secrets, s3 = _client(url, "secretsmanager"), _client(url, "s3")

    queue = sqs.create_queue(QueueName="signed")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    dynamodb.create_table(
        TableName="signed",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="signed", Item={"k": {"S": "a b/ü"}})
    secrets.create_secret(Name="signed", SecretString="s")
    s3.create_bucket(Bucket="signed")
    s3.put_object(Bucket="signed", Key="dir/a file+ü.txt", Body=b"x" * 70_000)

    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "hello"
    assert dynamodb.scan(TableName="signed")["Count"] == 1
    assert secrets.get_secret_value(SecretId="signed")["SecretString"] == "s"
    assert s3.get_object(Bucket="signed", Key="dir/a file+ü.txt")["Body"].read() == b"x" * 70_000


def test_an_unsigned_request_is_refused_and_counted(endpoint: tuple[str, Path]) -> None:
    url, home = endpoint
    before = refused(home).get("aws", {}).get("missing", 0)

    answer = requests.post(
        url,
        data=json.dumps({"TableName": "signed"}),
        headers={
            "X-Amz-Target": "DynamoDB_20120810.Scan",
            "Content-Type": "application/x-amz-json-1.0",
        },
        timeout=10,
    )

    assert answer.status_code == 403
    assert answer.json()["__type"] == "MissingAuthenticationTokenException"
    assert refused(home)["aws"]["missing"] == before + 1


def test_a_request_signed_with_another_secret_is_refused(endpoint: tuple[str, Path]) -> None:
    url, _ = endpoint

    with pytest.raises(ClientError) as wrong_secret:
        _client(url, "secretsmanager", secret="guessed").get_secret_value(SecretId="signed")
    with pytest.raises(ClientError) as other_key:
        _client(url, "sqs", key="AKIAOTHER").list_queues()
    with pytest.raises(ClientError) as s3_forged:
        _client(url, "s3", secret="guessed").list_objects_v2(Bucket="signed")

    assert _code(wrong_secret) == (403, "InvalidSignatureException")
    assert _code(other_key) == (403, "UnrecognizedClientException")
    assert _code(s3_forged) == (403, "SignatureDoesNotMatch")


def test_a_presigned_url_works_with_the_stack_s_key_and_not_a_forged_one(
    endpoint: tuple[str, Path],
) -> None:
    url, _ = endpoint
    _client(url, "s3").put_object(Bucket="signed", Key="doc.txt", Body=b"attached")
    params = {"Bucket": "signed", "Key": "doc.txt"}

    good = _client(url, "s3").generate_presigned_url("get_object", Params=params)
    forged = _client(url, "s3", secret="guessed").generate_presigned_url(
        "get_object", Params=params
    )
    tampered = good.replace("doc.txt", "doc.txt&response-content-type=text/html", 1)

    assert requests.get(good, timeout=10).content == b"attached"
    assert requests.get(forged, timeout=10).status_code == 403
    assert requests.get(tampered, timeout=10).status_code == 403


def test_a_presigned_post_upload_needs_the_stack_s_signature(endpoint: tuple[str, Path]) -> None:
    url, _ = endpoint
    s3 = _client(url, "s3")

    def upload(client: Any, key: str) -> int:
        post = client.generate_presigned_post(Bucket="signed", Key=key)
        sent = requests.post(
            post["url"], data=post["fields"], files={"file": ("f.txt", b"uploaded")}, timeout=10
        )
        return sent.status_code

    good = upload(s3, "posted.txt")
    forged = upload(_client(url, "s3", secret="guessed"), "forged.txt")

    assert good in (200, 204)
    assert s3.get_object(Bucket="signed", Key="posted.txt")["Body"].read() == b"uploaded"
    assert forged == 403
    with pytest.raises(ClientError):
        s3.head_object(Bucket="signed", Key="forged.txt")


def test_a_preflight_passes_unsigned_only_with_an_origin(endpoint: tuple[str, Path]) -> None:
    url, _ = endpoint
    page = {"Origin": "http://127.0.0.1:1", "Access-Control-Request-Method": "POST"}

    # the origin guard in front of it admits only the stack's own page (decision 0082)
    from_page = requests.options(f"{url}/signed", headers=page, timeout=10)
    bare = requests.options(f"{url}/signed", timeout=10)

    assert from_page.status_code != 403
    assert bare.status_code == 403


def test_an_expired_presigned_url_is_refused(endpoint: tuple[str, Path]) -> None:
    url, home = endpoint
    expired = _client(url, "s3").generate_presigned_url(
        "get_object", Params={"Bucket": "signed", "Key": "doc.txt"}, ExpiresIn=0
    )
    before = refused(home)["aws"].get("expired", 0)

    answer = requests.get(expired, timeout=10)

    assert answer.status_code == 403
    assert refused(home)["aws"]["expired"] == before + 1
