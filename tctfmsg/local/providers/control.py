"""The CLI's side of the local provider endpoints: read outboxes, switch faults."""

from __future__ import annotations

from typing import Any

import requests

from tctfmsg.core.errors import InvalidInput, StackNotRunning
from tctfmsg.local.state import StackState

PROVIDERS = ("ses", "resend", "sendgrid")


def endpoint(running: StackState, provider: str) -> str:
    if provider not in PROVIDERS:
        raise InvalidInput(
            f"unknown provider {provider!r}", f"choose one of {', '.join(PROVIDERS)}"
        )
    url = running.endpoints.get(provider)
    if not url:
        raise StackNotRunning(
            f"the embedded stack has no {provider} endpoint",
            "restart it with `tctfmsg local down && tctfmsg local up`",
        )
    return url


def outbox(running: StackState, provider: str) -> list[dict[str, Any]]:
    response = _call("GET", endpoint(running, provider) + "/_local/outbox")
    return list(response["messages"])


def clear_outbox(running: StackState, provider: str) -> int:
    return int(_call("DELETE", endpoint(running, provider) + "/_local/outbox")["cleared"])


def set_fault(running: StackState, provider: str, mode: str, slow_ms: int = 0) -> dict[str, Any]:
    url = endpoint(running, provider) + "/_local/fault"
    return _call("PUT", url, {"mode": mode, "slow_ms": slow_ms})


def fault(running: StackState, provider: str) -> dict[str, Any]:
    return _call("GET", endpoint(running, provider) + "/_local/fault")


def _call(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        response = requests.request(method, url, json=body, timeout=10)
    except requests.RequestException as exc:
        raise StackNotRunning(
            f"cannot reach {url}", "is the embedded stack up? `tctfmsg local status`"
        ) from exc
    response.raise_for_status()
    data = response.json()
    return data if isinstance(data, dict) else {}
