"""The upgrade request becomes a `$connect` event shaped as API Gateway shapes it, and the
function's answer decides the upgrade: non-2xx refuses it and nothing of it is kept."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from tests.integration.local.websocket.conftest import Gateway

AWS_CONNECT = json.loads(
    (Path(__file__).resolve().parents[3] / "events" / "websocket_connect.json").read_text()
)
AWS_ID = re.compile(r"^[A-Za-z0-9_-]{15}=$")


def _shape(value: Any) -> Any:
    """The keys and value types of an event, without its values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value[:1]]
    return type(value).__name__


def test_connect_event_carries_the_upgrade_request_as_api_gateway_does(gateway: Gateway) -> None:
    before = int(time.time() * 1000)
    with gateway.connect(
        "/?token=abc&tag=a&tag=b&id=shape",
        additional_headers={"X-Custom": "one", "User-Agent": "tctfmsg-test/1"},
        user_agent_header=None,
    ):
        connection_id = gateway.connection_id("shape")
    event = gateway.recorded.events("$connect", connection_id)[0]
    context = event["requestContext"]

    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert context["messageDirection"] == "IN"
    assert context["stage"] == "local"
    assert AWS_ID.match(context["connectionId"])
    assert AWS_ID.match(context["requestId"])
    assert context["extendedRequestId"] == context["requestId"]
    assert re.match(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$", context["requestTime"])
    assert before <= context["connectedAt"] <= context["requestTimeEpoch"] <= before + 10_000
    assert context["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "tctfmsg-test/1"}
    assert context["domainName"] == gateway.management_url.split("/")[2]
    assert re.match(r"^[a-z2-7]{10}$", context["apiId"])
    assert event["headers"]["X-Custom"] == "one"
    assert event["headers"]["Sec-WebSocket-Version"] == "13"
    assert event["headers"]["Host"] == f"127.0.0.1:{gateway.ws_port}"
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["headers"]["X-Forwarded-Port"] == str(gateway.ws_port)
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert event["multiValueHeaders"]["X-Custom"] == ["one"]
    assert event["queryStringParameters"] == {"token": "abc", "tag": "b", "id": "shape"}
    assert event["multiValueQueryStringParameters"] == {
        "token": ["abc"],
        "tag": ["a", "b"],
        "id": ["shape"],
    }
    assert event["isBase64Encoded"] is False
    assert "body" not in event


def test_connect_event_has_the_shape_of_an_aws_connect_event(gateway: Gateway) -> None:
    with gateway.connect("/?token=sample&id=aws", user_agent_header="sample-client/1.0"):
        connection_id = gateway.connection_id("aws")
    event = gateway.recorded.events("$connect", connection_id)[0]

    assert _shape(event["requestContext"]) == _shape(AWS_CONNECT["requestContext"])
    assert event.keys() == AWS_CONNECT.keys()
    for name in ("Host", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "User-Agent"):
        assert name in event["headers"] and event["multiValueHeaders"][name] == [
            event["headers"][name]
        ]
    for name in ("X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"):
        assert name in event["headers"]


@pytest.mark.parametrize(("answered", "refused_with"), [(401, 403), (403, 403), (500, 500)])
def test_connect_answering_an_error_refuses_the_upgrade_and_keeps_nothing(
    gateway: Gateway, answered: int, refused_with: int
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        gateway.connect(f"/?status={answered}&id=refused")
    connection_id = gateway.connection_id("refused")

    assert refused.value.response.status_code == refused_with
    stats = gateway.stats()
    assert stats["refused"] == 1 and stats["open_connections"] == 0 and stats["connected"] == 0
    with pytest.raises(gateway.management().exceptions.GoneException):
        gateway.management().get_connection(ConnectionId=connection_id)
    assert gateway.recorded.events("$disconnect") == []


def test_a_subprotocol_chosen_by_connect_is_selected(gateway: Gateway) -> None:
    with gateway.connect(
        "/?protocol=chat.v1&id=proto", subprotocols=["chat.v1", "token.abc"]
    ) as ws:
        assert ws.subprotocol == "chat.v1"
    event = gateway.recorded.events("$connect", gateway.connection_id("proto"))[0]
    assert event["headers"]["Sec-WebSocket-Protocol"] == "chat.v1, token.abc"


def test_without_a_chosen_subprotocol_none_is_selected(gateway: Gateway) -> None:
    with gateway.connect("/?id=plain", subprotocols=["chat.v1"]) as ws:
        assert ws.subprotocol is None


def test_connect_cannot_post_to_its_own_connection_before_the_upgrade_completes(
    gateway: Gateway,
) -> None:
    with gateway.connect("/?post_self=1&id=early") as ws:
        connection_id = gateway.connection_id("early")
        outcome = gateway.recorded.events("post_self", connection_id)[0]["outcome"]
        gateway.management().post_to_connection(ConnectionId=connection_id, Data=b"now")
        assert ws.recv(timeout=5) == "now"
    assert outcome == "GoneException"


def test_an_unknown_path_is_refused_without_invoking_connect(gateway: Gateway) -> None:
    with pytest.raises(InvalidStatus) as refused:
        gateway.connect("/prod?id=elsewhere")
    assert refused.value.response.status_code == 403
    assert gateway.recorded.events("$connect") == []


def test_the_stage_path_is_accepted_like_the_root(gateway: Gateway) -> None:
    with gateway.connect("/local?id=staged"):
        assert gateway.connection_id("staged")
