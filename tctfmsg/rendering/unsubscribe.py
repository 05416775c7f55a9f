"""Unsubscribe tokens: the campaign and the address, sealed with AES-SIV (docs/decisions/0078).

A token is base64url, unpadded, of a version byte and the AES-SIV ciphertext of
`campaign \\x1f address`, with the version byte as associated data. AES-SIV is deterministic
(the same recipient of the same campaign always gets the same link, so a resent email's link
stays valid) and authenticated (an edited byte, another key or another version fails), and it
hides the address from whoever reads the link. A token is accepted only in the one encoding
this module writes: decoded, it must re-encode to exactly the text given.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from tctfmsg.core.errors import InvalidInput

# cryptography is imported at the first token sealed or opened: only the sending consumer and
# the unsubscribe page do, and the other handlers' cold starts need not pay for it.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

VERSION = 1  # the first byte of every token: a new key scheme or layout takes the next one
MAX_TOKEN_CHARS = 700  # a campaign id and an address of up to 254 characters fit with room
_SEPARATOR = "\x1f"
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def sign_unsubscribe(key: bytes, campaign_id: str, email: str) -> str:
    if not key:
        raise ValueError("the unsubscribe signing key is empty")
    if _SEPARATOR in campaign_id:
        raise ValueError("a campaign id cannot hold the separator")
    header = bytes([VERSION])
    sealed = _cipher(key).encrypt(f"{campaign_id}{_SEPARATOR}{email}".encode(), [header])
    return _b64(header + sealed)


def verify_unsubscribe(key: bytes, token: str) -> tuple[str, str]:
    """(campaign_id, email) from a token this platform signed with key; InvalidInput for
    anything else: another key, an edit, another version, a non-canonical spelling."""
    invalid = InvalidInput(
        "this unsubscribe link is invalid or was altered",
        "use the link from the latest email, or contact support",
    )
    if not key or not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS:
        raise invalid
    if not _BASE64URL.match(token):
        raise invalid  # padding, '+/', spaces, '!' or any other character
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise invalid from None
    if _b64(raw) != token or len(raw) < 2 or raw[0] != VERSION:
        raise invalid  # unused trailing bits set, or a version this code does not read
    from cryptography.exceptions import InvalidTag

    try:
        plain = _cipher(key).decrypt(raw[1:], [raw[:1]])
        text = plain.decode("utf-8")
    except (InvalidTag, UnicodeDecodeError, ValueError):
        raise invalid from None
    campaign_id, separator, email = text.partition(_SEPARATOR)
    if not separator or not email:
        raise invalid
    return campaign_id, email


def unsubscribe_url(base_url: str, key: bytes, campaign_id: str, email: str) -> str:
    """The link to put in `unsubscribe_url`: base_url with the token as `?token=`."""
    joiner = "&" if "?" in base_url else "?"
    return f"{base_url}{joiner}{urlencode({'token': sign_unsubscribe(key, campaign_id, email)})}"


def unsubscribe_mailto(address: str, key: bytes, campaign_id: str, email: str) -> str:
    """The mailto: form of List-Unsubscribe: the token rides in the subject, so a mail to it
    names its subscriber the same way the link does."""
    subject = quote(f"unsubscribe {sign_unsubscribe(key, campaign_id, email)}")
    return f"mailto:{address}?subject={subject}"


@lru_cache(maxsize=8)  # one key per process in practice; deriving it per token is waste
def _cipher(key: bytes) -> AESSIV:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    # The stored key is any long random string; AES-256-SIV takes 64 bytes derived from it.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=None, info=b"tctfmsg unsubscribe v1"
    ).derive(key)
    return AESSIV(derived)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
