"""The daemon's supervisor: a dead component is restarted, counted and reported; one that
cannot restart is retried later, not in a tight loop (decision 0082)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tctfmsg.local import supervisor
from tctfmsg.local.supervisor import Supervisor


class FakeComponent:
    def __init__(self, fail_restarts: int = 0) -> None:
        self.running = True
        self.restarts = 0
        self.fail_restarts = fail_restarts

    def alive(self) -> bool:
        return self.running

    def restart(self) -> None:
        if self.fail_restarts:
            self.fail_restarts -= 1
            raise RuntimeError("port still taken")
        self.restarts += 1
        self.running = True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_dead_component_is_restarted_counted_and_reported_alive(tmp_path: Path) -> None:
    runtime, providers = FakeComponent(), FakeComponent()
    watch = Supervisor(tmp_path)
    watch.watch("functions", runtime.alive, runtime.restart)
    watch.watch("email-providers", providers.alive, providers.restart)

    runtime.running = False
    restarted = watch.check()

    assert restarted == ["functions"]
    assert (runtime.restarts, providers.restarts) == (1, 0)
    health = supervisor.read(tmp_path, os.getpid())
    assert health["functions"]["alive"] and health["functions"]["restarts"] == 1
    assert health["email-providers"] == {
        "alive": True, "restarts": 0, "pid": None, "last_restart": None, "error": None,
    }  # fmt: skip


def test_a_component_that_cannot_restart_is_dead_and_retried_after_a_backoff(
    tmp_path: Path,
) -> None:
    aws, clock = FakeComponent(fail_restarts=1), FakeClock()
    watch = Supervisor(tmp_path, clock)
    watch.watch("aws", aws.alive, aws.restart)
    aws.running = False

    watch.check()
    dead = supervisor.dead(tmp_path, os.getpid())
    watch.check()  # too soon: not tried again
    clock.now += 2.0
    watch.check()

    assert dead == ["aws"]
    assert aws.restarts == 1 and aws.running
    assert supervisor.dead(tmp_path, os.getpid()) == []


def test_a_child_process_that_is_gone_reads_as_dead_before_the_daemon_looks(
    tmp_path: Path,
) -> None:
    gone = 2**22 + 12345  # above pid_max's default: no such process
    (tmp_path / supervisor.HEALTH_FILE).write_text(
        json.dumps({"pid": 7, "components": {"aws": {"alive": True, "restarts": 0, "pid": gone}}})
    )

    assert supervisor.dead(tmp_path, daemon_pid=7) == ["aws"]
    assert supervisor.read(tmp_path, daemon_pid=8) == {}  # another daemon's file
