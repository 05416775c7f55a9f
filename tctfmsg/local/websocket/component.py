"""The local WebSocket API as a component of the embedded stack: the WebSocket server on the
"websocket" port, its management API on the "websocket_management" port, and the spec's
functions with WebSocket routes behind them, run by the function runtime's `invoke`."""

from __future__ import annotations

import logging
from typing import Any

from tctfmsg.core import resources
from tctfmsg.core.spec_types import FunctionSpec
from tctfmsg.local.components import StackContext
from tctfmsg.local.websocket.chat_page import PAGE_PATH, ChatPage
from tctfmsg.local.websocket.events import Api
from tctfmsg.local.websocket.management import ManagementApi
from tctfmsg.local.websocket.routing import RouteTable
from tctfmsg.local.websocket.server import Invoke, Limits, WebSocketServer

log = logging.getLogger("tctfmsg.local.websocket")


class WebSocketGatewayComponent:
    name = "websocket-gateway"

    def __init__(
        self,
        invoke: Invoke,
        functions: tuple[FunctionSpec, ...] = resources.FUNCTIONS,
        *,
        idle_timeout_s: float | None = None,
        max_age_s: float | None = None,
    ) -> None:
        self.invoke = invoke
        self.routes = RouteTable(functions)  # a route declared twice fails here, at start-up
        self.idle_timeout_s, self.max_age_s = idle_timeout_s, max_age_s
        self.server: WebSocketServer | None = None
        self.management: ManagementApi | None = None

    def start(self, context: StackContext) -> dict[str, str]:
        from tctfmsg.core import settings

        current = settings.load()
        limits = Limits(
            idle_timeout_s=self.idle_timeout_s or current.local_websocket_idle_timeout_s,
            max_age_s=self.max_age_s or current.local_websocket_max_age_s,
        )
        management_port = context.port("websocket_management")
        api = Api(
            stage=context.stage,
            domain_name=f"127.0.0.1:{management_port}",
            ws_port=context.port("websocket"),
        )
        page_origin = f"http://127.0.0.1:{management_port}"  # the chat page's, served below
        ws_url = f"ws://127.0.0.1:{api.ws_port}"
        self.server = WebSocketServer(
            api, self.routes, self.invoke, limits, origins=frozenset({page_origin})
        )
        self.server.start()
        self.management = ManagementApi(
            self.server, context.stage, ChatPage(ws_url), signed_home=context.home
        )
        try:
            management_url = self.management.start(management_port)
        except BaseException:
            self.server.stop()
            raise
        endpoints = {
            "websocket": ws_url,
            "websocket_management": management_url,
            "chat_page": page_origin + PAGE_PATH,
        }
        log.info("WebSocket gateway at %s", endpoints)
        return endpoints

    def stop(self) -> None:
        # the sockets first: their $disconnect handlers may still call the management API
        if self.server is not None:
            self.server.stop()
        if self.management is not None:
            self.management.stop()

    def alive(self) -> bool:
        return self.server is not None and self.server.alive()

    def stats(self) -> dict[str, Any]:
        if self.server is None:
            return {}
        return self.server.counters.snapshot(len(self.server.connections))
