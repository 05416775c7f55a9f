"""Signed unsubscribe links: the token carries the campaign and the address, and an HMAC over
both, so nobody can unsubscribe someone else by editing a link."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from urllib.parse import urlencode

from tctfmsg.core.errors import InvalidInput

SIGNATURE_BYTES = 16  # 128 bits: forging one needs 2**128 guesses, and keeps links short
_SEPARATOR = "\x1f"


def sign_unsubscribe(key: bytes, campaign_id: str, email: str) -> str:
    if not key:
        raise ValueError("the unsubscribe signing key is empty")
    payload = f"{campaign_id}{_SEPARATOR}{email}".encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def verify_unsubscribe(key: bytes, token: str) -> tuple[str, str]:
    """(campaign_id, email) from a token this platform signed; InvalidInput otherwise."""
    invalid = InvalidInput(
        "this unsubscribe link is invalid or was altered",
        "use the link from the latest email, or contact support",
    )
    encoded, _, signature = token.strip().partition(".")
    try:
        payload = _unb64(encoded)
        given = _unb64(signature)
    except (binascii.Error, ValueError):
        raise invalid from None
    if not hmac.compare_digest(given, _mac(key, payload)):
        raise invalid
    campaign_id, separator, email = payload.decode("utf-8", "replace").partition(_SEPARATOR)
    if not separator or not email:
        raise invalid
    return campaign_id, email


def unsubscribe_url(base_url: str, key: bytes, campaign_id: str, email: str) -> str:
    """The link to put in `unsubscribe_url`: base_url with the token as `?token=`."""
    joiner = "&" if "?" in base_url else "?"
    return f"{base_url}{joiner}{urlencode({'token': sign_unsubscribe(key, campaign_id, email)})}"


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text:
        raise ValueError("empty")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
