"""AWS End User Messaging SMS (`pinpoint-sms-voice-v2`) SendTextMessage as the real service
answers it, in the AWS JSON 1.0 protocol, so boto3 works against it unchanged (moto does not
implement the service): SigV4 required, E.164 and body checked, errors in the AWS JSON error
shape (`__type`, `message`, `Reason`) that botocore turns into the right ClientError.

`PUT /_local/opted_out {"phone": "+1..."}` puts a number on the opt-out list: sends to it are
then refused with ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT, as the service does.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from tctfmsg.local.providers.base import ProviderEndpoint, json_response

TARGET = "PinpointSMSVoiceV2.SendTextMessage"
CONTENT_TYPE = "application/x-amz-json-1.0"
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
MAX_BODY_CHARS = 1600
MESSAGE_TYPES = ("TRANSACTIONAL", "PROMOTIONAL")
MAX_CONTEXT = 5


class SmsEndpoint(ProviderEndpoint):
    name = "end-user-messaging-sms"
    channel = "sms"
    sigv4 = True  # pinpoint-sms-voice-v2 is an AWS API

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.opted_out: set[str] = set()

    def control(self, what: str, request: Request) -> Response | None:
        if what != "opted_out" or request.method != "PUT":
            return None
        phone = (request.get_json(silent=True) or {}).get("phone")
        if not isinstance(phone, str) or not E164.match(phone):
            return json_response({"error": "phone must be an E.164 number"}, 400)
        with self._lock:
            self.opted_out.add(phone)
        return json_response({"provider": self.name, "opted_out": phone})

    def handle(self, request: Request) -> Response:
        if request.method != "POST" or request.path != "/":
            return _error(404, "UnknownOperationException", "Unknown operation")
        if not request.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
            return _error(
                403, "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        if request.headers.get("X-Amz-Target") != TARGET:
            return _error(400, "UnknownOperationException", "Unknown operation")
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return _error(400, "SerializationException", "Start of structure or map found")
        if not isinstance(body, dict):
            return _error(400, "SerializationException", "Start of structure or map found")
        problem = _check(body)
        if problem:
            field, message = problem
            return _error(
                400,
                "ValidationException",
                message,
                Reason="FIELD_VALIDATION_FAILED",
                Fields=[{"Name": field, "Message": message}],
            )
        to = body["DestinationPhoneNumber"]
        with self._lock:
            opted_out = to in self.opted_out
        if opted_out:
            return _error(
                400,
                "ConflictException",
                "The destination phone number is opted out",
                Reason="DESTINATION_PHONE_NUMBER_OPTED_OUT",
                ResourceType="opt-out-list",
                ResourceId="Default",
            )
        message_id = str(uuid.uuid4())
        context = body.get("Context") or {}
        self.outbox.record(
            id=message_id,
            channel=self.channel,
            to=to,
            type=context.get("type"),
            text=body["MessageBody"],
            message_type=body.get("MessageType", "TRANSACTIONAL"),
            origination_identity=body.get("OriginationIdentity"),
            configuration_set=body.get("ConfigurationSetName"),
            context=context,
        )
        return Response(json.dumps({"MessageId": message_id}), content_type=CONTENT_TYPE)

    def outage(self, request: Request) -> Response:
        return _error(
            500,
            "InternalServerException",
            "Internal server error (local fault)",
            RequestId=str(uuid.uuid4()),
        )

    def throttled(self, request: Request) -> Response:
        return _error(400, "ThrottlingException", "Rate exceeded")


def _check(body: dict[str, Any]) -> tuple[str, str] | None:
    to = body.get("DestinationPhoneNumber")
    if not isinstance(to, str) or not E164.match(to):
        return "DestinationPhoneNumber", "Value must be a phone number in E.164 format"
    text = body.get("MessageBody")
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_BODY_CHARS:
        return "MessageBody", f"Value must be 1 to {MAX_BODY_CHARS} characters"
    if body.get("MessageType", "TRANSACTIONAL") not in MESSAGE_TYPES:
        return "MessageType", "Value must be TRANSACTIONAL or PROMOTIONAL"
    for field in ("OriginationIdentity", "ConfigurationSetName"):
        value = body.get(field)
        if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= 256):
            return field, "Value must be 1 to 256 characters"
    context = body.get("Context", {})
    if (
        not isinstance(context, dict)
        or len(context) > MAX_CONTEXT
        or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 100 and len(v) <= 800
            for k, v in context.items()
        )
    ):
        return "Context", f"At most {MAX_CONTEXT} string entries"
    return None


def _error(status: int, code: str, message: str, **fields: Any) -> Response:
    return Response(
        json.dumps({"__type": code, "message": message, **fields}),
        status=status,
        headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": str(uuid.uuid4())},
        content_type=CONTENT_TYPE,
    )
