"""Connection tokens: who a WebSocket belongs to, signed by the platform.

`<payload>.<signature>`, both base64url without padding; the payload is the canonical JSON of
{"exp", "iat", "sub"} (sorted keys, no spaces, ASCII) and the signature HMAC-SHA256 over those
bytes. Exactly one encoding of a token is accepted: anything that decodes but would not be
re-encoded to the same text (padding, other key order, spaces, extra keys) is refused, so no two
strings are the same token. An empty key verifies nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime

from tctfmsg.core.errors import InvalidInput

MAX_TOKEN_CHARS = 1024
MAX_TTL_S = 24 * 3600
CLOCK_SKEW_S = 60  # a token issued this far in the future still counts (clocks drift)
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_SUBJECT = re.compile(r"[A-Za-z0-9._@:+-]{1,128}")


class TokenRejected(InvalidInput):
    """No token, a bad signature, an expired or malformed one: the connection is refused."""


@dataclass(frozen=True)
class TokenClaims:
    sub: str
    iat: int
    exp: int


def issue(key: bytes, user_id: str, now: datetime, ttl_s: int = 3600) -> str:
    if not key:
        raise ValueError("the chat signing key is empty")
    if not _SUBJECT.fullmatch(user_id):
        raise InvalidInput(
            "a user id is 1 to 128 letters, digits or . _ @ : + -", f"not {user_id[:40]!r}"
        )
    if not 1 <= ttl_s <= MAX_TTL_S:
        raise InvalidInput(f"a token lives 1 to {MAX_TTL_S} seconds", f"not {ttl_s}")
    iat = int(now.timestamp())
    payload = _canonical(TokenClaims(user_id, iat, iat + ttl_s))
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def verify(key: bytes, token: str | None, now: datetime) -> TokenClaims:
    """The claims of a token this platform signed and that is live now; TokenRejected else."""
    if not key:
        raise TokenRejected("no chat signing key: no token verifies")
    if not token:
        raise TokenRejected("no token", "connect with ?token=… or a Sec-WebSocket-Protocol token")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenRejected("the token is too long")
    encoded, dot, signature = token.partition(".")
    if not dot or not _B64URL.fullmatch(encoded) or not _B64URL.fullmatch(signature):
        raise TokenRejected("the token is malformed")
    payload, given = _unb64(encoded), _unb64(signature)
    if not hmac.compare_digest(given, _mac(key, payload)):
        raise TokenRejected("the token's signature is wrong")
    claims = _claims(payload)
    moment = int(now.timestamp())
    if claims.iat > moment + CLOCK_SKEW_S or claims.exp - claims.iat > MAX_TTL_S:
        raise TokenRejected("the token's times are not plausible")
    if claims.exp <= moment:
        raise TokenRejected("the token has expired", "ask for a new one")
    return claims


def _claims(payload: bytes) -> TokenClaims:
    malformed = TokenRejected("the token's payload is malformed")
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise malformed from None
    if not isinstance(data, dict) or set(data) != {"sub", "iat", "exp"}:
        raise malformed
    sub, iat, exp = data["sub"], data["iat"], data["exp"]
    if not isinstance(sub, str) or not _SUBJECT.fullmatch(sub):
        raise malformed
    if type(iat) is not int or type(exp) is not int:  # no bools, no floats
        raise malformed
    claims = TokenClaims(sub, iat, exp)
    if _canonical(claims) != payload:
        raise malformed
    return claims


def _canonical(claims: TokenClaims) -> bytes:
    body = {"exp": claims.exp, "iat": claims.iat, "sub": claims.sub}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Only the canonical text of some bytes: trailing bits that encode nothing are refused."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenRejected("the token is malformed") from None
    if _b64(raw) != text:
        raise TokenRejected("the token is not in its canonical encoding")
    return raw
