"""scripts/install-system-deps waits for a busy package manager, then gives up with one line.

The script's functions run against lock files the test holds the way apt does (fcntl record
locks), with seconds-long limits; `apt-get` is a stand-in on PATH, so nothing is installed."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "install-system-deps"


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    path = tmp_path / "lock-frontend"
    path.touch()
    return path


@pytest.fixture
def held(lock: Path) -> Iterator[Path]:
    with lock.open("w") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX)  # as dpkg and apt take theirs
        yield lock


@pytest.fixture
def fake_apt(tmp_path: Path) -> Path:
    """An `apt-get` that only records how it was called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "apt-get"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "apt-calls"}\n')
    fake.chmod(0o755)
    return tmp_path / "apt-calls"


def run(function: str, lock: Path, *, wait_s: int, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        "TCTFMSG_APT_LOCKS": f"{lock} {tmp_path / 'no-such-lock'}",
        "TCTFMSG_APT_LOCK_WAIT_S": str(wait_s),
        "TCTFMSG_APT_LOCK_POLL_S": "1",
    }
    return subprocess.run(
        ["bash", "-c", f'source "{SCRIPT}" && {function}'],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_free_package_manager_is_not_waited_for(lock, tmp_path):
    started = time.monotonic()
    result = run("wait_for_package_lock", lock, wait_s=5, tmp_path=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ""
    assert time.monotonic() - started < 5


def test_a_lock_held_too_long_ends_in_one_clear_line_after_the_wait(held, tmp_path):
    started = time.monotonic()
    result = run("wait_for_package_lock", held, wait_s=2, tmp_path=tmp_path)
    assert result.returncode == 1
    assert time.monotonic() - started >= 2
    assert result.stderr.splitlines() == [
        f"waiting for the package manager: another install holds {held} (up to 2s)…",
        f"error: the package manager is still busy after 2s ({held} is held) — let it finish "
        "(see: ps -C apt-get,apt,dpkg,unattended-upgr), then run this again",
    ]


def test_the_wait_ends_as_soon_as_the_lock_is_released(lock, tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'w'); fcntl.lockf(f, fcntl.LOCK_EX);"
            " print('held', flush=True); time.sleep(1.5)",
            str(lock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        result = run("wait_for_package_lock", lock, wait_s=20, tmp_path=tmp_path)
    finally:
        holder.wait(timeout=10)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"waiting for the package manager: another install holds {lock} (up to 20s)…"
    ]


def test_apt_get_is_not_run_while_the_lock_stays_held(held, fake_apt, tmp_path):
    result = run("apt_get update -qq", held, wait_s=1, tmp_path=tmp_path)
    assert result.returncode == 1
    assert not fake_apt.exists()


def test_apt_get_runs_with_its_own_lock_timeout_once_the_lock_is_free(lock, fake_apt, tmp_path):
    result = run("apt_get update -qq", lock, wait_s=7, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert fake_apt.read_text() == "-o DPkg::Lock::Timeout=7 update -qq\n"
