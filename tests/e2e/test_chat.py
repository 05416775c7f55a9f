"""Chat over real sockets on the embedded stack: tokens from `tctfmsg chat token`, the local
gateway invoking the chat handlers, answers and pushes through its management API."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.e2e.conftest import Stack

WAIT_S = 20  # bounded: a frame that does not come fails the test, never hangs it


def _token(stack: Stack, user: str) -> str:
    return stack.cli("chat", "token", user, check=True).stdout.strip()


def _conversation(stack: Stack, *members: str) -> str:
    created = stack.cli("chat", "conversation", "create", "--members", ",".join(members),
                        check=True)  # fmt: skip
    return created.stdout.strip()


@contextmanager
def _socket(stack: Stack, user: str, as_subprotocol: bool = False) -> Iterator[ClientConnection]:
    url, signed = f"ws://127.0.0.1:{stack.port + 3}/", _token(stack, user)
    if as_subprotocol:
        opened = connect(url, subprotocols=[signed], open_timeout=WAIT_S)  # type: ignore[list-item]
    else:
        opened = connect(f"{url}?token={signed}", open_timeout=WAIT_S)
    with opened as ws:
        yield ws


def _ask(ws: ClientConnection, frame: dict[str, Any]) -> dict[str, Any]:
    ws.send(json.dumps(frame))
    return _next(ws)


def _next(ws: ClientConnection, kind: str | None = None) -> dict[str, Any]:
    while True:
        frame = json.loads(ws.recv(timeout=WAIT_S))
        if kind is None or frame["type"] == kind:
            return dict(frame)


def test_two_members_chat_and_the_offline_one_catches_up(stack: Stack) -> None:
    room = _conversation(stack, "alice", "bob", "carol")
    with _socket(stack, "alice") as alice, _socket(stack, "bob", as_subprotocol=True) as bob:
        ack = _ask(alice, {"action": "send", "conversation_id": room, "text": "hi bob",
                           "client_msg_id": "m1", "request_id": "r1"})  # fmt: skip
        pushed = _next(bob, "message")
        reply = _ask(bob, {"action": "send", "conversation_id": room, "text": "hi alice"})
        back = _next(alice, "message")

    assert (ack["type"], ack["seq"], ack["request_id"]) == ("ack", 1, "r1")
    assert (pushed["sender"], pushed["text"], pushed["seq"]) == ("alice", "hi bob", 1)
    assert reply["seq"] == 2 and (back["sender"], back["seq"]) == ("bob", 2)
    with _socket(stack, "carol") as carol:  # offline until now
        page = _ask(carol, {"action": "sync", "conversation_id": room, "after_seq": 0})
    assert [m["seq"] for m in page["messages"]] == [1, 2]


def test_a_bad_frame_gets_an_error_and_the_socket_still_works(stack: Stack) -> None:
    room = _conversation(stack, "dave", "erin")
    theirs = _conversation(stack, "frank", "grace")
    with _socket(stack, "dave") as dave:
        broken = _ask(dave, {"action": "nope", "request_id": 3})
        dave.send("{not json")
        malformed = _next(dave)
        refused = _ask(dave, {"action": "send", "conversation_id": theirs, "text": "x"})
        fine = _ask(dave, {"action": "send", "conversation_id": room, "text": "still here"})

    assert (broken["code"], broken["request_id"]) == ("unknown_action", 3)
    assert malformed["code"] == "malformed_frame"
    assert refused["code"] == "not_member"
    assert fine["type"] == "ack"


def test_connecting_without_a_valid_token_is_refused(stack: Stack) -> None:
    for query in ("", "?token=forged.token"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://127.0.0.1:{stack.port + 3}/{query}", open_timeout=WAIT_S)
        # the handler's 401 refuses the upgrade; API Gateway (and its local copy) answers 403
        assert refused.value.response.status_code == 403


def test_an_operators_send_reaches_the_members_socket(stack: Stack) -> None:
    room = _conversation(stack, "heidi", "ivan")
    with _socket(stack, "ivan") as ivan:
        stack.cli("chat", "send", room, "from the CLI", "--as", "heidi", check=True)
        pushed = _next(ivan, "message")
        listed = json.loads(stack.cli("chat", "connections", "--user", "ivan", "--json",
                                      check=True).stdout)  # fmt: skip

    assert (pushed["sender"], pushed["text"]) == ("heidi", "from the CLI")
    assert len(listed["connections"]) == 1


def test_a_resent_client_msg_id_is_stored_once(stack: Stack) -> None:
    room = _conversation(stack, "judy", "ken")
    frame = {"action": "send", "conversation_id": room, "text": "once", "client_msg_id": "x1"}
    with _socket(stack, "judy") as judy:
        first, again = _ask(judy, frame), _ask(judy, frame)
    history = json.loads(stack.cli("chat", "history", room, "--json", check=True).stdout)

    assert (again["message_id"], again["seq"]) == (first["message_id"], first["seq"])
    assert [m["text"] for m in history["messages"]] == ["once"]


def test_a_scheduled_message_is_delivered_to_the_members_socket(stack: Stack) -> None:
    room = _conversation(stack, "leo", "mia")
    with _socket(stack, "leo") as leo, _socket(stack, "mia") as mia:
        at = datetime.now(UTC) + timedelta(seconds=1)
        planned = _ask(leo, {"action": "schedule", "conversation_id": room, "text": "later",
                             "at": at.isoformat()})  # fmt: skip
        delivered = _next(mia, "message")  # the local rule runs every 5 s in these tests

    assert planned["type"] == "scheduled"
    assert (delivered["sender"], delivered["text"]) == ("leo", "later")


def test_a_socket_killed_without_a_close_frame_is_forgotten_and_the_senders_kept(
    stack: Stack,
) -> None:
    room = _conversation(stack, "nina", "omar")
    with _socket(stack, "nina") as nina:
        omar = connect(f"ws://127.0.0.1:{stack.port + 3}/?token={_token(stack, 'omar')}",
                       open_timeout=WAIT_S)  # fmt: skip
        omar.socket.shutdown(socket.SHUT_RDWR)  # gone, no close frame
        omar.socket.close()
        ack = _ask(nina, {"action": "send", "conversation_id": room, "text": "anyone?"})
        still = _ask(nina, {"action": "sync"})

        def connections(user: str) -> list[dict[str, Any]]:
            listed = stack.cli("chat", "connections", "--user", user, "--json", check=True)
            return list(json.loads(listed.stdout)["connections"])

        assert ack["type"] == "ack" and still["type"] == "conversations"
        assert connections("omar") == []
        assert len(connections("nina")) == 1


def test_a_200_kb_frame_closes_the_socket_with_1009(stack: Stack) -> None:
    with _socket(stack, "pat") as pat:
        pat.send(json.dumps({"action": "sync", "pad": "x" * 200_000}))
        with pytest.raises(ConnectionClosed) as closed:
            pat.recv(timeout=WAIT_S)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
