"""What every REST API door checks before a route sees a request: the event has the shape API
Gateway gives it, and the body decodes to UTF-8 text of a bounded size. Anything else is a
400 (or a 413 for a body over the limit) naming what was wrong, never a 500.

A request API Gateway itself could not have sent (no `httpMethod`, no `requestContext`) is
answered here, before the resolver, which would raise on it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from tctfmsg.core.errors import InvalidInput

# API Gateway REST proxy fields a resolver reads, and the types they have when present.
_TEXT_MAPS = ("headers", "queryStringParameters", "pathParameters", "stageVariables")
_LIST_MAPS = ("multiValueHeaders", "multiValueQueryStringParameters")


class BodyTooLarge(InvalidInput):
    """The body is over the door's limit: 413, with the limit named."""


def malformed_event(event: Any) -> str | None:
    """Why `event` is not an API Gateway REST proxy event, or None when it is one."""
    if not isinstance(event, Mapping):
        return "the event is not a JSON object"
    for name in ("httpMethod", "path"):
        if not isinstance(event.get(name), str) or not event[name]:
            return f"the event has no {name}"
    context = event.get("requestContext")
    if not isinstance(context, Mapping) or not isinstance(context.get("requestId"), str):
        return "the event has no requestContext with a requestId"
    for name in _TEXT_MAPS:
        if not _map_of(event.get(name), lambda v: isinstance(v, str)):
            return f"the event's {name} is not a map of strings"
    for name in _LIST_MAPS:
        if not _map_of(event.get(name), _strings):
            return f"the event's {name} is not a map of string lists"
    if not isinstance(event.get("body"), str | None):
        return "the event's body is not a string"
    if not isinstance(event.get("isBase64Encoded"), bool | None):
        return "the event's isBase64Encoded is not a boolean"
    return None


def refusal(reason: str) -> dict[str, Any]:
    """The 400 a malformed event gets, as API Gateway expects a proxy answer."""
    body = {"error": f"malformed request: {reason}", "hint": "send it through API Gateway"}
    return {
        "statusCode": int(HTTPStatus.BAD_REQUEST),
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def body_text(event: Mapping[str, Any], limit: int) -> str:
    """The request body as text: base64 decoded when the event says so, UTF-8, at most
    `limit` bytes. InvalidInput (BodyTooLarge) naming what was wrong otherwise."""
    raw = event.get("body") or ""
    if len(raw) > limit * 4 // 3 + 4:  # too large even before decoding
        raise _too_large(len(raw), limit)
    data = raw.encode("utf-8", "surrogatepass")
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                "the request body is marked base64 but is not valid base64",
                "send the JSON as it is, or encode it correctly",
            ) from None
    if len(data) > limit:
        raise _too_large(len(data), limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the request body is not UTF-8 text (bad byte at offset {exc.start})",
            "send JSON encoded as UTF-8",
        ) from None


def _too_large(size: int, limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        f"the request body is {size:,} bytes, over the {limit:,}-byte limit",
        "send less: one campaign, or fewer ids, per request",
    )


def _map_of(value: Any, check: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, Mapping) and all(
        isinstance(k, str) and check(v) for k, v in value.items()
    )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
