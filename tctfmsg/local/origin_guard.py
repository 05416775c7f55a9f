"""No browser page reads or writes the embedded stack: a request that carries an Origin header
(every cross-origin fetch and form post a browser sends, and every CORS preflight) is refused
unless the origin is one of the stack's own pages. SDKs and the CLI send no Origin. moto itself
answers any origin's preflight with `Access-Control-Allow-Origin: *`-style headers, so this
sits in front of it (decision 0082)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tctfmsg.local.wsgi import WSGIApp


class OriginGuard:
    def __init__(self, app: WSGIApp, allowed: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.allowed = allowed

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        origin = environ.get("HTTP_ORIGIN")
        if origin is None or origin in self.allowed:
            return self.app(environ, start_response)
        body = json.dumps(
            {"__type": "AccessDeniedException", "message": "browser origins are refused"}
        ).encode()
        start_response(
            "403 Forbidden",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]
