"""One embedded stack per test session (and one per test that asks for a fresh one), on free
ports, in a private home, stopped at the end even when a test or the start fails."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.ports import free_base_port
from tests.support.stacks import stop_stack


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

    def aws(self, service: str, endpoint: str = "aws", secret: str | None = None) -> Any:
        """A boto3 client signed with this stack's own keys (or with `secret` instead)."""
        import boto3
        from botocore.config import Config

        from tctfmsg.local import state
        from tctfmsg.local.components import PORT_OFFSETS

        keys = state.credentials(self.home / "local")
        assert keys is not None, "the stack generated no credentials"
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{self.port + PORT_OFFSETS[endpoint]}",
            region_name="us-east-1",
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=secret or keys.secret_access_key,
            config=Config(
                retries={"total_max_attempts": 1},
                signature_version="s3v4" if service == "s3" else None,
            ),
        )


@pytest.fixture(scope="package")  # stopped after the last e2e test, not at the session's end
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _started(tmp_path_factory.mktemp("tctfmsg-home"))


@pytest.fixture
def fresh_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of the test's own, for a test that needs state no other test has touched."""
    yield from _started(tmp_path_factory.mktemp("tctfmsg-fresh-home"))


def _started(home: Path, extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    port = free_base_port()
    env = {
        **os.environ,
        "TCTFMSG_HOME": str(home),
        "TCTFMSG_LOCAL_PORT": str(port),
        "TCTFMSG_TARGET": "local",
        "COLUMNS": "200",
        # a short visibility timeout and schedule period, so redelivery and dead-lettering in
        # the campaign tests take seconds
        "TCTFMSG_LOCAL_VISIBILITY_TIMEOUT_S": "3",
        "TCTFMSG_LOCAL_SCHEDULE_S": "5",
        **(extra_env or {}),
    }
    env.pop("TCTFMSG_ENDPOINT_URL", None)
    running = Stack(home, port, env)
    try:
        running.cli("local", "up", check=True)
        yield running
    finally:
        stop_stack(lambda: running.cli("local", "down"), home)
