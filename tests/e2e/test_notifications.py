"""Transactional notifications on the embedded stack: the real CLI, the notification worker run
by the function runtime from its own queue, the local SMS endpoint and email providers."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Stack


def _json(stack: Stack, *args: str) -> Any:
    return json.loads(stack.cli(*args, "--json", check=True).stdout)


def _user(stack: Stack, user_id: str, phone: str, email: str) -> None:
    stack.cli("user", "set", user_id, "--phone", phone, "--email", email, check=True)


def test_an_mfa_code_is_delivered_by_sms_and_shown_with_its_attempt(stack: Stack) -> None:
    _user(stack, "e2e-mfa", "+447700900201", "mfa@example.com")

    sent = _json(
        stack, "notify", "send", "--type", "mfa_code", "--user", "e2e-mfa",
        "--data", '{"code": "551177"}', "--wait",
    )  # fmt: skip
    shown = _json(stack, "notify", "show", sent["notification_id"])
    sms = _json(stack, "local", "outbox", "--channel", "sms")

    assert (sent["status"], sent["channel"]) == ("sent", "sms")
    assert [a["outcome"] for a in shown["attempts"]] == ["sent"]
    (record,) = [m for m in sms if m["to"] == "+447700900201"]
    assert record["channel"] == "sms" and record["type"] == "mfa_code"
    assert "551177" in json.dumps(record)


def test_a_repeated_idempotency_key_sends_once_and_another_payload_is_refused(
    stack: Stack,
) -> None:
    _user(stack, "e2e-idem", "+447700900202", "idem@example.com")
    send = (
        "notify", "send", "--type", "password_reset", "--user", "e2e-idem",
        "--idempotency-key", "e2e-reset-1",
    )  # fmt: skip

    first = _json(stack, *send, "--data", '{"reset_url": "https://a.example/r/1"}', "--wait")
    again = _json(stack, *send, "--data", '{"reset_url": "https://a.example/r/1"}', "--wait")
    other = stack.cli(*send, "--data", '{"reset_url": "https://a.example/r/2"}')
    emails = [m for m in _json(stack, "local", "outbox") if m["to"] == "idem@example.com"]
    assert [(m["channel"], m["type"]) for m in emails] == [("email", "password_reset")]

    assert again["notification_id"] == first["notification_id"] and again["repeated"]
    assert other.returncode == 1 and "different request" in other.stderr
    assert len(emails) == 1


def test_every_email_provider_down_sends_account_locked_by_sms(stack: Stack) -> None:
    _user(stack, "e2e-locked", "+447700900203", "locked@example.com")
    for provider in ("ses", "resend", "sendgrid"):
        stack.cli("local", "fault", provider, "--down", check=True)
    try:
        sent = _json(
            stack, "notify", "send", "--type", "account_locked", "--user", "e2e-locked",
            "--data", '{"unlock_url": "https://a.example/unlock"}', "--wait",
        )  # fmt: skip
    finally:
        for provider in ("ses", "resend", "sendgrid"):
            stack.cli("local", "fault", provider, "--up", check=True)
            stack.cli("providers", "reset", provider)

    assert (sent["status"], sent["channel"]) == ("sent", "sms")
    assert [(a["channel"], a["outcome"]) for a in sent["attempts"]] == [
        ("email", "unavailable"),
        ("sms", "sent"),
    ]


def test_an_mfa_code_is_not_held_behind_a_running_campaign(
    fresh_stack: Stack, tmp_path: Path
) -> None:
    stack = fresh_stack
    emails = [f"bulk{i}@example.com" for i in range(1500)]
    source = tmp_path / "bulk.csv"
    source.write_text("email\n" + "".join(f"{e}\n" for e in emails))
    stack.cli("subscriber", "import", str(source), "--list", "bulk", check=True)
    created = _json(
        stack, "campaign", "create", "--name", "bulk", "--template", "newsletter",
        "--subject", "Hello", "--list", "bulk",
    )  # fmt: skip
    _user(stack, "e2e-busy", "+447700900204", "busy@example.com")
    stack.cli("campaign", "send-now", created["campaign_id"], check=True)
    deadline = time.monotonic() + 120
    while _json(stack, "campaign", "status", created["campaign_id"])["counters"]["sent"] < 50:
        assert time.monotonic() < deadline, "the campaign never started sending"
        time.sleep(0.2)

    sent = _json(
        stack, "notify", "send", "--type", "mfa_code", "--user", "e2e-busy",
        "--data", '{"code": "909090"}', "--wait",
    )  # fmt: skip
    campaign = _json(stack, "campaign", "status", created["campaign_id"])

    # the code went out while the newsletter still had most of its list to send: it did not
    # wait for the campaign's queue to drain
    assert (sent["status"], sent["channel"]) == ("sent", "sms")
    assert campaign["status"] == "sending"
    assert campaign["counters"]["sent"] < len(emails) * 0.9
