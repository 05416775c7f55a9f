"""The local providers' bounces and complaints read back exactly as the real ones: SES's record
parses as SES's, and Resend's and SendGrid's webhooks verify with the keys the stack holds."""

from __future__ import annotations

import time
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
    ("kind", "expected"), [("bounce", EventKind.BOUNCED), ("complain", EventKind.COMPLAINED)]
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

    WebhookPoster("resend", "http://web/webhooks/resend", secret)("bounce", SENT)
    WebhookPoster("sendgrid", "http://web/webhooks/sendgrid", private)("complain", SENT)

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


def test_feedback_rules_are_by_address_whatever_its_case_and_can_be_lifted() -> None:
    rules = FeedbackRules()

    rules.set("Ana@Example.com", "bounce")
    assert rules.get("ana@example.com") == "bounce"
    rules.set("ana@example.com", "none")
    assert rules.get("ana@example.com") is None
