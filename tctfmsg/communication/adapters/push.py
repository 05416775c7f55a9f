"""Push over FCM HTTP v1 (`POST /v1/projects/{project}/messages:send`).

Errors are told apart by the FcmError `errorCode` in the answer's details
(firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode), falling back to the status: an
UNREGISTERED token is dead and is forgotten; 429 and 5xx are the channel's and count against
its breaker.
"""

from __future__ import annotations

from typing import Any

import requests

from tctfmsg.communication.adapters.http import BearerChannel, error_json, retry_after_s
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


class FcmPushChannel(BearerChannel):
    """FCM HTTP v1; the account is the Firebase project."""

    name = "push"
    default_url = DEFAULT_URL

    def send(self, message: Outgoing) -> ChannelReceipt:
        path = "/v1/projects/{}/messages:send".format
        response = self._post(path, body(message))
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
