"""Route selection as an HTTP API does it: a route key is "METHOD /path", where a path segment
may be `{name}` (one segment) or a last `{name+}` (the rest); the method may be ANY. A request
no route takes answers 404, whatever its method."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tctfmsg.core.spec_types import FunctionSpec

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
_ROUTE_KEY = re.compile(r"^(?P<method>[A-Z]+) (?P<path>/[A-Za-z0-9._~{}+/-]*)$")


@dataclass(frozen=True)
class Route:
    key: str  # "POST /webhooks/resend", as declared
    method: str
    pattern: re.Pattern[str]
    function: FunctionSpec

    @property
    def path(self) -> str:
        return self.key.split(" ", 1)[1]


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str]


class HttpRouteTable:
    def __init__(self, functions: Iterable[FunctionSpec]) -> None:
        self.routes: list[Route] = []
        seen: dict[str, FunctionSpec] = {}
        for spec in functions:
            for key in spec.http_routes:
                other = seen.setdefault(key, spec)
                if other is not spec:
                    raise ValueError(
                        f"HTTP route {key!r} is declared by both {other.logical} and "
                        f"{spec.logical}: a route has one integration"
                    )
                self.routes.append(_route(key, spec))

    def __bool__(self) -> bool:
        return bool(self.routes)

    def match(self, method: str, path: str) -> Match | None:
        """The route a request goes to: an exact method before ANY, as API Gateway picks."""
        for wanted in (method, "ANY"):
            for route in self.routes:
                if route.method != wanted:
                    continue
                found = route.pattern.match(path)
                if found:
                    return Match(route, found.groupdict())
        return None


def _route(key: str, spec: FunctionSpec) -> Route:
    parsed = _ROUTE_KEY.match(key)
    if parsed is None or parsed["method"] not in _METHODS:
        raise ValueError(f"{spec.logical}: {key!r} is not an HTTP route key like 'GET /path'")
    parts = []
    for segment in parsed["path"].split("/")[1:]:
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}>.+)")
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    pattern = re.compile("^/" + "/".join(parts) + "$")
    return Route(key, parsed["method"], pattern, spec)
