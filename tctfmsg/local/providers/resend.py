"""Resend's send API (POST /emails) as the real one answers it: Bearer key, body checks with
Resend's error names, Idempotency-Key replay and conflicts, and 429 with Retry-After."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from tctfmsg.local.providers.base import (
    THROTTLE_RETRY_AFTER_S,
    ProviderEndpoint,
    bearer,
    json_response,
    valid_address,
)

MAX_RECIPIENTS = 50


class ResendEndpoint(ProviderEndpoint):
    name = "resend"

    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[str, str | None]] = {}  # key -> (body hash, id or in flight)

    def handle(self, request: Request) -> Response:
        if request.path != "/emails" or request.method != "POST":
            return _error(404, "not_found", "The requested endpoint does not exist.")
        key = bearer(request)
        if key is None:
            return _error(401, "missing_api_key", "Missing API key in the authorization header.")
        if key != self.api_key:
            return _error(403, "invalid_api_key", "API key is invalid.")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(422, "validation_error", "The request body must be a JSON object.")
        problem = _check(body)
        if problem:
            return problem
        idempotency_key = request.headers.get("Idempotency-Key")
        if idempotency_key is None:
            return self._deliver(body, None)
        if not 1 <= len(idempotency_key) <= 256:
            return _error(400, "invalid_idempotency_key", "The key must be 1-256 characters.")
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self._lock:
            seen = self._keys.get(idempotency_key)
            if seen is None:
                self._keys[idempotency_key] = (digest, None)
        if seen is not None:
            if seen[0] != digest:
                return _error(
                    409,
                    "invalid_idempotent_request",
                    "Same idempotency key used with a different request payload.",
                )
            if seen[1] is None:
                return _error(
                    409,
                    "concurrent_idempotent_requests",
                    "Same idempotency key used while original request is still in progress.",
                )
            return json_response({"id": seen[1]})  # the original answer, nothing sent again
        response = self._deliver(body, idempotency_key)
        with self._lock:
            self._keys[idempotency_key] = (digest, json.loads(response.get_data())["id"])
        return response

    def _deliver(self, body: dict[str, Any], idempotency_key: str | None) -> Response:
        message_id = str(uuid.uuid4())
        recipients = body["to"] if isinstance(body["to"], list) else [body["to"]]
        for to in recipients:
            self.outbox.record(
                id=message_id,
                to=to,
                sender=body["from"],
                subject=body["subject"],
                tags={t["name"]: t["value"] for t in body.get("tags") or []},
                idempotency_key=idempotency_key,
                # what was sent, without keeping every body: a test compares it with its own
                html_sha256=_sha256(body.get("html")),
                text_sha256=_sha256(body.get("text")),
                headers=dict(body.get("headers") or {}),
            )
        return json_response({"id": message_id})

    def throttled(self, request: Request) -> Response:
        return _error(
            429,
            "rate_limit_exceeded",
            "Too many requests. Please limit the number of requests.",
            {"Retry-After": str(THROTTLE_RETRY_AFTER_S), "ratelimit-remaining": "0"},
        )

    def outage(self, request: Request) -> Response:
        return _error(500, "internal_server_error", "An unexpected error occurred.")


def _check(body: dict[str, Any]) -> Response | None:
    missing = [f for f in ("from", "to", "subject") if not body.get(f)]
    if not body.get("html") and not body.get("text"):
        missing.append("html or text")
    if missing:
        return _error(422, "missing_required_field", f"Missing `{', '.join(missing)}` field.")
    if not valid_address(body["from"]):
        return _error(
            422,
            "invalid_from_address",
            "Invalid `from` field. The email address needs to follow the "
            "`email@example.com` or `Name <email@example.com>` format.",
        )
    recipients = body["to"] if isinstance(body["to"], list) else [body["to"]]
    if len(recipients) > MAX_RECIPIENTS or not all(valid_address(r) for r in recipients):
        return _error(
            422,
            "validation_error",
            "Invalid `to` field. The email address needs to follow the "
            "`email@example.com` or `Name <email@example.com>` format.",
        )
    headers = body.get("headers")
    if headers is not None and (
        not isinstance(headers, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    ):
        return _error(422, "validation_error", "Invalid `headers` field.")
    for tag in body.get("tags") or []:
        if not isinstance(tag, dict) or not tag.get("name") or "value" not in tag:
            return _error(422, "validation_error", "Invalid `tags` field.")
    return None


def _error(status: int, name: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"statusCode": status, "name": name, "message": message}, status, headers)


def _sha256(part: object) -> str | None:
    return hashlib.sha256(part.encode()).hexdigest() if isinstance(part, str) else None
