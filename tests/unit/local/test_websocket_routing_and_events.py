"""The pure parts of the local WebSocket gateway: route selection as API Gateway's
`$request.body.action`, and the small formats its events carry."""

from __future__ import annotations

import pytest

from tctfmsg.core.spec_types import FunctionSpec
from tctfmsg.local.websocket.events import Api, connect_event, disconnect_event, request_time
from tctfmsg.local.websocket.routing import RouteTable
from tctfmsg.local.websocket.session import Session


def _spec(logical: str, *routes: str) -> FunctionSpec:
    return FunctionSpec(logical, "user_messages", "m:f", websocket_routes=routes)


ROUTES = RouteTable([_spec("connect", "$connect"), _spec("chat", "$default", "send", "sync")])


@pytest.mark.parametrize(
    ("frame", "route"),
    [
        ('{"action": "send"}', "send"),
        ('{"action": "sync", "after_seq": 3}', "sync"),
        ('{"action": "typing"}', "$default"),
        ('{"action": "$connect"}', "$default"),
        ('{"action": ["send"]}', "$default"),
        ('["send"]', "$default"),
        ("send", "$default"),
        (b'{"action": "send"}', "$default"),
    ],
)
def test_the_action_selects_a_declared_route_and_anything_else_goes_to_default(
    frame: str | bytes, route: str
) -> None:
    assert ROUTES.select(frame) == route


def test_without_a_default_route_an_unmatched_frame_has_no_route() -> None:
    routes = RouteTable([_spec("chat", "send")])
    assert routes.select('{"action": "send"}') == "send"
    assert routes.select('{"action": "other"}') is None


def test_a_route_declared_by_two_functions_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'\$default' is declared by both a and b"):
        RouteTable([_spec("a", "$default"), _spec("b", "$default")])


def test_request_time_is_api_gateways_format() -> None:
    # month names are spelled out by the module, never by the locale's strftime("%b")
    assert request_time(1731324924553) == "11/Nov/2024:11:35:24 +0000"
    assert request_time(1704067200000) == "01/Jan/2024:00:00:00 +0000"


def test_headers_group_whatever_their_case_and_query_names_keep_theirs() -> None:
    api = Api(stage="local", domain_name="127.0.0.1:9", ws_port=3)
    event = connect_event(
        api,
        Session(source_ip="127.0.0.1"),
        [("X-Tag", "a"), ("x-tag", "b"), ("Host", "h")],
        "Name=1&name=2&name=3",
    )
    assert event["headers"]["X-Tag"] == "b"
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert "x-tag" not in event["headers"]
    assert event["queryStringParameters"] == {"Name": "1", "name": "3"}
    assert event["multiValueQueryStringParameters"] == {"Name": ["1"], "name": ["2", "3"]}


def test_no_query_string_means_no_query_maps_as_on_aws() -> None:
    api = Api(stage="local", domain_name="127.0.0.1:9", ws_port=3)
    event = connect_event(api, Session(source_ip="127.0.0.1"), [("Host", "h")], "")
    assert "queryStringParameters" not in event
    assert "multiValueQueryStringParameters" not in event


def test_disconnect_carries_the_close_code_and_reason() -> None:
    api = Api(stage="prod", domain_name="127.0.0.1:9", ws_port=3)
    session = Session(source_ip="127.0.0.1")
    context = disconnect_event(api, session, 1001, "Going away")["requestContext"]
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (1001, "Going away")
    assert context["connectionId"] == session.connection_id
    assert context["connectedAt"] == session.connected_at_ms
