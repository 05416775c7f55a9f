"""`tctfmsg local …` at the door: the stack's process control, its state file, its AWS APIs and
the local providers' control API are all stand-ins, so no process starts and no socket opens."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tctfmsg.core import resources
from tctfmsg.core.errors import Conflict
from tctfmsg.local import state as stack_state
from tctfmsg.local import supervisor
from tctfmsg.local.stack import UpResult
from tests.support.cli_roots import error_line
from tests.support.local_fakes import (
    RUNNING,
    SPEC_QUEUES,
    SPEC_SECRETS,
    SPEC_TABLES,
    FakeAwsClients,
    FakeProviderControl,
    RecordingStack,
    received,
    stack_running_in,
)
from tests.unit.cli.conftest import Cli

NOT_RUNNING = "the embedded stack is not running"


# up


def test_up_starts_the_stack_in_the_home_on_the_configured_port(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = RecordingStack().install(monkeypatch)

    result = cli("local", "up")

    assert result.exit_code == 0, result.output
    settings = cli.settings
    assert stack.calls == [("up", (settings.local_dir, settings.local_port), {"reset": False})]
    assert result.stdout.strip() == (
        "embedded stack up at http://127.0.0.1:6200 (pid 4242, empty state)"
    )


def test_up_passes_port_and_reset_and_says_it_restored(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = RecordingStack(UpResult(RUNNING, already_running=False, restored=True))
    stack.install(monkeypatch)

    result = cli("local", "up", "--port", "6300", "--reset")

    assert result.exit_code == 0, result.output
    assert stack.calls == [("up", (cli.settings.local_dir, 6300), {"reset": True})]
    assert "restored saved state" in result.stdout


def test_up_when_already_running_says_so(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    RecordingStack(UpResult(RUNNING, already_running=True, restored=False)).install(monkeypatch)

    result = cli("local", "up")

    assert result.exit_code == 0, result.output
    assert "already running at http://127.0.0.1:6200 (pid 4242)" in result.stdout
    assert "tctfmsg local down" in result.stdout


def test_up_that_cannot_start_is_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    busy = Conflict("port in use on 127.0.0.1: aws (5566)", "pick other ports with --port")
    RecordingStack(up_answer=busy).install(monkeypatch)

    result = cli("local", "up")

    line = error_line(result)
    assert "port in use on 127.0.0.1: aws (5566)" in line and "--port" in line


def test_up_refuses_a_port_that_is_not_a_number(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = RecordingStack().install(monkeypatch)

    result = cli("local", "up", "--port", "high")

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert stack.calls == []


# down


def test_down_stops_the_stack_and_says_where_its_state_is(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = RecordingStack(down_answer=RUNNING).install(monkeypatch)

    result = cli("local", "down")

    assert result.exit_code == 0, result.output
    assert stack.calls == [("down", (cli.settings.local_dir,), {})]
    printed = result.stdout.replace("\n", "")
    assert "embedded stack stopped (pid 4242)" in printed
    assert str(cli.settings.local_dir / stack_state.SNAPSHOT_FILE) in printed


def test_down_when_nothing_runs_says_so(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    RecordingStack(down_answer=None).install(monkeypatch)

    result = cli("local", "down")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "the embedded stack is not running: nothing to stop"


# status


def test_status_json_reports_every_resource_of_the_spec(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_running_in(monkeypatch, cli.settings.local_dir)
    clients = FakeAwsClients(
        items={"tctfmsg-local-campaigns": 3},
        depths={"tctfmsg-local-delivery": (7, 2)},
    )
    cli.clients = clients

    result = cli("local", "status", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {
        "pid", "started_at", "endpoints", "components", "http_routes", "tables", "queues",
        "secrets", "refused",
    }  # fmt: skip
    routes = {r["route"]: r["url"] for r in report["http_routes"]}
    assert (
        routes["GET /unsubscribe"]
        == routes["POST /unsubscribe"]
        == ("http://127.0.0.1:6210/unsubscribe")
    )
    assert set(routes) == {route for f in resources.FUNCTIONS for route in f.http_routes}
    assert (report["pid"], report["started_at"]) == (4242, RUNNING.started_at)
    assert report["endpoints"] == RUNNING.endpoints
    assert [t["name"] for t in report["tables"]] == [clients.physical(t) for t in SPEC_TABLES]
    items = {t["name"]: t["items"] for t in report["tables"]}
    assert items["tctfmsg-local-campaigns"] == 3 and items["tctfmsg-local-subscribers"] == 0
    assert [q["name"] for q in report["queues"]] == [clients.physical(q) for q in SPEC_QUEUES]
    delivery = next(q for q in report["queues"] if q["name"] == "tctfmsg-local-delivery")
    assert (delivery["visible"], delivery["in_flight"]) == (7, 2)
    assert report["secrets"] == [{"name": clients.physical(s)} for s in SPEC_SECRETS]


def test_status_table_shows_endpoints_and_resources(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_running_in(monkeypatch, cli.settings.local_dir)
    cli.clients = FakeAwsClients(
        items={"tctfmsg-local-campaigns": 3}, depths={"tctfmsg-local-delivery": (7, 2)}
    )

    result = cli("local", "status")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"pid 4242, up since {RUNNING.started_at}" in out
    assert "http://127.0.0.1:6203" in out  # every endpoint is listed
    campaigns = next(line for line in out.splitlines() if "tctfmsg-local-campaigns" in line)
    assert "table" in campaigns and "3 items" in campaigns
    delivery = next(line for line in out.splitlines() if "tctfmsg-local-delivery " in line)
    assert "queue" in delivery and "7 visible, 2 in flight" in delivery
    assert "tctfmsg/local/signing_keys" in out


def test_status_shows_what_each_endpoint_refused(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    stack_running_in(monkeypatch, cli.settings.local_dir)
    cli.clients = FakeAwsClients()
    cli.settings.local_dir.mkdir(parents=True, exist_ok=True)
    (cli.settings.local_dir / "refused-aws.json").write_text('{"missing": 3, "mismatch": 1}')

    human = cli("local", "status")
    as_json = cli("local", "status", "--json")

    assert "refused by aws: mismatch 1, missing 3" in human.stdout
    assert json.loads(as_json.stdout)["refused"] == {"aws": {"missing": 3, "mismatch": 1}}


# env


def test_env_prints_quoted_exports_of_the_running_stack_s_endpoint_and_keys(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_running_in(monkeypatch, cli.settings.local_dir)
    keys = stack_state.ensure_credentials(cli.settings.local_dir)

    result = cli("local", "env")

    assert result.exit_code == 0, result.output
    exports = dict(
        line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines()
    )
    assert exports["AWS_ENDPOINT_URL"] == RUNNING.endpoint
    assert exports["AWS_ACCESS_KEY_ID"] == keys.access_key_id
    assert exports["AWS_SECRET_ACCESS_KEY"].strip("'") == keys.secret_access_key
    assert exports["AWS_REGION"] == cli.settings.region
    assert exports["TCTFMSG_LOCAL_PORT"] == str(RUNNING.port)


def test_env_quotes_what_a_shell_would_expand(tmp_path: Path) -> None:
    from tctfmsg.local import client_env

    printed = client_env.exports({"TCTFMSG_HOME": "/tmp/a b/$(rm -rf x)'"})

    assert printed == "export TCTFMSG_HOME='/tmp/a b/$(rm -rf x)'\"'\"''\n"


def test_env_without_a_running_stack_is_one_line(cli: Cli) -> None:
    result = cli("local", "env")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert NOT_RUNNING in error_line(result)


def _health(directory: Path, components: dict[str, dict[str, object]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / supervisor.HEALTH_FILE).write_text(
        json.dumps({"pid": RUNNING.pid, "components": components})
    )


def test_status_shows_each_component_alive_or_dead_with_its_restarts(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_running_in(monkeypatch, cli.settings.local_dir)
    cli.clients = FakeAwsClients()
    _health(
        cli.settings.local_dir,
        {
            "aws": {"alive": True, "restarts": 2, "pid": os.getpid()},
            "functions": {"alive": False, "restarts": 0, "pid": None},
        },
    )

    human = cli("local", "status")
    as_json = cli("local", "status", "--json")

    assert human.exit_code == 0, human.output
    aws = [line for line in human.stdout.splitlines() if "│ aws " in line][-1]  # not endpoints
    functions = next(line for line in human.stdout.splitlines() if "│ functions " in line)
    assert "alive" in aws and "2" in aws
    assert "dead" in functions and "0" in functions
    components = json.loads(as_json.stdout)["components"]
    assert {n: (c["alive"], c["restarts"]) for n, c in components.items()} == {
        "aws": (True, 2),
        "functions": (False, 0),
    }


def test_up_over_a_dead_component_says_what_it_repaired(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = UpResult(RUNNING, already_running=True, restored=False, repaired=("aws",))
    RecordingStack(answer).install(monkeypatch)

    result = cli("local", "up")

    assert result.exit_code == 0, result.output
    assert "repaired aws" in result.stdout
    assert "already running" not in result.stdout


# the commands that need a running stack, when none runs


@pytest.mark.parametrize(
    "command", [["status"], ["status", "--json"], ["outbox"], ["fault", "ses", "--down"]]
)
def test_a_command_that_needs_the_stack_says_it_is_not_running(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    provider_control = FakeProviderControl().install(monkeypatch)  # the real state file: none

    result = cli("local", *command)

    line = error_line(result)
    assert NOT_RUNNING in line and "tctfmsg local up" in line
    assert provider_control.calls == []


# outbox


@pytest.fixture
def outboxes(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> FakeProviderControl:
    stack_running_in(monkeypatch, cli.settings.local_dir)
    return FakeProviderControl(
        outboxes={
            "ses": [
                received("ses", "ada@example.com", 30.0),
                received("ses", "bo@example.com", 10.0),
            ],
            "resend": [received("resend", "Ada@Example.com", 20.0, subject="Retry")],
        }
    ).install(monkeypatch)


def test_outbox_lists_every_provider_oldest_first(cli: Cli, outboxes: FakeProviderControl) -> None:
    result = cli("local", "outbox", "--json")

    assert result.exit_code == 0, result.output
    messages = json.loads(result.stdout)
    assert [(m["provider"], m["received_at"]) for m in messages] == [
        ("ses", 10.0), ("resend", 20.0), ("ses", 30.0),
    ]  # fmt: skip
    assert [c[1] for c in outboxes.calls] == [
        RUNNING.endpoints["ses"], RUNNING.endpoints["resend"], RUNNING.endpoints["sendgrid"],
    ]  # fmt: skip


def test_outbox_filters_by_provider_and_by_address_in_any_case(
    cli: Cli, outboxes: FakeProviderControl
) -> None:
    by_provider = cli("local", "outbox", "--provider", "resend", "--json")
    by_address = cli("local", "outbox", "--to", "ADA@example.com", "--json")

    assert [m["provider"] for m in json.loads(by_provider.stdout)] == ["resend"]
    assert outboxes.calls[0] == ("outbox", RUNNING.endpoints["resend"])
    assert [m["received_at"] for m in json.loads(by_address.stdout)] == [20.0, 30.0]


def test_outbox_table_shows_each_message_and_a_count(
    cli: Cli, outboxes: FakeProviderControl
) -> None:
    result = cli("local", "outbox")

    assert result.exit_code == 0, result.output
    retry = next(line for line in result.stdout.splitlines() if "Retry" in line)
    assert "resend" in retry and "Ada@Example.com" in retry and "00:00:20.000" in retry
    assert result.stdout.strip().endswith("3 messages")


def test_outbox_of_an_unknown_provider_is_one_line(cli: Cli, outboxes: FakeProviderControl) -> None:
    result = cli("local", "outbox", "--provider", "mailgun")

    line = error_line(result)
    assert "unknown provider 'mailgun'" in line and "ses, resend, sendgrid" in line


# fault


@pytest.fixture
def faults(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> FakeProviderControl:
    stack_running_in(monkeypatch, cli.settings.local_dir)
    return FakeProviderControl().install(monkeypatch)


@pytest.mark.parametrize(
    ("options", "mode", "slow_ms", "says"),
    [
        (["--down"], "down", 0, "ses is now down"),
        (["--throttle"], "throttle", 0, "ses is now throttle"),
        (["--up"], "up", 0, "ses is now up"),
        (["--down", "--slow", "250"], "down", 250, "ses is now down, answers delayed 250 ms"),
    ],
)
def test_fault_sets_the_mode_asked_for(
    cli: Cli, faults: FakeProviderControl, options: list[str], mode: str, slow_ms: int, says: str
) -> None:
    result = cli("local", "fault", "ses", *options)

    assert result.exit_code == 0, result.output
    assert faults.calls[-1] == ("set_fault", RUNNING.endpoints["ses"], mode, str(slow_ms))
    assert faults.faults["ses"] == {"mode": mode, "slow_ms": slow_ms}
    assert result.stdout.strip() == says


def test_fault_slow_alone_keeps_the_current_mode(cli: Cli, faults: FakeProviderControl) -> None:
    faults.faults["resend"] = {"mode": "throttle", "slow_ms": 0}

    result = cli("local", "fault", "resend", "--slow", "100")

    assert result.exit_code == 0, result.output
    assert faults.faults["resend"] == {"mode": "throttle", "slow_ms": 100}
    assert result.stdout.strip() == "resend is now throttle, answers delayed 100 ms"


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--down", "--throttle"], "choose one of --down, --up, --throttle"),
        (["--down", "--up"], "choose one of --down, --up, --throttle"),
        (["--up", "--slow", "5"], "choose one of --down, --up, --throttle"),
        ([], "say how to misbehave"),
    ],
)
def test_fault_with_no_or_clashing_modes_is_one_line_and_changes_nothing(
    cli: Cli, faults: FakeProviderControl, options: list[str], says: str
) -> None:
    result = cli("local", "fault", "ses", *options)

    assert says in error_line(result)
    assert faults.calls == [] and faults.faults == {}


def test_fault_of_an_unknown_provider_is_one_line(cli: Cli, faults: FakeProviderControl) -> None:
    result = cli("local", "fault", "mailgun", "--down")

    assert "unknown provider 'mailgun'" in error_line(result)
    assert faults.faults == {}


def test_fault_refuses_a_negative_delay(cli: Cli, faults: FakeProviderControl) -> None:
    result = cli("local", "fault", "ses", "--slow", "-1")

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert faults.calls == []
