"""`tctfmsg local up` starts the WebSocket gateway: `local status --json` lists it and its
counters, its port speaks WebSocket, and the boto3 management client pointed at the listed
management URL works against it unchanged (an unknown connection raises GoneException).
What the chat routes do with a connection is the chat service's tests' business."""

from __future__ import annotations

import json

import pytest
import requests

from tctfmsg.local import state
from tests.e2e.conftest import Stack
from tests.support.websocket_handlers import management_client


def test_the_gateway_is_listed_and_its_management_api_answers_like_aws(stack: Stack) -> None:
    status = json.loads(stack.cli("local", "status", "--json", check=True).stdout)
    endpoints = status["endpoints"]
    client = management_client(
        endpoints["websocket_management"], state.credentials(stack.home / "local")
    )

    assert endpoints["websocket"] == f"ws://127.0.0.1:{stack.port + 3}"
    assert endpoints["websocket_management"] == f"http://127.0.0.1:{stack.port + 9}/local"
    assert {"open_connections", "messages_in", "gone"} <= status["websocket_gateway"].keys()
    plain_http = requests.get(f"http://127.0.0.1:{stack.port + 3}/", timeout=10)
    assert plain_http.status_code == 426  # upgrade required: nothing was invoked
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"anyone?")
