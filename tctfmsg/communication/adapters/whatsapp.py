"""WhatsApp over the Business Cloud API (`POST /v21.0/{phone_number_id}/messages`): a template
message named after the notification type, its body parameters named after the template's
variables; a plain text message when there are none.

The Cloud API answers most errors with HTTP 400 whatever their kind, so errors are told apart by
the Graph error `code` (developers.facebook.com/documentation/business-messaging/whatsapp/support/
error-codes), falling back to the status; never by the message.
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

PROVIDER = "whatsapp-cloud"
DEFAULT_URL = "https://graph.facebook.com"
API_VERSION = "v21.0"
THROTTLED = {4, 80007, 130429, 131048, 131056}  # app, account, throughput, spam, pair limits
# our token or account is at fault: nothing about this recipient is known
MISCONFIGURED = {0, 3, 10, 190, 131005, 131031, 131042}
UNAVAILABLE = {1, 2, 131000, 131016}  # unknown or temporary trouble at Meta
UNREACHABLE = {
    100,  # invalid parameter (the number's format)
    131021,  # recipient is the sender
    131026,  # undeliverable: not on WhatsApp, old app, terms not accepted
    131030,  # not in the test number's allowed list
    131047,  # re-engagement: more than 24 hours since the user last wrote (text messages)
    131051,  # unsupported message type
    132000,  # template parameter count does not match
    132001,  # template does not exist in this language
    132005,  # template text too long once filled in
    132007,  # template content policy
    132012,  # template parameter format
}
DEFAULT_THROTTLE_BACKOFF_S = 1.0


class WhatsAppChannel(BearerChannel):
    """The WhatsApp Business Cloud API; the account is the sender's phone number id."""

    name = "whatsapp"
    default_url = DEFAULT_URL

    def send(self, message: Outgoing) -> ChannelReceipt:
        response = self._post(lambda sender: f"/{API_VERSION}/{sender}/messages", body(message))
        if response.status_code == 200:
            messages = error_json(response).get("messages") or [{}]
            return ChannelReceipt(PROVIDER, str(messages[0].get("id", "")))
        raise self._error(response, message.to)

    def _error(
        self, response: requests.Response, to: str
    ) -> ChannelUnavailable | RecipientUnreachable:
        status = response.status_code
        error = error_json(response).get("error")
        error = error if isinstance(error, dict) else {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        told = f"code {code} ({status})" if code is not None else f"HTTP {status}"
        if code in THROTTLED or status == 429:
            wait = retry_after_s(response.headers) or DEFAULT_THROTTLE_BACKOFF_S
            return ChannelUnavailable(self.name, told, retry_after_s=wait)
        if code in MISCONFIGURED or status in (401, 403):
            if self._on_auth_failure:
                self._on_auth_failure()  # the token may have been rotated: read it afresh
            return ChannelUnavailable(self.name, told)
        if code in UNAVAILABLE or status >= 500:
            return ChannelUnavailable(self.name, told)
        if 400 <= status < 500:  # a known or unknown refusal of this message to this number
            return RecipientUnreachable(self.name, to, told)
        return ChannelUnavailable(self.name, told)


def body(message: Outgoing) -> dict[str, Any]:
    sent: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.to,
    }
    if not message.data:
        return {**sent, "type": "text", "text": {"preview_url": False, "body": message.text}}
    parameters = [
        {"type": "text", "parameter_name": name, "text": str(message.data[name])}
        for name in sorted(message.data)  # a stable order: the same request for the same data
    ]
    template = {
        "name": message.type,
        "language": {"code": message.locale},
        "components": [{"type": "body", "parameters": parameters}],
    }
    return {**sent, "type": "template", "template": template}
