"""`tctfmsg doctor` on the embedded stack: healthy, it says so and exits 0; with a dead-lettered
campaign message and an open breaker, it names both, each with its runbook, and exits 1."""

from __future__ import annotations

import json
import uuid

from tctfmsg.core import resources


def test_doctor_reports_a_dead_letter_and_an_open_breaker_and_exits_1(fresh_stack) -> None:
    healthy = fresh_stack.cli("doctor", "--json")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert json.loads(healthy.stdout)["findings"] == []

    fresh_stack.cli("providers", "configure", "ses", "--reset-timeout", "600", check=True)
    fresh_stack.cli("local", "fault", "ses", "--down", check=True)
    for _ in range(3):
        to = f"doctor-{uuid.uuid4().hex[:8]}@example.com"
        fresh_stack.cli("providers", "test", "--to", to, check=True)  # resend takes it
    sqs = fresh_stack.aws("sqs")
    dlq = sqs.get_queue_url(QueueName=resources.queue("delivery_dlq").physical_name("local"))
    sqs.send_message(QueueUrl=dlq["QueueUrl"], MessageBody=json.dumps({"campaign_id": "c-doc"}))

    result = fresh_stack.cli("doctor", "--json")
    text = fresh_stack.cli("doctor")

    assert result.returncode == 1 and text.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["services"]["email"]["providers"]["ses"]["breaker"] == "open"
    runbooks = {f["runbook"] for f in report["findings"]}
    # the monitor may or may not have moved it from the queue to a failed-message item yet
    assert "docs/runbooks/dead-letters.md" in runbooks
    assert "docs/runbooks/provider-outage.md" in runbooks
    assert "provider ses breaker is open" in text.stdout
    assert "runbook: docs/runbooks/dead-letters.md" in text.stdout
