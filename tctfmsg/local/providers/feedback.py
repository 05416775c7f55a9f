"""What the embedded stack's providers report after a send, as the real ones do: a delivery for
every accepted send, or, for an address a provider is told to bounce or complain for
(`tctfmsg local fault ses --bounce ADDRESS`), that instead. SES publishes its event record to
the events topic (which feeds the provider_events queue); Resend and SendGrid post signed
webhooks to the stack's web endpoint (docs/decisions/0077). The reports leave through one
worker queue per provider (local/providers/reports.py)."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import requests

from tctfmsg.email.events import resend, sendgrid

log = logging.getLogger("tctfmsg.local.providers")

Kind = Literal["bounce", "complain", "delivery"]
Rule = Literal["bounce", "complain"]
KINDS: tuple[str, ...] = ("bounce", "complain", "none")  # what an address can be told to do
Report = tuple[Kind, dict[str, Any]]  # what happened, and the outbox record of the send
Publish = Callable[[Sequence[Report]], None]
SNS_BATCH = 10  # PublishBatch's limit
SENDGRID_BATCH = 100  # SendGrid posts its events in arrays


class FeedbackRules:
    """Which addresses bounce or complain, by case-folded address."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._lock = threading.Lock()

    def set(self, address: str, kind: str) -> None:
        with self._lock:
            if kind == "none":
                self._rules.pop(address.strip().lower(), None)
            elif kind in ("bounce", "complain"):
                self._rules[address.strip().lower()] = kind  # type: ignore[assignment]

    def get(self, address: str) -> Rule | None:
        with self._lock:
            return self._rules.get(address.strip().lower())

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self._rules)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _since_ms(received_at: object) -> int:
    if not isinstance(received_at, int | float):
        return 0
    return max(0, int((time.time() - received_at) * 1000))


def ses_record(kind: Kind, sent: dict[str, Any]) -> dict[str, Any]:
    """The event record SES publishes for this send, as its documentation shows it."""
    to, now = str(sent["to"]), _now()
    mail = {
        "timestamp": now,
        "source": sent.get("sender") or "",
        "sendingAccountId": "123456789012",
        "messageId": sent.get("id") or "",
        "destination": [to],
        "headersTruncated": False,
        "tags": {name: [value] for name, value in (sent.get("tags") or {}).items()},
    }
    feedback = f"local-{uuid.uuid4()}"
    if kind == "delivery":
        return {
            "eventType": "Delivery",
            "mail": mail,
            "delivery": {
                "timestamp": now,
                "processingTimeMillis": _since_ms(sent.get("received_at")),
                "recipients": [to],
                "smtpResponse": "250 2.6.0 Message received",
                "reportingMTA": "local.tctfmsg",
            },
        }
    if kind == "bounce":
        return {
            "eventType": "Bounce",
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": to,
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown (local fault)",
                    }
                ],
                "timestamp": now,
                "feedbackId": feedback,
                "reportingMTA": "dsn; local.tctfmsg",
            },
            "mail": mail,
        }
    return {
        "eventType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": to}],
            "timestamp": now,
            "feedbackId": feedback,
            "complaintFeedbackType": "abuse",
        },
        "mail": mail,
    }


RESEND_TYPES = {
    "bounce": "email.bounced",
    "complain": "email.complained",
    "delivery": "email.delivered",
}
SENDGRID_EVENTS = {"bounce": "bounce", "complain": "spamreport", "delivery": "delivered"}


def resend_payload(kind: Kind, sent: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "created_at": _now(),
        "email_id": sent.get("id") or "",
        "from": sent.get("sender") or "",
        "to": [sent["to"]],
        "subject": sent.get("subject") or "",
        "tags": dict(sent.get("tags") or {}),
    }
    if kind == "bounce":
        data["bounce"] = {
            "message": "The recipient's mailbox does not exist (local fault).",
            "subType": "General",
            "type": "Permanent",
        }
    return {
        "type": RESEND_TYPES[kind],
        "created_at": _now(),
        "data": data,
    }


def sendgrid_event(kind: Kind, sent: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = {
        "email": sent["to"],
        "timestamp": int(time.time()),
        "event": SENDGRID_EVENTS[kind],
        "sg_event_id": uuid.uuid4().hex,
        "sg_message_id": f"{sent.get('id') or ''}.filterdrecv-local-1",
        **(sent.get("tags") or {}),  # custom_args come back as top-level fields
    }
    if kind == "bounce":
        event |= {"type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 user unknown"}
    if kind == "delivery":
        event |= {"response": "250 OK", "smtp-id": f"<{sent.get('id') or ''}@local.tctfmsg>"}
    return event


class SnsPublisher:
    """SES's side: each event record published to the topic as SES's event destination does,
    one SNS notification per record (PublishBatch only saves the local calls)."""

    def __init__(self, sns: Any, topic_arn: str) -> None:
        self.sns, self.topic_arn = sns, topic_arn

    def __call__(self, reports: Sequence[Report]) -> None:
        for start in range(0, len(reports), SNS_BATCH):
            entries = [
                {"Id": str(i), "Message": json.dumps(ses_record(kind, sent))}
                for i, (kind, sent) in enumerate(reports[start : start + SNS_BATCH])
            ]
            answer = self.sns.publish_batch(
                TopicArn=self.topic_arn, PublishBatchRequestEntries=entries
            )
            if answer.get("Failed"):
                raise ReportNotTaken(f"SNS refused {len(answer['Failed'])} of {len(entries)}")


class ReportNotTaken(Exception):
    """The topic or the web endpoint did not take a report."""


class WebhookPoster:
    """Resend's or SendGrid's side: the events, signed, posted to the web endpoint: Resend one
    event a request, SendGrid arrays of them."""

    def __init__(self, provider: str, url: str, signing_key: str) -> None:
        self.provider, self.url, self.signing_key = provider, url, signing_key

    def __call__(self, reports: Sequence[Report]) -> None:
        if self.provider == "resend":
            for kind, sent in reports:
                self._post(json.dumps(resend_payload(kind, sent)).encode())
            return
        for start in range(0, len(reports), SENDGRID_BATCH):
            chunk = reports[start : start + SENDGRID_BATCH]
            self._post(json.dumps([sendgrid_event(kind, sent) for kind, sent in chunk]).encode())

    def _post(self, body: bytes) -> None:
        stamp = int(time.time())
        if self.provider == "resend":
            message_id = f"msg_{uuid.uuid4().hex}"
            headers = {
                "svix-id": message_id,
                "svix-timestamp": str(stamp),
                "svix-signature": resend.sign(self.signing_key, message_id, stamp, body),
            }
        else:
            headers = {
                sendgrid.SIGNATURE: sendgrid.sign(self.signing_key, stamp, body),
                sendgrid.TIMESTAMP: str(stamp),
            }
        headers["Content-Type"] = "application/json"
        answer = requests.post(self.url, data=body, headers=headers, timeout=10)
        if answer.status_code != 200:
            raise ReportNotTaken(f"{self.provider} webhook answered {answer.status_code}")
