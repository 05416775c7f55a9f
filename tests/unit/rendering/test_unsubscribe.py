"""Signed unsubscribe links: what one signs, only the same key verifies, unaltered."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tctfmsg.core.errors import InvalidInput
from tctfmsg.rendering.unsubscribe import sign_unsubscribe, unsubscribe_url, verify_unsubscribe

KEY = b"k" * 32


def test_a_signed_token_verifies_to_its_campaign_and_address():
    token = sign_unsubscribe(KEY, "cmp-42", "Ada+news@Example.com")
    assert verify_unsubscribe(KEY, token) == ("cmp-42", "Ada+news@Example.com")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(t[0], "Z" if t[0] != "Z" else "Y", 1),  # payload changed
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: t.split(".")[0],  # signature dropped
        lambda t: "not-a-token",
        lambda t: "",
    ],
)
def test_an_altered_token_is_refused(tamper):
    token = sign_unsubscribe(KEY, "cmp-42", "ada@example.com")
    with pytest.raises(InvalidInput, match="invalid or was altered"):
        verify_unsubscribe(KEY, tamper(token))


def test_another_key_does_not_verify():
    token = sign_unsubscribe(KEY, "cmp-42", "ada@example.com")
    with pytest.raises(InvalidInput):
        verify_unsubscribe(b"other-key", token)


def test_another_address_cannot_reuse_a_signature():
    mine = sign_unsubscribe(KEY, "cmp-42", "ada@example.com")
    theirs = sign_unsubscribe(KEY, "cmp-42", "bob@example.com")
    forged = theirs.split(".")[0] + "." + mine.split(".")[1]
    with pytest.raises(InvalidInput):
        verify_unsubscribe(KEY, forged)


def test_the_link_carries_the_token_as_a_query_parameter():
    link = unsubscribe_url("https://x.test/u?lang=en", KEY, "c1", "a@b.c")
    query = parse_qs(urlparse(link).query)
    assert query["lang"] == ["en"]
    assert verify_unsubscribe(KEY, query["token"][0]) == ("c1", "a@b.c")
    assert unsubscribe_url("https://x.test/u", KEY, "c1", "a@b.c").startswith(
        "https://x.test/u?token="
    )
