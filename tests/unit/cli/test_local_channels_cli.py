"""`tctfmsg local outbox --channel` and `local fault sms|whatsapp|push` at the door: the
providers' control API is a stand-in (which endpoint is asked is still decided by the real
`control.endpoint`), so no socket opens."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tctfmsg.local import state as stack_state
from tctfmsg.local.providers import control
from tests.support.cli_roots import error_line
from tests.support.local_fakes import RUNNING, FakeProviderControl, received
from tests.unit.cli.conftest import Cli

WITH_CHANNELS = dataclasses.replace(
    RUNNING,
    endpoints={
        **RUNNING.endpoints,
        "sms": "http://127.0.0.1:6206",
        "whatsapp": "http://127.0.0.1:6207",
        "push": "http://127.0.0.1:6208",
    },
)


class ChannelControl(FakeProviderControl):
    """The fake control API, plus `unregister`, and records tagged with their channel as the
    real `control.outbox` tags them."""

    unregistered: list[str]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> ChannelControl:
        super().install(monkeypatch)
        self.unregistered = []
        monkeypatch.setattr(control, "unregister", self.unregister)
        return self

    def outbox(self, stack: control.StackAccess, provider: str) -> list[dict[str, Any]]:
        channel = "email" if provider in control.PROVIDERS else provider
        return [{"channel": channel, **m} for m in super().outbox(stack, provider)]

    def unregister(self, stack: control.StackAccess, token: str) -> dict[str, Any]:
        self.calls.append(("unregister", control.endpoint(stack.running, "push"), token))
        self.unregistered.append(token)
        return {"provider": "fcm", "unregistered": token}


def sms(to: str, at: float) -> dict[str, Any]:
    return {
        "provider": "end-user-messaging-sms",
        "received_at": at,
        "to": to,
        "type": "mfa_code",
        "text": "Your code is 123456",
        "id": "s-1",
    }


@pytest.fixture
def channels(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> ChannelControl:
    where = cli.settings.local_dir
    stack_state.ensure_credentials(where)
    monkeypatch.setattr(
        stack_state, "running", lambda d: WITH_CHANNELS if Path(d) == where else None
    )
    return ChannelControl(
        outboxes={
            "ses": [received("ses", "ada@example.com", 30.0)],
            "sms": [sms("+447700900123", 20.0)],
            "push": [
                {"provider": "fcm", "received_at": 10.0, "to": "tok", "type": "mfa_code", "id": "p"}
            ],
        }
    ).install(monkeypatch)


def test_outbox_shows_every_channel_oldest_first_each_saying_its_channel(
    cli: Cli, channels: ChannelControl
) -> None:
    result = cli("local", "outbox", "--json")

    assert result.exit_code == 0, result.output
    messages = json.loads(result.stdout)
    assert [(m["channel"], m["provider"], m["to"]) for m in messages] == [
        ("push", "fcm", "tok"),
        ("sms", "end-user-messaging-sms", "+447700900123"),
        ("email", "ses", "ada@example.com"),
    ]
    assert [c[1] for c in channels.calls] == [
        WITH_CHANNELS.endpoints[n] for n in ("ses", "resend", "sendgrid", "sms", "whatsapp", "push")
    ]


def test_outbox_channel_asks_only_that_channels_endpoints(
    cli: Cli, channels: ChannelControl
) -> None:
    only_sms = cli("local", "outbox", "--channel", "sms", "--json")
    only_email = cli("local", "outbox", "--channel", "email", "--json")

    [message] = json.loads(only_sms.stdout)
    assert message["channel"] == "sms" and message["type"] == "mfa_code"
    assert [m["channel"] for m in json.loads(only_email.stdout)] == ["email"]
    assert [c[1] for c in channels.calls] == [
        WITH_CHANNELS.endpoints[n] for n in ("sms", "ses", "resend", "sendgrid")
    ]


def test_outbox_table_shows_channel_type_and_text(cli: Cli, channels: ChannelControl) -> None:
    result = cli("local", "outbox", "--channel", "sms")

    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "+447700900123" in line)
    assert "sms" in row and "mfa_code" in row and "Your code is 123456" in row
    assert result.stdout.strip().endswith("1 message")


def test_outbox_of_an_unknown_channel_is_one_line_and_asks_nothing(
    cli: Cli, channels: ChannelControl
) -> None:
    line = error_line(cli("local", "outbox", "--channel", "pigeon"))

    assert "unknown channel 'pigeon'" in line and "email, sms, whatsapp, push" in line
    assert channels.calls == []


@pytest.mark.parametrize("name", ["sms", "whatsapp", "push"])
@pytest.mark.parametrize(
    ("options", "mode", "slow_ms"),
    [(["--down"], "down", 0), (["--throttle"], "throttle", 0), (["--up"], "up", 0)],
)
def test_fault_switches_a_channels_endpoint(
    cli: Cli, channels: ChannelControl, name: str, options: list[str], mode: str, slow_ms: int
) -> None:
    result = cli("local", "fault", name, *options)

    assert result.exit_code == 0, result.output
    assert channels.calls[-1] == ("set_fault", WITH_CHANNELS.endpoints[name], mode, str(slow_ms))
    assert result.stdout.strip() == f"{name} is now {mode}"


def test_fault_slow_delays_sms_answers(cli: Cli, channels: ChannelControl) -> None:
    result = cli("local", "fault", "sms", "--slow", "300")

    assert result.exit_code == 0, result.output
    assert channels.faults["sms"] == {"mode": "up", "slow_ms": 300}
    assert "sms is now up, answers delayed 300 ms" in result.stdout


def test_unregister_makes_push_answer_unregistered_for_that_token(
    cli: Cli, channels: ChannelControl
) -> None:
    result = cli("local", "fault", "push", "--unregister", "dead-token")

    assert result.exit_code == 0, result.output
    assert channels.calls == [("unregister", WITH_CHANNELS.endpoints["push"], "dead-token")]
    assert "push now answers UNREGISTERED for dead-token" in result.stdout


@pytest.mark.parametrize(
    "args", [["sms", "--unregister", "t"], ["push", "--unregister", "t", "--down"]]
)
def test_unregister_is_for_push_alone(cli: Cli, channels: ChannelControl, args: list[str]) -> None:
    line = error_line(cli("local", "fault", *args))

    assert "--unregister TOKEN is for push alone" in line
    assert channels.calls == [] and channels.unregistered == []
