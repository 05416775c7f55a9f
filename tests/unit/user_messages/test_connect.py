"""$connect: a connection is stored for a verified token only, with its user and a TTL of at
most two hours, and nothing is pushed to it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tctfmsg.core.errors import InvalidInput
from tctfmsg.user_messages.domain import token
from tctfmsg.user_messages.domain.token import TokenRejected
from tctfmsg.user_messages.services import connections
from tests.support.chat_memory import TOKEN_KEY
from tests.unit.user_messages.conftest import Chat


def test_a_verified_connection_is_stored_with_its_user_and_a_ttl_of_two_hours(chat: Chat) -> None:
    signed = token.issue(TOKEN_KEY, "alice", chat.clock.now())

    accepted = connections.connect(chat.deps, "BFHPhfCWIAMCKlQ=", signed, [])

    stored = chat.live.get("BFHPhfCWIAMCKlQ=")
    assert stored is not None and stored.user_id == "alice"
    assert stored.connected_at == chat.clock.now()
    two_hours = int((chat.clock.now() + timedelta(hours=2)).timestamp())
    assert stored.expires_at == two_hours
    assert accepted.subprotocol is None
    assert chat.gateway.sent == []  # never pushed: API Gateway has not opened it yet


def test_a_token_offered_as_a_subprotocol_is_answered_with_that_subprotocol(chat: Chat) -> None:
    signed = token.issue(TOKEN_KEY, "bob", chat.clock.now())

    accepted = connections.connect(chat.deps, "c1", None, ["tctfmsg.chat", f" {signed}"])

    assert accepted.subprotocol == signed
    assert accepted.connection.user_id == "bob"


@pytest.mark.parametrize(
    ("query", "offered"),
    [(None, []), ("", []), ("not-a-token", []), (None, ["chat", "also-not"])],
)
def test_no_or_a_bad_token_stores_nothing(
    chat: Chat, query: str | None, offered: list[str]
) -> None:
    with pytest.raises(TokenRejected):
        connections.connect(chat.deps, "c1", query, offered)
    assert chat.live.items == {}


def test_an_expired_token_stores_nothing(chat: Chat) -> None:
    signed = token.issue(TOKEN_KEY, "alice", chat.clock.now(), ttl_s=60)
    chat.clock.advance(61)
    with pytest.raises(TokenRejected, match="expired"):
        connections.connect(chat.deps, "c1", signed, [])
    assert chat.live.items == {}


def test_a_hostile_connection_id_is_refused(chat: Chat) -> None:
    signed = token.issue(TOKEN_KEY, "alice", chat.clock.now())
    with pytest.raises(InvalidInput):
        connections.connect(chat.deps, "x" * 500, signed, [])
    with pytest.raises(InvalidInput):
        connections.connect(chat.deps, {"id": 1}, signed, [])
    assert chat.live.items == {}


def test_disconnect_forgets_only_that_connection(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("alice", "a2")
    connections.disconnect(chat.deps, "a1")
    assert set(chat.live.items) == {"a2"}
