"""What the e2e tests do to a running stack again and again: the CLI's JSON, a bounded wait,
a campaign created and sent to the end, and who the local providers sent to."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from tests.e2e.conftest import Stack


def as_json(stack: Stack, *args: str) -> Any:
    return json.loads(stack.cli(*args, "--json", check=True).stdout)


def wait_for(what: str, check: Any, timeout_s: float = 90.0) -> Any:
    """`check()`'s first truthy value, polled twice a second; AssertionError after the time."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def create_campaign(stack: Stack, list_name: str, template: str = "newsletter") -> str:
    created = as_json(
        stack, "campaign", "create", "--name", f"e2e {list_name}", "--template", template,
        "--subject", "Hello", "--list", list_name,
    )  # fmt: skip
    return str(created["campaign_id"])


def send_campaign(stack: Stack, list_name: str, timeout_s: float = 90.0) -> dict[str, Any]:
    """A newsletter to the list, sent now; its status once completed."""
    campaign_id = create_campaign(stack, list_name)
    stack.cli("campaign", "send-now", campaign_id, check=True)
    return dict(
        wait_for(
            f"campaign {campaign_id} to complete",
            lambda: (
                (s := as_json(stack, "campaign", "status", campaign_id))["status"] == "completed"
                and s
            ),
            timeout_s,
        )
    )


def outbox_counts(stack: Stack, emails: list[str]) -> Counter[str]:
    """How many messages each of `emails` received, from every local provider."""
    return Counter(m["to"] for m in as_json(stack, "local", "outbox") if m["to"] in emails)
