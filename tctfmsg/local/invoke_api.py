"""Lambda's Invoke API on the function runtime's port, so the one `LambdaInvoker` adapter (and
any boto3 `lambda` client) starts functions here as it does in AWS. Like the AWS endpoint it
answers only requests signed with the stack's own keys, and no browser page (decision 0083)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from threading import Event
from typing import Any, Protocol

from tctfmsg.core.resources import FunctionSpec
from tctfmsg.local import sigv4, state
from tctfmsg.local.signature_guard import RefusalCounter, answer

log = logging.getLogger("tctfmsg.local.runtime")
_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations")
MAX_PAYLOAD = 6 * 1024 * 1024  # Lambda's own limit on a synchronous invoke's payload


class Functions(Protocol):
    """What the API starts functions on: the function runtime."""

    stopping: Event

    def spec(self, name: str) -> FunctionSpec | None: ...

    def invoke(self, spec: FunctionSpec, event: dict[str, Any]) -> Any: ...

    def invoke_async(self, spec: FunctionSpec, event: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Guard:
    keys: dict[str, str]
    counter: RefusalCounter

    @classmethod
    def of(cls, home: Path) -> Guard:
        """The stack's keys from its directory; none there: every request is refused."""
        found = state.credentials(home)
        keys = {found.access_key_id: found.secret_access_key} if found else {}
        return cls(keys, RefusalCounter(home / "refused-lambda.json" if found else None))


def handler(runtime: Functions, guard: Guard) -> type[BaseHTTPRequestHandler]:
    class InvokeApi(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_PAYLOAD:
                self.close_connection = True
                return self._error(413, "RequestTooLargeException", "payload over 6 MB")
            payload = self.rfile.read(length) if length else b""
            if self._refused(payload):
                return None
            match = _INVOKE_PATH.match(self.path)
            if match is None:
                return self._error(404, "UnknownOperationException", f"no route {self.path}")
            spec = runtime.spec(match["name"])
            if spec is None:
                message = f"Function not found: {match['name']}"
                return self._error(404, "ResourceNotFoundException", message)
            if runtime.stopping.is_set():
                return self._error(409, "ResourceConflictException", "the stack is stopping")
            try:
                event = json.loads(payload or b"{}")
            except ValueError:
                return self._error(400, "InvalidRequestContentException", "payload is not JSON")
            kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
            if kind == "DryRun":
                return self._answer(204, b"")
            if kind == "Event":
                runtime.invoke_async(spec, event)
                return self._answer(202, b"")
            try:
                result = runtime.invoke(spec, event)
            except Exception as exc:
                body = {"errorMessage": str(exc), "errorType": type(exc).__name__}
                return self._answer(
                    200, json.dumps(body).encode(), {"X-Amz-Function-Error": "Unhandled"}
                )
            return self._answer(200, json.dumps(result, default=str).encode())

        def do_OPTIONS(self) -> None:  # a browser's preflight: never allowed
            if not self._refused(b""):
                self._error(404, "UnknownOperationException", "no route for OPTIONS")

        def _refused(self, payload: bytes) -> bool:
            if self.headers.get("Origin") is not None:
                guard.counter.add("origin")
                self._error(403, "AccessDeniedException", "browser origins are refused")
                return True
            headers = {name.lower(): value for name, value in self.headers.items()}
            received = sigv4.Received(self.command, self.path, headers, payload)
            refusal = sigv4.check(received, guard.keys, datetime.now(UTC))
            if refusal is None:
                return False
            guard.counter.add(refusal.kind)
            log.warning("invoke api refused %s: %s", self.path[:100], refusal.message)
            status, answer_headers, body = answer(refusal, {"x-amz-target": "lambda"})
            self.send_response(int(status.split()[0]))
            for name, value in answer_headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            return True

        def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Amz-Executed-Version", "$LATEST")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: str, message: str) -> None:
            body = json.dumps({"Type": "User", "message": message}).encode()
            self._answer(status, body, {"x-amzn-ErrorType": code})

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("invoke api: " + format, *args)

    return InvokeApi
