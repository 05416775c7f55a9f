"""API Gateway's limits on the local gateway: 32 KB frames, 128 KB messages (more closes the
socket with 1009), an idle timeout and a maximum connection age (both close with 1001); each
close runs `$disconnect` with the code the client saw."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from tests.integration.local.websocket.conftest import Gateway, running_gateway

KB = 1024


def _closed_with(ws: ClientConnection) -> int:
    """The close code the gateway sent, once it closes the socket."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def _disconnect_code(gateway: Gateway) -> tuple[int, str]:
    event = gateway.recorded.wait_for(lambda: gateway.recorded.events("$disconnect"))[0]
    context = event["requestContext"]
    return context["disconnectStatusCode"], context["disconnectReason"]


def test_a_200_kb_frame_closes_the_socket_with_1009(gateway: Gateway) -> None:
    with gateway.connect() as ws:
        ws.send("x" * 200 * KB)
        assert _closed_with(ws) == 1009
    assert _disconnect_code(gateway)[0] == 1009
    assert gateway.recorded.events("$default") == []


def test_a_single_frame_over_32_kb_closes_with_1009(gateway: Gateway) -> None:
    with gateway.connect() as ws:
        ws.send("x" * (32 * KB + 1))
        assert _closed_with(ws) == 1009


def test_a_fragmented_message_up_to_128_kb_is_reassembled(gateway: Gateway) -> None:
    fragments = ["a" * 32 * KB] * 4
    with gateway.connect() as ws:
        ws.send(fragments)
        answer = json.loads(ws.recv(timeout=10))
    assert answer["body"] == "".join(fragments)


def test_a_fragmented_message_over_128_kb_closes_with_1009(gateway: Gateway) -> None:
    with gateway.connect() as ws:
        ws.send(["a" * 32 * KB] * 4 + ["a"])
        assert _closed_with(ws) == 1009
    assert gateway.recorded.events("$default") == []


def test_an_idle_connection_is_closed_with_1001_and_disconnect_runs(tmp_path: Path) -> None:
    with running_gateway(tmp_path, idle_timeout_s=1.0) as gateway, gateway.connect() as ws:
        opened = time.monotonic()
        assert _closed_with(ws) == 1001
        assert time.monotonic() - opened >= 0.9
        assert _disconnect_code(gateway) == (1001, "Going away")


def test_a_busy_connection_is_still_closed_at_its_maximum_age(tmp_path: Path) -> None:
    with (
        running_gateway(tmp_path, idle_timeout_s=1.0, max_age_s=2.0) as gateway,
        gateway.connect() as ws,
    ):
        opened = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while time.monotonic() - opened < 10:  # a frame every 0.2 s: never idle
                ws.send(json.dumps({"action": "echo"}))
                ws.recv(timeout=10)
                time.sleep(0.2)
        lived = time.monotonic() - opened
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert 1.5 <= lived < 5  # its age, not its idle timeout (1 s)
        assert _disconnect_code(gateway) == (1001, "Going away")
