"""A dead provider event on the embedded stack: `doctor` names it (and the command that lists
it) and exits 1, and `dlq events redrive` sends the event back so the running consumer applies
it (the bounce reaches the suppression list), leaving what is no event behind. (Listing is
checked against moto in tests/integration/events/test_provider_event_dlq.py: each CLI call here
costs seconds.)"""

from __future__ import annotations

import json
import uuid

from tctfmsg.core import resources
from tctfmsg.email.events.model import EventKind, ProviderEvent
from tests.e2e.conftest import Stack
from tests.e2e.helpers import as_json, wait_for


def test_a_dead_bounce_is_reported_and_redriven_to_the_suppression_list(
    stack: Stack,
) -> None:
    address = f"dead-{uuid.uuid4().hex[:8]}@example.com"
    bounce = ProviderEvent("resend", EventKind.BOUNCED, address, f"svix-{address}")
    sqs = stack.aws("sqs")
    dlq = sqs.get_queue_url(
        QueueName=resources.queue("provider_events_dlq").physical_name("local")
    )["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody=bounce.to_json())
    junk = sqs.send_message(QueueUrl=dlq, MessageBody="not an event")["MessageId"]
    try:
        doctor = stack.cli("doctor", "--json")
        assert doctor.returncode == 1, doctor.stdout + doctor.stderr
        (finding,) = [
            f for f in json.loads(doctor.stdout)["findings"] if "provider_events_dlq" in f["what"]
        ]
        assert finding["what"].endswith("see `tctfmsg dlq events list`")
        assert finding["runbook"] == "docs/runbooks/deliverability.md"

        redriven = stack.cli("dlq", "events", "redrive")
        assert redriven.returncode == 1  # the junk stays, and says so
        assert "requeued 1; refused 1" in redriven.stdout
        assert f"refused {junk}: not a provider event" in redriven.stdout

        wait_for(
            "the redriven bounce to reach the suppression list",
            lambda: (
                address
                in [
                    s["address"]
                    for s in as_json(stack, "suppression", "list", "--reason", "bounced")[
                        "suppressions"
                    ]
                ]
            ),
            timeout_s=30,
        )
        depth = sqs.get_queue_attributes(
            QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        assert depth == "1"  # the junk, given back
    finally:
        for message in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
