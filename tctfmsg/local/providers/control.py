"""The CLI's side of the local provider endpoints: read outboxes, switch faults."""

from __future__ import annotations

from typing import Any

import requests

from tctfmsg.core.errors import InvalidInput, StackNotRunning
from tctfmsg.local.state import StackState

PROVIDERS = ("ses", "resend", "sendgrid")  # the email backbone's
MESSAGING = ("sms", "whatsapp", "push")  # the other channels', each one provider
ENDPOINTS = PROVIDERS + MESSAGING
CHANNELS: dict[str, tuple[str, ...]] = {"email": PROVIDERS, **{m: (m,) for m in MESSAGING}}


def endpoint(running: StackState, provider: str) -> str:
    if provider not in ENDPOINTS:
        raise InvalidInput(
            f"unknown provider {provider!r}", f"choose one of {', '.join(ENDPOINTS)}"
        )
    url = running.endpoints.get(provider)
    if not url:
        raise StackNotRunning(
            f"the embedded stack has no {provider} endpoint",
            "restart it with `tctfmsg local down && tctfmsg local up`",
        )
    return url


def outbox(running: StackState, provider: str) -> list[dict[str, Any]]:
    """What one endpoint received; every record says its channel (email ones too)."""
    response = _call("GET", endpoint(running, provider) + "/_local/outbox")
    messages = list(response["messages"])
    for m in messages:
        m.setdefault("channel", "email" if provider in PROVIDERS else provider)
        if m["channel"] == "email":  # a notification's email names its type in its tags
            m.setdefault("type", (m.get("tags") or {}).get("type"))
    return messages


def unregister(running: StackState, token: str) -> dict[str, Any]:
    """Make the local FCM answer 404 UNREGISTERED for this device token from now on."""
    return _call("PUT", endpoint(running, "push") + "/_local/unregistered", {"token": token})


def clear_outbox(running: StackState, provider: str) -> int:
    return int(_call("DELETE", endpoint(running, provider) + "/_local/outbox")["cleared"])


def set_fault(running: StackState, provider: str, mode: str, slow_ms: int = 0) -> dict[str, Any]:
    url = endpoint(running, provider) + "/_local/fault"
    return _call("PUT", url, {"mode": mode, "slow_ms": slow_ms})


def set_feedback(running: StackState, provider: str, address: str, kind: str) -> dict[str, Any]:
    """Make an email provider bounce or complain (or stop: "none") for sends to `address`."""
    if provider not in PROVIDERS:
        raise InvalidInput(
            f"{provider} cannot bounce or complain", f"choose one of {', '.join(PROVIDERS)}"
        )
    url = endpoint(running, provider) + "/_local/feedback"
    return _call("PUT", url, {"address": address, "kind": kind})


def fault(running: StackState, provider: str) -> dict[str, Any]:
    return _call("GET", endpoint(running, provider) + "/_local/fault")


def _call(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        response = requests.request(method, url, json=body, timeout=10)
    except requests.RequestException as exc:
        raise StackNotRunning(
            f"cannot reach {url}", "is the embedded stack up? `tctfmsg local status`"
        ) from exc
    if response.status_code == 400:
        raise InvalidInput(f"{url} refused: {error_of(response)}")
    response.raise_for_status()
    data = response.json()
    return data if isinstance(data, dict) else {}


def error_of(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    return str(data.get("error") if isinstance(data, dict) else data)[:200]
