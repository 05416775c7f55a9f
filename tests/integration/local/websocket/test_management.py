"""The local API Gateway Management API, driven by the boto3 `apigatewaymanagementapi` client
exactly as a handler drives AWS's: posts reach the socket, a gone connection answers 410 and
the client raises GoneException, DELETE closes the socket and `$disconnect` follows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
from botocore.exceptions import ClientError
from websockets.exceptions import ConnectionClosed

from tctfmsg.local.state import StackState
from tctfmsg.local.websocket import control
from tests.integration.local.websocket.conftest import Gateway
from tests.support.websocket_clients import kill, upgraded_socket
from tests.support.websocket_handlers import management_client


def test_a_post_reaches_the_socket_as_a_text_frame(gateway: Gateway) -> None:
    with gateway.connect("/?id=reader") as ws:
        gateway.management().post_to_connection(
            ConnectionId=gateway.connection_id("reader"), Data=b'{"type": "hello"}'
        )
        assert ws.recv(timeout=5) == '{"type": "hello"}'


def test_get_connection_tells_when_it_connected_who_it_is_and_when_it_was_last_active(
    gateway: Gateway,
) -> None:
    with gateway.connect("/?id=known", user_agent_header="tctfmsg-test/1") as ws:
        connection_id = gateway.connection_id("known")
        ws.send(json.dumps({"action": "echo"}))
        ws.recv(timeout=5)
        info = gateway.management().get_connection(ConnectionId=connection_id)

    assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "tctfmsg-test/1"}
    assert isinstance(info["ConnectedAt"], datetime) and info["ConnectedAt"].tzinfo is not None
    assert info["ConnectedAt"] <= info["LastActiveAt"] <= datetime.now(UTC)
    connected_ms = gateway.recorded.events("$connect")[0]["requestContext"]["connectedAt"]
    assert round(info["ConnectedAt"].timestamp() * 1000) == connected_ms


def test_a_post_to_a_killed_socket_is_gone_and_the_others_are_untouched(gateway: Gateway) -> None:
    client = gateway.management()
    with gateway.connect("/?id=survivor") as survivor:
        victim = upgraded_socket(gateway.ws_port, "/?id=victim")
        victim_id = gateway.connection_id("victim")
        kill(victim)
        gateway.recorded.wait_for(lambda: gateway.recorded.events("$disconnect", victim_id))

        with pytest.raises(client.exceptions.GoneException) as gone:
            client.post_to_connection(ConnectionId=victim_id, Data=b"anyone there?")
        client.post_to_connection(ConnectionId=gateway.connection_id("survivor"), Data=b"hi")
        assert survivor.recv(timeout=5) == "hi"

    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    disconnect = gateway.recorded.events("$disconnect", victim_id)[0]["requestContext"]
    assert disconnect["disconnectStatusCode"] == 1006
    assert gateway.stats()["gone"] == 1


def test_an_id_that_never_was_is_gone_for_every_call(gateway: Gateway) -> None:
    client = gateway.management()
    for call in (
        lambda: client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x"),
        lambda: client.get_connection(ConnectionId="AAAAAAAAAAAAAAA="),
        lambda: client.delete_connection(ConnectionId="AAAAAAAAAAAAAAA="),
    ):
        with pytest.raises(client.exceptions.GoneException):
            call()


def test_the_gone_answer_is_api_gateways(gateway: Gateway) -> None:
    response = _signed_post(gateway, "AAAAAAAAAAAAAAA=", b"x")
    assert response.status_code == 410
    assert response.headers["x-amzn-ErrorType"] == "GoneException"
    assert response.json() == {"message": None}


def test_delete_closes_the_socket_then_disconnect_runs(gateway: Gateway) -> None:
    client = gateway.management()
    with gateway.connect("/?id=deleted") as ws:
        connection_id = gateway.connection_id("deleted")
        client.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000
    event = gateway.recorded.wait_for(lambda: gateway.recorded.events("$disconnect"))[0]
    assert event["requestContext"]["connectionId"] == connection_id
    assert event["requestContext"]["disconnectStatusCode"] == 1000
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"x")


def test_a_post_over_128_kb_is_forbidden_and_sends_nothing(gateway: Gateway) -> None:
    client = gateway.management()
    with gateway.connect("/?id=big") as ws:
        connection_id = gateway.connection_id("big")
        with pytest.raises(client.exceptions.ForbiddenException):
            client.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))
        client.post_to_connection(ConnectionId=connection_id, Data=b"y" * (128 * 1024))
        assert ws.recv(timeout=5) == "y" * (128 * 1024)


def test_unsigned_or_browser_requests_and_other_stages_are_refused(gateway: Gateway) -> None:
    with gateway.connect("/?id=guarded") as ws:
        connection_id = gateway.connection_id("guarded")
        url = f"{gateway.management_url}/@connections/{connection_id}"
        unsigned = requests.post(url, data=b"x", timeout=5)
        forged = _signed_post(gateway, connection_id, b"x", secret="not-the-stacks-secret")
        from_a_page = _signed_post(gateway, connection_id, b"x", {"Origin": "http://evil.test"})
        other_stage = gateway.management_url.rsplit("/", 1)[0] + "/prod"
        with pytest.raises(ClientError) as wrong_stage:
            management_client(other_stage).post_to_connection(ConnectionId=connection_id, Data=b"x")
        ws.send(json.dumps({"action": "echo"}))
        assert json.loads(ws.recv(timeout=5))["route"] == "echo"  # nothing else arrived

    assert unsigned.status_code == 403 and unsigned.json() == {
        "message": "Missing Authentication Token"
    }
    assert from_a_page.status_code == 403
    assert (forged.status_code, forged.headers["x-amzn-ErrorType"]) == (
        403,
        "InvalidSignatureException",
    )
    assert wrong_stage.value.response["Error"]["Code"] == "ForbiddenException"


def test_local_status_reads_the_gateways_counters(gateway: Gateway) -> None:
    with gateway.connect("/?id=counted") as ws:
        ws.send(json.dumps({"action": "echo"}))
        ws.recv(timeout=5)
        gateway.management().post_to_connection(
            ConnectionId=gateway.connection_id("counted"), Data=b"x"
        )
        ws.recv(timeout=5)
        running = StackState(
            pid=1,
            port=0,
            endpoint="",
            started_at="",
            endpoints={"websocket_management": gateway.management_url},
        )
        counters = control.stats(running)

    assert counters == {
        "open_connections": 1,
        "connected": 1,
        "refused": 0,
        "disconnected": 0,
        "messages_in": 1,
        "messages_out": 2,
        "gone": 0,
    }


def _signed_post(
    gateway: Gateway,
    connection_id: str,
    data: bytes,
    headers: dict[str, str] | None = None,
    secret: str | None = None,
) -> requests.Response:
    """A POST signed as boto3 signs it, with extra headers a boto3 client would not add."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = f"{gateway.management_url}/@connections/{connection_id}"
    request = AWSRequest("POST", url, data=data, headers=headers or {})
    keys = gateway.recorded.credentials
    assert keys is not None
    signing = Credentials(keys.access_key_id, secret or keys.secret_access_key)
    SigV4Auth(signing, "execute-api", "us-east-1").add_auth(request)
    return requests.post(url, data=data, headers=dict(request.headers), timeout=5)
