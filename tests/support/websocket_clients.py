"""Clients for the local WebSocket gateway's tests: the real websockets client, and a bare
socket that completes the upgrade by hand so a test can kill it without a close frame."""

from __future__ import annotations

import base64
import os
import socket
import struct


def upgraded_socket(port: int, path: str = "/") -> socket.socket:
    """A TCP socket through the WebSocket handshake, and nothing more."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"the gateway closed during the upgrade: {response!r}")
        response += chunk
    if not response.startswith(b"HTTP/1.1 101 "):
        raise ConnectionError(f"the gateway refused the upgrade: {response!r}")
    return sock


def kill(sock: socket.socket) -> None:
    """Drop the connection as a crashed client does: a TCP reset, no close frame."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def close_without_status(sock: socket.socket) -> None:
    """Send a close frame with no status code (what a browser's bare close() may send)."""
    sock.sendall(b"\x88\x80" + os.urandom(4))  # FIN + close, masked, empty payload
    sock.recv(64)  # the gateway's answering close frame
    sock.close()
