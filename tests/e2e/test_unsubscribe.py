"""One-click unsubscribe on the embedded stack: every campaign email, whichever provider sends
it, carries List-Unsubscribe with an https link and a mailto, and List-Unsubscribe-Post; the
link, served by the stack's web endpoint, confirms on GET and unsubscribes on POST; the next
campaign skips whoever left."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import requests

from tests.e2e.conftest import Stack
from tests.e2e.helpers import as_json, send_campaign
from tests.e2e.test_campaign_pipeline import _import

TIMEOUT = 10
_TARGETS = re.compile(r"<([^>]*)>")


def _send(stack: Stack, list_name: str) -> str:
    return str(send_campaign(stack, list_name)["campaign_id"])


def _received(stack: Stack, campaign_id: str) -> list[dict[str, Any]]:
    return [
        m for m in as_json(stack, "local", "outbox") if m["tags"].get("campaign_id") == campaign_id
    ]


def _faults(stack: Stack, mode: str, *providers: str) -> None:
    for provider in providers:
        stack.cli("local", "fault", provider, f"--{mode}", check=True)
        if mode == "up":
            stack.cli("providers", "reset", provider, check=True)


def test_every_provider_carries_both_unsubscribe_forms_and_the_link_unsubscribes(
    fresh_stack: Stack, tmp_path: Path
) -> None:
    stack = fresh_stack
    readers = [f"reader{i}@example.com" for i in range(3)]
    _import(stack, tmp_path, "unsub-e2e", readers)
    status = as_json(stack, "local", "status")
    web = status["endpoints"]["web"]
    assert {"route": "POST /unsubscribe", "function": "campaign_unsubscribe",
            "url": f"{web}/unsubscribe"} in status["http_routes"]  # fmt: skip

    records: dict[str, list[dict[str, Any]]] = {}
    for provider, down in (("ses", ()), ("resend", ("ses",)), ("sendgrid", ("ses", "resend"))):
        _faults(stack, "down", *down)
        try:
            campaign_id = _send(stack, "unsub-e2e")
        finally:
            _faults(stack, "up", *down)
        records[provider] = _received(stack, campaign_id)
        assert {m["provider"] for m in records[provider]} == {provider}
        assert sorted(m["to"] for m in records[provider]) == readers

    for provider, received in records.items():
        for message in received:
            headers = message["headers"]
            https, mailto = _TARGETS.findall(headers["List-Unsubscribe"])
            assert https.startswith(f"{web}/unsubscribe?token="), provider
            assert mailto.startswith("mailto:unsubscribe@") and "subject=unsubscribe" in mailto
            assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    leaving = next(m for m in records["resend"] if m["to"] == readers[0])
    link = _TARGETS.findall(leaving["headers"]["List-Unsubscribe"])[0]

    page = requests.get(link, timeout=TIMEOUT)
    assert page.status_code == 200 and 'method="post"' in page.text
    assert as_json(stack, "subscriber", "show", readers[0])["status"] == "subscribed"

    altered = link[:-1] + ("B" if link[-1] != "B" else "C")
    forged = requests.post(altered, data={"List-Unsubscribe": "One-Click"}, timeout=TIMEOUT)
    assert forged.status_code == 400
    assert as_json(stack, "subscriber", "show", readers[0])["status"] == "subscribed"

    done = requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=TIMEOUT)
    assert done.status_code == 200
    assert as_json(stack, "subscriber", "show", readers[0])["status"] == "unsubscribed"
    assert as_json(stack, "subscriber", "show", readers[1])["status"] == "subscribed"

    after = _send(stack, "unsub-e2e")
    assert sorted(m["to"] for m in _received(stack, after)) == readers[1:]
    assert as_json(stack, "campaign", "status", after)["counters"]["skipped"] == 1
