"""Webhook verification keys are checked before they are stored: one that could never verify a
webhook is refused with the reason, and one accepted verifies what its provider signs."""

from __future__ import annotations

import base64
import time

import pytest

from tctfmsg.core.errors import InvalidInput
from tctfmsg.email.events import resend, sendgrid
from tctfmsg.email.events.keys import checked_webhook_key


def test_an_accepted_resend_secret_verifies_what_resend_signs() -> None:
    secret = checked_webhook_key("resend", "  " + resend.new_secret() + "\n")
    now, body = int(time.time()), b'{"type": "email.delivered"}'
    headers = {"svix-id": "msg_1", "svix-timestamp": str(now)}
    headers["svix-signature"] = resend.sign(secret, "msg_1", now, body)
    resend.verify(secret, headers, body, now, 300)  # raises if the key were unusable


def test_an_accepted_sendgrid_key_verifies_what_sendgrid_signs() -> None:
    private, public = sendgrid.new_key_pair()
    key = checked_webhook_key("sendgrid", public)
    now, body = int(time.time()), b'[{"event": "delivered"}]'
    headers = {sendgrid.SIGNATURE: sendgrid.sign(private, now, body), sendgrid.TIMESTAMP: str(now)}
    sendgrid.verify(key, headers, body, now, 300)  # raises if the key were unusable


@pytest.mark.parametrize(
    ("provider", "value", "says"),
    [
        ("resend", "not-a-secret", "starts with whsec_"),
        ("resend", "whsec_!!!not base64!!!", "not base64"),
        ("resend", "whsec_" + base64.b64encode(b"short").decode(), "fewer than 16"),
        ("resend", "", "empty"),
        ("resend", "whsec_" + "A" * 5000, "over 4,096"),
        ("sendgrid", base64.b64encode(b"not a key").decode(), "not a base64 DER"),
        ("sendgrid", "%%%", "not a base64 DER"),
        ("ses", "whsec_" + base64.b64encode(b"0123456789abcdef").decode(), "sends no webhooks"),
    ],
)
def test_a_key_that_could_never_verify_is_refused_with_the_reason(
    provider: str, value: str, says: str
) -> None:
    with pytest.raises(InvalidInput, match=says):
        checked_webhook_key(provider, value)
