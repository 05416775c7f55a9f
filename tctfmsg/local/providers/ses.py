"""A proxy in front of moto's SES: moto cannot be told to fail, this can.

It forwards every request to the AWS endpoint unchanged and records the sends moto accepted
(sesv2 SendEmail, v1 SendEmail and SendTemplatedEmail). Faults answer as SES does: 503
ServiceUnavailable, and throttling as sesv2 TooManyRequestsException or v1 Throttling.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

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
_MESSAGE_ID = re.compile(r"<MessageId>([^<]+)</MessageId>")
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
        if request.path == V2_SEND and request.method == "POST":
            sent = json.loads(body)
            content = sent.get("Content", {})
            subject = content.get("Simple", {}).get("Subject", {}).get("Data")
            template = content.get("Template", {}).get("TemplateName")
            for to in sent.get("Destination", {}).get("ToAddresses", []):
                self.outbox.record(
                    id=json.loads(answer).get("MessageId"),
                    to=to,
                    sender=sent.get("FromEmailAddress"),
                    subject=subject or f"(template {template})",
                    tags={t["Name"]: t["Value"] for t in sent.get("EmailTags", [])},
                    idempotency_key=None,
                )
            return
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        if form.get("Action") in ("SendEmail", "SendTemplatedEmail"):
            found = _MESSAGE_ID.search(answer)
            subject = form.get("Message.Subject.Data") or f"(template {form.get('Template')})"
            for key in sorted(k for k in form if k.startswith("Destination.ToAddresses.member.")):
                self.outbox.record(
                    id=found.group(1) if found else None,
                    to=form[key],
                    sender=form.get("Source"),
                    subject=subject,
                    tags=_v1_tags(form),
                    idempotency_key=None,
                )


def _v1_tags(form: dict[str, str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    n = 1
    while f"Tags.member.{n}.Name" in form:
        tags[form[f"Tags.member.{n}.Name"]] = form.get(f"Tags.member.{n}.Value", "")
        n += 1
    return tags


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
