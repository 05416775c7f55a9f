"""The local HTTP API: a threaded WSGI server on 127.0.0.1 that runs each request's route
function through the function runtime, as API Gateway's HTTP API runs its Lambda integrations.

A body over MAX_BODY_BYTES answers 413 before anything runs; a request no route takes, 404;
a function that raises, 500 (logged here, never sent). Each function takes one
request at a time, as a Lambda instance does. A request sent by a page of another
origin (its Origin header names another site) answers 403: the embedded stack is trusted with
real lists and answers no foreign browser page, while links opened from an email (no Origin)
and the stack's own pages (its own origin) are served.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request as WsgiRequest
from werkzeug.wrappers import Response

from tctfmsg.core.spec_types import FunctionSpec
from tctfmsg.local.web.events import (
    Answer,
    Request,
    answer_from,
    http_api_event,
    internal_error,
    message,
)
from tctfmsg.local.web.routes import HttpRouteTable

log = logging.getLogger("tctfmsg.local.web")

MAX_BODY_BYTES = 256 * 1024
Invoke = Callable[[FunctionSpec, dict[str, Any]], Any]


class WebGateway:
    def __init__(self, routes: HttpRouteTable, invoke: Invoke) -> None:
        self.routes, self.invoke = routes, invoke
        # One request at a time per function, as one Lambda instance takes them: Powertools'
        # resolvers keep the current event on the module's app, so two requests at once in one
        # process would read each other's token.
        self._instances = {r.function.logical: threading.Lock() for r in routes.routes}
        self.origin = ""
        self.api_id = ""
        self._server: BaseWSGIServer | None = None

    def start(self, port: int) -> str:
        self.origin = f"http://127.0.0.1:{port}"
        digest = hashlib.sha256(f"web:{port}".encode()).digest()
        self.api_id = base64.b32encode(digest).decode()[:10].lower()
        self._server = make_server(
            "127.0.0.1", port, self, threaded=True, request_handler=_QuietHandler
        )
        threading.Thread(target=self._server.serve_forever, name="web-gateway", daemon=True).start()
        return self.origin

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        answer = self.answer(WsgiRequest(environ))
        response = Response(answer.body, status=answer.status, headers=answer.headers)
        response.headers.setdefault("apigw-requestid", self.api_id)
        return response(environ, start_response)

    def answer(self, request: WsgiRequest) -> Answer:
        origin = request.headers.get("Origin")
        if origin is not None and origin != self.origin:
            return message(403, "Forbidden")
        match = self.routes.match(request.method, request.path)
        if match is None:
            return message(404, "Not Found")
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return message(413, "Request Entity Too Large")
        body = request.stream.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            return message(413, "Request Entity Too Large")
        event = http_api_event(
            self.api_id,
            self.origin.removeprefix("http://"),
            match,
            Request(
                method=request.method,
                path=request.path,
                query=request.query_string.decode("latin-1"),
                headers=list(request.headers.items()),
                body=body,
                source_ip=request.remote_addr or "127.0.0.1",
            ),
        )
        try:
            with self._instances[match.route.function.logical]:
                result = self.invoke(match.route.function, event)
        except Exception:
            log.exception("%s failed on %s", match.route.function.logical, match.route.key)
            return internal_error()
        return answer_from(result)


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: a webhook burst would write thousands."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass
