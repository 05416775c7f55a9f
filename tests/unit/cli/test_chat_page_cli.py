"""`tctfmsg chat page`: the address of the embedded stack's chat page, with the conversation
and each user's token in the #fragment (never sent to a server), or one clear line why not."""

from __future__ import annotations

import json
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest

from tctfmsg.local import state as stack_state
from tctfmsg.local.state import StackState
from tctfmsg.user_messages.domain import token
from tests.support.chat_memory import memory_chat
from tests.support.cli_roots import error_line
from tests.unit.cli.conftest import Cli
from tests.unit.user_messages.conftest import Chat

PAGE = "http://127.0.0.1:5575/_local/chat"


@pytest.fixture
def chat(cli: Cli) -> Chat:
    world = Chat(memory_chat())
    cli.user_messages = SimpleNamespace(chat_deps=world.deps, gateway=world.gateway)
    return world


def _stack_running(monkeypatch: pytest.MonkeyPatch, endpoints: dict[str, str]) -> None:
    running = StackState(1, 5566, "http://127.0.0.1:5566", "2026-01-01T00:00:00Z", endpoints)
    monkeypatch.setattr(stack_state, "running", lambda directory: running)


def test_page_prints_the_address_with_the_chat_in_its_fragment(
    cli: Cli, chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stack_running(monkeypatch, {"chat_page": PAGE})

    result = cli("chat", "page", "--users", "ada,bob", "--ttl", "300")

    assert result.exit_code == 0, result.output
    url = urlsplit(result.stdout.strip())
    assert f"{url.scheme}://{url.netloc}{url.path}" == PAGE and url.query == ""
    fragment = parse_qsl(url.fragment)
    found = dict(fragment)
    conversation = chat.deps.conversations.get(found["conversation"])
    assert conversation is not None and conversation.members == {"ada", "bob"}
    users = [v for k, v in fragment if k == "user"]
    tokens = [token.verify(chat.deps.token_key(), v, chat.clock.now())
              for k, v in fragment if k == "token"]  # fmt: skip
    assert users == ["ada", "bob"] and [t.sub for t in tokens] == users
    assert {t.exp - t.iat for t in tokens} == {300}


def test_page_json_names_the_conversation_and_reuses_it(
    cli: Cli, chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stack_running(monkeypatch, {"chat_page": PAGE})

    first = json.loads(cli("chat", "page", "--json").stdout)
    again = json.loads(cli("chat", "page", "--users", "bob,ada", "--json").stdout)

    assert first["users"] == ["ada", "bob"] and first["url"].startswith(f"{PAGE}#")
    assert again["conversation_id"] == first["conversation_id"]
    assert len(chat.deps.conversations.every()) == 1


def test_page_without_a_running_stack_is_one_clear_error(cli: Cli, chat: Chat) -> None:
    line = error_line(cli("chat", "page"))

    assert "embedded stack is not running" in line and "tctfmsg local up" in line
    assert chat.deps.conversations.every() == []


def test_page_from_a_stack_that_serves_none_says_to_restart_it(
    cli: Cli, chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stack_running(monkeypatch, {"websocket": "ws://127.0.0.1:5569"})

    assert "restart it" in error_line(cli("chat", "page"))


def test_page_for_a_lone_user_is_refused_and_creates_nothing(
    cli: Cli, chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stack_running(monkeypatch, {"chat_page": PAGE})

    assert "2 to 4 distinct users" in error_line(cli("chat", "page", "--users", "ada"))
    assert chat.deps.conversations.every() == []
