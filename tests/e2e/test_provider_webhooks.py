"""Resend's and SendGrid's reports on the embedded stack, through the same door as in AWS: the
local provider, told to bounce or complain for an address, posts its signed webhook to the
stack's web endpoint; the provider_webhooks function verifies it and queues the event; the
provider_events function marks the subscriber and suppresses the address. A webhook that is
not signed with the provider's key is refused there and changes nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests

from tests.e2e.conftest import Stack
from tests.e2e.helpers import as_json, send_campaign, wait_for

TIMEOUT = 10


def _faults(stack: Stack, mode: str, *providers: str) -> None:
    for provider in providers:
        stack.cli("local", "fault", provider, f"--{mode}", check=True)
        if mode == "up":
            stack.cli("providers", "reset", provider, check=True)


def _suppressed(stack: Stack, reason: str) -> dict[str, str]:
    listed = as_json(stack, "suppression", "list", "--reason", reason)["suppressions"]
    return {entry["address"]: entry["source"] for entry in listed}


def test_signed_webhooks_from_resend_and_sendgrid_suppress_and_forged_ones_are_refused(
    fresh_stack: Stack, tmp_path: Path
) -> None:
    stack = fresh_stack
    complaining, bouncing, fine = (
        "complaining@example.com",
        "bouncing@example.com",
        "fine@example.com",
    )
    status = as_json(stack, "local", "status")
    routes = {r["route"]: r["url"] for r in status["http_routes"]}
    assert {"POST /webhooks/resend", "POST /webhooks/sendgrid"} <= set(routes)

    # Forged: no signature, and a signature made with another key. Refused, nothing queued.
    body = json.dumps(
        {"type": "email.complained", "created_at": "2026-11-30T12:00:00.000Z",
         "data": {"email_id": "x", "to": [fine], "from": "news@tctfmsg.local"}}
    )  # fmt: skip
    unsigned = requests.post(routes["POST /webhooks/resend"], data=body, timeout=TIMEOUT)
    forged = requests.post(
        routes["POST /webhooks/resend"],
        data=body,
        headers={
            "svix-id": "msg_forged",
            "svix-timestamp": str(int(time.time())),
            "svix-signature": "v1,bm90IHRoZSBrZXk=",
        },
        timeout=TIMEOUT,
    )
    sendgrid_forged = requests.post(
        routes["POST /webhooks/sendgrid"],
        data=json.dumps([{"email": fine, "event": "spamreport", "timestamp": 1}]),
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": "MEUCIQDforged",
            "X-Twilio-Email-Event-Webhook-Timestamp": str(int(time.time())),
        },
        timeout=TIMEOUT,
    )
    assert (unsigned.status_code, forged.status_code, sendgrid_forged.status_code) == (
        401,
        401,
        401,
    )

    source = tmp_path / "webhooks.csv"
    source.write_text(f"email,name\n{complaining},Complaining\n{bouncing},Bouncing\n{fine},Fine\n")
    stack.cli("subscriber", "import", str(source), "--list", "e2e-webhooks", check=True)
    stack.cli("local", "fault", "resend", "--complain", complaining, check=True)
    stack.cli("local", "fault", "sendgrid", "--bounce", bouncing, check=True)

    _faults(stack, "down", "ses")  # Resend takes the first campaign
    try:
        first = send_campaign(stack, "e2e-webhooks")
    finally:
        _faults(stack, "up", "ses")
    assert first["counters"]["sent"] == 3
    complained = wait_for("Resend's complaint", lambda: _suppressed(stack, "complained"))
    assert set(complained) == {complaining} and complained[complaining].startswith("resend")

    _faults(stack, "down", "ses", "resend")  # SendGrid takes the second
    try:
        second = send_campaign(stack, "e2e-webhooks")
    finally:
        _faults(stack, "up", "ses", "resend")
    assert (second["counters"]["sent"], second["counters"]["skipped"]) == (2, 1)
    bounced = wait_for("SendGrid's bounce", lambda: _suppressed(stack, "bounced"))
    assert set(bounced) == {bouncing} and bounced[bouncing].startswith("sendgrid")

    statuses = {
        s["email"]: s["status"]
        for s in as_json(stack, "subscriber", "list", "--list", "e2e-webhooks")["subscribers"]
    }
    assert statuses == {complaining: "complained", bouncing: "bounced", fine: "subscribed"}
    third = send_campaign(stack, "e2e-webhooks")
    assert (third["counters"]["sent"], third["counters"]["skipped"]) == (1, 2)
