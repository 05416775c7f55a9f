"""The header rules every service and the email type share (tctfmsg.email.headers)."""

from __future__ import annotations

import pytest

from tctfmsg.core.errors import InvalidInput
from tctfmsg.email.headers import header_text, one_address, require_header_safe


@pytest.mark.parametrize(
    ("rendered", "clean"),
    [
        ("Hi Ada\r\nBcc: x@evil.example", "Hi Ada Bcc: x@evil.example"),
        ("Hi \x00\x1b[31mAda", "Hi  [31mAda"),
        ("Hi Ada\n", "Hi Ada"),
        ("Hi \u202eadA\u202c!", "Hi adA!"),
        ("\u2067Ada\u2069 \u200fand\u200e Bob", "Ada and Bob"),
        ("Olá, 世界 — ok", "Olá, 世界 — ok"),
    ],
)
def test_rendered_text_loses_line_breaks_controls_and_bidi_formatting(
    rendered: str, clean: str
) -> None:
    assert header_text(rendered) == clean


def test_a_control_character_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"the campaign subject holds .*LF at position 5"):
        require_header_safe("campaign subject", "Hello\nBcc: x@evil.example")


def test_the_injected_display_name_is_refused_rather_than_normalised_away() -> None:
    with pytest.raises(InvalidInput, match="CR at position 5"):
        one_address("sender", '"Evil\r\nBcc: x@evil.example" <news@example.com>')


def test_one_address_gives_the_name_and_the_address() -> None:
    assert one_address("sender", "News <news@example.com>") == ("News", "news@example.com")
    assert one_address("sender", "news@example.com") == ("", "news@example.com")


@pytest.mark.parametrize("raw", ["", "nobody", "<>", "a@example.com b@example.com"])
def test_what_is_not_an_address_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="exactly one address"):
        one_address("sender", raw)
