"""`tctfmsg local up|down|status`: lifecycle, persistence and the operator's error lines.

These tests start their own stacks (not the shared session one) because they stop them."""

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.support.ports import free_base_port
from tests.support.stacks import stop_stack


@pytest.fixture
def private(tmp_path):
    port = free_base_port()
    env = {
        **os.environ,
        "TCTFMSG_HOME": str(tmp_path),
        "TCTFMSG_LOCAL_PORT": str(port),
        "TCTFMSG_TARGET": "local",
        "COLUMNS": "200",
    }
    env.pop("TCTFMSG_ENDPOINT_URL", None)

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "tctfmsg", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    yield cli, port, tmp_path
    stop_stack(lambda: cli("local", "down"), tmp_path)


def test_state_survives_down_then_up(private, tmp_path):
    cli, _, _ = private
    assert cli("local", "up").returncode == 0
    source = tmp_path / "keep.csv"
    source.write_text("email,name\nkeeper@example.com,Keeper\n")
    assert cli("subscriber", "import", str(source), "--list", "k").returncode == 0

    assert cli("local", "down").returncode == 0
    assert cli("subscriber", "list").returncode == 1  # really down
    up = cli("local", "up")
    assert "restored saved state" in up.stdout

    shown = json.loads(cli("subscriber", "show", "keeper@example.com", "--json").stdout)
    assert shown["lists"] == ["k"]


def test_up_reset_starts_empty_and_keeps_the_old_state_aside(private, tmp_path):
    cli, _, home = private
    cli("local", "up")
    source = tmp_path / "gone.csv"
    source.write_text("email\ngone@example.com\n")
    cli("subscriber", "import", str(source))
    cli("local", "down")

    assert "empty state" in cli("local", "up", "--reset").stdout
    assert cli("subscriber", "show", "gone@example.com").returncode == 1
    assert (home / "local" / "snapshot.discarded").exists()


def test_second_up_reports_the_running_stack(private):
    cli, port, home = private
    cli("local", "up")
    pid = json.loads((home / "local" / "stack.json").read_text())["pid"]
    again = cli("local", "up")
    assert again.returncode == 0
    assert f"already running at http://127.0.0.1:{port} (pid {pid})" in again.stdout


def test_status_lists_endpoints_and_every_resource(private):
    cli, port, _ = private
    cli("local", "up")
    status = json.loads(cli("local", "status", "--json").stdout)
    assert status["endpoints"]["aws"] == f"http://127.0.0.1:{port}"
    assert {t["name"] for t in status["tables"]} >= {"tctfmsg-local-subscribers"}
    assert {q["name"] for q in status["queues"]} >= {"tctfmsg-local-delivery-dlq"}


def test_port_in_use_is_one_clear_line(private):
    cli, port, _ = private
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = cli("local", "up")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"port in use on 127.0.0.1: aws ({port})" in line
    assert "--port" in line


def test_commands_needing_the_stack_say_how_to_start_it(private):
    cli, _, _ = private
    result = cli("subscriber", "list")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: the embedded stack is not running — start it with `tctfmsg local up`"
    )
    assert "nothing to stop" in cli("local", "down").stdout
