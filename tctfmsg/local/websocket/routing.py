"""Route selection as API Gateway does it with the selection expression `$request.body.action`:
a JSON text frame whose `action` names a route goes to that route's function, anything else
to `$default`; with no `$default` route, nothing is invoked (the client hears "Forbidden")."""

from __future__ import annotations

import json
from collections.abc import Iterable

from tctfmsg.core.spec_types import FunctionSpec

CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"


class RouteTable:
    def __init__(self, functions: Iterable[FunctionSpec]) -> None:
        self._routes: dict[str, FunctionSpec] = {}
        for spec in functions:
            for route in spec.websocket_routes:
                other = self._routes.setdefault(route, spec)
                if other is not spec:
                    raise ValueError(
                        f"WebSocket route {route!r} is declared by both {other.logical} and "
                        f"{spec.logical}: a route has one integration"
                    )

    def __bool__(self) -> bool:
        return bool(self._routes)

    def function(self, route: str) -> FunctionSpec | None:
        return self._routes.get(route)

    def select(self, message: str | bytes) -> str | None:
        """The route a message goes to, or None when no route takes it."""
        action = _action(message)
        if action is not None and not action.startswith("$") and action in self._routes:
            return action
        return DEFAULT if DEFAULT in self._routes else None


def _action(message: str | bytes) -> str | None:
    if isinstance(message, bytes):  # a binary frame has no body to select on
        return None
    try:
        body = json.loads(message)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return None
    action = body.get("action") if isinstance(body, dict) else None
    return action if isinstance(action, str) else None
