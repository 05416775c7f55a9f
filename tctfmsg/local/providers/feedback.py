"""Bounces and complaints on the embedded stack: a local provider told to bounce or complain
for an address (`tctfmsg local fault ses --bounce ADDRESS`) accepts the send as usual, then
reports it the way the real provider would: SES publishes its event record to the events
topic (which feeds the provider_events queue); Resend and SendGrid post signed webhooks to the
stack's web endpoint (docs/decisions/0077)."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import requests

from tctfmsg.email.events import resend, sendgrid

log = logging.getLogger("tctfmsg.local.providers")

Kind = Literal["bounce", "complain"]
KINDS: tuple[str, ...] = ("bounce", "complain", "none")
Publish = Callable[[Kind, dict[str, Any]], None]


class FeedbackRules:
    """Which addresses bounce or complain, by case-folded address."""

    def __init__(self) -> None:
        self._rules: dict[str, Kind] = {}
        self._lock = threading.Lock()

    def set(self, address: str, kind: str) -> None:
        with self._lock:
            if kind == "none":
                self._rules.pop(address.strip().lower(), None)
            elif kind in ("bounce", "complain"):
                self._rules[address.strip().lower()] = kind  # type: ignore[assignment]

    def get(self, address: str) -> Kind | None:
        with self._lock:
            return self._rules.get(address.strip().lower())

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self._rules)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
        "type": "email.bounced" if kind == "bounce" else "email.complained",
        "created_at": _now(),
        "data": data,
    }


def sendgrid_payload(kind: Kind, sent: dict[str, Any]) -> list[dict[str, Any]]:
    event: dict[str, Any] = {
        "email": sent["to"],
        "timestamp": int(time.time()),
        "event": "bounce" if kind == "bounce" else "spamreport",
        "sg_event_id": uuid.uuid4().hex,
        "sg_message_id": f"{sent.get('id') or ''}.filterdrecv-local-1",
        **(sent.get("tags") or {}),  # custom_args come back as top-level fields
    }
    if kind == "bounce":
        event |= {"type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 user unknown"}
    return [event]


class SnsPublisher:
    """SES's side: the event record, published to the topic as SES's event destination does."""

    def __init__(self, sns: Any, topic_arn: str) -> None:
        self.sns, self.topic_arn = sns, topic_arn

    def __call__(self, kind: Kind, sent: dict[str, Any]) -> None:
        self.sns.publish(TopicArn=self.topic_arn, Message=json.dumps(ses_record(kind, sent)))


class WebhookPoster:
    """Resend's or SendGrid's side: the event, signed, posted to the web endpoint."""

    def __init__(self, provider: str, url: str, signing_key: str) -> None:
        self.provider, self.url, self.signing_key = provider, url, signing_key

    def __call__(self, kind: Kind, sent: dict[str, Any]) -> None:
        stamp = int(time.time())
        if self.provider == "resend":
            body = json.dumps(resend_payload(kind, sent)).encode()
            message_id = f"msg_{uuid.uuid4().hex}"
            headers = {
                "svix-id": message_id,
                "svix-timestamp": str(stamp),
                "svix-signature": resend.sign(self.signing_key, message_id, stamp, body),
            }
        else:
            body = json.dumps(sendgrid_payload(kind, sent)).encode()
            headers = {
                sendgrid.SIGNATURE: sendgrid.sign(self.signing_key, stamp, body),
                sendgrid.TIMESTAMP: str(stamp),
            }
        headers["Content-Type"] = "application/json"
        answer = requests.post(self.url, data=body, headers=headers, timeout=10)
        if answer.status_code != 200:
            log.warning("%s webhook to %s answered %s", self.provider, self.url, answer.status_code)


def report_later(publish: Publish, kind: Kind, sent: dict[str, Any]) -> None:
    """After the send's answer has left, as a provider reports a bounce some time later."""

    def run() -> None:
        try:
            publish(kind, sent)
        except Exception:  # a lost report must not take the endpoint down
            log.exception("could not report a %s for a local send", kind)

    threading.Thread(target=run, name="local-feedback", daemon=True).start()
