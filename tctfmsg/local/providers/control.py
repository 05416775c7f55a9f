"""The CLI's side of the local provider endpoints: read outboxes, switch faults. Every call is
SigV4-signed with the stack's own keys: the control API answers no one else (decision 0095)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tctfmsg.core.errors import ConfigurationError, InvalidInput, StackNotRunning
from tctfmsg.local import state
from tctfmsg.local.state import StackCredentials, StackState

PROVIDERS = ("ses", "resend", "sendgrid")  # the email backbone's
MESSAGING = ("sms", "whatsapp", "push")  # the other channels', each one provider
ENDPOINTS = PROVIDERS + MESSAGING
CHANNELS: dict[str, tuple[str, ...]] = {"email": PROVIDERS, **{m: (m,) for m in MESSAGING}}


# The scope the control API's signatures name: no AWS service, so no AWS key could be replayed
SCOPE_SERVICE, SCOPE_REGION = "tctfmsg-control", "local"


@dataclass(frozen=True)
class StackAccess:
    """A running stack's endpoints and the keys its control API answers to."""

    running: StackState
    keys: StackCredentials


def access(directory: Path, running: StackState) -> StackAccess:
    """The running stack in `directory` with its keys, read from its credentials file."""
    keys = state.credentials(directory)
    if keys is None:
        raise StackNotRunning(
            f"the embedded stack has no credentials in {directory}",
            "restart it with `tctfmsg local down && tctfmsg local up`",
        )
    return StackAccess(running, keys)


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


def outbox(stack: StackAccess, provider: str) -> list[dict[str, Any]]:
    """What one endpoint received; every record says its channel (email ones too)."""
    response = _call(stack, "GET", endpoint(stack.running, provider) + "/_local/outbox")
    messages = list(response["messages"])
    for m in messages:
        m.setdefault("channel", "email" if provider in PROVIDERS else provider)
        if m["channel"] == "email":  # a notification's email names its type in its tags
            m.setdefault("type", (m.get("tags") or {}).get("type"))
    return messages


def unregister(stack: StackAccess, token: str) -> dict[str, Any]:
    """Make the local FCM answer 404 UNREGISTERED for this device token from now on."""
    url = endpoint(stack.running, "push") + "/_local/unregistered"
    return _call(stack, "PUT", url, {"token": token})


def clear_outbox(stack: StackAccess, provider: str) -> int:
    url = endpoint(stack.running, provider) + "/_local/outbox"
    return int(_call(stack, "DELETE", url)["cleared"])


def set_fault(stack: StackAccess, provider: str, mode: str, slow_ms: int = 0) -> dict[str, Any]:
    url = endpoint(stack.running, provider) + "/_local/fault"
    return _call(stack, "PUT", url, {"mode": mode, "slow_ms": slow_ms})


def set_feedback(stack: StackAccess, provider: str, address: str, kind: str) -> dict[str, Any]:
    """Make an email provider bounce or complain (or stop: "none") for sends to `address`."""
    if provider not in PROVIDERS:
        raise InvalidInput(
            f"{provider} cannot bounce or complain", f"choose one of {', '.join(PROVIDERS)}"
        )
    url = endpoint(stack.running, provider) + "/_local/feedback"
    return _call(stack, "PUT", url, {"address": address, "kind": kind})


def fault(stack: StackAccess, provider: str) -> dict[str, Any]:
    return _call(stack, "GET", endpoint(stack.running, provider) + "/_local/fault")


def signed_headers(
    keys: StackCredentials, method: str, url: str, body: bytes = b""
) -> dict[str, str]:
    """The headers that sign one control request (the time, the signature); never the secret."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=body)
    if body:
        request.headers["Content-Type"] = "application/json"
    credentials = Credentials(keys.access_key_id, keys.secret_access_key)
    SigV4Auth(credentials, SCOPE_SERVICE, SCOPE_REGION).add_auth(request)
    return dict(request.headers.items())


def _call(
    stack: StackAccess, method: str, url: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else b""
    headers = signed_headers(stack.keys, method, url, data)
    try:
        response = requests.request(method, url, data=data, headers=headers, timeout=10)
    except requests.RequestException as exc:
        raise StackNotRunning(
            f"cannot reach {url}", "is the embedded stack up? `tctfmsg local status`"
        ) from exc
    if response.status_code == 400:
        raise InvalidInput(f"{url} refused: {error_of(response)}")
    if response.status_code in (401, 403):
        raise ConfigurationError(
            f"{url} refused the stack's keys: {error_of(response)}",
            "is this the stack's home? `tctfmsg local status`",
        )
    response.raise_for_status()
    data = response.json()
    return data if isinstance(data, dict) else {}


def error_of(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    return str(data.get("error") if isinstance(data, dict) else data)[:200]
