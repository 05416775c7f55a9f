"""The gateway's open connections, shared by the WebSocket server (which opens and closes them)
and the management API (which posts to, reads and deletes them from its own threads)."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Generic, Literal, TypeVar

from tctfmsg.local.websocket.session import Session

Socket = TypeVar("Socket")
Counted = Literal["connected", "refused", "disconnected", "messages_in", "messages_out", "gone"]


class ConnectionGone(Exception):
    """No open connection has this id: it closed, or it never was (or is still connecting)."""


class ClientBusy(Exception):
    """The client does not read what is sent to it, and its buffer is full."""


@dataclass(frozen=True)
class Open(Generic[Socket]):
    session: Session
    socket: Socket


class Connections(Generic[Socket]):
    """Only connections whose upgrade completed are here: one whose `$connect` still runs is
    unknown, so a post to it answers 410 as on AWS."""

    def __init__(self) -> None:
        self._open: dict[str, Open[Socket]] = {}
        self._lock = threading.Lock()

    def add(self, session: Session, socket: Socket) -> None:
        with self._lock:
            self._open[session.connection_id] = Open(session, socket)

    def remove(self, connection_id: str) -> None:
        with self._lock:
            self._open.pop(connection_id, None)

    def get(self, connection_id: str) -> Open[Socket]:
        with self._lock:
            found = self._open.get(connection_id)
        if found is None:
            raise ConnectionGone(connection_id)
        return found

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)


@dataclass
class Tally:
    connected: int = 0
    refused: int = 0  # upgrades `$connect` refused
    disconnected: int = 0
    messages_in: int = 0  # frames from clients
    messages_out: int = 0  # frames to clients: route responses and management posts
    gone: int = 0  # management API answers 410


class Counters:
    """What `tctfmsg local status` shows of the gateway."""

    def __init__(self) -> None:
        self._tally = Tally()
        self._lock = threading.Lock()

    def add(self, name: Counted, count: int = 1) -> None:
        with self._lock:
            setattr(self._tally, name, getattr(self._tally, name) + count)

    def snapshot(self, open_connections: int) -> dict[str, int]:
        with self._lock:
            return {"open_connections": open_connections, **asdict(self._tally)}
