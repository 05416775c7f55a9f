"""Frames go to the route their `action` selects, else to `$default`, in events shaped as API
Gateway's; a non-empty answer body comes back on the socket; a close runs `$disconnect`."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.integration.local.websocket.conftest import Gateway, running_gateway
from tests.support.websocket_clients import close_without_status, upgraded_socket
from tests.support.websocket_handlers import SPECS


def test_a_frame_whose_action_names_a_route_goes_to_that_route(gateway: Gateway) -> None:
    frame = json.dumps({"action": "echo", "text": "hi"})
    with gateway.connect("/?id=routed") as ws:
        ws.send(frame)
        answer = json.loads(ws.recv(timeout=5))
        connection_id = gateway.connection_id("routed")

    assert answer == {"route": "echo", "body": frame}
    event = gateway.recorded.events("echo", connection_id)[0]
    context = event["requestContext"]
    assert context["eventType"] == "MESSAGE"
    assert context["messageDirection"] == "IN"
    assert context["messageId"] and context["messageId"] != context["requestId"]
    assert (
        context["connectedAt"]
        == gateway.recorded.events("$connect")[0]["requestContext"]["connectedAt"]
    )
    assert event["body"] == frame and event["isBase64Encoded"] is False
    assert "headers" not in event


@pytest.mark.parametrize(
    "frame",
    [
        json.dumps({"action": "unknown"}),
        json.dumps({"text": "no action"}),
        json.dumps({"action": 7}),
        json.dumps({"action": "$connect"}),
        json.dumps(["echo"]),
        "not json at all",
        "[" * 20_000,  # nested past the JSON parser's depth
    ],
)
def test_anything_else_goes_to_default(gateway: Gateway, frame: str) -> None:
    with gateway.connect() as ws:
        ws.send(frame)
        answer = json.loads(ws.recv(timeout=5))
    assert answer == {"route": "$default", "body": frame}
    assert gateway.recorded.events("$connect") and not gateway.recorded.events("echo")


def test_a_binary_frame_reaches_default_base64_encoded(gateway: Gateway) -> None:
    with gateway.connect() as ws:
        ws.send(b"\x00\xffbinary")
        ws.recv(timeout=5)
    event = gateway.recorded.events("$default")[0]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xffbinary"


def test_an_answer_without_a_body_sends_nothing_back(gateway: Gateway) -> None:
    with gateway.connect() as ws:
        ws.send("quiet")
        ws.send(json.dumps({"action": "echo"}))
        assert json.loads(ws.recv(timeout=5))["route"] == "echo"


def test_a_failing_handler_answers_internal_server_error_and_the_socket_stays_usable(
    gateway: Gateway,
) -> None:
    with gateway.connect("/?id=failing") as ws:
        ws.send("raise")
        error = json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"action": "echo"}))
        assert json.loads(ws.recv(timeout=5))["route"] == "echo"
    assert error["message"] == "Internal server error"
    assert error["connectionId"] == gateway.connection_id("failing")
    assert (
        error["requestId"] == gateway.recorded.events("$default")[0]["requestContext"]["requestId"]
    )


def test_with_no_default_route_an_unrouted_frame_is_forbidden(tmp_path: Path) -> None:
    without_default = tuple(s for s in SPECS if "$default" not in s.websocket_routes)
    with running_gateway(tmp_path, without_default) as gateway, gateway.connect() as ws:
        ws.send("nowhere")
        answer = json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"action": "echo"}))
        assert json.loads(ws.recv(timeout=5))["route"] == "echo"
    assert answer["message"] == "Forbidden"


def test_closing_runs_disconnect_with_the_clients_close_code(gateway: Gateway) -> None:
    with gateway.connect("/?id=leaving") as ws:
        connection_id = gateway.connection_id("leaving")
        ws.close(code=4000, reason="bye")

    event = gateway.recorded.wait_for(lambda: gateway.recorded.events("$disconnect"))[0]
    context = event["requestContext"]
    assert context["connectionId"] == connection_id
    assert context["eventType"] == "DISCONNECT"
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (4000, "bye")
    assert event["headers"] == {
        "Host": gateway.management_url.split("/")[2],
        "x-api-key": "",
        "X-Forwarded-For": "",
        "x-restapi": "",
    }
    assert gateway.stats()["open_connections"] == 0


def test_a_close_frame_without_status_is_reported_as_aws_reports_it(gateway: Gateway) -> None:
    close_without_status(upgraded_socket(gateway.ws_port))
    event = gateway.recorded.wait_for(lambda: gateway.recorded.events("$disconnect"))[0]
    assert event["requestContext"]["disconnectStatusCode"] == 1005
    assert event["requestContext"]["disconnectReason"] == "Client-side close frame status not set"
