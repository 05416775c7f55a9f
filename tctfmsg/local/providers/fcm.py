"""FCM HTTP v1's send (`POST /v1/projects/{project}/messages:send`) as Google answers it:
Bearer token, the project, one registration token per message, the 4 KB payload limit, and
errors in Google's shape (`{"error": {"code", "message", "status", "details"}}`) with the
FcmError `errorCode` the adapters read.

`PUT /_local/unregistered {"token": "..."}` marks a device token as gone: sends to it are then
answered 404 UNREGISTERED, exactly as FCM answers for an uninstalled app.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from tctfmsg.local.providers.base import (
    THROTTLE_RETRY_AFTER_S,
    ProviderEndpoint,
    bearer,
    json_response,
)

PATH = re.compile(r"^/v1/projects/([^/]+)/messages:send$")
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
TOKEN = re.compile(r"^[A-Za-z0-9_:.\-]{1,4096}$")
MAX_PAYLOAD_BYTES = 4096


class FcmEndpoint(ProviderEndpoint):
    name = "fcm"
    channel = "push"

    def __init__(self, access_token: str, project: str) -> None:
        super().__init__()
        self.access_token = access_token
        self.project = project
        self._lock = threading.Lock()
        self.unregistered: set[str] = set()

    def control(self, what: str, request: Request) -> Response | None:
        if what != "unregistered" or request.method != "PUT":
            return None
        token = (request.get_json(silent=True) or {}).get("token")
        if not isinstance(token, str) or not TOKEN.match(token):
            return json_response({"error": "token must be a registration token"}, 400)
        with self._lock:
            self.unregistered.add(token)
        return json_response({"provider": self.name, "unregistered": token})

    def handle(self, request: Request) -> Response:
        found = PATH.match(request.path)
        if request.method != "POST" or not found:
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        if bearer(request) != self.access_token:
            return _error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token.",
            )
        if found.group(1) != self.project:
            return _error(
                403, "PERMISSION_DENIED", "Permission 'cloudmessaging.messages.create' denied"
            )
        body = request.get_json(silent=True)
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict):
            return _error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        problem = _check(message)
        if problem:
            return _error(400, "INVALID_ARGUMENT", problem[1], problem[0])
        token = message["token"]
        with self._lock:
            gone = token in self.unregistered
        if gone:
            return _error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        name = f"projects/{self.project}/messages/{uuid.uuid4().int % 10**19}"
        notification = message.get("notification") or {}
        data = message.get("data") or {}
        self.outbox.record(
            id=name,
            channel=self.channel,
            to=token,
            type=data.get("type"),
            text=notification.get("body"),
            subject=notification.get("title"),
            data=data,
        )
        return json_response({"name": name})

    def outage(self, request: Request) -> Response:
        return _error(503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE")

    def throttled(self, request: Request) -> Response:
        return _error(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Send requests'.",
            "QUOTA_EXCEEDED",
            {"Retry-After": str(THROTTLE_RETRY_AFTER_S)},
        )


def _check(message: dict[str, Any]) -> tuple[str, str] | None:
    targets = [k for k in ("token", "topic", "condition") if k in message]
    token = message.get("token")
    if targets != ["token"] or not isinstance(token, str) or not TOKEN.match(token):
        return "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"
    notification = message.get("notification", {})
    if not isinstance(notification, dict) or not all(
        isinstance(notification.get(k, ""), str) for k in ("title", "body")
    ):
        return "INVALID_ARGUMENT", "Invalid value at 'message.notification'"
    data = message.get("data", {})
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        return "INVALID_ARGUMENT", "Invalid value at 'message.data' (TYPE_STRING)"
    if len(json.dumps([notification, data]).encode()) > MAX_PAYLOAD_BYTES:
        return "INVALID_ARGUMENT", "Message is too big"
    return None


def _error(
    status: int,
    kind: str,
    message: str,
    fcm_code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    error: dict[str, Any] = {"code": status, "message": message, "status": kind}
    if fcm_code:
        error["details"] = [{"@type": FCM_ERROR, "errorCode": fcm_code}]
    return json_response({"error": error}, status, headers)
