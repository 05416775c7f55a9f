"""Resend over its HTTP API (POST /emails), with Resend's Idempotency-Key as the duplicate guard.

Errors are classified by the `name` field Resend returns (https://resend.com/docs/api-reference/errors),
falling back to the status code; never by the human message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tctfmsg.email.message import EmailMessage, ProviderUnavailable, RecipientRejected
from tctfmsg.email.providers.http import (
    DEFAULT_THROTTLE_BACKOFF_S,
    HttpEmailProvider,
    error_json,
    retry_after_s,
)

if TYPE_CHECKING:
    import requests

DEFAULT_URL = "https://api.resend.com"

# The message itself cannot be sent: bad recipient, missing or invalid content, a security flag.
REJECTING = {"validation_error", "missing_required_field", "invalid_attachment", "security_error"}
# Our account or configuration is at fault (bad key, unverified domain): another provider can send.
MISCONFIGURED = {
    "missing_api_key",
    "invalid_api_key",
    "restricted_api_key",
    "invalid_from_address",
    "invalid_access",
    "invalid_region",
}
THROTTLED = {"rate_limit_exceeded", "daily_quota_exceeded", "monthly_quota_exceeded"}


class ResendProvider(HttpEmailProvider):
    name = "resend"
    default_url = DEFAULT_URL
    path = "/emails"
    idempotent = True  # a repeated Idempotency-Key is answered, never sent twice

    def _headers(self, message: EmailMessage) -> dict[str, str]:
        headers = super()._headers(message)
        if message.idempotency_key:
            headers["Idempotency-Key"] = message.idempotency_key[:256]
        return headers

    def _body(self, message: EmailMessage) -> dict[str, Any]:
        return _body(message)

    def _message_id(self, response: requests.Response) -> str:
        return str(error_json(response).get("id", ""))

    def _error(
        self, response: requests.Response, message: EmailMessage
    ) -> ProviderUnavailable | RecipientRejected:
        status = response.status_code
        code = str(error_json(response).get("name") or f"HTTP {status}")
        if code in THROTTLED or status == 429:
            wait = retry_after_s(response.headers) or DEFAULT_THROTTLE_BACKOFF_S
            return ProviderUnavailable(self.name, f"{code} ({status})", retry_after_s=wait)
        if code in MISCONFIGURED or status in (401, 403):
            if self._on_auth_failure and status in (401, 403):
                self._on_auth_failure()  # the key may have been rotated: read it afresh
            return ProviderUnavailable(self.name, f"{code} ({status})")
        if code in REJECTING and 400 <= status < 500:
            return RecipientRejected(self.name, message.to, f"{code} ({status})")
        return ProviderUnavailable(self.name, f"{code} ({status})")


def _body(message: EmailMessage) -> dict[str, object]:
    body: dict[str, object] = {
        "from": message.sender,
        "to": [message.to],
        "subject": message.subject,
        "html": message.html,
        "text": message.text,
    }
    if message.reply_to:
        body["reply_to"] = message.reply_to
    if message.headers:
        body["headers"] = dict(message.headers)
    if message.tags:
        body["tags"] = [{"name": k, "value": v} for k, v in message.tags.items()]
    return body
