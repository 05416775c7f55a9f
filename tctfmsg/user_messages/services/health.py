"""The chat service at a glance, for `tctfmsg doctor`: how many WebSocket connections are open,
counted by one bounded read (past the bound it says "at least")."""

from __future__ import annotations

from tctfmsg.core.clock import Clock
from tctfmsg.core.health import ServiceHealth
from tctfmsg.user_messages.ports import ConnectionStore

SERVICE = "user_messages"
COUNT_LIMIT = 10_000


def chat_health(
    connections: ConnectionStore, clock: Clock, limit: int = COUNT_LIMIT
) -> ServiceHealth:
    now = clock.now().timestamp()
    found = connections.every(limit=limit)
    # the table's TTL deletes expired items late; an expired one is not open
    live = sum(c.expires_at > now for c in found)
    return ServiceHealth(SERVICE, {"open_connections": live, "count_capped": len(found) >= limit})
