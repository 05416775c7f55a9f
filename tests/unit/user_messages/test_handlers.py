"""The chat handlers over in-memory ports, fed API Gateway WebSocket events from tests/events/
(the shape API Gateway sends and Powertools' own test events record)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lambdas.user_messages import connect, default, disconnect, scheduler
from tctfmsg.user_messages import bootstrap
from tctfmsg.user_messages.domain import token
from tests.support.chat_memory import TOKEN_KEY, memory_chat
from tests.unit.user_messages.conftest import Chat

EVENTS = Path(__file__).resolve().parents[2] / "events"


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "tctfmsg-test-chat-connect"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:chat"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _event(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((EVENTS / name).read_text()))


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch, no_sockets: None) -> Chat:
    world = Chat(memory_chat())
    monkeypatch.setattr(bootstrap, "default", lambda: SimpleNamespace(chat_deps=world.deps))
    return world


def _with_token(event: dict[str, Any], value: str | None) -> dict[str, Any]:
    event["queryStringParameters"] = None if value is None else {"token": value}
    event["multiValueQueryStringParameters"] = None if value is None else {"token": [value]}
    return event


def test_the_aws_shaped_connect_event_with_a_valid_token_is_accepted(chat: Chat) -> None:
    signed = token.issue(TOKEN_KEY, "alice", chat.clock.now())

    answer = connect.handler(_with_token(_event("ws_connect.json"), signed), LambdaContext())

    assert answer == {"statusCode": 200}
    stored = chat.live.get("BFHPhfCWIAMCKlQ=")
    assert stored is not None and stored.user_id == "alice"


@pytest.mark.parametrize("value", [None, "", "forged.token"])
def test_connect_without_a_valid_token_is_refused_with_401(chat: Chat, value: str | None) -> None:
    answer = connect.handler(_with_token(_event("ws_connect.json"), value), LambdaContext())

    assert answer["statusCode"] == 401
    assert chat.live.items == {}


def test_a_token_in_the_subprotocol_header_is_echoed_back(chat: Chat) -> None:
    signed = token.issue(TOKEN_KEY, "bob", chat.clock.now())
    event = _with_token(_event("ws_connect.json"), None)
    event["headers"]["sec-websocket-protocol"] = f"tctfmsg.chat, {signed}"

    answer = connect.handler(event, LambdaContext())

    assert answer == {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": signed}}


def test_the_default_route_answers_the_caller_through_the_gateway_only(chat: Chat) -> None:
    chat.connect("alice", "BFHPhfCWIAMCKlQ=")

    answer = default.handler(_event("ws_message.json"), LambdaContext())

    assert chat.pushed("BFHPhfCWIAMCKlQ=") == [{"type": "conversations", "conversations": []}]
    assert answer == {"statusCode": 200}  # no body: a two-way route would send it again


def test_a_binary_frame_is_an_error_frame(chat: Chat) -> None:
    chat.connect("alice", "BFHPhfCWIAMCKlQ=")
    event = _event("ws_message.json")
    event["isBase64Encoded"] = True

    default.handler(event, LambdaContext())

    assert chat.pushed("BFHPhfCWIAMCKlQ=")[0]["code"] == "malformed_frame"


def test_disconnect_forgets_the_connection(chat: Chat) -> None:
    chat.connect("alice", "BFHPhfCWIAMCKlQ=")
    event = _event("ws_message.json")
    event["requestContext"].update(routeKey="$disconnect", eventType="DISCONNECT")

    assert disconnect.handler(event, LambdaContext()) == {"statusCode": 200}
    assert chat.live.items == {}


def test_the_scheduler_reports_what_it_did(chat: Chat) -> None:
    assert scheduler.handler({"source": "aws.events"}, LambdaContext()) == {
        "sent": 0, "notified": 0, "dropped": 0}  # fmt: skip
