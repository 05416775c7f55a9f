"""The local HTTP API as a component of the embedded stack, on the "web" port: every function
of the spec with `http_routes` (unsubscribe, provider webhooks) behind it, run by the function
runtime's `invoke`."""

from __future__ import annotations

import logging

from tctfmsg.core import resources
from tctfmsg.core.spec_types import FunctionSpec
from tctfmsg.local.components import StackContext
from tctfmsg.local.web.gateway import Invoke, WebGateway
from tctfmsg.local.web.routes import HttpRouteTable

log = logging.getLogger("tctfmsg.local.web")


class WebGatewayComponent:
    name = "web-gateway"

    def __init__(self, invoke: Invoke, functions: tuple[FunctionSpec, ...] = resources.FUNCTIONS):
        self.gateway = WebGateway(HttpRouteTable(functions), invoke)  # duplicates fail here

    def start(self, context: StackContext) -> dict[str, str]:
        url = self.gateway.start(context.port("web"))
        log.info("web gateway at %s: %s", url, ", ".join(r.key for r in self.gateway.routes.routes))
        return {"web": url}

    def stop(self) -> None:
        self.gateway.stop()
