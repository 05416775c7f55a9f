"""The event an HTTP API (payload format 2.0) hands a route's function, and the reading of the
function's answer, field for field as API Gateway does both (docs/decisions/0078)."""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from tctfmsg.local.web.routes import Match
from tctfmsg.local.websocket.events import request_time

ACCOUNT = "123456789012"
# API Gateway passes these bodies as text; any other (forms, binaries) arrives base64-encoded.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str  # the raw query string, without '?'
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_api_event(api_id: str, domain: str, match: Match, request: Request) -> dict[str, Any]:
    now_ms = int(time.time() * 1000)
    request_id = secrets.token_urlsafe(12)
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers["x-amzn-trace-id"] = f"Root=1-{now_ms // 1000:08x}-{secrets.token_hex(12)}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route.key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
    }
    if cookies:
        event["cookies"] = cookies
    pairs = parse_qsl(request.query, keep_blank_values=True)
    if pairs:
        query: dict[str, str] = {}
        for name, value in pairs:
            query[name] = f"{query[name]},{value}" if name in query else value
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": api_id,
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": match.route.key,
        "stage": "$default",
        "time": request_time(now_ms),
        "timeEpoch": now_ms,
    }
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    if request.body:
        if headers.get("content-type", "").lower().startswith(_TEXT_TYPES):
            event["body"], event["isBase64Encoded"] = request.body.decode("utf-8", "replace"), False
        else:
            event["body"] = base64.b64encode(request.body).decode()
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def answer_from(result: Any) -> Answer:
    """What the client hears: a result with a statusCode is a response (headers, cookies,
    a body, maybe base64); any other JSON value is sent as a 200 application/json body."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return Answer(200, [("Content-Type", "application/json")], json.dumps(result).encode())
    status = result["statusCode"]
    if not isinstance(status, int) or not 100 <= status <= 599:
        return internal_error()
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    headers += [("Set-Cookie", str(c)) for c in result.get("cookies") or ()]
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return Answer(status, headers, raw)


def internal_error() -> Answer:
    return message(500, "Internal Server Error")


def message(status: int, text: str) -> Answer:
    body = json.dumps({"message": text}).encode()
    return Answer(status, [("Content-Type", "application/json")], body)
