"""SES event publishing, as SES delivers it through an SNS topic to an SQS queue: the queue
message is SNS's envelope, whose `Message` is the SES event record as a JSON string
(https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html)."""

from __future__ import annotations

import json
from typing import Any

from tctfmsg.core.errors import InvalidInput
from tctfmsg.email.events.model import MAX_RECIPIENTS, EventKind, ProviderEvent, text

PROVIDER = "ses"


def is_sns_envelope(body: str) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("Type") == "Notification" and "Message" in data


def events_from_sns(body: str) -> list[ProviderEvent]:
    try:
        envelope = json.loads(body)
        record = json.loads(envelope["Message"])
    except (ValueError, KeyError, TypeError):
        raise InvalidInput(f"not an SNS notification of an SES event: {body[:200]!r}") from None
    return events_from_record(record)


def events_from_record(record: Any) -> list[ProviderEvent]:
    """One event per recipient the record is about; an event type we do not act on (open,
    click, rendering failure) gives none."""
    if not isinstance(record, dict) or not isinstance(record.get("mail"), dict):
        raise InvalidInput("an SES event record has a mail object")
    mail = record["mail"]
    kind_name = text(record.get("eventType") or record.get("notificationType"))
    message_id = text(mail.get("messageId"))
    campaign_id = _tag(mail, "campaign_id")

    def event(kind: EventKind, recipient: Any, event_id: str, detail: str = "") -> ProviderEvent:
        return ProviderEvent(
            PROVIDER, kind, text(recipient), event_id, message_id, campaign_id, detail
        )

    if kind_name == "Bounce":
        bounce = _object(record, "bounce")
        permanent = bounce.get("bounceType") == "Permanent"
        kind = EventKind.BOUNCED if permanent else EventKind.SOFT_BOUNCED
        detail = f"{text(bounce.get('bounceType'))}/{text(bounce.get('bounceSubType'))}"
        return [
            event(kind, r.get("emailAddress"), text(bounce.get("feedbackId")), detail)
            for r in _listed(bounce.get("bouncedRecipients"))
            if isinstance(r, dict)
        ]
    if kind_name == "Complaint":
        complaint = _object(record, "complaint")
        detail = text(complaint.get("complaintFeedbackType"))
        feedback = text(complaint.get("feedbackId"))
        return [
            event(EventKind.COMPLAINED, r.get("emailAddress"), feedback, detail)
            for r in _listed(complaint.get("complainedRecipients"))
            if isinstance(r, dict)
        ]
    if kind_name in ("Delivery", "Send", "Reject", "DeliveryDelay"):
        kind = {
            "Delivery": EventKind.DELIVERED,
            "Send": EventKind.SENT,
            "Reject": EventKind.REJECTED,
            "DeliveryDelay": EventKind.DEFERRED,
        }[kind_name]
        recipients = mail.get("destination")
        if kind_name == "Delivery":
            recipients = _object(record, "delivery").get("recipients", recipients)
        return [
            event(kind, r, f"{message_id}/{kind_name}/{text(r)}")
            for r in _listed(recipients)
            if isinstance(r, str)
        ]
    return []


def _tag(mail: dict[str, Any], name: str) -> str:
    tags = mail.get("tags")
    values = tags.get(name) if isinstance(tags, dict) else None
    return text(values[0]) if isinstance(values, list) and values else ""


def _object(record: dict[str, Any], name: str) -> dict[str, Any]:
    value = record.get(name)
    if not isinstance(value, dict):
        raise InvalidInput(f"an SES {name} event has a {name} object")
    return value


def _listed(value: Any) -> list[Any]:
    if not isinstance(value, list):
        return []
    return value[:MAX_RECIPIENTS]
