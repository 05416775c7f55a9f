"""Campaigns on the embedded stack: the real CLI, the function runtime running the real
handlers from SQS, the local provider endpoints."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Stack
from tests.e2e.helpers import as_json, create_campaign, outbox_counts, wait_for

PROVIDERS = ("ses", "resend", "sendgrid")


def _import(stack: Stack, tmp_path: Path, list_name: str, emails: list[str]) -> None:
    source = tmp_path / f"{list_name}.csv"
    source.write_text("email,name\n" + "".join(f"{e},{e.split('@')[0]}\n" for e in emails))
    stack.cli("subscriber", "import", str(source), "--list", list_name, check=True)


def _status(stack: Stack, campaign_id: str) -> dict[str, Any]:
    return dict(as_json(stack, "campaign", "status", campaign_id))


def test_campaign_sends_each_subscriber_once_and_skips_the_unsubscribed(
    stack: Stack, tmp_path: Path
) -> None:
    emails = [f"reader{i}@example.com" for i in range(6)]
    _import(stack, tmp_path, "e2e-readers", emails)
    stack.cli("subscriber", "unsubscribe", emails[0], check=True)
    campaign_id = create_campaign(stack, "e2e-readers")

    stack.cli("campaign", "send-now", campaign_id, check=True)
    final = wait_for(
        "the campaign to complete",
        lambda: (s := _status(stack, campaign_id))["status"] == "completed" and s,
    )

    assert final["counters"]["targeted"] == 6
    assert (final["counters"]["sent"], final["counters"]["skipped"]) == (5, 1)
    assert outbox_counts(stack, emails) == dict.fromkeys(emails[1:], 1)
    watched = stack.cli("campaign", "status", campaign_id, "--watch", check=True)
    assert "sent 5" in watched.stdout and "completed" in watched.stdout


def test_all_providers_down_dead_letters_then_dlq_retry_delivers_each_once(
    stack: Stack, tmp_path: Path
) -> None:
    emails = [f"patient{i}@example.com" for i in range(3)]
    _import(stack, tmp_path, "e2e-outage", emails)
    campaign_id = create_campaign(stack, "e2e-outage")
    for provider in PROVIDERS:
        stack.cli("local", "fault", provider, "--down", check=True)
    try:
        stack.cli("campaign", "send-now", campaign_id, check=True)
        failed = wait_for(
            "every message in the failed-message table",
            lambda: len(f := as_json(stack, "dlq", "list", "--campaign", campaign_id)) == 3 and f,
            timeout_s=90,
        )
    finally:
        for provider in PROVIDERS:
            stack.cli("local", "fault", provider, "--up", check=True)
            stack.cli("providers", "reset", provider, check=True)

    assert {f["email_key"] for f in failed} == set(emails)
    assert {f["reason"] for f in failed} == {"providers-unavailable"}
    assert outbox_counts(stack, emails) == {}
    stats = as_json(stack, "dlq", "stats")
    assert stats["by_campaign"][campaign_id] == 3

    retried = as_json(stack, "dlq", "retry", "--campaign", campaign_id)
    assert len(retried["retried"]) == 3
    wait_for("the retried sends", lambda: sum(outbox_counts(stack, emails).values()) >= 3)
    time.sleep(4)  # longer than a visibility timeout: a duplicate would have arrived by now

    assert outbox_counts(stack, emails) == dict.fromkeys(emails, 1)
    counters = _status(stack, campaign_id)["counters"]
    assert (counters["sent"], counters["failed"]) == (3, 0)
    assert as_json(stack, "dlq", "list", "--campaign", campaign_id) == []


def test_illegal_move_names_the_allowed_ones(stack: Stack, tmp_path: Path) -> None:
    _import(stack, tmp_path, "e2e-nobody", ["lonely@example.com"])  # an empty list is refused
    campaign_id = create_campaign(stack, "e2e-nobody")

    result = stack.cli("campaign", "pause", campaign_id)

    assert result.returncode == 1
    assert "is draft and cannot become paused" in result.stderr
    assert "from draft it can become scheduled, cancelled" in result.stderr
    assert "Traceback" not in result.stderr


def _sent_so_far(stack: Stack, campaign_id: str, at_least: int) -> bool:
    return bool(_status(stack, campaign_id)["counters"]["sent"] >= at_least)


@contextmanager
def _paced(stack: Stack, rate_per_s: float) -> Iterator[None]:
    """SES slowed (300 ms a send) and held to a rate for the block, as a real account is: a
    60-recipient campaign then takes long enough to be paused or cancelled half way."""
    before = next(p for p in as_json(stack, "providers", "list") if p["name"] == "ses")
    stack.cli("providers", "configure", "ses", "--rate", str(rate_per_s), check=True)
    stack.cli("local", "fault", "ses", "--slow", "300", check=True)
    try:
        yield
    finally:
        stack.cli("local", "fault", "ses", "--up", check=True)
        stack.cli("providers", "configure", "ses", "--rate", str(before["rate_per_s"]), check=True)


def test_pause_mid_send_then_resume_sends_each_once_and_counts_add_up(
    stack: Stack, tmp_path: Path
) -> None:
    emails = [f"pauser{i:02d}@example.com" for i in range(60)]
    _import(stack, tmp_path, "e2e-pause", emails)
    campaign_id = create_campaign(stack, "e2e-pause")
    with _paced(stack, rate_per_s=4):
        stack.cli("campaign", "send-now", campaign_id, check=True)
        wait_for("the first sends", lambda: _sent_so_far(stack, campaign_id, 3))
        paused = as_json(stack, "campaign", "pause", campaign_id)
        time.sleep(2)  # a send already under way finishes; waiting ones are withdrawn
        during_pause = sum(outbox_counts(stack, emails).values())
        time.sleep(4)

        assert paused["status"] == "paused"
        assert sum(outbox_counts(stack, emails).values()) == during_pause < 60
        stack.cli("campaign", "resume", campaign_id, check=True)
        final = wait_for(
            "the campaign to complete",
            lambda: (s := _status(stack, campaign_id))["status"] == "completed" and s,
            timeout_s=90,
        )

    assert outbox_counts(stack, emails) == dict.fromkeys(emails, 1)
    counters = final["counters"]
    assert counters["sent"] == counters["targeted"] == 60
    assert counters["failed"] == counters["skipped"] == counters["cancelled"] == 0


def test_cancel_mid_send_marks_the_rest_cancelled_and_sends_nothing_more(
    stack: Stack, tmp_path: Path
) -> None:
    emails = [f"canceller{i:02d}@example.com" for i in range(60)]
    _import(stack, tmp_path, "e2e-cancel", emails)
    campaign_id = create_campaign(stack, "e2e-cancel")
    with _paced(stack, rate_per_s=4):
        stack.cli("campaign", "send-now", campaign_id, check=True)
        wait_for("the first sends", lambda: _sent_so_far(stack, campaign_id, 3))
        stack.cli("campaign", "cancel", campaign_id, check=True)
        time.sleep(2)  # a send already under way finishes; waiting ones are withdrawn
        after_cancel = outbox_counts(stack, emails)
        time.sleep(4)

        assert outbox_counts(stack, emails) == after_cancel
    final = _status(stack, campaign_id)
    counters = final["counters"]
    assert final["status"] == "cancelled"
    assert set(after_cancel.values()) <= {1}
    assert counters["sent"] == sum(after_cancel.values()) < 60
    assert counters["sent"] + counters["cancelled"] == 60
