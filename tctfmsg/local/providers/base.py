"""What every local provider endpoint shares: its outbox, its fault switch, the control API
(`/_local/outbox`, `/_local/fault`) and a threaded WSGI server on 127.0.0.1. On the stack the
control API answers only requests SigV4-signed with the stack's own keys (decision 0095).

On the embedded stack the outbox is kept with the rest of the state: every record is appended
to a file in the state directory and fsynced before the provider answers, so what a provider
acknowledged survives a crash of the stack (docs/decisions/0082)."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tctfmsg.local.providers.feedback import KINDS, FeedbackRules
from tctfmsg.local.signature_guard import signed_only
from tctfmsg.local.sigv4 import Refusal

if TYPE_CHECKING:
    from tctfmsg.local.providers.reports import ReportQueue

Mode = Literal["up", "down", "throttle"]
MODES: tuple[str, ...] = ("up", "down", "throttle")
CONTROL = "/_local/"
THROTTLE_RETRY_AFTER_S = 1
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def valid_address(value: object) -> bool:
    if not isinstance(value, str):
        return False
    _, address = parseaddr(value)
    return bool(_ADDRESS.match(address))


@dataclass
class Fault:
    mode: Mode = "up"
    slow_ms: int = 0


OUTBOX_LIMIT = 200_000  # the oldest records go first: a long-lived stack stays bounded


@dataclass
class Outbox:
    provider: str
    messages: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=OUTBOX_LIMIT))
    lock: threading.Lock = field(default_factory=threading.Lock)
    path: Path | None = None  # None: in memory only (tests of one endpoint)

    def __post_init__(self) -> None:
        if self.path is not None and self.path.exists():
            with self.path.open("rb") as handle:
                for line in handle:
                    try:
                        self.messages.append(json.loads(line))
                    except ValueError:
                        break  # a line torn by a crash: it was never acknowledged

    # told of every message recorded (what the provider reports: local/providers/reports.py)
    listener: Callable[[dict[str, Any]], None] | None = None

    def record(self, **message: Any) -> dict[str, Any]:
        now = time.time()
        # every record has the message's headers, {} for a channel that has none
        entry = {"provider": self.provider, "received_at": now, "headers": {}, **message}
        with self.lock:
            if self.path is not None:
                self._append(json.dumps(entry).encode() + b"\n")
            self.messages.append(entry)
        if self.listener is not None:
            self.listener(entry)
        return entry

    def _append(self, line: bytes) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.messages)

    def clear(self) -> int:
        with self.lock:
            count = len(self.messages)
            self.messages.clear()
            if self.path is not None:
                self.path.unlink(missing_ok=True)
            return count


class ProviderEndpoint:
    """A WSGI app: the control API, then the injected fault, then the provider's own API."""

    name = "provider"
    # An AWS API (SigV4-signed by its SDK): on the stack only the stack's own keys are let in,
    # as at the AWS endpoint (decision 0083). The others check their provider's API key.
    sigv4 = False

    def __init__(self) -> None:
        self.fault = Fault()
        self._signed: Any = None  # the SignatureGuard in front of the provider's API
        self._controlled: Any = None  # and the one in front of the control API
        self.feedback = FeedbackRules()
        self.reports: ReportQueue | None = None  # set for an email provider by its component
        self.outbox = Outbox(self.name, listener=self._sent)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # ---- serving -----------------------------------------------------------------------------

    def start(self, port: int, state_dir: Path | None = None) -> str:
        if state_dir is not None:  # records kept on disk, and those of earlier runs loaded
            self.outbox = Outbox(
                self.name, path=state_dir / "outbox" / f"{self.name}.jsonl", listener=self._sent
            )
        if self.sigv4 and state_dir is not None:
            self._signed = signed_only(self._api, state_dir, self.name)
        if state_dir is not None:  # without one: a test's endpoint, as open as its API
            name = f"{self.name}-control"
            self._controlled = signed_only(self._control_api, state_dir, name, control_refused)
        self._server = make_server(
            "127.0.0.1", port, self, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"local-{self.name}", daemon=True
        )
        self._thread.start()
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        if request.headers.get("Origin") is not None:  # a browser page: never (decision 0082)
            response = json_response({"error": "browser origins are refused"}, 403)
        elif request.path.startswith(CONTROL) and self._controlled is not None:
            return self._controlled(environ, start_response)
        elif request.path.startswith(CONTROL):
            response = self._control(request)
        elif self._signed is not None:
            return self._signed(environ, start_response)
        else:
            response = self._faulty(request)
        return response(environ, start_response)

    def _api(self, environ: Any, start_response: Any) -> Any:
        return self._faulty(Request(environ))(environ, start_response)

    def _control_api(self, environ: Any, start_response: Any) -> Any:
        return self._control(Request(environ))(environ, start_response)

    # ---- control API -------------------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        what = request.path[len(CONTROL) :]
        if what == "outbox" and request.method == "GET":
            return json_response({"provider": self.name, "messages": self.outbox.snapshot()})
        if what == "outbox" and request.method == "DELETE":
            return json_response({"provider": self.name, "cleared": self.outbox.clear()})
        if what == "fault" and request.method == "PUT":
            body = request.get_json(silent=True) or {}
            mode, slow_ms = body.get("mode", self.fault.mode), body.get("slow_ms", 0)
            if mode not in MODES or not isinstance(slow_ms, int) or slow_ms < 0:
                return json_response({"error": "mode must be up, down or throttle"}, 400)
            self.fault = Fault(mode, slow_ms)
        if what == "fault" and request.method in ("GET", "PUT"):
            return json_response({"provider": self.name, **asdict(self.fault)})
        if what == "feedback" and request.method == "PUT":
            body = request.get_json(silent=True) or {}
            address, kind = body.get("address"), body.get("kind")
            if self.reports is None or not valid_address(address) or kind not in KINDS:
                return json_response({"error": "give an address and bounce, complain or none"}, 400)
            self.feedback.set(str(address), str(kind))
        if what == "feedback" and request.method in ("GET", "PUT"):
            return json_response({"provider": self.name, "feedback": self.feedback.snapshot()})
        extra = self.control(what, request)
        if extra is not None:
            return extra
        return json_response({"error": f"no control {request.method} {request.path}"}, 404)

    def control(self, what: str, request: Request) -> Response | None:
        """A provider's own control endpoints beside outbox and fault; None: not one of them."""
        return None

    # ---- faults, then the API ----------------------------------------------------------------

    def _faulty(self, request: Request) -> Response:
        fault = self.fault
        if fault.slow_ms:
            time.sleep(fault.slow_ms / 1000)
        if fault.mode == "down":
            return self.outage(request)
        if fault.mode == "throttle":
            return self.throttled(request)
        return self.handle(request)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def _sent(self, entry: dict[str, Any]) -> None:
        if self.reports is not None:  # after the answer has left, as the provider reports
            self.reports.report(entry, self.feedback.get(str(entry.get("to", ""))))

    def outage(self, request: Request) -> Response:
        return json_response({"message": "service unavailable (local fault)"}, 503)

    def throttled(self, request: Request) -> Response:
        return json_response(
            {"message": "too many requests (local fault)"},
            429,
            {"Retry-After": str(THROTTLE_RETRY_AFTER_S)},
        )


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: a benchmark would write thousands to stack.log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers or {}, content_type="application/json"
    )


def control_refused(
    refusal: Refusal, headers: Mapping[str, str]
) -> tuple[str, list[tuple[str, str]], bytes]:
    """401 when nothing proves the keys, 403 when what came does not: one line of JSON."""
    status = "401 Unauthorized" if refusal.kind == "missing" else "403 Forbidden"
    body = json.dumps({"error": refusal.message}).encode()
    return status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body


def bearer(request: Request) -> str | None:
    value = request.headers.get("Authorization", "")
    return value[len("Bearer ") :] if value.startswith("Bearer ") else None
