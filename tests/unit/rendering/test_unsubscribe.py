"""Unsubscribe tokens: what one signs only the same key opens, unaltered, in its one canonical
spelling, without showing the address."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from tctfmsg.core.errors import InvalidInput
from tctfmsg.rendering.unsubscribe import (
    sign_unsubscribe,
    unsubscribe_mailto,
    unsubscribe_url,
    verify_unsubscribe,
)

KEY = b"k" * 32


def _token(email: str = "ada@example.com") -> str:
    return sign_unsubscribe(KEY, "cmp-42", email)


def test_a_signed_token_verifies_to_its_campaign_and_address():
    token = sign_unsubscribe(KEY, "cmp-42", "Ada+news@Example.com")
    assert verify_unsubscribe(KEY, token) == ("cmp-42", "Ada+news@Example.com")


def test_the_same_recipient_of_the_same_campaign_always_gets_the_same_link():
    assert _token() == _token()
    assert _token() != sign_unsubscribe(KEY, "cmp-43", "ada@example.com")


def test_the_address_cannot_be_read_from_the_token():
    token = _token("ada.lovelace@example.com")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for needle in (b"ada", b"lovelace", b"example", b"cmp-42"):
        assert needle not in raw
    assert "ada" not in token.lower()


def _flip(token: str, at: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    replacement = alphabet[(alphabet.index(token[at]) + 1) % 64]
    return token[:at] + replacement + token[at + 1 :]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: _flip(t, 5),  # a ciphertext byte changed
        lambda t: _flip(t, len(t) // 2),
        lambda t: t[:-4],  # cut short
        lambda t: t + "AAAA",  # trailing data
        lambda t: t[:10] + "!" + t[10:],  # a '!' inserted
        lambda t: t + "=" * (-len(t) % 4 or 4),  # padded
        lambda t: t.replace("-", "+").replace("_", "/") if ("-" in t or "_" in t) else t + "+",
        lambda t: " " + t,
        lambda t: t + "\n",
        lambda t: t[:8] + "." + t[8:],
        lambda t: "not-a-token",
        lambda t: "",
        lambda t: "A" * 5000,  # longer than any token
    ],
)
def test_an_altered_or_non_canonical_token_is_refused(tamper):
    with pytest.raises(InvalidInput, match="invalid or was altered"):
        verify_unsubscribe(KEY, tamper(_token()))


def test_a_token_whose_unused_trailing_bits_are_set_is_refused():
    """Two base64 spellings decode to the same bytes when the last character's low bits are
    free: only the one this module writes is accepted."""
    # an address long enough that the token's last character has spare bits
    token = next(t for t in (_token("a" * n + "@example.com") for n in range(1, 4)) if len(t) % 4)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    variant = token[:-1] + alphabet[last | 1]
    if variant == token:
        variant = token[:-1] + alphabet[last & ~1]
    assert base64.urlsafe_b64decode(variant + "=" * (-len(variant) % 4)) == (
        base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    )
    with pytest.raises(InvalidInput):
        verify_unsubscribe(KEY, variant)


def test_another_version_byte_is_refused():
    token = _token()
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[0] = 2
    with pytest.raises(InvalidInput):
        verify_unsubscribe(KEY, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode())


def test_another_key_does_not_verify():
    with pytest.raises(InvalidInput):
        verify_unsubscribe(b"other-key", _token())


def test_an_empty_key_never_verifies_nor_signs():
    with pytest.raises(InvalidInput):
        verify_unsubscribe(b"", _token())
    with pytest.raises(ValueError, match="empty"):
        sign_unsubscribe(b"", "cmp-42", "ada@example.com")


def test_another_subscribers_token_opens_only_to_them():
    mine, theirs = _token("ada@example.com"), _token("bob@example.com")
    assert verify_unsubscribe(KEY, theirs) == ("cmp-42", "bob@example.com")
    spliced = mine[:12] + theirs[12:]
    with pytest.raises(InvalidInput):
        verify_unsubscribe(KEY, spliced)


def test_the_link_carries_the_token_as_a_query_parameter():
    link = unsubscribe_url("https://x.test/u?lang=en", KEY, "c1", "a@b.c")
    query = parse_qs(urlparse(link).query)
    assert query["lang"] == ["en"]
    assert verify_unsubscribe(KEY, query["token"][0]) == ("c1", "a@b.c")
    assert unsubscribe_url("https://x.test/u", KEY, "c1", "a@b.c").startswith(
        "https://x.test/u?token="
    )


def test_the_mailto_form_carries_the_token_in_its_subject():
    mailto = unsubscribe_mailto("unsubscribe@news.test", KEY, "c1", "a@b.c")
    address, _, query = mailto.removeprefix("mailto:").partition("?")
    assert address == "unsubscribe@news.test"
    subject = unquote(parse_qs(query)["subject"][0])
    word, token = subject.split(" ")
    assert word == "unsubscribe"
    assert verify_unsubscribe(KEY, token) == ("c1", "a@b.c")
