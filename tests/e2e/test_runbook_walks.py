"""The provider-outage and dead-letter runbooks, walked step by step on the embedded stack with
the commands they give, in their order (docs/decisions/0085). Each step's command is checked to
be in the runbook, so the walk and the page cannot drift apart."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.helpers import as_json, create_campaign, outbox_counts, wait_for

RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks"
PROVIDERS = ("ses", "resend", "sendgrid")


class Runbook:
    def __init__(self, stack: Stack, name: str) -> None:
        self.stack = stack
        self.text = " ".join((RUNBOOKS / name).read_text().split())
        self.name = name

    def step(self, as_written: str, *args: str) -> Any:
        """Runs `args` (JSON out) after checking the runbook gives `as_written`."""
        assert f"`{as_written}" in self.text, f"{self.name} no longer says `{as_written}`"
        return as_json(self.stack, *args)


@pytest.fixture
def healthy_after(stack: Stack) -> Iterator[Stack]:
    """Every provider up, enabled and closed again afterwards, whatever the walk left."""
    try:
        yield stack
    finally:
        for provider in PROVIDERS:
            stack.cli("local", "fault", provider, "--up", check=True)
            stack.cli("providers", "enable", provider, check=True)
            stack.cli("providers", "reset", provider, check=True)


def _address() -> str:
    return f"walk-{uuid.uuid4().hex[:10]}@example.com"


def _test_send(stack: Stack) -> dict[str, Any]:
    return dict(as_json(stack, "providers", "test", "--to", _address()))


def _breakers(stack: Stack) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in as_json(stack, "providers", "list")}


def test_the_provider_outage_runbook_brings_ses_back(healthy_after: Stack) -> None:
    stack = healthy_after
    runbook = Runbook(stack, "provider-outage.md")
    stack.cli("local", "fault", "ses", "--down", check=True)
    wait_for(
        "the ses breaker to open",
        lambda: _test_send(stack) and _breakers(stack)["ses"]["breaker"] == "open",
        timeout_s=60,
    )

    # 1. which provider, since when, the last error
    listing = {r["name"]: r for r in runbook.step("tctfmsg providers list", "providers", "list")}
    assert listing["ses"]["breaker"] == "open" and "503" in listing["ses"]["last_error"]
    # 3. a long outage: no trial sends wasted on it
    stack.cli("providers", "disable", "ses", check=True)
    assert "`tctfmsg providers disable NAME`" in runbook.text
    during = _test_send(stack)
    assert during["provider"] == "resend" and during["attempts"] == ["resend: delivered"]
    # the provider is back: enable it, and 4. close the breaker without waiting for the trial
    stack.cli("local", "fault", "ses", "--up", check=True)
    stack.cli("providers", "enable", "ses", check=True)
    stack.cli("providers", "reset", "ses", check=True)
    assert "`tctfmsg providers enable NAME`" in runbook.text
    assert "`tctfmsg providers reset NAME`" in runbook.text
    # 5. confirm: it says which provider delivered
    confirmed = runbook.step("tctfmsg providers test --to", "providers", "test", "--to", _address())

    assert confirmed["provider"] == "ses"
    assert _breakers(stack)["ses"]["breaker"] == "closed"


def test_the_dead_letter_runbook_retries_what_can_succeed_and_resolves_the_rest(
    healthy_after: Stack, tmp_path: Path
) -> None:
    stack = healthy_after
    runbook = Runbook(stack, "dead-letters.md")
    emails = [_address() for _ in range(3)]
    source = tmp_path / "walk.csv"
    source.write_text("email\n" + "".join(f"{e}\n" for e in emails))
    stack.cli("subscriber", "import", str(source), "--list", "e2e-walk", check=True)
    campaign_id = create_campaign(stack, "e2e-walk")
    for provider in PROVIDERS:
        stack.cli("local", "fault", provider, "--down", check=True)
    stack.cli("campaign", "send-now", campaign_id, check=True)
    wait_for(
        "three dead letters",
        lambda: len(as_json(stack, "dlq", "list", "--campaign", campaign_id)) == 3,
        timeout_s=120,
    )

    # 1. group by reason, then examples of one
    stats = runbook.step("tctfmsg dlq stats", "dlq", "stats")
    assert stats["by_campaign"][campaign_id] == 3
    failed = runbook.step(
        "tctfmsg dlq list --reason R",
        "dlq", "list", "--reason", "providers-unavailable", "--campaign", campaign_id,
    )  # fmt: skip
    assert {f["email_key"] for f in failed} == set(emails)
    # 2. fix the cause: the providers are back
    for provider in PROVIDERS:
        stack.cli("local", "fault", provider, "--up", check=True)
        stack.cli("providers", "reset", provider, check=True)
    # 4. one can never succeed (say its address is gone): resolve it; 3. retry the rest
    gone = next(f for f in failed if f["email_key"] == emails[0])
    stack.cli("dlq", "resolve", gone["failure_id"], check=True)
    assert "`tctfmsg dlq resolve ID…`" in runbook.text
    retried = runbook.step(
        "tctfmsg dlq retry --campaign C", "dlq", "retry", "--campaign", campaign_id
    )
    assert len(retried["retried"]) == 2
    # 5. the counters add up to targeted
    final = wait_for(
        "the campaign to settle",
        lambda: (
            (s := as_json(stack, "campaign", "status", campaign_id))["counters"]["sent"] == 2 and s
        ),
        timeout_s=90,
    )
    assert "`tctfmsg campaign status C`" in runbook.text

    counters = final["counters"]
    assert (counters["sent"], counters["failed"]) == (2, 1)
    assert counters["targeted"] == counters["sent"] + counters["failed"]
    assert outbox_counts(stack, emails) == dict.fromkeys(emails[1:], 1)
    assert as_json(stack, "dlq", "list", "--campaign", campaign_id) == []
    assert json.dumps(as_json(stack, "dlq", "stats")).count(campaign_id) == 0
