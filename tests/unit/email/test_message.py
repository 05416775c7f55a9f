"""EmailMessage is safe by construction: what reaches a provider has no injected header."""

from __future__ import annotations

import pytest

from tctfmsg.core.errors import InvalidInput
from tctfmsg.email.message import EmailMessage


def _message(**changes: object) -> EmailMessage:
    fields: dict[str, object] = {
        "to": "ada@example.com",
        "sender": "News <news@example.com>",
        "subject": "Hello",
        "html": "<p>hi</p>",
        "text": "hi",
    }
    return EmailMessage(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_well_formed_message_is_built() -> None:
    message = _message(headers={"List-Unsubscribe": "<https://x.example/u>"}, subject="A\tB")

    assert message.subject == "A\tB"


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hi\r\nBcc: x@evil.example"},
        {"subject": "Hi\nthere"},
        {"subject": "Hi\x00"},
        {"subject": "Hi\x85"},  # NEL, a C1 line break
        {"sender": '"Evil\r\nBcc: x@evil.example" <news@example.com>'},
        {"to": "ada@example.com\r\nBcc: x@evil.example"},
        {"reply_to": "a@example.com\nBcc: b@example.com"},
        {"headers": {"List-Unsubscribe": "<https://x.example>\r\nBcc: x@evil.example"}},
    ],
)
def test_a_control_character_in_any_header_field_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match="control character"):
        _message(**changes)


@pytest.mark.parametrize("sender", ["news@example.com, other@example.com", "not an address", ""])
def test_the_sender_must_be_exactly_one_address(sender: str) -> None:
    with pytest.raises(InvalidInput, match="exactly one address"):
        _message(sender=sender)


def test_a_header_name_with_a_colon_or_space_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a header name"):
        _message(headers={"Bcc: x@evil.example\r\nX": "1"})
    with pytest.raises(InvalidInput, match="not a header name"):
        _message(headers={"X Y": "1"})


def test_the_recipient_must_be_one_address() -> None:
    with pytest.raises(InvalidInput, match="exactly one address"):
        _message(to="ada@example.com, bob@example.com")


@pytest.mark.parametrize(
    ("sender", "why"),
    [
        ("Evil <a@example.com> <b@example.com>", "does not parse as one"),
        ("team: a@example.com, b@example.com;", "it is a group"),
        ("a@example.com, b@example.com", "it holds 2"),
    ],
)
def test_a_sender_that_is_not_one_address_is_refused_saying_why(sender: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        _message(sender=sender)


def test_the_refusal_names_the_control_character_and_where_it_stands() -> None:
    with pytest.raises(InvalidInput, match=r"CR at position 2"):
        _message(subject="Hi\r\nBcc: x@evil.example")


def test_bidirectional_overrides_are_dropped_from_the_subject_and_the_names() -> None:
    message = _message(
        subject="Invoice \u202efdp.exe\u2069",
        sender="Ne\u202ews <news@example.com>",
        reply_to="Help\u2066 <help@example.com>",
    )

    assert message.subject == "Invoice fdp.exe"
    assert message.sender == "News <news@example.com>"
    assert message.reply_to == "Help <help@example.com>"
