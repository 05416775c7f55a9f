"""SendGrid over its v3 HTTP API (POST /v3/mail/send).

SendGrid answers 202 with the id in X-Message-Id. A 400 lists errors with the `field` each is
about: only recipient and content fields make the message undeliverable; anything else is ours
to fix and another provider can send meanwhile.
"""

from __future__ import annotations

from email.utils import parseaddr
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

DEFAULT_URL = "https://api.sendgrid.com"
MESSAGE_FIELDS = ("personalizations", "content", "subject")


class SendGridProvider(HttpEmailProvider):
    name = "sendgrid"
    default_url = DEFAULT_URL
    path = "/v3/mail/send"
    ok_statuses = (200, 202)
    idempotent = False  # SendGrid has no idempotency key

    def _body(self, message: EmailMessage) -> dict[str, Any]:
        return _body(message)

    def _message_id(self, response: requests.Response) -> str:
        return str(response.headers.get("X-Message-Id", ""))

    def _error(
        self, response: requests.Response, message: EmailMessage
    ) -> ProviderUnavailable | RecipientRejected:
        status = response.status_code
        if status == 429:
            wait = retry_after_s(response.headers) or DEFAULT_THROTTLE_BACKOFF_S
            return ProviderUnavailable(self.name, "rate limited (429)", retry_after_s=wait)
        if status in (401, 403):
            if self._on_auth_failure:
                self._on_auth_failure()
            return ProviderUnavailable(self.name, f"authorization refused ({status})")
        if status == 413:
            return RecipientRejected(self.name, message.to, "message too large (413)")
        if status == 400:
            fields = [str(e.get("field") or "") for e in error_json(response).get("errors", [])]
            if fields and all(f.startswith(MESSAGE_FIELDS) for f in fields):
                return RecipientRejected(self.name, message.to, f"invalid {', '.join(fields)}")
            return ProviderUnavailable(
                self.name, f"request refused (400: {', '.join(fields) or 'no field'})"
            )
        return ProviderUnavailable(self.name, f"HTTP {status}")


def _body(message: EmailMessage) -> dict[str, Any]:
    name, address = parseaddr(message.sender)
    sender: dict[str, str] = {"email": address or message.sender}
    if name:
        sender["name"] = name
    content = [{"type": "text/plain", "value": message.text}] if message.text else []
    if message.html:
        content.append({"type": "text/html", "value": message.html})
    body: dict[str, Any] = {
        "personalizations": [{"to": [{"email": message.to}]}],
        "from": sender,
        "subject": message.subject,
        "content": content,
    }
    if message.reply_to:
        body["reply_to"] = {"email": message.reply_to}
    if message.headers:
        body["headers"] = dict(message.headers)
    if message.tags:
        body["custom_args"] = dict(message.tags)
    return body
