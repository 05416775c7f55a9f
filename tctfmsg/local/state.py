"""The embedded stack's state file: who runs it, where it listens. Written by the daemon only."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATE_FILE = "stack.json"
SNAPSHOT_FILE = "snapshot.pickle"
JOURNAL_DIR = "journal"  # every acknowledged write since the snapshot (decision 0082)
LOG_FILE = "stack.log"
DAEMON_MODULE = "tctfmsg.local.daemon"


@dataclass(frozen=True)
class StackState:
    pid: int
    port: int
    endpoint: str
    started_at: str
    endpoints: dict[str, str] = field(default_factory=dict)


def read(directory: Path) -> StackState | None:
    try:
        data = json.loads((directory / STATE_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return StackState(**data)


def write(directory: Path, state: StackState) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(asdict(state), indent=2))
    tmp.replace(directory / STATE_FILE)


def clear(directory: Path) -> None:
    (directory / STATE_FILE).unlink(missing_ok=True)


def is_daemon(pid: int) -> bool:
    """True when pid is alive and is our daemon, so a recycled pid is never signalled."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return True  # no /proc: trust the signal probe
    return DAEMON_MODULE in cmdline


def running(directory: Path) -> StackState | None:
    state = read(directory)
    if state is not None and is_daemon(state.pid):
        return state
    return None
