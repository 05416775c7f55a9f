"""The keys that verify provider webhooks, checked before they are stored: a Resend (Svix)
endpoint secret `whsec_<base64>`, and SendGrid's Event Webhook verification key (a base64 DER
P-256 public key, as its settings page shows it). A key that could never verify anything is
refused at the door, not discovered when every webhook starts failing."""

from __future__ import annotations

import base64
import binascii

from tctfmsg.core.errors import InvalidInput
from tctfmsg.email.events import sendgrid
from tctfmsg.email.events.model import WebhookRefused

WEBHOOK_PROVIDERS: tuple[str, ...] = ("resend", "sendgrid")
MAX_KEY_CHARS = 4096
_MIN_SECRET_BYTES = 16


def checked_webhook_key(provider: str, value: str) -> str:
    """The key as it is to be stored; InvalidInput naming what is wrong otherwise."""
    if provider not in WEBHOOK_PROVIDERS:
        raise InvalidInput(
            f"{provider[:40]!r} sends no webhooks we verify", "give resend or sendgrid"
        )
    key = value.strip()
    if not key or len(key) > MAX_KEY_CHARS:
        raise InvalidInput(
            f"the {provider} webhook key is empty or over {MAX_KEY_CHARS:,} characters",
            "paste the key from the provider's webhook settings",
        )
    if provider == "resend":
        return _resend_secret(key)
    try:
        sendgrid.verification_key(key)
    except WebhookRefused:
        raise InvalidInput(
            "the SendGrid key is not a base64 DER elliptic-curve public key",
            "copy the verification key from SendGrid's Event Webhook settings (signed events)",
        ) from None
    return key


def _resend_secret(key: str) -> str:
    hint = "copy the signing secret (whsec_…) from the webhook's page in Resend"
    if not key.startswith("whsec_"):
        raise InvalidInput("a Resend webhook secret starts with whsec_", hint)
    try:
        raw = base64.b64decode(key.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the Resend webhook secret is not base64 after whsec_", hint) from None
    if len(raw) < _MIN_SECRET_BYTES:
        raise InvalidInput(
            f"the Resend webhook secret holds {len(raw)} bytes, fewer than {_MIN_SECRET_BYTES}",
            hint,
        )
    return key
