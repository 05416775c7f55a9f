"""The chat composition root on moto: the token key comes from the chat's secret, the stores
from the spec's tables, and the gateway is reached only by the first push."""

from __future__ import annotations

from typing import Any

import pytest

from tctfmsg.core import settings
from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.user_messages.bootstrap import UserMessagesRoot
from tctfmsg.user_messages.services import connections, conversations, messages
from tctfmsg.user_messages.services.fields import Caller


@pytest.fixture
def root(provisioned: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> UserMessagesRoot:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tctfmsg-test-chat-default")  # names: stage
    monkeypatch.delenv("TCTFMSG_WEBSOCKET_MANAGEMENT_URL", raising=False)
    return UserMessagesRoot(Clients(settings.load(target="aws", stage="test")))


def test_a_token_from_the_roots_key_connects_and_messages_are_stored(
    root: UserMessagesRoot,
) -> None:
    deps = root.chat_deps
    signed = connections.issue_token(deps, "alice", 60)

    room = conversations.create(deps, ["alice", "bob"]).conversation_id
    ack = messages.send(deps, Caller("bob"), room, "hello")  # nobody online: nothing pushed
    accepted = connections.connect(deps, "conn-1", signed, [])

    assert accepted.connection.user_id == "alice"
    assert deps.connections.get("conn-1") == accepted.connection
    assert ack["seq"] == 1
    assert [m["text"] for m in messages.history(deps, "alice", room)["messages"]] == ["hello"]


def test_without_a_management_url_the_first_push_says_what_to_set(
    root: UserMessagesRoot,
) -> None:
    deps = root.chat_deps
    connections.connect(deps, "conn-1", connections.issue_token(deps, "alice", 60), [])
    room = conversations.create(deps, ["alice", "bob"]).conversation_id

    with pytest.raises(ConfigurationError, match="management URL"):
        messages.send(deps, Caller("bob"), room, "hello")


def test_a_secret_without_the_chat_key_is_one_clear_error(
    root: UserMessagesRoot, provisioned: dict[str, Any]
) -> None:
    provisioned["secretsmanager"].put_secret_value(
        SecretId="tctfmsg/test/chat_signing_key", SecretString="{}"
    )
    with pytest.raises(ConfigurationError, match="no 'chat' key"):
        connections.issue_token(root.chat_deps, "alice", 60)
