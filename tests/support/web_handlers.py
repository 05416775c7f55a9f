"""Route functions for the local web gateway's tests: one that answers with what it was given,
one that answers a bare JSON value, one that raises."""

from __future__ import annotations

import json
import threading
from typing import Any

from tctfmsg.core.spec_types import FunctionSpec

Event = dict[str, Any]


def echo(event: Event, context: Any) -> Event:
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "X-Echo": "yes"},
        "cookies": ["seen=1; HttpOnly"],
        "body": json.dumps({"event": event, "function": context.function_name}),
    }


def bare(event: Event, context: Any) -> list[int]:
    return [1, 2, 3]


def broken(event: Event, context: Any) -> Event:
    raise RuntimeError("a secret detail that must not reach the client")


class Overlap:
    """How many requests a handler held at once: each waits (bounded) for another to enter."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = self.most = 0
        self.entered = threading.Event()

    def clear(self) -> None:
        self.active = self.most = 0
        self.entered.clear()


OVERLAP = Overlap()


def held(event: Event, context: Any) -> Event:
    with OVERLAP.lock:
        OVERLAP.active += 1
        OVERLAP.most = max(OVERLAP.most, OVERLAP.active)
        second = OVERLAP.active > 1
    if second:
        OVERLAP.entered.set()
    else:
        OVERLAP.entered.wait(timeout=1.5)  # without one-at-a-time, the other arrives here
    with OVERLAP.lock:
        OVERLAP.active -= 1
    return {"statusCode": 200, "body": ""}


def _spec(logical: str, handler: str, *routes: str) -> FunctionSpec:
    return FunctionSpec(
        logical, "campaigns", f"tests.support.web_handlers:{handler}", http_routes=routes
    )


SPECS: tuple[FunctionSpec, ...] = (
    _spec("web_echo", "echo", "POST /hooks/{provider}", "GET /echo"),
    _spec("web_bare", "bare", "GET /bare"),
    _spec("web_broken", "broken", "ANY /broken"),
    _spec("web_held", "held", "GET /held"),
)
