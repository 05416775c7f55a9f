"""The stack answers only requests signed with its own keys (decision 0083): a WSGI middleware
in front of moto, which accepts any signature at all, and behind the origin guard. A refusal is
a 403 shaped as the service would shape it, so an SDK raises its usual error, and it is counted
in `refused-NAME.json` (`tctfmsg local status` shows the counts)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from tctfmsg.local import sigv4, state
from tctfmsg.local.sigv4 import Received, Refusal
from tctfmsg.local.wsgi import WSGIApp, read_body

log = logging.getLogger("tctfmsg.local.signatures")
REFUSED_PREFIX = "refused-"
MAX_FORM_BYTES = 64 * 1024 * 1024  # a presigned upload's form is parsed whole: bounded

# The error code each protocol uses for each kind of refusal: JSON, query (XML) and S3.
_CODES: dict[str, tuple[str, str, str]] = {
    "missing": (
        "MissingAuthenticationTokenException",
        "MissingAuthenticationToken",
        "AccessDenied",
    ),
    "malformed": ("IncompleteSignatureException", "IncompleteSignature", "AccessDenied"),
    "unknown_key": ("UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId"),
    "mismatch": ("InvalidSignatureException", "SignatureDoesNotMatch", "SignatureDoesNotMatch"),
    "expired": ("InvalidSignatureException", "RequestExpired", "AccessDenied"),
}


class RefusalCounter:
    """How many requests were refused, by kind; written to a file on every refusal."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            if self.path is not None:
                tmp = self.path.with_name(f".{self.path.name}.tmp")
                tmp.write_text(json.dumps(self.counts))
                os.replace(tmp, self.path)


def refused(home: Path) -> dict[str, dict[str, int]]:
    """Every endpoint's refusal counts, by endpoint name."""
    counts = {}
    for path in sorted(home.glob(f"{REFUSED_PREFIX}*.json")):
        try:
            counts[path.stem.removeprefix(REFUSED_PREFIX)] = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
    return counts


Answer = Callable[[Refusal, Mapping[str, str]], tuple[str, list[tuple[str, str]], bytes]]


def signed_only(
    app: WSGIApp, home: Path, name: str, answer_with: Answer | None = None
) -> SignatureGuard:
    """`app` behind the stack's own keys (from its state directory `home`), its refusals
    counted as `name`'s. No keys yet is a broken stack: refuse to start, do not open up."""
    keys = state.credentials(home)
    if keys is None:
        raise RuntimeError(f"no credentials in {home / state.CREDENTIALS_FILE}")
    counter = RefusalCounter(home / f"{REFUSED_PREFIX}{name}.json")
    keyring = {keys.access_key_id: keys.secret_access_key}
    return SignatureGuard(app, keyring, counter, answer_with or answer)


class SignatureGuard:
    def __init__(
        self,
        app: WSGIApp,
        keys: Mapping[str, str],
        counter: RefusalCounter,
        answer_with: Answer | None = None,
    ) -> None:
        self.app = app
        self.keys = keys
        self.counter = counter
        self.answer_with = answer_with or answer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get("HTTP_ORIGIN"):
            # A CORS preflight is never signed and reads or writes nothing; the origin guard
            # in front lets only the stack's own pages' origin this far (decision 0082).
            return self.app(environ, start_response)
        body = read_body(environ)
        headers = sigv4.received_headers(environ)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.pop("wsgi.input_terminated", None)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = BytesIO(body)
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
        received = Received(
            method=environ.get("REQUEST_METHOD", "GET"),
            raw_uri=str(raw_uri),
            headers=headers,
            body=body,
            form=_post_form(environ, headers, body),
        )
        refusal = sigv4.check(received, self.keys, datetime.now(UTC))
        if refusal is None:
            environ["wsgi.input"] = BytesIO(body)
            return self.app(environ, start_response)
        self.counter.add(refusal.kind)
        log.warning("refused %s %s: %s", received.method, received.raw_uri[:100], refusal.message)
        status, answer_headers, content = self.answer_with(refusal, headers)
        start_response(status, answer_headers)
        return [content]


def answer(
    refusal: Refusal, headers: Mapping[str, str]
) -> tuple[str, list[tuple[str, str]], bytes]:
    """The 403 the service itself would send: JSON, query XML or S3 XML."""
    as_json, as_query, as_s3 = _CODES[refusal.kind]
    kind = _protocol(headers)
    if kind == "json":
        body = json.dumps({"__type": as_json, "message": refusal.message}).encode()
        extra = [("x-amzn-ErrorType", as_json), ("Content-Type", "application/x-amz-json-1.0")]
    elif kind == "s3":
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{as_s3}</Code>"
            f"<Message>{escape(refusal.message)}</Message></Error>"
        ).encode()
        extra = [("Content-Type", "application/xml")]
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{as_query}</Code>"
            f"<Message>{escape(refusal.message)}</Message></Error>"
            "<RequestId>local-refused</RequestId></ErrorResponse>"
        ).encode()
        extra = [("Content-Type", "text/xml")]
    return "403 Forbidden", [*extra, ("Content-Length", str(len(body)))], body


def api_gateway_answer(
    refusal: Refusal, headers: Mapping[str, str]
) -> tuple[str, list[tuple[str, str]], bytes]:
    """API Gateway's 403 for an IAM-authorized route: `{"message": ...}`."""
    message = "Missing Authentication Token" if refusal.kind == "missing" else refusal.message
    code = _CODES[refusal.kind][0]
    body = json.dumps({"message": message}).encode()
    extra = [("x-amzn-ErrorType", code), ("Content-Type", "application/json")]
    return "403 Forbidden", [*extra, ("Content-Length", str(len(body)))], body


def _protocol(headers: Mapping[str, str]) -> str:
    scope = headers.get("authorization", "")
    if "/s3/aws4_request" in scope or "x-amz-content-sha256" in headers:
        return "s3"
    content_type = headers.get("content-type", "")
    if "x-amz-target" in headers or "json" in content_type:
        return "json"
    if content_type.startswith("application/x-www-form-urlencoded"):
        return "query"
    return "s3" if not scope else "json"  # an unsigned REST call: S3 is the one browsers reach


def _post_form(
    environ: dict[str, Any], headers: Mapping[str, str], body: bytes
) -> dict[str, str] | None:
    """A presigned POST's fields (the policy and its signature), or None for any other body."""
    if environ.get("REQUEST_METHOD") != "POST" or "authorization" in headers:
        return None
    if not headers.get("content-type", "").startswith("multipart/form-data"):
        return None
    if len(body) > MAX_FORM_BYTES:
        return None
    from werkzeug.exceptions import HTTPException
    from werkzeug.formparser import parse_form_data

    copy = {**environ, "wsgi.input": BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    try:
        _, form, _ = parse_form_data(copy, max_form_memory_size=1024 * 1024, silent=False)
    except (HTTPException, ValueError):
        return None
    return {key.lower(): value for key, value in form.items()}
