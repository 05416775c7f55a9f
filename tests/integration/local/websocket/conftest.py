"""A local WebSocket gateway on free ports, with the function runtime running the test route
handlers of tests/support/websocket_handlers behind it, as the embedded stack wires them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from websockets.sync.client import ClientConnection, connect

from tctfmsg.core.spec_types import FunctionSpec
from tctfmsg.local import state
from tctfmsg.local.components import StackContext
from tctfmsg.local.runtime import FunctionRuntime
from tctfmsg.local.websocket.component import WebSocketGatewayComponent
from tests.support.ports import free_base_port
from tests.support.websocket_handlers import RECORDED, SPECS, Recorder, management_client


@dataclass
class Gateway:
    component: WebSocketGatewayComponent
    ws_url: str
    management_url: str
    recorded: Recorder

    @property
    def ws_port(self) -> int:
        return int(urlsplit(self.ws_url).port or 0)

    def connect(self, path: str = "/", **options: Any) -> ClientConnection:
        return connect(self.ws_url + path, open_timeout=10, close_timeout=5, **options)

    def management(self) -> Any:
        return management_client(self.management_url)

    def connection_id(self, marker: str) -> str:
        """The id of the connection whose upgrade asked for ?id=marker."""
        events = self.recorded.wait_for(
            lambda: [
                e
                for e in self.recorded.events("$connect")
                if (e.get("queryStringParameters") or {}).get("id") == marker
            ]
        )
        return str(events[0]["requestContext"]["connectionId"])

    def stats(self) -> dict[str, Any]:
        return self.component.stats()


@contextmanager
def running_gateway(
    home: Path, functions: tuple[FunctionSpec, ...] = SPECS, **limits: float
) -> Iterator[Gateway]:
    context = StackContext(home=home, stage="local", base_port=free_base_port())
    RECORDED.credentials = state.ensure_credentials(home)  # the management API wants them
    runtime = FunctionRuntime(functions=functions)
    runtime.start(context)
    component = WebSocketGatewayComponent(runtime.invoke, functions, **limits)
    try:
        endpoints = component.start(context)
        RECORDED.management_url = endpoints["websocket_management"]
        yield Gateway(
            component, endpoints["websocket"], endpoints["websocket_management"], RECORDED
        )
    finally:
        component.stop()
        runtime.stop()
        RECORDED.clear()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    with running_gateway(tmp_path) as running:
        yield running
