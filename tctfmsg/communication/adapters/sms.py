"""SMS over AWS End User Messaging SMS (`pinpoint-sms-voice-v2` SendTextMessage, decision 0067),
through an injected boto3 client, so the embedded stack's endpoint and AWS are the same code.

Errors are told apart by the error code botocore parsed (and the service's `Reason` field),
never by the message text.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tctfmsg.communication.ports import (
    ChannelReceipt,
    ChannelUnavailable,
    Outgoing,
    RecipientUnreachable,
)

PROVIDER = "end-user-messaging-sms"
# This number, or this message to it, can never be sent: retrying or waiting will not help.
UNREACHABLE_CODES = {"ValidationException"}
UNREACHABLE_CONFLICTS = {
    "DESTINATION_PHONE_NUMBER_OPTED_OUT",
    "DESTINATION_PHONE_NUMBER_NOT_VERIFIED",  # the account's sandbox: only verified numbers
    "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION",
    "DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE",
}
# Everything else (ThrottlingException, InternalServerException, ServiceQuotaExceededException,
# AccessDeniedException, ResourceNotFoundException, other conflicts) is the channel's trouble.


class SmsChannel:
    name = "sms"

    def __init__(
        self,
        client: Any,
        origination_identity: str | None = None,
        configuration_set: str | None = None,
    ) -> None:
        self._client = client
        self._origination_identity = origination_identity
        self._configuration_set = configuration_set

    def send(self, message: Outgoing) -> ChannelReceipt:
        request: dict[str, Any] = {
            "DestinationPhoneNumber": message.to,
            "MessageBody": message.text,
            "MessageType": "TRANSACTIONAL",
            "Context": {"notification_id": message.notification_id, "type": message.type},
        }
        if self._origination_identity:
            request["OriginationIdentity"] = self._origination_identity
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._client.send_text_message(**request)
        except ClientError as exc:
            raise _translated(exc, message.to) from exc
        except BotoCoreError as exc:  # connection refused, timeouts: the request's fate unknown
            raise ChannelUnavailable(self.name, type(exc).__name__) from exc
        return ChannelReceipt(PROVIDER, str(response["MessageId"]))


def _translated(exc: ClientError, to: str) -> ChannelUnavailable | RecipientUnreachable:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    reason = str(exc.response.get("Reason") or error.get("Reason") or "")
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    told = f"{code} {reason}".strip()
    if status < 500 and (
        code in UNREACHABLE_CODES
        or (code == "ConflictException" and reason in UNREACHABLE_CONFLICTS)
    ):
        return RecipientUnreachable("sms", to, told)
    retry_after = 1.0 if code == "ThrottlingException" else None
    return ChannelUnavailable("sms", told, retry_after_s=retry_after)
