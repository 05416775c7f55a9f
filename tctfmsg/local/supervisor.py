"""The daemon's watch over its components: one that died is restarted with its state, logged and
counted, and `health.json` in the stack's directory says which are alive, with their restarts
(`local status` shows it; `local up` waits on it to repair a dead one). Decision 0082."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("tctfmsg.local.supervisor")
HEALTH_FILE = "health.json"
CHECK_EVERY_S = 0.5
MAX_BACKOFF_S = 30.0


@dataclass
class Health:
    alive: bool = True
    restarts: int = 0
    pid: int | None = None
    last_restart: str | None = None
    error: str | None = None


@dataclass
class _Watched:
    alive: Callable[[], bool]
    restart: Callable[[], None]
    pid: Callable[[], int | None]
    health: Health
    failures: int = 0
    retry_at: float = 0.0


class Supervisor:
    def __init__(self, home: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.home = home
        self.clock = clock
        self._watched: dict[str, _Watched] = {}

    def watch(
        self,
        name: str,
        alive: Callable[[], bool],
        restart: Callable[[], None],
        pid: Callable[[], int | None] = lambda: None,
    ) -> None:
        self._watched[name] = _Watched(alive, restart, pid, Health(pid=pid()))

    def check(self) -> list[str]:
        """Restarts every watched component that is not alive; returns those restarted."""
        restarted = []
        for name, watched in self._watched.items():
            if watched.alive():
                watched.health.alive, watched.health.pid = True, watched.pid()
                continue
            watched.health.alive = False
            if self.clock() < watched.retry_at:
                continue
            log.error("%s is dead; restarting it (restart %d)", name, watched.health.restarts + 1)
            try:
                watched.restart()
            except Exception as exc:
                watched.failures += 1
                backoff = min(2.0**watched.failures, MAX_BACKOFF_S)
                watched.retry_at = self.clock() + backoff
                watched.health.error = f"restart failed: {exc}"
                log.exception("%s did not restart; trying again in %.0fs", name, backoff)
                continue
            watched.failures, watched.retry_at = 0, 0.0
            watched.health = Health(
                alive=True,
                restarts=watched.health.restarts + 1,
                pid=watched.pid(),
                last_restart=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            log.warning("%s restarted (%d restarts)", name, watched.health.restarts)
            restarted.append(name)
        self.write()
        return restarted

    def report(self) -> dict[str, dict[str, Any]]:
        return {name: asdict(w.health) for name, w in self._watched.items()}

    def write(self) -> None:
        tmp = self.home / f".{HEALTH_FILE}.tmp"
        tmp.write_text(json.dumps({"pid": os.getpid(), "components": self.report()}, indent=2))
        tmp.replace(self.home / HEALTH_FILE)


def read(home: Path, daemon_pid: int) -> dict[str, dict[str, Any]]:
    """The components' health as the daemon last wrote it; a child process that no longer
    exists is dead whatever the file says (the daemon has not looked yet)."""
    try:
        data = json.loads((home / HEALTH_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("pid") != daemon_pid:
        return {}  # written by an earlier daemon
    components: dict[str, dict[str, Any]] = data.get("components", {})
    for health in components.values():
        pid = health.get("pid")
        if health.get("alive") and isinstance(pid, int) and not _exists(pid):
            health["alive"] = False
    return components


def dead(home: Path, daemon_pid: int) -> list[str]:
    return [name for name, h in read(home, daemon_pid).items() if not h.get("alive")]


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child the daemon has not reaped yet is dead too
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True
