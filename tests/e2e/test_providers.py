"""The email backbone on the embedded stack, as an operator drives it: `providers …` and
`local outbox|fault`. Every test leaves the providers up, enabled and closed."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest

PROVIDERS = ("ses", "resend", "sendgrid")


@pytest.fixture
def providers(stack) -> Iterator[object]:
    """The stack with every provider up, enabled and closed (whatever ran before); afterwards
    the same, with the configuration as it was. Done in-process: a CLI call costs 0.5 s."""
    from tctfmsg.local import state
    from tctfmsg.local.providers import control
    from tests.support.stacks import campaigns_root

    runtime = campaigns_root(home=stack.home, local_port=stack.port)
    backbone = runtime.email.backbone
    before = {c.name: c for c in backbone.config_store.load()}

    def healthy() -> None:
        stack_state = state.running(runtime.settings.local_dir)
        assert stack_state is not None
        running = control.access(runtime.settings.local_dir, stack_state)
        for name in PROVIDERS:
            control.set_fault(running, name, "up")
            backbone.config_store.update(
                name, enabled=True, reset_timeout_s=before[name].reset_timeout_s
            )
            backbone.storages[name].reset()

    healthy()
    # long enough that a breaker opened by a test stays open while slow CLI calls look at it
    backbone.config_store.update("ses", reset_timeout_s=60.0)
    try:
        yield stack
    finally:
        healthy()


def send_test(stack, to: str) -> dict:
    result = stack.cli("providers", "test", "--to", to, "--json", check=True)
    return json.loads(result.stdout)


def listing(stack) -> dict[str, dict]:
    rows = json.loads(stack.cli("providers", "list", "--json", check=True).stdout)
    return {row["name"]: row for row in rows}


def outbox(stack, to: str) -> list[dict]:
    return json.loads(stack.cli("local", "outbox", "--to", to, "--json", check=True).stdout)


def address() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}@example.com"


def test_stack_serves_the_three_provider_endpoints(stack) -> None:
    status = json.loads(stack.cli("local", "status", "--json", check=True).stdout)

    for name in PROVIDERS:
        assert status["endpoints"][name].startswith("http://127.0.0.1:")


def test_providers_list_shows_order_rate_and_closed_breakers(providers) -> None:
    rows = json.loads(providers.cli("providers", "list", "--json", check=True).stdout)

    assert [r["name"] for r in rows] == list(PROVIDERS)
    assert all(r["enabled"] and r["breaker"] == "closed" and r["rate_per_s"] > 0 for r in rows)
    table = providers.cli("providers", "list", check=True).stdout
    assert "ses" in table and "closed" in table


def test_healthy_backbone_sends_through_ses(providers) -> None:
    to = address()

    receipt = send_test(providers, to)

    assert receipt["provider"] == "ses"
    [received] = outbox(providers, to)
    assert received["provider"] == "ses" and received["id"] == receipt["message_id"]


def test_ses_outage_moves_traffic_to_resend_and_back_after_up(providers) -> None:
    providers.cli("local", "fault", "ses", "--down", check=True)
    sent = [address() for _ in range(4)]

    receipts = [send_test(providers, to) for to in sent]
    during = listing(providers)

    assert {r["provider"] for r in receipts} == {"resend"}
    assert receipts[-1]["attempts"][0] == "ses: breaker open"
    assert during["ses"]["breaker"] == "open"
    assert "503" in during["ses"]["last_error"]
    for to in sent:  # delivered exactly once: never by SES, never twice by Resend
        assert [m["provider"] for m in outbox(providers, to)] == ["resend"]

    providers.cli("local", "fault", "ses", "--up", check=True)
    providers.cli("providers", "configure", "ses", "--reset-timeout", "1", check=True)
    time.sleep(1.2)  # past the reset timeout: the next send is SES's trial
    back = send_test(providers, address())

    assert back["provider"] == "ses"
    assert listing(providers)["ses"]["breaker"] == "closed"


def test_reset_closes_an_open_breaker_so_ses_is_tried_again(providers) -> None:
    providers.cli("local", "fault", "ses", "--down", check=True)
    for _ in range(3):
        send_test(providers, address())
    assert listing(providers)["ses"]["breaker"] == "open"

    result = providers.cli("providers", "reset", "ses", check=True)
    receipt = send_test(providers, address())

    assert "closed" in result.stdout
    assert receipt["attempts"][0].startswith("ses: ServiceUnavailable")


def test_disabled_provider_gets_no_traffic_until_enabled(providers) -> None:
    providers.cli("providers", "disable", "ses", check=True)

    disabled = send_test(providers, address())
    providers.cli("providers", "enable", "ses", check=True)
    enabled = send_test(providers, address())

    assert disabled["provider"] == "resend" and disabled["attempts"] == ["resend: delivered"]
    assert enabled["provider"] == "ses"


def test_throttled_resend_fails_over_to_sendgrid(providers) -> None:
    providers.cli("providers", "disable", "ses", check=True)
    providers.cli("local", "fault", "resend", "--throttle", check=True)
    to = address()

    receipt = send_test(providers, to)

    assert receipt["provider"] == "sendgrid"
    assert receipt["attempts"][0] == "resend: rate_limit_exceeded (429)"
    assert listing(providers)["resend"]["rest_until"] is not None
    assert [m["provider"] for m in outbox(providers, to)] == ["sendgrid"]


def test_every_provider_down_is_one_error_line(providers) -> None:
    for name in PROVIDERS:
        providers.cli("local", "fault", name, "--down", check=True)

    result = providers.cli("providers", "test", "--to", address())

    assert result.returncode == 1
    assert "no email provider is available" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("providers", "enable", "mailgun"),
        ("providers", "reset", "mailgun"),
        ("providers", "test", "--to", "not-an-address"),
        ("providers", "configure", "ses"),
        ("local", "fault", "ses"),
        ("local", "fault", "ses", "--down", "--up"),
        ("local", "fault", "mailgun", "--down"),
        ("local", "outbox", "--provider", "mailgun"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(stack, args) -> None:
    result = stack.cli(*args)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_outbox_filters_by_provider_and_recipient(providers) -> None:
    to = address()
    send_test(providers, to)

    table = providers.cli("local", "outbox", "--provider", "ses", "--to", to, check=True).stdout
    other = providers.cli("local", "outbox", "--provider", "resend", "--to", to, "--json")

    assert to in table and "1 message" in table
    assert json.loads(other.stdout) == []
