"""A private embedded stack for one benchmark run: free ports, temp home, stopped at exit."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tctfmsg.campaigns.bootstrap import CampaignsRoot as Runtime
from tctfmsg.local import stack
from tests.support.ports import free_base_port
from tests.support.stacks import campaigns_root


@contextmanager
def private_stack() -> Iterator[Runtime]:
    with tempfile.TemporaryDirectory(prefix="tctfmsg-bench-") as home:
        port = free_base_port()
        directory = Path(home) / "local"
        stack.up(directory, port)
        os.environ["TCTFMSG_HOME"] = home
        try:
            yield campaigns_root(home=home, local_port=port)
        finally:
            stack.down(directory)
