"""The chat use cases over in-memory ports: members connect with real tokens, send frames as
JSON text exactly as the $default handler hands them over, and read what the gateway pushed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import pytest

from tctfmsg.user_messages.domain import token
from tctfmsg.user_messages.services import connections, conversations, frames
from tctfmsg.user_messages.services.deps import ChatDeps
from tests.support.campaign_memory import FixedClock
from tests.support.chat_memory import (
    TOKEN_KEY,
    MemoryConnections,
    MemoryMessages,
    RecordingGateway,
    RecordingNotifier,
    memory_chat,
)
from tests.support.sockets import no_sockets  # noqa: F401  (a fixture, used below)


@dataclass
class Chat:
    deps: ChatDeps

    @property
    def gateway(self) -> RecordingGateway:
        return cast(RecordingGateway, self.deps.gateway)

    @property
    def clock(self) -> FixedClock:
        return cast(FixedClock, self.deps.clock)

    @property
    def stored(self) -> MemoryMessages:
        return cast(MemoryMessages, self.deps.messages)

    @property
    def live(self) -> MemoryConnections:
        return cast(MemoryConnections, self.deps.connections)

    @property
    def notifier(self) -> RecordingNotifier:
        return cast(RecordingNotifier, self.deps.notifier)

    def connect(self, user_id: str, connection_id: str) -> None:
        signed = token.issue(TOKEN_KEY, user_id, self.clock.now())
        connections.connect(self.deps, connection_id, signed, [])

    def conversation(self, *members: str) -> str:
        return conversations.create(self.deps, list(members)).conversation_id

    def frame(self, connection_id: str, body: Any) -> dict[str, Any] | None:
        text = body if isinstance(body, str) else json.dumps(body)
        return frames.respond(self.deps, connection_id, text)

    def pushed(self, connection_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.gateway.to(connection_id) if kind is None or f["type"] == kind]


@pytest.fixture
def chat(no_sockets: None) -> Chat:  # noqa: F811
    return Chat(memory_chat())
