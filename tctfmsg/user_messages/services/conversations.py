"""Conversations for operators: create one with its members, list them, show a history, list
connections. Messages are sent through messages.send, the same path as the socket's."""

from __future__ import annotations

import uuid

from tctfmsg.user_messages.domain.model import (
    MAX_MEMBERS,
    MAX_TITLE_CHARS,
    ChatRefused,
    Connection,
    Conversation,
    ConversationKind,
    checked_id,
)
from tctfmsg.user_messages.services.deps import ChatDeps

OPERATOR_LIMIT = 1000


def create(deps: ChatDeps, members: list[str], title: str = "") -> Conversation:
    unique = sorted({checked_id(m.strip(), "member") for m in members})
    if not 2 <= len(unique) <= MAX_MEMBERS:
        raise ChatRefused(
            f"a conversation has 2 to {MAX_MEMBERS} distinct members", "name them with --members"
        )
    if len(title) > MAX_TITLE_CHARS or any(not c.isprintable() for c in title):
        raise ChatRefused(f"a title is at most {MAX_TITLE_CHARS} printable characters")
    conversation = Conversation(
        conversation_id=uuid.uuid4().hex,
        kind=ConversationKind.DIRECT if len(unique) == 2 else ConversationKind.GROUP,
        created_at=deps.clock.now(),
        title=title,
        members=frozenset(unique),
    )
    deps.conversations.create(conversation)
    return conversation


def listed(deps: ChatDeps, user_id: str | None = None) -> list[Conversation]:
    if user_id is None:
        return deps.conversations.every(OPERATOR_LIMIT)
    ids = deps.conversations.of_user(checked_id(user_id, "user"), OPERATOR_LIMIT)
    return [c for c in map(deps.conversations.get, ids) if c is not None]


def connections(deps: ChatDeps, user_id: str | None = None) -> list[Connection]:
    if user_id is None:
        return deps.connections.every(OPERATOR_LIMIT)
    return deps.connections.of_user(checked_id(user_id, "user"))
