"""`tctfmsg chat …` on in-memory ports: tokens, conversations, history, connections, send."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from tctfmsg.user_messages.domain import token
from tests.support.chat_memory import TOKEN_KEY, memory_chat
from tests.support.cli_roots import error_line
from tests.unit.cli.conftest import Cli
from tests.unit.user_messages.conftest import Chat


@pytest.fixture
def chat(cli: Cli) -> Chat:
    world = Chat(memory_chat())
    cli.user_messages = SimpleNamespace(chat_deps=world.deps, gateway=world.gateway)
    return world


def test_token_prints_a_token_that_connects_as_that_user(cli: Cli, chat: Chat) -> None:
    result = cli("chat", "token", "alice", "--ttl", "120")

    assert result.exit_code == 0, result.output
    claims = token.verify(TOKEN_KEY, result.stdout.strip(), chat.clock.now())
    assert (claims.sub, claims.exp - claims.iat) == ("alice", 120)


def test_token_for_a_hostile_user_id_is_one_clear_error(cli: Cli, chat: Chat) -> None:
    assert "user id" in error_line(cli("chat", "token", "alice\nbob"))
    assert "seconds" in error_line(cli("chat", "token", "alice", "--ttl", "999999"))


def test_conversation_create_prints_its_id_and_list_shows_it(cli: Cli, chat: Chat) -> None:
    created = cli("chat", "conversation", "create", "--members", "alice,bob", "--title", "[b]x")
    conversation_id = created.stdout.strip()

    listed = cli("chat", "conversation", "list", "--user", "bob", "--json")
    human = cli("chat", "conversation", "list")

    assert created.exit_code == 0, created.output
    assert chat.deps.conversations.get(conversation_id) is not None
    (found,) = json.loads(listed.stdout)["conversations"]
    assert (found["conversation_id"], found["members"], found["title"]) == (
        conversation_id, ["alice", "bob"], "[b]x")  # fmt: skip
    assert "[b]x" in human.stdout and "1 conversation" in human.stdout


def test_conversation_create_refuses_a_lone_member(cli: Cli, chat: Chat) -> None:
    line = error_line(cli("chat", "conversation", "create", "--members", "alice,alice"))
    assert "2 to 100 distinct members" in line
    assert chat.deps.conversations.every() == []


def test_send_as_a_member_goes_through_the_socket_path_and_shows_in_history(
    cli: Cli, chat: Chat
) -> None:
    chat.connect("bob", "b1")
    room = chat.conversation("alice", "bob")

    sent = cli("chat", "send", room, "hello [red]bob", "--as", "alice")
    history = cli("chat", "history", room, "--json")
    human = cli("chat", "history", room)

    assert sent.exit_code == 0, sent.output
    assert f"sent {room}:1 (seq 1)" in sent.stdout
    assert [m["text"] for m in chat.pushed("b1", "message")] == ["hello [red]bob"]
    assert [(m["seq"], m["sender"]) for m in json.loads(history.stdout)["messages"]] == [
        (1, "alice")]  # fmt: skip
    assert "hello [red]bob" in human.stdout


def test_send_as_someone_outside_the_conversation_is_refused(cli: Cli, chat: Chat) -> None:
    room = chat.conversation("alice", "bob")
    assert "not a member" in error_line(cli("chat", "send", room, "hi", "--as", "mallory"))
    assert chat.stored.items == {}


def test_history_of_an_unknown_conversation_is_one_clear_error(cli: Cli, chat: Chat) -> None:
    assert "no conversation" in error_line(cli("chat", "history", "nope"))


def test_connections_lists_them_by_user(cli: Cli, chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("bob", "b1")

    mine = json.loads(cli("chat", "connections", "--user", "alice", "--json").stdout)
    every = cli("chat", "connections")

    assert [c["connection_id"] for c in mine["connections"]] == ["a1"]
    assert "2 connections" in every.stdout
