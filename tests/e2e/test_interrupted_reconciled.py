"""An interrupted delivery settled from the provider's own event, on the embedded stack as in
AWS: SES answers later than the backbone waits (Resend and SendGrid are down, so no provider
answered) and the consumer records the delivery FAILED `interrupted`; SES had taken the send
all the same, and its Delivery event, through the events topic and the provider_events queue,
settles the delivery as SENT with SES's message id. Nothing offers it for a retry, and the
recipient got exactly one message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tctfmsg.campaigns.adapters.deliveries import DynamoDeliveryLedger
from tctfmsg.campaigns.domain.delivery import DeliveryStatus
from tests.e2e.conftest import Stack, _started
from tests.e2e.helpers import as_json, wait_for

TIMEOUT_S = 1  # the backbone's read timeout on this stack
SLOW_MS = 4000  # SES answers after this: well past the timeout, so the consumer gives up first
LATE = "late@example.com"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("tctfmsg-reconcile-home")
    yield from _started(home, {"TCTFMSG_EMAIL_TIMEOUT_S": str(TIMEOUT_S)})


def _ledger(stack: Stack) -> DynamoDeliveryLedger:
    return DynamoDeliveryLedger("tctfmsg-local-deliveries", stack.aws("dynamodb"))


def test_an_interrupted_delivery_is_settled_as_sent_by_the_providers_delivery_event(
    stack: Stack, tmp_path: Path
) -> None:
    source = tmp_path / "late.csv"
    source.write_text(f"email,name\n{LATE},Late\n")
    stack.cli("subscriber", "import", str(source), "--list", "e2e-late", check=True)
    for provider in ("resend", "sendgrid"):
        stack.cli("local", "fault", provider, "--down", check=True)
    stack.cli("local", "fault", "ses", "--slow", str(SLOW_MS), check=True)
    created = as_json(
        stack, "campaign", "create", "--name", "e2e late", "--template", "newsletter",
        "--subject", "Hello", "--list", "e2e-late",
    )  # fmt: skip
    campaign_id = str(created["campaign_id"])
    ledger = _ledger(stack)

    stack.cli("campaign", "send-now", campaign_id, check=True)

    interrupted = wait_for(
        "the consumer to give the delivery up as interrupted",
        lambda: (d := ledger.get(campaign_id, LATE)) and d.status is DeliveryStatus.FAILED and d,
    )
    assert interrupted.reason and interrupted.reason.startswith("interrupted")
    settled = wait_for(
        "SES's Delivery event to settle it",
        lambda: (d := ledger.get(campaign_id, LATE)) and d.status is DeliveryStatus.SENT and d,
    )
    (sent,) = [m for m in as_json(stack, "local", "outbox") if m["to"] == LATE]
    assert (settled.provider, settled.provider_message_id) == ("ses", sent["id"])
    assert sent["provider"] == "ses"

    final = wait_for(
        "the campaign's counters to say sent",
        lambda: (
            (s := as_json(stack, "campaign", "status", campaign_id))["counters"]["sent"] == 1 and s
        ),
    )
    assert (final["counters"]["failed"], final["status"]) == (0, "completed")
    assert as_json(stack, "campaign", "failures", campaign_id) == []
    assert as_json(stack, "dlq", "list", "--campaign", campaign_id) == []
    (resolved,) = as_json(stack, "dlq", "list", "--campaign", campaign_id, "--state", "resolved")
    assert resolved["reason"] == "interrupted"

    assert [m["to"] for m in as_json(stack, "local", "outbox")].count(LATE) == 1
