"""Free ports on 127.0.0.1 for servers the tests start."""

from __future__ import annotations

import socket

from tctfmsg.local.components import PORT_OFFSETS


def free_base_port(start: int = 20000, stop: int = 60000) -> int:
    """A base port whose whole block (every component's offset) is free right now."""
    span = max(PORT_OFFSETS.values()) + 1
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    base = probe.getsockname()[1]
    probe.close()
    for candidate in list(range(base, stop, span)) + list(range(start, base, span)):
        if candidate + span < 65535 and all(_free(candidate + i) for i in range(span)):
            return candidate
    raise RuntimeError("no free block of ports on 127.0.0.1")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
