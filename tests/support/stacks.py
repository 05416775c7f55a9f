"""Stopping an embedded stack a test started, even when `tctfmsg local down` cannot."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tctfmsg.campaigns.bootstrap import CampaignsRoot


def stop_stack(down: Callable[[], object], home: Path) -> None:
    """`local down`, then kill whatever this home's stack still runs: a daemon that never wrote
    its state file (`down` finds nothing to stop) or one that `down` gave up waiting for."""
    try:
        down()
    finally:
        for pid in stack_processes(home):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def stack_processes(home: Path) -> list[int]:
    """The stack's daemon and AWS process: a `tctfmsg.local.*` module with a path under this
    (private, per-test) home on its command line."""
    inside = f"{home}{os.sep}"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if any(a.startswith("tctfmsg.local.") for a in argv) and any(
            a == str(home) or a.startswith(inside) for a in argv
        ):
            found.append(int(entry.name))
    return found


def campaigns_root(**overrides: object) -> CampaignsRoot:
    """The campaigns service's composition root for a local stack (`home`, `local_port`),
    pointed at its endpoints as the CLI would be."""
    from tctfmsg.campaigns.bootstrap import CampaignsRoot
    from tctfmsg.core import settings
    from tctfmsg.core.clients import Clients
    from tctfmsg.local.components import pointed_at

    loaded = settings.load(target="local", **overrides)
    return CampaignsRoot(Clients(pointed_at(loaded, loaded.local_port)))
