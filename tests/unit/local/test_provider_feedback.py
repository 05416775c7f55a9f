"""The local providers' deliveries, bounces and complaints read back exactly as the real ones:
SES's record parses as SES's and has the documented shape, and Resend's and SendGrid's webhooks
verify with the keys the stack holds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tctfmsg.email.events import resend, sendgrid, ses
from tctfmsg.email.events.model import EventKind
from tctfmsg.local.providers import feedback
from tctfmsg.local.providers.feedback import FeedbackRules, WebhookPoster

SENT = {
    "id": "m-1",
    "to": "Ana@Example.com",
    "sender": "news@tctfmsg.local",
    "subject": "Hi",
    "tags": {"campaign_id": "c-1", "type": "campaign"},
}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("bounce", EventKind.BOUNCED),
        ("complain", EventKind.COMPLAINED),
        ("delivery", EventKind.DELIVERED),
    ],
)
def test_the_local_ses_record_reads_as_an_ses_event_with_its_tags(
    kind: feedback.Kind, expected: EventKind
) -> None:
    (event,) = ses.events_from_record(feedback.ses_record(kind, SENT))

    assert (event.kind, event.recipient, event.campaign_id, event.message_id) == (
        expected,
        "Ana@Example.com",
        "c-1",
        "m-1",
    )


class Posted:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, data: bytes, headers: dict[str, str], timeout: float) -> Any:
        self.calls.append((url, data, {k.lower(): v for k, v in headers.items()}))
        return type("Answer", (), {"status_code": 200})()


def test_local_resend_and_sendgrid_webhooks_verify_and_read_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    posted = Posted()
    monkeypatch.setattr(feedback.requests, "post", posted)
    secret = resend.new_secret()
    private, public = sendgrid.new_key_pair()

    WebhookPoster("resend", "http://web/webhooks/resend", secret)([("bounce", SENT)])
    WebhookPoster("sendgrid", "http://web/webhooks/sendgrid", private)([("complain", SENT)])

    (_, resend_body, resend_headers), (_, sg_body, sg_headers) = posted.calls
    now = time.time()
    resend.verify(secret, resend_headers, resend_body, now, 300)
    sendgrid.verify(public, sg_headers, sg_body, now, 300)
    (bounce,) = resend.parse(resend_headers["svix-id"], resend_body)
    (complaint,) = sendgrid.parse(sg_body)
    assert (bounce.kind, bounce.campaign_id) == (EventKind.BOUNCED, "c-1")
    assert (complaint.kind, complaint.campaign_id, complaint.message_id) == (
        EventKind.COMPLAINED,
        "c-1",
        "m-1",
    )


EVENTS = Path(__file__).parents[2] / "events"


def _shape(value: Any) -> Any:
    """The keys of every object, recursively: what a record looks like, not what it says."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_the_local_ses_delivery_record_has_the_documented_delivery_shape() -> None:
    documented = json.loads((EVENTS / "ses" / "delivery.json").read_text())
    record = feedback.ses_record("delivery", {**SENT, "received_at": time.time() - 1.5})

    assert set(record) == set(documented)
    assert _shape(record["delivery"]) == _shape(documented["delivery"])
    assert record["delivery"]["recipients"] == ["Ana@Example.com"]
    assert 1400 <= record["delivery"]["processingTimeMillis"] < 60_000
    assert record["mail"]["tags"]["campaign_id"] == ["c-1"]
    assert set(record["mail"]) <= set(documented["mail"])


def test_local_delivery_webhooks_read_back_as_deliveries_with_the_message_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    posted = Posted()
    monkeypatch.setattr(feedback.requests, "post", posted)
    secret = resend.new_secret()
    private, public = sendgrid.new_key_pair()
    other = {**SENT, "to": "bo@example.com", "id": "m-2"}

    WebhookPoster("resend", "http://web/webhooks/resend", secret)(
        [("delivery", SENT), ("delivery", other)]
    )
    WebhookPoster("sendgrid", "http://web/webhooks/sendgrid", private)(
        [("delivery", SENT), ("delivery", other)]
    )

    resend_calls, sendgrid_calls = posted.calls[:2], posted.calls[2:]
    assert len(sendgrid_calls) == 1  # SendGrid posts an array; Resend one event a request
    for _, body, headers in resend_calls:
        resend.verify(secret, headers, body, time.time(), 300)
        assert json.loads(body)["type"] == "email.delivered"
    delivered = [event for _, body, h in resend_calls for event in resend.parse(h["svix-id"], body)]
    (_, sg_body, sg_headers) = sendgrid_calls[0]
    sendgrid.verify(public, sg_headers, sg_body, time.time(), 300)
    delivered += sendgrid.parse(sg_body)
    assert [(e.provider, e.kind, e.recipient, e.message_id, e.campaign_id) for e in delivered] == [
        ("resend", EventKind.DELIVERED, "Ana@Example.com", "m-1", "c-1"),
        ("resend", EventKind.DELIVERED, "bo@example.com", "m-2", "c-1"),
        ("sendgrid", EventKind.DELIVERED, "Ana@Example.com", "m-1", "c-1"),
        ("sendgrid", EventKind.DELIVERED, "bo@example.com", "m-2", "c-1"),
    ]
    expected = json.loads((EVENTS / "sendgrid" / "events.json").read_text())
    documented = next(e for e in expected if e["event"] == "delivered")
    assert set(json.loads(sg_body)[0]) >= set(documented) - {"category"}


def test_the_local_sns_publisher_sends_one_notification_per_record_in_batches_of_ten() -> None:
    class Sns:
        def __init__(self) -> None:
            self.batches: list[list[dict[str, str]]] = []

        def publish_batch(self, **kwargs: Any) -> dict[str, Any]:
            self.batches.append(kwargs["PublishBatchRequestEntries"])
            return {"Successful": [], "Failed": []}

    sns = Sns()
    sends = [{**SENT, "to": f"r{i}@example.com", "id": f"m-{i}"} for i in range(23)]

    feedback.SnsPublisher(sns, "arn:topic")([("delivery", s) for s in sends])

    assert [len(b) for b in sns.batches] == [10, 10, 3]
    recipients = [
        event.recipient
        for batch in sns.batches
        for entry in batch
        for event in ses.events_from_record(json.loads(entry["Message"]))
    ]
    assert recipients == [s["to"] for s in sends]


def test_feedback_rules_are_by_address_whatever_its_case_and_can_be_lifted() -> None:
    rules = FeedbackRules()

    rules.set("Ana@Example.com", "bounce")
    assert rules.get("ana@example.com") == "bounce"
    rules.set("ana@example.com", "none")
    assert rules.get("ana@example.com") is None
