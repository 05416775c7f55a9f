"""Header injection stops at the campaign's door, and subjects rendered from user data are
cleaned before they become an email (decision 0081)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.services import campaigns
from tctfmsg.campaigns.services.consumer import compose
from tctfmsg.communication.adapters.email_channel import EmailChannel
from tctfmsg.communication.ports import Outgoing
from tctfmsg.core.errors import InvalidInput
from tests.support.campaign_fakes import FakeSender, Rendered
from tests.unit.campaigns.conftest import World


def _create(world: World, **changes: str) -> None:
    fields = {
        "name": "May news",
        "subject": "News",
        "template": "newsletter",
        "list_name": "news",
        "sender": "News <news@example.com>",
    }
    campaigns.create(world.deps, **{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"subject": "Hi\r\nBcc: x@evil.example"}, "campaign subject holds a control character"),
        ({"name": "May\nnews"}, "campaign name holds a control character (LF"),
        ({"template": "news\x00letter"}, "campaign template holds a control character (NUL"),
        ({"list_name": "news\x1b[2J"}, "campaign list holds a control character (ESC"),
        (
            {"sender": '"Evil\r\nBcc: x@evil.example" <news@example.com>'},
            "sender holds a control character (CR at position 5)",
        ),
        ({"sender": "a@example.com, b@example.com"}, "not exactly one address (it holds 2)"),
    ],
)
def test_create_refuses_header_injection_and_stores_nothing(
    world: World, changes: dict[str, str], says: str
) -> None:
    with pytest.raises(InvalidInput, match=says.replace("(", r"\(").replace(")", r"\)")):
        _create(world, **changes)

    assert world.store.items == {}


class SubjectFromData:
    """A template whose subject line is rendered from the subscriber's name."""

    def render(self, template: str, data: Any) -> Rendered:
        return Rendered(f"Hello {data['name']}", "<p>hi</p>", "hi")


def test_a_subject_rendered_from_subscriber_data_loses_line_breaks_and_overrides(
    world: World,
) -> None:
    campaign = replace(world.draft(), subject="")  # the template's own subject line is used
    evil = Subscriber(email="ada@example.com", name="Ada\r\nBcc: x@evil.example \u202eexe.")

    message = compose(SubjectFromData(), lambda c, e: "https://u.example/x", campaign, evil)

    assert message.subject == "Hello Ada Bcc: x@evil.example exe."
    assert message.to == "ada@example.com"


def test_the_email_channel_cleans_a_subject_rendered_from_user_data() -> None:
    sender = FakeSender()
    channel = EmailChannel(sender, "Alerts <alerts@example.com>")
    outgoing = Outgoing(
        "n-1", "welcome", "email", "ada@example.com", "hi", subject="Hi Ada\r\nBcc: x@e.example"
    )

    channel.send(outgoing)

    assert [m.subject for m in sender.sent] == ["Hi Ada Bcc: x@e.example"]
