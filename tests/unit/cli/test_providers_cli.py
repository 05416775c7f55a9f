"""`tctfmsg providers …` on an in-memory backbone: config store, breakers, recording sender."""

from __future__ import annotations

import json
import time

import pytest

from tctfmsg.email.message import DEFAULT_CONFIG, AllProvidersUnavailable, SendReceipt
from tests.support.cli_roots import error_line
from tests.support.email_memory import FakeEmailRoot, RecordingSender
from tests.unit.cli.conftest import Cli

ROW_KEYS = {
    "name", "order", "enabled", "rate_per_s", "fail_max", "reset_timeout_s", "breaker",
    "half_opens_in_s", "failures", "last_error", "last_error_at", "rest_until",
}  # fmt: skip


@pytest.fixture
def email(cli: Cli) -> FakeEmailRoot:
    email = FakeEmailRoot()
    cli.email = email
    return email


# list


def test_list_json_is_every_provider_in_priority_order(cli: Cli, email: FakeEmailRoot) -> None:
    email.backbone.config_store.update("sendgrid", order=0, enabled=False)
    now = time.time()
    email.backbone.storages["ses"].trip(now, 5, "ses: outage", now)

    result = cli("providers", "list", "--json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["sendgrid", "ses", "resend"]
    assert all(set(r) == ROW_KEYS for r in rows)
    sendgrid, ses, resend = rows
    assert (sendgrid["order"], sendgrid["enabled"]) == (0, False)
    assert (ses["breaker"], ses["failures"], ses["last_error"]) == ("open", 5, "ses: outage")
    assert 0 < ses["half_opens_in_s"] <= DEFAULT_CONFIG["ses"].reset_timeout_s
    assert (resend["breaker"], resend["half_opens_in_s"]) == ("closed", None)
    assert resend["rate_per_s"] == DEFAULT_CONFIG["resend"].rate_per_s


def test_list_table_shows_breakers_and_last_errors(cli: Cli, email: FakeEmailRoot) -> None:
    now = time.time()
    email.backbone.storages["ses"].trip(now, 5, "outage", now)
    email.backbone.config_store.update("resend", enabled=False)

    result = cli("providers", "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    ses = next(line for line in lines if " ses " in line)
    assert "open (trial in" in ses and "5/5" in ses and "outage at" in ses
    resend = next(line for line in lines if " resend " in line)
    assert " no " in resend and "closed" in resend
    sendgrid = next(line for line in lines if " sendgrid " in line)
    assert " yes " in sendgrid and "100" in sendgrid


# enable, disable


def test_disable_then_enable_change_only_the_named_provider(cli: Cli, email: FakeEmailRoot) -> None:
    store = email.backbone.config_store

    disabled = cli("providers", "disable", "resend")
    assert disabled.exit_code == 0, disabled.output
    assert disabled.stdout.strip() == "resend disabled"
    assert not store.configs["resend"].enabled and store.configs["ses"].enabled

    enabled = cli("providers", "enable", "resend")
    assert enabled.exit_code == 0, enabled.output
    assert enabled.stdout.strip() == "resend enabled (order 2)"
    assert store.updates == [("resend", {"enabled": False}), ("resend", {"enabled": True})]


def test_disabling_the_last_enabled_provider_warns(cli: Cli, email: FakeEmailRoot) -> None:
    cli("providers", "disable", "ses")
    cli("providers", "disable", "resend")

    result = cli("providers", "disable", "sendgrid")

    assert result.exit_code == 0, result.output
    assert "no provider is enabled" in result.stderr


def test_disabling_one_of_several_does_not_warn(cli: Cli, email: FakeEmailRoot) -> None:
    result = cli("providers", "disable", "ses")

    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize(
    "command",
    [
        ["enable", "mailgun"],
        ["disable", "mailgun"],
        ["reset", "mailgun"],
        ["configure", "mailgun", "--rate", "2"],
    ],
)
def test_an_unknown_provider_is_one_line_naming_the_known_ones(
    cli: Cli, email: FakeEmailRoot, command: list[str]
) -> None:
    result = cli("providers", *command)

    line = error_line(result)
    assert "unknown provider 'mailgun'" in line and "ses, resend, sendgrid" in line
    assert email.backbone.config_store.updates == []


# reset


def test_reset_closes_the_breaker_and_says_so(cli: Cli, email: FakeEmailRoot) -> None:
    breaker = email.backbone.storages["ses"]
    breaker.trip(time.time(), 5, "outage", time.time())

    result = cli("providers", "reset", "ses")

    assert result.exit_code == 0, result.output
    assert breaker.resets == 1 and breaker.status().state == "closed"
    assert result.stdout.strip() == "ses breaker closed, 0 failures"
    assert [b.resets for b in email.backbone.storages.values()] == [1, 0, 0]


# configure


def test_configure_stores_every_option_given(cli: Cli, email: FakeEmailRoot) -> None:
    result = cli(
        "providers", "configure", "resend", "--order", "1", "--rate", "2.5",
        "--fail-max", "3", "--reset-timeout", "12",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert email.backbone.config_store.updates == [
        ("resend", {"order": 1, "rate_per_s": 2.5, "fail_max": 3, "reset_timeout_s": 12.0})
    ]
    assert result.stdout.strip() == (
        "resend: order 1, 2.5/s, opens after 3 failures, retries after 12s"
    )


def test_configure_changes_only_what_is_given(cli: Cli, email: FakeEmailRoot) -> None:
    result = cli("providers", "configure", "ses", "--rate", "0")

    assert result.exit_code == 0, result.output
    assert email.backbone.config_store.updates == [("ses", {"rate_per_s": 0.0})]
    ses = email.backbone.config_store.configs["ses"]
    default = DEFAULT_CONFIG["ses"]
    assert (ses.order, ses.fail_max) == (default.order, default.fail_max)


def test_configure_with_nothing_to_change_is_one_line(cli: Cli, email: FakeEmailRoot) -> None:
    result = cli("providers", "configure", "ses")

    assert "nothing to change" in error_line(result)
    assert email.backbone.config_store.updates == []


@pytest.mark.parametrize(
    "option", [["--order", "0"], ["--rate", "-1"], ["--fail-max", "0"], ["--reset-timeout", "0"]]
)
def test_configure_refuses_out_of_range_values(
    cli: Cli, email: FakeEmailRoot, option: list[str]
) -> None:
    result = cli("providers", "configure", "ses", *option)

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert email.backbone.config_store.updates == []


# test


def test_test_sends_one_message_and_names_the_provider(cli: Cli, email: FakeEmailRoot) -> None:
    email.backbone.sender = RecordingSender(
        SendReceipt("resend", "r-1", attempts=("ses: outage", "resend: delivered"))
    )

    result = cli("providers", "test", "--to", "ada@example.com")

    assert result.exit_code == 0, result.output
    (message,) = email.sender.sent
    assert (message.to, message.sender) == ("ada@example.com", cli.settings.sender)
    assert message.subject.startswith("tctfmsg provider test ")
    assert message.tags == {"type": "provider_test"}
    assert result.stdout.splitlines() == [
        "delivered by resend (message id r-1)",
        "attempts: ses: outage; resend: delivered",
    ]


def test_test_json_is_the_receipt_and_honours_from(cli: Cli, email: FakeEmailRoot) -> None:
    email.backbone.sender = RecordingSender(
        SendReceipt("ses", "s-9", attempts=("ses: delivered",), uncertain=("resend",))
    )

    result = cli(
        "providers", "test", "--to", "ada@example.com", "--from", "ops@example.com", "--json"
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "provider": "ses",
        "message_id": "s-9",
        "attempts": ["ses: delivered"],
        "uncertain": ["resend"],
    }
    assert email.sender.sent[0].sender == "ops@example.com"


@pytest.mark.parametrize("to", ["not-an-address", "@example.com", "ada@"])
def test_test_to_an_invalid_address_is_one_line_and_sends_nothing(
    cli: Cli, email: FakeEmailRoot, to: str
) -> None:
    result = cli("providers", "test", "--to", to)

    line = error_line(result)
    assert "is not an email address" in line and "--to" in line
    assert email.sender.sent == []


def test_test_when_every_provider_is_down_is_one_line(cli: Cli, email: FakeEmailRoot) -> None:
    email.backbone.sender = RecordingSender(
        fails_with=AllProvidersUnavailable(("ses: outage", "resend: outage"))
    )

    result = cli("providers", "test", "--to", "ada@example.com")

    line = error_line(result)
    assert "ses: outage" in line and "resend: outage" in line
