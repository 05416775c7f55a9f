"""Pushing a frame to connections: members' live connections are found through the user index,
and a connection the gateway says is gone is deleted: that one, never the sender's."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from tctfmsg.user_messages.domain.model import PushFailed, StaleConnection
from tctfmsg.user_messages.services.deps import ChatDeps

logger = logging.getLogger(__name__)


def push(deps: ChatDeps, connection_id: str, frame: Mapping[str, Any]) -> bool:
    """True if the gateway took the frame; a gone connection is forgotten."""
    try:
        deps.gateway.post(connection_id, frame)
    except StaleConnection:
        deps.connections.delete(connection_id)
        return False
    except PushFailed as failed:
        logger.warning("push to %s failed: %s", connection_id, failed)
        return False
    return True


def to_members(
    deps: ChatDeps,
    conversation_id: str,
    frame: Mapping[str, Any],
    *,
    skip_connection: str | None = None,
    members: Iterable[str] | None = None,
) -> list[str]:
    """Push to every live connection of every member (but `skip_connection`, which gets its
    answer directly); answer the members no connection reached. `members`, when the caller
    has just read them, spares the read."""
    now = int(deps.clock.now().timestamp())
    unreached = []
    if members is None:
        members = deps.conversations.members(conversation_id)
    for member in members:
        reached = False
        for connection in deps.connections.of_user(member):
            if connection.expires_at <= now:  # TTL deletion lags: an expired one is gone
                continue
            if connection.connection_id == skip_connection:
                reached = True
                continue
            reached = push(deps, connection.connection_id, frame) or reached
        if not reached:
            unreached.append(member)
    return unreached
