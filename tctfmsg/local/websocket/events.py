"""The events API Gateway hands a WebSocket route's Lambda function: `$connect` (with the
upgrade request's headers and query string), a message (with its body) and `$disconnect` (with
the close code and reason), field for field as AWS builds them (docs/decisions/0068)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from tctfmsg.local.websocket.session import Session, new_id, now_ms

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Api:
    """What every event of one WebSocket API says about the API itself."""

    stage: str
    domain_name: str  # where its management API answers, as on AWS's execute-api domain
    ws_port: int

    @property
    def api_id(self) -> str:
        # ten lower-case characters, like AWS's, and the same for the same stage and port
        digest = hashlib.sha256(f"{self.stage}:{self.ws_port}".encode()).digest()
        return base64.b32encode(digest).decode()[:10].lower()


def request_time(epoch_ms: int) -> str:
    """API Gateway's requestTime, "11/Nov/2024:11:35:24 +0000", whatever the locale."""
    t = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return f"{t.day:02d}/{_MONTHS[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0000"


def connect_event(
    api: Api, session: Session, headers: list[tuple[str, str]], query: str
) -> dict[str, Any]:
    trace = f"Root=1-{session.connected_at_ms // 1000:08x}-{secrets.token_hex(12)}"
    forwarded = [
        ("X-Amzn-Trace-Id", trace),
        ("X-Forwarded-For", session.source_ip),
        ("X-Forwarded-Port", str(api.ws_port)),
        ("X-Forwarded-Proto", "http"),
    ]
    single, multi = _grouped([*headers, *forwarded])
    event: dict[str, Any] = {"headers": single, "multiValueHeaders": multi}
    pairs = parse_qsl(query, keep_blank_values=True)
    if pairs:
        single_qs, multi_qs = _grouped(pairs, fold_case=False)
        event["queryStringParameters"], event["multiValueQueryStringParameters"] = (
            single_qs,
            multi_qs,
        )
    event["requestContext"] = _request_context(api, session, "$connect", "CONNECT")
    event["isBase64Encoded"] = False
    return event


def message_event(api: Api, session: Session, route: str, message: str | bytes) -> dict[str, Any]:
    context = _request_context(api, session, route, "MESSAGE", {"messageId": new_id()})
    if isinstance(message, bytes):
        body, encoded = base64.b64encode(message).decode(), True
    else:
        body, encoded = message, False
    return {"requestContext": context, "body": body, "isBase64Encoded": encoded}


def disconnect_event(api: Api, session: Session, code: int, reason: str) -> dict[str, Any]:
    # AWS sends these four headers on $disconnect, three of them empty
    headers = [
        ("Host", api.domain_name),
        ("x-api-key", ""),
        ("X-Forwarded-For", ""),
        ("x-restapi", ""),
    ]
    single, multi = _grouped(headers)
    context = _request_context(
        api,
        session,
        "$disconnect",
        "DISCONNECT",
        {"disconnectStatusCode": code, "disconnectReason": reason},
    )
    return {
        "headers": single,
        "multiValueHeaders": multi,
        "requestContext": context,
        "isBase64Encoded": False,
    }


def _request_context(
    api: Api, session: Session, route: str, kind: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    now, request_id = now_ms(), new_id()
    return {
        "routeKey": route,
        **(extra or {}),
        "eventType": kind,
        "extendedRequestId": request_id,
        "requestTime": request_time(now),
        "messageDirection": "IN",
        "stage": api.stage,
        "connectedAt": session.connected_at_ms,
        "requestTimeEpoch": now,
        "identity": session.identity,
        "requestId": request_id,
        "domainName": api.domain_name,
        "connectionId": session.connection_id,
        "apiId": api.api_id,
    }


def _grouped(
    pairs: list[tuple[str, str]], fold_case: bool = True
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """API Gateway's pair of maps: the last value of each name, and every value of it. Header
    names match whatever their case and keep the spelling they were first sent in."""
    spelling: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        key = spelling.setdefault(name.lower(), name) if fold_case else name
        multi.setdefault(key, []).append(value)
    return {name: values[-1] for name, values in multi.items()}, multi
