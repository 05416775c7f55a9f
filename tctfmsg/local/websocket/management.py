"""The API Gateway Management API of the local WebSocket API, on its own port: what the boto3
`apigatewaymanagementapi` client calls with endpoint_url "http://127.0.0.1:PORT/STAGE".

    POST   /{stage}/@connections/{id}   the body goes to the client (200)
    GET    /{stage}/@connections/{id}   connectedAt, identity, lastActiveAt (200)
    DELETE /{stage}/@connections/{id}   closes the socket; its `$disconnect` follows (204)
    GET    /_local/stats                the gateway's counters, for `tctfmsg local status`
    GET    /_local/chat                 the chat page (chat_page.py), when one is given

A connection that is gone, never was, or is still in its `$connect` answers 410 GoneException,
as on AWS; a post over 128 KB answers 403 ForbiddenException, as on AWS. Like every endpoint of
the stack it answers no browser (a request with an Origin header) and no unsigned request.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tctfmsg.local.signature_guard import api_gateway_answer, signed_only
from tctfmsg.local.websocket.chat_page import ChatPage
from tctfmsg.local.websocket.connections import ClientBusy, ConnectionGone
from tctfmsg.local.websocket.control import STATS_PATH
from tctfmsg.local.websocket.server import WebSocketServer

_CONNECTION = re.compile(r"^/(?P<stage>[^/?]+)/(?:@|%40)connections/(?P<id>[^/?]{1,256})$")


class ManagementApi:
    def __init__(
        self,
        gateway: WebSocketServer,
        stage: str,
        page: ChatPage | None = None,
        signed_home: Path | None = None,
    ) -> None:
        """With `signed_home`, `/@connections` answers only requests signed with the stack's
        own keys, as API Gateway answers only IAM-signed ones (decision 0083)."""
        self.gateway, self.stage, self.page = gateway, stage, page
        self._server: BaseWSGIServer | None = None
        self._signed = (
            signed_only(self._unsigned, signed_home, "websocket-management", api_gateway_answer)
            if (signed_home is not None)
            else None
        )

    def start(self, port: int) -> str:
        self._server = make_server(
            "127.0.0.1", port, self, threaded=True, request_handler=_QuietHandler
        )
        threading.Thread(
            target=self._server.serve_forever, name="websocket-management", daemon=True
        ).start()
        return f"http://127.0.0.1:{port}/{self.stage}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        raw_path = str(environ.get("RAW_URI") or environ.get("PATH_INFO", "")).split("?", 1)[0]
        if self._signed is not None and _CONNECTION.match(raw_path):
            return self._signed(environ, start_response)
        return self._unsigned(environ, start_response)

    def _unsigned(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._answer(request, environ.get("RAW_URI") or request.path)
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return response(environ, start_response)

    def _answer(self, request: Request, raw_path: str) -> Response:
        if request.headers.get("Origin") is not None:
            return _error(403, "ForbiddenException", "Forbidden")
        if request.path == STATS_PATH and request.method == "GET":
            return _json(200, self.gateway.counters.snapshot(len(self.gateway.connections)))
        page = self.page.answer(request) if self.page is not None else None
        if page is not None:
            return page
        match = _CONNECTION.match(raw_path.partition("?")[0])
        if match is None or match["stage"] != self.stage:
            return _error(403, "ForbiddenException", "Forbidden")
        if not request.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
            return _error(403, "ForbiddenException", "Missing Authentication Token")
        connection_id = unquote(match["id"])
        try:
            if request.method == "POST":
                return self._post(request, connection_id)
            if request.method == "GET":
                return self._get(connection_id)
            if request.method == "DELETE":
                self.gateway.delete(connection_id)
                return Response(status=204)
        except ConnectionGone:
            self.gateway.counters.add("gone")
            return _error(410, "GoneException")
        except ClientBusy:
            return _error(429, "LimitExceededException")
        return _error(403, "ForbiddenException", "Missing Authentication Token")

    def _post(self, request: Request, connection_id: str) -> Response:
        limit = self.gateway.limits.message_bytes
        if (request.content_length or 0) > limit:
            return _error(403, "ForbiddenException", "Forbidden")
        data = request.stream.read(limit + 1)
        if len(data) > limit:
            return _error(403, "ForbiddenException", "Forbidden")
        self.gateway.post(connection_id, data)
        return Response(status=200, content_type="application/json")

    def _get(self, connection_id: str) -> Response:
        session = self.gateway.connections.get(connection_id).session
        return _json(
            200,
            {
                "connectedAt": _iso(session.connected_at_ms),
                "identity": {"sourceIp": session.source_ip, "userAgent": session.user_agent or ""},
                "lastActiveAt": _iso(session.last_active_ms),
            },
        )


def _iso(epoch_ms: int) -> str:
    return (
        datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
    )


def _json(status: int, body: object) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(status: int, code: str, message: str | None = None) -> Response:
    """An error as API Gateway sends it: the code in x-amzn-ErrorType, where botocore reads it."""
    response = _json(status, {"message": message})
    response.headers["x-amzn-ErrorType"] = code
    return response


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: a chat benchmark posts thousands."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass
