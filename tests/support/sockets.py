"""A fixture that makes any network connection fail the test: unit tests promise no sockets,
and this is how a CLI test proves no command reached past the fakes it was handed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest


class SocketUsed(AssertionError):
    pass


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise SocketUsed(f"a unit test opened a network connection: {args[1:] or kwargs}")


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    yield
