"""$connect and $disconnect: a connection is stored only for a verified token, and never
pushed to while connecting (API Gateway has not opened it yet); the client syncs after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tctfmsg.core.specs.user_messages import CONNECTION_MAX_AGE_S
from tctfmsg.user_messages.domain import token
from tctfmsg.user_messages.domain.model import Connection, checked_connection_id
from tctfmsg.user_messages.domain.token import TokenRejected
from tctfmsg.user_messages.services.deps import ChatDeps

MAX_OFFERED_PROTOCOLS = 4


@dataclass(frozen=True)
class Accepted:
    connection: Connection
    subprotocol: str | None  # the offered protocol that carried the token, to answer with


def connect(
    deps: ChatDeps, connection_id: object, query_token: str | None, offered: list[str]
) -> Accepted:
    """Verify the token (from the query string, else from the offered subprotocols) and store
    the connection; TokenRejected stores nothing."""
    connection_id = checked_connection_id(connection_id)
    now = deps.clock.now()
    key = deps.token_key()
    if query_token is not None:
        claims, subprotocol = token.verify(key, query_token, now), None
    else:
        claims, subprotocol = _from_protocols(key, offered, now)
    connection = Connection(
        connection_id=connection_id,
        user_id=claims.sub,
        connected_at=now,
        # A token may expire sooner, but API Gateway closes every connection by then anyway.
        expires_at=int((now + timedelta(seconds=CONNECTION_MAX_AGE_S)).timestamp()),
    )
    deps.connections.put(connection)
    return Accepted(connection, subprotocol)


def _from_protocols(key: bytes, offered: list[str], now: datetime) -> tuple[token.TokenClaims, str]:
    candidates = [p.strip() for p in offered[:MAX_OFFERED_PROTOCOLS] if p.strip()]
    last: TokenRejected = TokenRejected("no token", "connect with ?token=… or as a subprotocol")
    for candidate in candidates:
        try:
            return token.verify(key, candidate, now), candidate
        except TokenRejected as refused:
            last = refused
    raise last


def disconnect(deps: ChatDeps, connection_id: str) -> None:
    deps.connections.delete(connection_id)


def issue_token(deps: ChatDeps, user_id: str, ttl_s: int) -> str:
    return token.issue(deps.token_key(), user_id, deps.clock.now(), ttl_s)
