"""A proxy in front of moto's SES: moto cannot be told to fail, this can.

It forwards every request to the AWS endpoint unchanged and records the sends moto accepted
(sesv2 SendEmail, simple or templated, with their headers; the backbone sends nothing else).
Faults answer as SES does: 503 ServiceUnavailable, and throttling as sesv2
TooManyRequestsException or, for a v1 request, Throttling.
"""

from __future__ import annotations

import json

import requests
from werkzeug.wrappers import Request, Response

from tctfmsg.local.providers.base import ProviderEndpoint

_HOP_BY_HOP = {
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-encoding",
    "accept-encoding",
}
# Host is forwarded as it came: the client signed it, and the AWS endpoint checks (0083).
_NOT_FORWARDED = _HOP_BY_HOP - {"host"}
V2_SEND = "/v2/email/outbound-emails"


class SesProxy(ProviderEndpoint):
    name = "ses"

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self._session = requests.Session()

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        upstream = self._session.request(
            request.method,
            self.upstream + request.full_path.rstrip("?"),
            data=body,
            headers={k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED},
            timeout=60,
        )
        if upstream.status_code == 200:
            self._record(request, body, upstream.text)
        headers = [(k, v) for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP]
        return Response(upstream.content, status=upstream.status_code, headers=headers)

    def outage(self, request: Request) -> Response:
        if request.path.startswith("/v2/"):
            return _v2_error(
                503, "ServiceUnavailableException", "Service unavailable (local fault)"
            )
        return _v1_error(503, "ServiceUnavailable", "Service unavailable (local fault)")

    def throttled(self, request: Request) -> Response:
        if request.path.startswith("/v2/"):
            return _v2_error(429, "TooManyRequestsException", "Maximum sending rate exceeded.")
        return _v1_error(400, "Throttling", "Maximum sending rate exceeded.")

    def _record(self, request: Request, body: bytes, answer: str) -> None:
        if request.path != V2_SEND or request.method != "POST":
            return
        sent = json.loads(body)
        content = sent.get("Content", {})
        # a templated send's subject is SES's to render: recorded as the template's name
        part = content.get("Simple") or content.get("Template") or {}
        subject = part.get("Subject", {}).get("Data") or f"(template {part.get('TemplateName')})"
        headers = {h["Name"]: h["Value"] for h in part.get("Headers", [])}
        for to in sent.get("Destination", {}).get("ToAddresses", []):
            self.outbox.record(
                id=json.loads(answer).get("MessageId"),
                to=to,
                sender=sent.get("FromEmailAddress"),
                subject=subject,
                tags={t["Name"]: t["Value"] for t in sent.get("EmailTags", [])},
                idempotency_key=None,
                headers=headers,
            )


def _v2_error(status: int, code: str, message: str) -> Response:
    return Response(
        json.dumps({"message": message}),
        status=status,
        headers={"x-amzn-ErrorType": code},
        content_type="application/json",
    )


def _v1_error(status: int, code: str, message: str) -> Response:
    kind = "Sender" if status < 500 else "Receiver"
    xml = (
        '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
        f"<Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>local-fault</RequestId></ErrorResponse>"
    )
    return Response(xml, status=status, content_type="text/xml")
