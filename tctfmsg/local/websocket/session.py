"""One connection as the gateway knows it, from its upgrade request to its close, and the ids
API Gateway gives connections, requests and messages."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field


def new_id() -> str:
    """An id shaped like AWS's ("L0SM9cOFvHcCIhw="), in the URL-safe alphabet so that it sits
    in a /@connections/{id} path as it is."""
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Session:
    source_ip: str
    user_agent: str | None = None
    connection_id: str = field(default_factory=new_id)
    connected_at_ms: int = field(default_factory=now_ms)
    subprotocol: str | None = None  # what `$connect` answered in Sec-WebSocket-Protocol
    last_active_ms: int = field(init=False)
    _opened: float = field(init=False, default_factory=time.monotonic)
    _active: float = field(init=False)

    def __post_init__(self) -> None:
        self.last_active_ms = self.connected_at_ms
        self._active = self._opened

    def touch(self) -> None:
        """A data frame went either way: the idle timeout starts again."""
        self.last_active_ms = now_ms()
        self._active = time.monotonic()

    def expires_in(self, idle_timeout_s: float, max_age_s: float) -> float:
        """Seconds until the idle timeout or the maximum age closes it, whichever comes first."""
        deadline = min(self._active + idle_timeout_s, self._opened + max_age_s)
        return deadline - time.monotonic()

    @property
    def identity(self) -> dict[str, str]:
        identity = {"sourceIp": self.source_ip}
        if self.user_agent is not None:
            identity["userAgent"] = self.user_agent
        return identity
