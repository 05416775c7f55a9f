"""SendGrid's Event Webhook: a JSON array of events, signed with ECDSA (P-256, SHA-256) over
the timestamp header followed by the raw body; the signature is base64 DER, verified against
the public key SendGrid shows for the webhook (base64 DER SubjectPublicKeyInfo). Custom args
sent with the message (campaign_id) come back as top-level fields of each event."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tctfmsg.email.events.model import EventKind, ProviderEvent, WebhookRefused, text

PROVIDER = "sendgrid"
SIGNATURE = "x-twilio-email-event-webhook-signature"
TIMESTAMP = "x-twilio-email-event-webhook-timestamp"
MAX_EVENTS = 1000
KINDS = {
    "processed": EventKind.SENT,
    "delivered": EventKind.DELIVERED,
    "spamreport": EventKind.COMPLAINED,
    "dropped": EventKind.REJECTED,
    "deferred": EventKind.DEFERRED,
}


def verify(
    public_key: str, headers: Mapping[str, str], body: bytes, now: float, tolerance_s: int
) -> None:
    """Raises WebhookRefused unless `body` is signed by the key's private half, lately.
    `headers` keys are lower-case."""
    signature, timestamp = headers.get(SIGNATURE, ""), headers.get(TIMESTAMP, "")
    if not (signature and timestamp):
        raise WebhookRefused(PROVIDER, "missing the event webhook signature or timestamp")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookRefused(PROVIDER, "the timestamp is not a Unix time")
    if abs(now - int(timestamp)) > tolerance_s:
        raise WebhookRefused(PROVIDER, "the timestamp is outside the tolerance")
    key = verification_key(public_key)
    try:
        der = base64.b64decode(signature, validate=True)
        key.verify(der, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature):
        raise WebhookRefused(PROVIDER, "the signature does not verify") from None


def sign(private_key: str, timestamp: int, body: bytes) -> str:
    """The signature header value (the local SendGrid endpoint's half)."""
    key = serialization.load_der_private_key(base64.b64decode(private_key), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return base64.b64encode(
        key.sign(str(timestamp).encode() + body, ec.ECDSA(hashes.SHA256()))
    ).decode()


def new_key_pair() -> tuple[str, str]:
    """(private, public), each base64 DER: PKCS#8 and SubjectPublicKeyInfo."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(private).decode(), base64.b64encode(public).decode()


def parse(body: bytes) -> list[ProviderEvent]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRefused(PROVIDER, "the body is not JSON") from None
    if not isinstance(payload, list):
        raise WebhookRefused(PROVIDER, "the body is not an array of events")
    events = []
    for item in payload[:MAX_EVENTS]:
        event = _event(item) if isinstance(item, dict) else None
        if event is not None:
            events.append(event)
    return events


def _event(item: dict[str, Any]) -> ProviderEvent | None:
    name = text(item.get("event"))
    if name == "bounce":
        # "bounce" is permanent; "blocked" is the receiving server refusing for now
        kind = EventKind.SOFT_BOUNCED if item.get("type") == "blocked" else EventKind.BOUNCED
    elif name in KINDS:
        kind = KINDS[name]
    else:
        return None
    detail = text(item.get("reason") or item.get("response") or item.get("type"))
    return ProviderEvent(
        PROVIDER,
        kind,
        text(item.get("email")),
        text(item.get("sg_event_id")),
        # sg_message_id is the send's X-Message-Id, a dot, and SendGrid's routing suffix
        text(item.get("sg_message_id")).split(".", 1)[0],
        text(item.get("campaign_id")),
        detail,
    )


def verification_key(value: str) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_der_public_key(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        raise WebhookRefused(PROVIDER, "the configured verification key is not a key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise WebhookRefused(PROVIDER, "the configured verification key is not an EC key")
    return key
