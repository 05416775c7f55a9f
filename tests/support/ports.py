"""Free ports on 127.0.0.1 for servers the tests start.

Ports come from outside the kernel's ephemeral range, so no outgoing connection (to moto, to a
stack) can be given one between our check and the server's bind; and a port is handed out once
per session, so two servers never get the same one.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

from tctfmsg.local.components import PORT_OFFSETS

_handed_out: set[int] = set()


def free_base_port() -> int:
    """A base port whose whole block (every component's offset) is free right now."""
    return _free_block(max(PORT_OFFSETS.values()) + 1)


def free_port() -> int:
    return _free_block(1)


def _free_block(span: int) -> int:
    low, high = _outside_ephemeral()
    start = random.randrange(low, high - span)
    for candidate in [*range(start, high - span, span), *range(low, start, span)]:
        block = range(candidate, candidate + span)
        if _handed_out.isdisjoint(block) and all(_free(port) for port in block):
            _handed_out.update(block)
            return candidate
    raise RuntimeError("no free block of ports on 127.0.0.1")


def _outside_ephemeral() -> tuple[int, int]:
    try:
        first, last = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        first, last = 32768, 60999
    if first - 10000 >= 2000:
        return 10000, first
    if 65535 - last >= 2000:
        return last + 1, 65535
    return 20000, 60000  # the ephemeral range is (nearly) everything: a rare clash remains


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
