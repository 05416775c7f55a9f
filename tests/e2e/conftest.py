"""One embedded stack per test session, on free ports, in a private home, stopped at the end."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.ports import free_base_port


@dataclass(frozen=True)
class Stack:
    home: Path
    port: int
    env: dict[str, str]

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """Run the real `tctfmsg` command against this stack."""
        result = subprocess.run(
            [sys.executable, "-m", "tctfmsg", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"tctfmsg {' '.join(args)} failed:\n{result.stderr}")
        return result


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("tctfmsg-home")
    port = free_base_port()
    env = {
        **os.environ,
        "TCTFMSG_HOME": str(home),
        "TCTFMSG_LOCAL_PORT": str(port),
        "TCTFMSG_TARGET": "local",
        "COLUMNS": "200",
    }
    env.pop("TCTFMSG_ENDPOINT_URL", None)
    running = Stack(home, port, env)
    running.cli("local", "up", check=True)
    try:
        yield running
    finally:
        running.cli("local", "down")
