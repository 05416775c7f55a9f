"""A private embedded stack for one benchmark run: free ports, temp home, stopped at exit."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tctfmsg import settings
from tctfmsg.bootstrap import Runtime
from tctfmsg.local import stack
from tctfmsg.local.components import PORT_OFFSETS


@contextmanager
def private_stack() -> Iterator[Runtime]:
    with tempfile.TemporaryDirectory(prefix="tctfmsg-bench-") as home:
        port = _free_block()
        directory = Path(home) / "local"
        stack.up(directory, port)
        os.environ["TCTFMSG_HOME"] = home
        try:
            yield Runtime(settings.load(target="local", home=home, local_port=port))
        finally:
            stack.down(directory)


def _free_block() -> int:
    span = max(PORT_OFFSETS.values()) + 1
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + span < 65535 and all(_free(base + i) for i in range(span)):
            return base
    raise RuntimeError("no free block of ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
