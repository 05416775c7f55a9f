"""Connection tokens: only a live token this platform signed, in its one canonical encoding."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from tctfmsg.user_messages.domain.token import TokenRejected, issue, verify

KEY = b"s" * 32
NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signed(payload: bytes, key: bytes = KEY) -> str:
    return f"{_b64(payload)}.{_b64(hmac.new(key, payload, hashlib.sha256).digest())}"


def test_an_issued_token_verifies_to_its_user() -> None:
    claims = verify(KEY, issue(KEY, "alice", NOW, ttl_s=60), NOW + timedelta(seconds=59))
    assert (claims.sub, claims.exp - claims.iat) == ("alice", 60)


@pytest.mark.parametrize("missing", [None, ""])
def test_no_token_is_refused(missing: str | None) -> None:
    with pytest.raises(TokenRejected, match="no token"):
        verify(KEY, missing, NOW)


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(TokenRejected, match="signature"):
        verify(KEY, issue(b"o" * 32, "alice", NOW), NOW)


def test_an_edited_payload_is_refused() -> None:
    payload, _, signature = issue(KEY, "alice", NOW).partition(".")
    edited = _b64(base64.urlsafe_b64decode(payload + "==").replace(b"alice", b"admin"))
    with pytest.raises(TokenRejected, match="signature"):
        verify(KEY, f"{edited}.{signature}", NOW)


def test_an_expired_token_is_refused() -> None:
    signed = issue(KEY, "alice", NOW, ttl_s=60)
    assert verify(KEY, signed, NOW + timedelta(seconds=59)).sub == "alice"
    with pytest.raises(TokenRejected, match="expired"):
        verify(KEY, signed, NOW + timedelta(seconds=60))


def test_an_empty_key_verifies_nothing() -> None:
    with pytest.raises(TokenRejected):
        verify(b"", _signed(b'{"exp":1,"iat":0,"sub":"a"}', key=b""), NOW)


@pytest.mark.parametrize(
    "payload",
    [
        b'{"sub":"alice","iat":1893488400,"exp":1893492000}',  # keys not sorted
        b'{"exp": 1893492000, "iat": 1893488400, "sub": "alice"}',  # spaces
        b'{"exp":1893492000,"iat":1893488400,"sub":"alice","role":"admin"}',  # extra claim
        b'{"exp":1893492000.0,"iat":1893488400,"sub":"alice"}',  # a float
        b'{"exp":true,"iat":1893488400,"sub":"alice"}',  # a bool
        b'{"exp":1893492000,"iat":1893488400,"sub":"al\\u0069ce"}',  # an escaped letter
    ],
)
def test_a_correctly_signed_but_non_canonical_payload_is_refused(payload: bytes) -> None:
    with pytest.raises(TokenRejected):
        verify(KEY, _signed(payload), NOW)


def test_the_canonical_payload_itself_is_accepted() -> None:
    canonical = b'{"exp":1893492000,"iat":1893488400,"sub":"alice"}'
    assert verify(KEY, _signed(canonical), NOW).sub == "alice"


def test_padding_or_unused_bits_make_another_string_and_are_refused() -> None:
    signed = issue(KEY, "alice", NOW)
    payload, _, signature = signed.partition(".")
    # 32 signature bytes are 43 characters whose last carries 4 unused bits: set one of them.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(signature[-1]) | 1]
    assert last != signature[-1]
    assert base64.urlsafe_b64decode(signature[:-1] + last + "=") == base64.urlsafe_b64decode(
        signature + "="
    )
    for variant in (f"{payload}.{signature}=", f"{payload}.{signature[:-1]}{last}"):
        with pytest.raises(TokenRejected):
            verify(KEY, variant, NOW)


@pytest.mark.parametrize("garbage", ["x", "a.b.c", "é.é", "a" * 2000, ".", "abc."])
def test_garbage_is_refused_without_a_traceback(garbage: str) -> None:
    with pytest.raises(TokenRejected):
        verify(KEY, garbage, NOW)


def test_a_token_issued_far_in_the_future_is_refused() -> None:
    with pytest.raises(TokenRejected):
        verify(KEY, issue(KEY, "alice", NOW + timedelta(hours=1)), NOW)


def test_canonical_payload_is_what_issue_signs() -> None:
    payload = issue(KEY, "alice", NOW, ttl_s=60).partition(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert json.loads(decoded) == {"exp": int(NOW.timestamp()) + 60, "iat": int(NOW.timestamp()),
                                   "sub": "alice"}  # fmt: skip
