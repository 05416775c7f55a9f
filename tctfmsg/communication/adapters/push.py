"""Push over FCM HTTP v1 (`POST /v1/projects/{project}/messages:send`).

Errors are told apart by the FcmError `errorCode` in the answer's details
(firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode), falling back to the status: an
UNREGISTERED token is dead and is forgotten; 429 and 5xx are the channel's and count against
its breaker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from tctfmsg.communication.adapters.http import credential, error_json, post, retry_after_s
from tctfmsg.communication.ports import (
    ChannelReceipt,
    ChannelUnavailable,
    Outgoing,
    RecipientUnreachable,
)

PROVIDER = "fcm"
DEFAULT_URL = "https://fcm.googleapis.com"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
FORGET = {"UNREGISTERED"}  # the app was uninstalled or the token expired: it never comes back
UNREACHABLE = {"INVALID_ARGUMENT", "SENDER_ID_MISMATCH"}
DEFAULT_THROTTLE_BACKOFF_S = 1.0


class FcmPushChannel:
    name = "push"

    def __init__(
        self,
        token: Callable[[], str],
        project: Callable[[], str],
        base_url: str | None = None,
        timeout_s: float = 5.0,
        session: requests.Session | None = None,
        on_auth_failure: Callable[[], None] | None = None,
    ) -> None:
        self._token = token
        self._project = project
        self._base = (base_url or DEFAULT_URL).rstrip("/")
        self._timeout_s = timeout_s
        self._session = session or requests.Session()
        self._on_auth_failure = on_auth_failure

    def send(self, message: Outgoing) -> ChannelReceipt:
        token = credential(self.name, self._token)
        project = credential(self.name, self._project)
        url = f"{self._base}/v1/projects/{project}/messages:send"
        response = post(self._session, self.name, url, body(message), token, self._timeout_s)
        if response.status_code == 200:
            return ChannelReceipt(PROVIDER, str(error_json(response).get("name", "")))
        raise self._error(response, message.to)

    def _error(
        self, response: requests.Response, to: str
    ) -> ChannelUnavailable | RecipientUnreachable:
        status = response.status_code
        error = error_json(response).get("error")
        error = error if isinstance(error, dict) else {}
        code = _fcm_error_code(error) or str(error.get("status") or f"HTTP {status}")
        told = f"{code} ({status})"
        if code in FORGET:
            return RecipientUnreachable(self.name, to, told, forget=True)
        if status == 429 or code in ("QUOTA_EXCEEDED", "UNAVAILABLE") or status >= 500:
            wait = retry_after_s(response.headers)
            if status == 429:
                wait = wait or DEFAULT_THROTTLE_BACKOFF_S
            return ChannelUnavailable(self.name, told, retry_after_s=wait)
        if status in (401, 403, 404) and code not in UNREACHABLE:  # our token or project
            if self._on_auth_failure and status == 401 and code != "THIRD_PARTY_AUTH_ERROR":
                self._on_auth_failure()  # our access token may have been rotated
            return ChannelUnavailable(self.name, told)
        if code in UNREACHABLE or 400 <= status < 500:
            return RecipientUnreachable(self.name, to, told)
        return ChannelUnavailable(self.name, told)


def body(message: Outgoing) -> dict[str, Any]:
    return {
        "message": {
            "token": message.to,
            "notification": {"title": message.subject, "body": message.text},
            "data": {"notification_id": message.notification_id, "type": message.type},
        }
    }


def _fcm_error_code(error: dict[str, Any]) -> str | None:
    details = error.get("details")
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and detail.get("@type") == FCM_ERROR:
            code = detail.get("errorCode")
            return str(code) if code else None
    return None
