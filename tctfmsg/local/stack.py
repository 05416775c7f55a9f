"""Starts, stops and inspects the embedded stack's background process."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tctfmsg.core.errors import Conflict, TctfmsgError
from tctfmsg.local import components, state, supervisor
from tctfmsg.local.state import StackState

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 120.0
ORPHAN_EXIT_S = 60.0  # an AWS process whose daemon died saves its snapshot, then its port


@dataclass(frozen=True)
class UpResult:
    state: StackState
    already_running: bool
    restored: bool
    repaired: tuple[str, ...] = ()  # components that were dead when `up` was asked


def up(directory: Path, port: int, stage: str = "local", reset: bool = False) -> UpResult:
    running = state.running(directory)
    if running:
        repaired = _repaired(directory, running)
        return UpResult(running, already_running=True, restored=False, repaired=repaired)
    if state.read(directory) is not None:  # a stack that died: its AWS process may be saving
        state.clear(directory)
        _wait_ports_free(port, ORPHAN_EXIT_S)
    busy = [f"{name} ({p})" for name, p in components.ports(port).items() if not _port_free(p)]
    if busy:
        raise Conflict(
            f"port in use on 127.0.0.1: {', '.join(busy)}",
            f"stop what holds it, or pick other ports with `tctfmsg local up --port {port + 10}`",
        )
    directory.mkdir(parents=True, exist_ok=True)
    # owner-only: the snapshot, the journal and the outboxes hold subscriber data and keys
    directory.chmod(0o700)
    snapshot = directory / state.SNAPSHOT_FILE
    if reset and snapshot.exists():
        # keep one copy of what --reset discarded, so a slip of the finger is recoverable
        shutil.move(snapshot, snapshot.with_suffix(".discarded"))
    journal = directory / state.JOURNAL_DIR
    if reset and journal.exists():
        aside = directory / f"{state.JOURNAL_DIR}.discarded"
        shutil.rmtree(aside, ignore_errors=True)
        shutil.move(journal, aside)
    restored = snapshot.exists() or journal.exists()
    log = directory / state.LOG_FILE
    with log.open("a") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                state.DAEMON_MODULE,
                "--home",
                str(directory),
                "--port",
                str(port),
                "--stage",
                stage,
            ],
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    return UpResult(_wait_ready(directory, process, log), already_running=False, restored=restored)


def down(directory: Path) -> StackState | None:
    running = state.running(directory)
    if running is None:
        state.clear(directory)
        return None
    os.kill(running.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        if not state.is_daemon(running.pid):
            return running
        time.sleep(0.1)
    raise TctfmsgError(
        f"the embedded stack (pid {running.pid}) did not stop within {STOP_TIMEOUT_S:.0f}s",
        f"see {directory / state.LOG_FILE}",
    )


def _repaired(directory: Path, running: StackState) -> tuple[str, ...]:
    """Waits while the daemon's supervisor restarts what is dead; returns what was."""
    dead = supervisor.dead(directory, running.pid)
    deadline = time.monotonic() + START_TIMEOUT_S
    while supervisor.dead(directory, running.pid):
        if time.monotonic() > deadline or not state.is_daemon(running.pid):
            raise TctfmsgError(
                f"the embedded stack could not restart {', '.join(dead)}",
                f"see {directory / state.LOG_FILE}; `tctfmsg local down` then `up` restarts all",
            )
        time.sleep(0.1)
    return tuple(dead)


def _wait_ports_free(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    ports = components.ports(port).values()
    while time.monotonic() < deadline and not all(_port_free(p) for p in ports):
        time.sleep(0.1)


def _wait_ready(directory: Path, process: subprocess.Popen[bytes], log: Path) -> StackState:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        ready = state.read(directory)
        if ready and ready.pid == process.pid:
            return ready
        if process.poll() is not None:
            raise TctfmsgError(
                f"the embedded stack failed to start: {_fatal_line(log)}",
                f"see {log}; `tctfmsg local up --reset` starts from empty state",
            )
        time.sleep(0.1)
    process.terminate()
    raise TctfmsgError(
        f"the embedded stack did not become ready in {START_TIMEOUT_S:.0f}s", f"see {log}"
    )


def _fatal_line(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines()
    fatal = [line.removeprefix("FATAL: ") for line in lines if line.startswith("FATAL: ")]
    return fatal[-1] if fatal else (lines[-1] if lines else "no output")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
