"""Bounces on the embedded stack, as they would come in AWS: the local SES, told to bounce an
address, publishes SES's event record to the events topic; the provider_events function marks
the subscriber bounced and suppresses the address; a later transactional email to it is
recorded as suppressed, and a second campaign skips it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import Stack
from tests.e2e.helpers import as_json, send_campaign, wait_for


def _subscriber(stack: Stack, address: str) -> dict[str, Any]:
    listed = as_json(stack, "subscriber", "list", "--list", "e2e-bounces")["subscribers"]
    return next(s for s in listed if s["email"] == address)


def test_a_bounce_reaches_the_subscriber_the_suppression_list_and_every_later_send(
    stack: Stack, tmp_path: Path
) -> None:
    bouncing, fine = "bouncing@example.com", "fine@example.com"
    source = tmp_path / "bounces.csv"
    source.write_text(f"email,name\n{bouncing},Bouncing\n{fine},Fine\n")
    stack.cli("subscriber", "import", str(source), "--list", "e2e-bounces", check=True)
    stack.cli("local", "fault", "ses", "--bounce", bouncing, check=True)

    first = send_campaign(stack, "e2e-bounces")
    assert first["counters"]["sent"] == 2  # SES took both; the bounce comes back afterwards

    def suppressed() -> list[dict[str, str]]:  # other tests on this stack suppress others
        found = as_json(stack, "suppression", "list", "--reason", "bounced")["suppressions"]
        return [e for e in found if e["address"] == bouncing]

    (entry,) = wait_for("the bounce to reach the suppression list", suppressed)
    assert entry["source"].startswith("ses:")
    assert _subscriber(stack, bouncing)["status"] == "bounced"
    assert _subscriber(stack, fine)["status"] == "subscribed"

    reset = as_json(
        stack, "notify", "send", "--type", "password_reset", "--user", "e2e-bouncing",
        "--email", bouncing, "--data", '{"reset_url": "https://a.example/r"}', "--wait",
    )  # fmt: skip
    assert reset["status"] == "suppressed"
    assert [(a["channel"], a["outcome"]) for a in reset["attempts"]] == [("email", "suppressed")]

    second = send_campaign(stack, "e2e-bounces")
    assert (second["counters"]["sent"], second["counters"]["skipped"]) == (1, 1)
    outbox = [m["to"] for m in as_json(stack, "local", "outbox")]
    assert outbox.count(bouncing) == 1 and outbox.count(fine) == 2
