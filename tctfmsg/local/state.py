"""The embedded stack's state file: who runs it, where it listens. Written by the daemon only."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATE_FILE = "stack.json"
SNAPSHOT_FILE = "snapshot.pickle"
JOURNAL_DIR = "journal"  # every acknowledged write since the snapshot (decision 0082)
LOG_FILE = "stack.log"
CREDENTIALS_FILE = "credentials.json"  # the stack's own SigV4 keys, owner-only (decision 0083)
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


@dataclass(frozen=True)
class StackCredentials:
    """The keys every request to the stack is signed with; repr never shows the secret."""

    access_key_id: str
    secret_access_key: str = field(repr=False)


def credentials(directory: Path) -> StackCredentials | None:
    try:
        data = json.loads((directory / CREDENTIALS_FILE).read_text())
        return StackCredentials(str(data["access_key_id"]), str(data["secret_access_key"]))
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
        return None


def ensure_credentials(directory: Path) -> StackCredentials:
    """The stack's keys, generated on first start. A file others could read is replaced: its
    secret may have been seen."""
    path = directory / CREDENTIALS_FILE
    existing = credentials(directory)
    if existing is not None and path.stat().st_mode & 0o077 == 0:
        return existing
    directory.mkdir(parents=True, exist_ok=True)
    generated = StackCredentials(
        access_key_id="TCTF" + secrets.token_hex(8).upper(),
        secret_access_key=secrets.token_urlsafe(30),
    )
    tmp = directory / f".{CREDENTIALS_FILE}.tmp"
    tmp.unlink(missing_ok=True)
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(generated), handle)
    tmp.replace(path)
    return generated
