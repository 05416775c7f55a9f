"""Is a request signed with the stack's own keys? SigV4 recomputed with botocore's own signers
over the request as received, compared in constant time (decision 0083).

Three ways to sign: the `Authorization: AWS4-HMAC-SHA256 …` header (every SDK call), the
presigned query (`X-Amz-Signature`, presigned S3 URLs) and the presigned POST form (a policy and
its `x-amz-signature` field, the chat page's attachment uploads).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from botocore.auth import (
    SIGV4_TIMESTAMP,
    S3SigV4Auth,
    S3SigV4QueryAuth,
    SigV4Auth,
    SigV4QueryAuth,
)
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)  # AWS's own window for a signed request's time
MAX_EXPIRES_S = 604_800  # a presigned URL lives at most 7 days, as on AWS
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[a-z0-9;_.-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Refusal:
    kind: str  # missing, malformed, unknown_key, mismatch, expired
    message: str


@dataclass(frozen=True)
class Received:
    """A request as it came: method, the raw path and query, headers by lower-case name."""

    method: str
    raw_uri: str
    headers: Mapping[str, str]
    body: bytes
    form: Mapping[str, str] | None = None  # a presigned POST's fields, when the body is one


@dataclass(frozen=True)
class _Scope:
    access_key: str
    date: str
    region: str
    service: str


class _Recomputed:
    """Signs exactly the headers the client named, never a header list of our own."""

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        named = HTTPHeaders()
        for name, value in request.headers.items():
            named[name.lower()] = value
        return named


class _SigV4(_Recomputed, SigV4Auth):
    pass


class _S3SigV4(_Recomputed, S3SigV4Auth):  # S3 does not normalise the path
    pass


class _Query(_Recomputed, SigV4QueryAuth):
    pass


class _S3Query(_Recomputed, S3SigV4QueryAuth):  # and signs no payload: UNSIGNED-PAYLOAD
    pass


_SIGNERS: dict[tuple[bool, bool], type[SigV4Auth]] = {
    (False, False): _SigV4,
    (False, True): _S3SigV4,
    (True, False): _Query,
    (True, True): _S3Query,
}


def check(request: Received, keys: Mapping[str, str], now: datetime) -> Refusal | None:
    """None when the request is signed with one of keys (access key id → secret)."""
    authorization = request.headers.get("authorization")
    path, _, query = request.raw_uri.partition("?")
    if authorization is not None:
        return _header_signed(request, authorization, keys, now)
    if "X-Amz-Signature=" in query:
        return _query_signed(request, path, query, keys, now)
    if request.form is not None and "x-amz-signature" in request.form:
        return _post_signed(request.form, keys, now)
    if "AWSAccessKeyId=" in query or (request.form and "awsaccesskeyid" in request.form):
        return Refusal("malformed", "SigV2 is not accepted: presign with signature_version s3v4")
    return Refusal("missing", "the request is not signed: sign it with the stack's credentials")


def _header_signed(
    request: Received, authorization: str, keys: Mapping[str, str], now: datetime
) -> Refusal | None:
    parsed = _AUTHORIZATION.match(authorization.strip())
    if parsed is None and authorization.startswith("AWS "):
        return Refusal("malformed", "SigV2 is not accepted: sign with SigV4")
    if parsed is None:
        return Refusal("malformed", "the Authorization header is not AWS4-HMAC-SHA256")
    scope = _scope(parsed["credential"])
    timestamp = request.headers.get("x-amz-date", "")
    signed = parsed["signed"].split(";")
    if scope is None or "host" not in signed or any(h not in request.headers for h in signed):
        return Refusal("malformed", "the credential scope or the signed headers are incomplete")
    refused = _known_and_timely(scope, timestamp, keys, now, MAX_SKEW)
    if refused is not None:
        return refused
    content_sha = request.headers.get("x-amz-content-sha256")
    if (
        content_sha
        and _SHA256_HEX.match(content_sha)
        and content_sha != hashlib.sha256(request.body).hexdigest()
    ):
        return Refusal("mismatch", "the body does not match X-Amz-Content-SHA256")
    headers = {name: request.headers[name] for name in signed}
    signer = _signer(scope, keys, query=False)
    expected = _signature(signer, timestamp, request.method, request.raw_uri, headers, request.body)
    return _compared(expected, parsed["signature"])


def _query_signed(
    request: Received, path: str, query: str, keys: Mapping[str, str], now: datetime
) -> Refusal | None:
    pairs = [pair.partition("=") for pair in query.split("&")]
    params = {key: unquote(value) for key, _, value in pairs}
    scope = _scope(params.get("X-Amz-Credential", ""))
    signed = params.get("X-Amz-SignedHeaders", "").split(";")
    expires = params.get("X-Amz-Expires", "")
    if (
        scope is None
        or params.get("X-Amz-Algorithm") != ALGORITHM
        or "host" not in signed
        or any(h not in request.headers for h in signed)
        or not expires.isdigit()
        or int(expires) > MAX_EXPIRES_S
    ):
        return Refusal("malformed", "the presigned URL's parameters are incomplete")
    timestamp = params.get("X-Amz-Date", "")
    refused = _known_and_timely(scope, timestamp, keys, now, timedelta(seconds=int(expires)))
    if refused is not None:
        return refused
    unsigned = "&".join(f"{k}{eq}{v}" for k, eq, v in pairs if k != "X-Amz-Signature")
    headers = {name: request.headers[name] for name in signed}
    signer = _signer(scope, keys, query=True)
    uri = f"{path}?{unsigned}"
    expected = _signature(signer, timestamp, request.method, uri, headers, request.body)
    return _compared(expected, params.get("X-Amz-Signature", ""))


def _post_signed(form: Mapping[str, str], keys: Mapping[str, str], now: datetime) -> Refusal | None:
    scope = _scope(form.get("x-amz-credential", ""))
    policy = form.get("policy", "")
    if scope is None or form.get("x-amz-algorithm") != ALGORITHM or not policy:
        return Refusal("malformed", "the upload form's signature fields are incomplete")
    timestamp = form.get("x-amz-date", "")
    refused = _known_and_timely(scope, timestamp, keys, now, timedelta(days=7))
    if refused is not None:
        return refused
    try:
        expiration = json.loads(base64.b64decode(policy, validate=True))["expiration"]
        expired = now > datetime.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (ValueError, KeyError, TypeError):
        return Refusal("malformed", "the upload policy is not a signed S3 policy")
    if expired:
        return Refusal("expired", "the upload policy has expired")
    signer = _signer(scope, keys, query=False)
    request = AWSRequest(method="POST", url="http://localhost/")
    request.context["timestamp"] = timestamp
    return _compared(signer.signature(policy, request), form.get("x-amz-signature", ""))


def _scope(credential: str) -> _Scope | None:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        return None
    return _Scope(*parts[:4])


def _known_and_timely(
    scope: _Scope, timestamp: str, keys: Mapping[str, str], now: datetime, valid_for: timedelta
) -> Refusal | None:
    """A known key, and a signing time neither in the future (beyond the clock skew AWS allows)
    nor older than what the signature is valid for."""
    if scope.access_key not in keys:
        return Refusal("unknown_key", "the access key is not this stack's: see `tctfmsg local env`")
    try:
        signed_at = _parsed_time(timestamp)
    except ValueError:
        return Refusal("malformed", "X-Amz-Date is missing or not a SigV4 timestamp")
    if timestamp[:8] != scope.date:
        return Refusal("malformed", "the credential scope's date is not X-Amz-Date's")
    if signed_at - now > MAX_SKEW or now - signed_at > valid_for:
        return Refusal("expired", "the signature has expired or its time is not the stack's")
    return None


def _parsed_time(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)


def _signer(scope: _Scope, keys: Mapping[str, str], query: bool) -> SigV4Auth:
    credentials = Credentials(scope.access_key, keys[scope.access_key])
    return _SIGNERS[(query, scope.service == "s3")](credentials, scope.service, scope.region)


def _signature(
    signer: SigV4Auth,
    timestamp: str,
    method: str,
    raw_uri: str,
    headers: dict[str, str],
    body: bytes,
) -> str:
    request = AWSRequest(method=method, url=f"http://{headers['host']}{raw_uri}", headers=headers)
    request.data = body
    request.context["timestamp"] = timestamp
    canonical = signer.canonical_request(request)
    return str(signer.signature(signer.string_to_sign(request, canonical), request))


def _compared(expected: str, given: str) -> Refusal | None:
    if hmac.compare_digest(expected.encode(), given.encode()):
        return None
    return Refusal("mismatch", "the signature does not match: sign with the stack's secret")


def received_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """A WSGI environ's headers by lower-case name, as the client sent them."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers
