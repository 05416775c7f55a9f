"""SendGrid's v3 mail send API (POST /v3/mail/send) as the real one answers it: Bearer key,
202 with X-Message-Id, 400 with an `errors` list naming each bad field, 429 with rate headers."""

from __future__ import annotations

import time
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from tctfmsg.local.providers.base import (
    THROTTLE_RETRY_AFTER_S,
    ProviderEndpoint,
    bearer,
    json_response,
    valid_address,
)


class SendGridEndpoint(ProviderEndpoint):
    name = "sendgrid"

    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key

    def handle(self, request: Request) -> Response:
        if request.path != "/v3/mail/send" or request.method != "POST":
            return _errors(404, [(None, "Not found")])
        if bearer(request) != self.api_key:
            return _errors(
                401, [(None, "The provided authorization grant is invalid, expired, or revoked")]
            )
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _errors(400, [(None, "Bad Request")])
        problems = _check(body)
        if problems:
            return _errors(400, problems)
        message_id = uuid.uuid4().hex[:22]
        for personalization in body["personalizations"]:
            for to in personalization["to"]:
                self.outbox.record(
                    id=message_id,
                    to=to["email"],
                    sender=body["from"]["email"],
                    subject=personalization.get("subject") or body.get("subject"),
                    tags={
                        **(body.get("custom_args") or {}),
                        **(personalization.get("custom_args") or {}),
                    },
                    idempotency_key=None,
                    headers={
                        **(body.get("headers") or {}),
                        **(personalization.get("headers") or {}),
                    },
                )
        return Response(b"", status=202, headers={"X-Message-Id": message_id})

    def throttled(self, request: Request) -> Response:
        reset = int(time.time()) + THROTTLE_RETRY_AFTER_S
        return _errors(
            429,
            [(None, "too many requests")],
            {
                "X-RateLimit-Limit": "600",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
            },
        )

    def outage(self, request: Request) -> Response:
        return _errors(503, [(None, "Service Unavailable")])


def _check(body: dict[str, Any]) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        return [("personalizations", "The personalizations field is required.")]
    for i, p in enumerate(personalizations):
        recipients = p.get("to") if isinstance(p, dict) else None
        if not isinstance(recipients, list) or not recipients:
            problems.append((f"personalizations.{i}.to", "The to array is required."))
            continue
        for j, to in enumerate(recipients):
            if not isinstance(to, dict) or not valid_address(to.get("email")):
                problems.append(
                    (f"personalizations.{i}.to.{j}.email", "Does not contain a valid address.")
                )
    for where, holder in [
        ("", body),
        *((f"personalizations.{i}.", p) for i, p in enumerate(personalizations)),
    ]:
        headers = holder.get("headers") if isinstance(holder, dict) else None
        if headers is not None and (
            not isinstance(headers, dict)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
        ):
            problems.append((f"{where}headers", "Headers must be a collection of strings."))
    sender = body.get("from")
    if not isinstance(sender, dict) or not valid_address(sender.get("email")):
        problems.append(("from.email", "The from email does not contain a valid address."))
    if not body.get("subject") and not all(
        isinstance(p, dict) and p.get("subject") for p in personalizations
    ):
        problems.append(("subject", "The subject is required."))
    content = body.get("content")
    if (
        not isinstance(content, list)
        or not content
        or not all(isinstance(c, dict) and c.get("type") and c.get("value") for c in content)
    ):
        problems.append(
            ("content", "The content value must be a string at least one character in length.")
        )
    elif any(c["type"] == "text/plain" for c in content) and content[0]["type"] != "text/plain":
        problems.append(("content", "If present, text/plain must be first."))
    return problems


def _errors(
    status: int, problems: list[tuple[str | None, str]], headers: dict[str, str] | None = None
) -> Response:
    return json_response(
        {"errors": [{"message": m, "field": f, "help": None} for f, m in problems]},
        status,
        headers,
    )
