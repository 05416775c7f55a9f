"""On the stack a provider endpoint's control API (`/_local/…`) answers only requests SigV4-signed
with the stack's own keys (decision 0095): anything else is a one-line JSON 401 or 403, counted,
and changes nothing; the CLI's client signs and is let in."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import botocore.auth
import pytest
import requests

from tctfmsg.core.errors import ConfigurationError
from tctfmsg.local import state
from tctfmsg.local.providers import control
from tctfmsg.local.providers.base import Fault, ProviderEndpoint
from tctfmsg.local.providers.fcm import FcmEndpoint
from tctfmsg.local.providers.resend import ResendEndpoint
from tctfmsg.local.providers.sms import SmsEndpoint
from tctfmsg.local.providers.whatsapp import WhatsAppEndpoint
from tctfmsg.local.signature_guard import refused
from tctfmsg.local.state import StackCredentials, StackState
from tests.integration.channels.channel_endpoints import KEYS
from tests.support.ports import free_port

# (endpoint, method, control route, body): every route that reads or changes what was sent
ROUTES = [
    ("resend", "GET", "outbox", None),
    ("resend", "DELETE", "outbox", None),
    ("resend", "GET", "fault", None),
    ("resend", "PUT", "fault", {"mode": "down"}),
    ("resend", "PUT", "feedback", {"address": "ada@example.com", "kind": "bounce"}),
    ("sms", "PUT", "opted_out", {"phone": "+447700900124"}),
    ("whatsapp", "PUT", "undeliverable", {"to": "+447700900125"}),
    ("push", "PUT", "unregistered", {"token": "tok-dead"}),
]


class Stack:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.keys = state.ensure_credentials(home)
        self.endpoints: dict[str, ProviderEndpoint] = {
            "resend": ResendEndpoint("re_local"),
            "sms": SmsEndpoint(),
            "whatsapp": WhatsAppEndpoint(KEYS["whatsapp_token"], KEYS["whatsapp_phone_number_id"]),
            "push": FcmEndpoint(KEYS["fcm_token"], KEYS["fcm_project"]),
        }
        self.urls = {n: e.start(free_port(), home) for n, e in self.endpoints.items()}
        running = StackState(pid=1, port=1, endpoint="", started_at="", endpoints=self.urls)
        self.access = control.access(home, running)

    def url(self, name: str, route: str) -> str:
        return f"{self.urls[name]}/_local/{route}"

    def untouched(self) -> bool:
        resend, sms = self.endpoints["resend"], self.endpoints["sms"]
        return (
            resend.fault == Fault()
            and resend.feedback.snapshot() == {}
            and len(resend.outbox.snapshot()) == 1
            and not sms.opted_out
        )


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    running.endpoints["resend"].outbox.record(to="ada@example.com", subject="your token")
    yield running
    for endpoint in running.endpoints.values():
        endpoint.stop()


def _send(
    method: str, url: str, body: dict[str, object] | None, headers: dict[str, str]
) -> requests.Response:
    data = json.dumps(body).encode() if body is not None else b""
    return requests.request(method, url, data=data, headers=headers, timeout=5)


def _signed(
    keys: StackCredentials, method: str, url: str, body: dict[str, object] | None
) -> dict[str, str]:
    data = json.dumps(body).encode() if body is not None else b""
    return control.signed_headers(keys, method, url, data)


def _one_line_error(response: requests.Response) -> str:
    assert response.headers["Content-Type"] == "application/json"
    assert "\n" not in response.text
    return str(response.json()["error"])


@pytest.mark.parametrize(("name", "method", "route", "body"), ROUTES)
def test_an_unsigned_control_request_is_refused_401_counted_and_changes_nothing(
    stack: Stack, name: str, method: str, route: str, body: dict[str, object] | None
) -> None:
    response = _send(method, stack.url(name, route), body, {})

    assert response.status_code == 401
    assert "not signed" in _one_line_error(response)
    assert "ada@example.com" not in response.text
    assert refused(stack.home)[f"{stack.endpoints[name].name}-control"] == {"missing": 1}
    assert stack.untouched()


@pytest.mark.parametrize(("name", "method", "route", "body"), ROUTES)
def test_a_request_signed_with_another_secret_is_refused_403(
    stack: Stack, name: str, method: str, route: str, body: dict[str, object] | None
) -> None:
    forged = StackCredentials(stack.keys.access_key_id, "a-guessed-secret")
    url = stack.url(name, route)

    response = _send(method, url, body, _signed(forged, method, url, body))

    assert response.status_code == 403
    assert "does not match" in _one_line_error(response)
    assert refused(stack.home)[f"{stack.endpoints[name].name}-control"] == {"mismatch": 1}
    assert stack.untouched()


def test_a_key_that_is_not_the_stack_s_is_refused_403(stack: Stack) -> None:
    other = StackCredentials("TCTFSOMEONEELSE01", stack.keys.secret_access_key)
    url = stack.url("resend", "outbox")

    response = _send("GET", url, None, _signed(other, "GET", url, None))

    assert response.status_code == 403 and "not this stack's" in _one_line_error(response)
    assert refused(stack.home)["resend-control"] == {"unknown_key": 1}


def test_a_signature_older_than_fifteen_minutes_is_refused_403(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = stack.url("resend", "outbox")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: long_ago)
    old = _signed(stack.keys, "DELETE", url, None)
    monkeypatch.undo()

    response = _send("DELETE", url, None, old)

    assert response.status_code == 403 and "expired" in _one_line_error(response)
    assert refused(stack.home)["resend-control"] == {"expired": 1}
    assert stack.untouched()


def test_a_captured_read_signature_cannot_erase_the_outbox(stack: Stack) -> None:
    url = stack.url("resend", "outbox")
    captured = _signed(stack.keys, "GET", url, None)

    response = _send("DELETE", url, None, captured)

    assert response.status_code == 403
    assert stack.untouched()


def test_a_signed_request_from_a_browser_page_is_refused(stack: Stack) -> None:
    url = stack.url("resend", "outbox")
    headers = {**_signed(stack.keys, "GET", url, None), "Origin": "http://evil.example"}

    response = _send("GET", url, None, headers)

    assert response.status_code == 403 and "browser" in _one_line_error(response)


def test_the_cli_client_signs_with_the_stack_s_keys_and_is_let_in(stack: Stack) -> None:
    assert control.set_fault(stack.access, "resend", "throttle")["mode"] == "throttle"
    assert control.fault(stack.access, "resend")["mode"] == "throttle"
    [sent] = control.outbox(stack.access, "resend")
    assert sent["to"] == "ada@example.com"
    control.unregister(stack.access, "tok-dead")
    assert control.clear_outbox(stack.access, "resend") == 1
    assert refused(stack.home) == {}


def test_a_client_with_other_keys_gets_one_clear_error(stack: Stack) -> None:
    other = control.StackAccess(stack.access.running, StackCredentials("TCTFOTHER", "nope"))

    with pytest.raises(ConfigurationError, match="refused the stack's keys"):
        control.outbox(other, "resend")


def test_the_signed_headers_never_carry_the_secret(stack: Stack) -> None:
    headers = control.signed_headers(stack.keys, "PUT", stack.url("resend", "fault"), b"{}")

    assert stack.keys.secret_access_key not in json.dumps(headers)
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=TCTF")


def test_a_stack_home_without_keys_is_one_clear_error(tmp_path: Path) -> None:
    running = StackState(pid=1, port=1, endpoint="", started_at="", endpoints={})

    with pytest.raises(ConfigurationError, match="no credentials"):
        control.access(tmp_path, running)
