"""The local WebSocket API: a real WebSocket server (websockets' asyncio server, on an event
loop in a thread of its own) that runs the spec's route functions as API Gateway runs them.

Per connection: the upgrade request becomes a `$connect` event, and a non-2xx answer refuses
the upgrade; each text or binary message goes to the route its `action` selects (else
`$default`), and a non-empty `body` in the answer comes back on the socket; the close, whoever
makes it, becomes a `$disconnect` event. API Gateway's limits hold: 32 KB frames, 128 KB
messages (more closes with 1009), an idle timeout and a maximum age (both close with 1001).
Handlers run on a thread pool, never on the event loop, so a handler may call the management
API (docs/decisions/0068).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http
import json
import logging
import re
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.typing import Subprotocol

from tctfmsg.core.spec_types import FunctionSpec
from tctfmsg.local.websocket import events
from tctfmsg.local.websocket.connections import ClientBusy, ConnectionGone, Connections, Counters
from tctfmsg.local.websocket.events import Api
from tctfmsg.local.websocket.routing import CONNECT, DISCONNECT, RouteTable
from tctfmsg.local.websocket.session import Session, new_id

log = logging.getLogger("tctfmsg.local.websocket")
_WIRE = logging.getLogger("tctfmsg.local.websocket.wire")  # websockets' own lines
Invoke = Callable[[FunctionSpec, dict[str, Any]], Any]
CLOSE_TIMEOUT_S = 5.0
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$")  # an HTTP token: a subprotocol
_REASONS = {
    1000: "Connection Closed Normally",
    1001: "Going away",
    1005: "Client-side close frame status not set",
    1006: "Connection closed abnormally",
    1009: "Message too big",
}


@dataclass(frozen=True)
class Limits:
    """API Gateway's quotas for WebSocket APIs, and how long a management call may wait."""

    idle_timeout_s: float = 600.0
    max_age_s: float = 7200.0
    message_bytes: int = 128 * 1024
    frame_bytes: int = 32 * 1024
    integration_timeout_s: float = 29.0
    post_timeout_s: float = 10.0


class _Socket(ServerConnection):
    session: Session | None = None


class WebSocketServer:
    def __init__(
        self,
        api: Api,
        routes: RouteTable,
        invoke: Invoke,
        limits: Limits,
        *,
        workers: int = 16,
        origins: frozenset[str] = frozenset(),
    ) -> None:
        self.api, self.routes, self.invoke, self.limits = api, routes, invoke, limits
        # The browser origins that may open a socket (the stack's chat page); a request with no
        # Origin is no browser's and passes, as everywhere on the stack (decision 0074).
        self.origins = origins
        self.connections: Connections[_Socket] = Connections()
        self.counters = Counters()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ws-route")
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        if _WIRE.level == logging.NOTSET:  # a line per connection would drown the stack's log
            _WIRE.setLevel(logging.WARNING)

    # ---- lifecycle (any thread) ------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="websocket-gateway", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("the WebSocket gateway did not start in 30 s")
        if self._failure is not None:
            raise self._failure

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Close every connection with 1001 (each gets its `$disconnect`), then stop serving."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=self.limits.integration_timeout_s + 2 * CLOSE_TIMEOUT_S)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(); after start-up, to the log
            if not self._ready.is_set():
                self._failure = exc
                self._ready.set()
            else:
                log.exception("the WebSocket gateway's event loop failed")

    async def _serve(self) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        server = await serve(
            self._connected,
            "127.0.0.1",
            self.api.ws_port,
            process_request=self._upgrade,
            process_response=self._upgraded,
            select_subprotocol=self._subprotocol,
            compression=None,  # API Gateway negotiates no extension
            ping_interval=None,  # nor pings clients: a silent peer is found by the idle timeout
            open_timeout=self.limits.integration_timeout_s + 1,
            close_timeout=CLOSE_TIMEOUT_S,
            max_size=(self.limits.message_bytes, self.limits.frame_bytes),
            create_connection=_Socket,
            logger=_WIRE,
        )
        self._ready.set()
        await self._stopping.wait()
        server.close()
        await server.wait_closed()

    # ---- the management API's calls (its threads) ------------------------------------------

    def post(self, connection_id: str, data: bytes) -> None:
        """Send data to an open connection: a text frame when it is UTF-8, else binary."""
        found = self.connections.get(connection_id)
        self._on_loop(self._push(found.socket, found.session, data), self.limits.post_timeout_s)

    def delete(self, connection_id: str) -> None:
        found = self.connections.get(connection_id)
        self._on_loop(found.socket.close(CloseCode.NORMAL_CLOSURE), CLOSE_TIMEOUT_S + 1)

    def _on_loop(self, work: Coroutine[Any, Any, None], timeout: float) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            work.close()
            raise ConnectionGone("the gateway is not running")
        future = asyncio.run_coroutine_threadsafe(work, loop)
        try:
            future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise ClientBusy from None

    async def _push(self, socket: _Socket, session: Session, data: bytes) -> None:
        if socket.state is not State.OPEN:
            raise ConnectionGone(session.connection_id)
        try:
            frame: str | bytes = data.decode("utf-8")
        except UnicodeDecodeError:
            frame = data
        if not await self._send(socket, session, frame):
            raise ConnectionGone(session.connection_id)

    # ---- one connection (the event loop) ---------------------------------------------------

    async def _upgrade(self, connection: ServerConnection, request: Request) -> Response | None:
        assert isinstance(connection, _Socket)
        socket = connection
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return None  # not an upgrade: websockets answers 426 and nothing is invoked
        path, _, query = request.path.partition("?")
        if path not in ("/", f"/{self.api.stage}"):
            return _refusal(socket, 403)
        if not self._origin_allowed(request.headers.get_all("Origin")):
            self.counters.add("refused")
            return _refusal(socket, 403)  # before `$connect`: nothing runs, nothing is stored
        peer = socket.remote_address
        session = Session(
            source_ip=str(peer[0]) if peer else "127.0.0.1",
            user_agent=request.headers.get("User-Agent"),
        )
        socket.session = session
        spec = self.routes.function(CONNECT)
        if spec is None:  # no $connect route: API Gateway lets everyone in
            return None
        event = events.connect_event(self.api, session, list(request.headers.raw_items()), query)
        result: Any = None
        try:
            result = await self._invoke(spec, event)
            status = _status(result)
        except TimeoutError:
            status = 504
        except Exception:
            log.exception("%s failed on $connect", spec.logical)
            status = 502
        if 200 <= status < 300:
            session.subprotocol = _subprotocol_of(result)
            return None
        self.counters.add("refused")
        return _refusal(socket, 403 if status in (401, 403) else status)

    def _upgraded(self, connection: ServerConnection, request: Request, response: Response) -> None:
        """Known before the 101 leaves: a client that has its answer may be posted to (or
        deleted) at once, as on AWS; the handler that pumps its frames starts a moment later."""
        socket = connection
        if response.status_code == 101 and isinstance(socket, _Socket) and socket.session:
            self.connections.add(socket.session, socket)

    def _origin_allowed(self, sent: list[str]) -> bool:
        return not sent or (len(sent) == 1 and sent[0] in self.origins)

    def _subprotocol(
        self, socket: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        # as API Gateway: whatever `$connect` chose, offered or not (a browser then refuses it)
        session = socket.session if isinstance(socket, _Socket) else None
        chosen = session.subprotocol if session else None
        return Subprotocol(chosen) if chosen else None

    async def _connected(self, socket: ServerConnection) -> None:
        assert isinstance(socket, _Socket) and socket.session is not None
        session = socket.session
        self.connections.add(session, socket)  # again, harmless: _upgraded added it first
        self.counters.add("connected")
        try:
            await self._pump(socket, session)
        finally:
            self.connections.remove(session.connection_id)
            if socket.state is not State.CLOSED:
                await socket.close(CloseCode.GOING_AWAY)
            await self._disconnected(socket, session)

    async def _pump(self, socket: _Socket, session: Session) -> None:
        while True:
            wait = session.expires_in(self.limits.idle_timeout_s, self.limits.max_age_s)
            if wait <= 0:
                await socket.close(CloseCode.GOING_AWAY, _REASONS[1001])
                return
            try:
                async with asyncio.timeout(wait):
                    message = await socket.recv()
            except TimeoutError:
                continue
            except ConnectionClosed:
                return
            session.touch()
            self.counters.add("messages_in")
            await self._route(socket, session, message)

    async def _route(self, socket: _Socket, session: Session, message: str | bytes) -> None:
        route = self.routes.select(message)
        spec = self.routes.function(route) if route else None
        if route is None or spec is None:
            await self._send(socket, session, _gateway_error("Forbidden", session, new_id()))
            return
        event = events.message_event(self.api, session, route, message)
        request_id = event["requestContext"]["requestId"]
        try:
            reply = _body(await self._invoke(spec, event))
        except TimeoutError:
            reply = _gateway_error("Endpoint request timed out", session, request_id)
        except Exception:
            log.exception("%s failed on route %s", spec.logical, route)
            reply = _gateway_error("Internal server error", session, request_id)
        if reply:
            await self._send(socket, session, reply)

    async def _disconnected(self, socket: _Socket, session: Session) -> None:
        self.counters.add("disconnected")
        spec = self.routes.function(DISCONNECT)
        if spec is None:
            return
        code, reason = _closing(socket)
        event = events.disconnect_event(self.api, session, code, reason)
        try:
            await self._invoke(spec, event)
        except Exception:  # best effort, as on AWS
            log.exception("%s failed on $disconnect", spec.logical)

    async def _send(self, socket: _Socket, session: Session, frame: str | bytes) -> bool:
        try:
            await socket.send(frame)
        except ConnectionClosed:
            return False
        session.touch()
        self.counters.add("messages_out")
        return True

    async def _invoke(self, spec: FunctionSpec, event: dict[str, Any]) -> Any:
        loop = asyncio.get_running_loop()
        call = loop.run_in_executor(self._pool, self.invoke, spec, event)
        return await asyncio.wait_for(call, self.limits.integration_timeout_s)


def _status(result: Any) -> int:
    """A Lambda proxy answer's status: none given counts as 200, a malformed one as 502."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return 200
    status = result["statusCode"]
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
        return status
    return 502


def _subprotocol_of(result: Any) -> str | None:
    headers = result.get("headers") if isinstance(result, dict) else None
    if not isinstance(headers, dict):
        return None
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == "sec-websocket-protocol":
            if isinstance(value, str) and _TOKEN.match(value):
                return value
            log.warning("$connect answered a Sec-WebSocket-Protocol that is no token: ignored")
    return None


def _body(result: Any) -> str | None:
    body = result.get("body") if isinstance(result, dict) else None
    return body if isinstance(body, str) and body else None


def _gateway_error(message: str, session: Session, request_id: str) -> str:
    """What API Gateway itself sends a client when a route cannot answer."""
    return json.dumps(
        {"message": message, "connectionId": session.connection_id, "requestId": request_id}
    )


def _refusal(socket: _Socket, status: int) -> Response:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    response = socket.respond(status, json.dumps({"message": phrase}))
    del response.headers["Content-Type"]
    response.headers["Content-Type"] = "application/json"
    return response


def _closing(socket: _Socket) -> tuple[int, str]:
    """The close code and reason `$disconnect` reports: whoever closed first."""
    protocol = socket.protocol
    sent, received = protocol.close_sent, protocol.close_rcvd
    frame = received if received is not None and protocol.close_rcvd_then_sent else sent
    frame = frame or received
    if frame is None:
        return 1006, _REASONS[1006]
    return int(frame.code), frame.reason or _REASONS.get(frame.code, "")
