"""The signature check's time windows (decision 0083): a header signature lives 15 minutes, as
on AWS; a presigned URL lives as long as it says, and no longer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from botocore.auth import S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tctfmsg.local import sigv4

KEYS = {"TCTFKEY": "secret"}
HOST = "127.0.0.1:5566"


def _header_signed(body: bytes = b"{}") -> sigv4.Received:
    request = AWSRequest("POST", f"http://{HOST}/", data=body, headers={"X-Amz-Target": "x.Y"})
    SigV4Auth(Credentials("TCTFKEY", "secret"), "dynamodb", "us-east-1").add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()} | {"host": HOST}
    return sigv4.Received("POST", "/", headers, body)


def _presigned(expires: int) -> sigv4.Received:
    request = AWSRequest("GET", f"http://{HOST}/bucket/key")
    S3SigV4QueryAuth(Credentials("TCTFKEY", "secret"), "s3", "us-east-1", expires).add_auth(request)
    return sigv4.Received("GET", request.url.removeprefix(f"http://{HOST}"), {"host": HOST}, b"")


def test_a_header_signature_lives_fifteen_minutes() -> None:
    signed, now = _header_signed(), datetime.now(UTC)

    assert sigv4.check(signed, KEYS, now) is None
    assert sigv4.check(signed, KEYS, now + timedelta(minutes=14)) is None
    late = sigv4.check(signed, KEYS, now + timedelta(minutes=16))
    early = sigv4.check(signed, KEYS, now - timedelta(minutes=16))
    assert late is not None and late.kind == "expired"
    assert early is not None and early.kind == "expired"


def test_a_changed_body_breaks_the_signature() -> None:
    signed = _header_signed(b'{"TableName": "a"}')
    changed = sigv4.Received(signed.method, signed.raw_uri, signed.headers, b'{"TableName": "b"}')

    refusal = sigv4.check(changed, KEYS, datetime.now(UTC))

    assert refusal is not None and refusal.kind == "mismatch"


def test_a_presigned_url_lives_as_long_as_it_says() -> None:
    url, now = _presigned(expires=3600), datetime.now(UTC)

    assert sigv4.check(url, KEYS, now + timedelta(minutes=59)) is None
    expired = sigv4.check(url, KEYS, now + timedelta(minutes=61))
    assert expired is not None and expired.kind == "expired"


def test_another_key_or_no_signature_is_named_as_such() -> None:
    unknown = sigv4.check(_header_signed(), {"OTHER": "secret"}, datetime.now(UTC))
    unsigned = sigv4.check(sigv4.Received("GET", "/", {"host": HOST}, b""), KEYS, datetime.now(UTC))

    assert unknown is not None and unknown.kind == "unknown_key"
    assert unsigned is not None and unsigned.kind == "missing"
