"""List-Unsubscribe on every campaign email (RFC 2369, 8058): the signed https link and, when
the service has a mailto for it, the mailto form, plus the one-click POST header."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, unquote, urlsplit

from tctfmsg.campaigns.domain.campaign import Audience, new_campaign
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.services.consumer import compose
from tctfmsg.core import settings
from tctfmsg.core.resources import ResourceNames
from tctfmsg.rendering.bootstrap import TemplateRoot
from tctfmsg.rendering.unsubscribe import verify_unsubscribe
from tests.support.campaign_fakes import FakeRenderer

KEY = b"list-unsubscribe-key"
CAMPAIGN = new_campaign(
    name="May", subject="News", template="newsletter", audience=Audience("news"),
    sender="News <news@mail.example.org>", now=datetime(2030, 1, 1, tzinfo=UTC),
    campaign_id="cmp-7",
)  # fmt: skip
ADA = Subscriber(email="ada@example.com", name="Ada")


def _link(campaign_id: str, email: str) -> str:
    return f"https://u.test/unsubscribe?c={campaign_id}&e={email}"


def test_the_header_holds_the_https_link_then_the_mailto_and_asks_for_one_click_post():
    def mailto(campaign_id: str, email: str, sender: str) -> str:
        return f"mailto:off@x.test?subject={campaign_id}+{email}+{sender}"

    message = compose(FakeRenderer(), _link, CAMPAIGN, ADA, unsubscribe_mailto=mailto)

    assert message.headers["List-Unsubscribe"] == (
        "<https://u.test/unsubscribe?c=cmp-7&e=ada@example.com>, "
        "<mailto:off@x.test?subject=cmp-7+ada@example.com+News <news@mail.example.org>>"
    )
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def _templates(**overrides: object) -> TemplateRoot:
    current = settings.load(**overrides)  # type: ignore[arg-type]
    secrets = SimpleNamespace(get=lambda name, **_: {"unsubscribe": KEY.decode()})
    clients = SimpleNamespace(settings=current, names=ResourceNames("local"), secrets=secrets)
    return TemplateRoot(clients)  # type: ignore[arg-type]


def _subject_token(mailto: str) -> str:
    subject = unquote(parse_qs(urlsplit(mailto).query)["subject"][0])
    return subject.removeprefix("unsubscribe ")


def test_the_mailto_goes_to_the_senders_domain_unless_an_address_is_set():
    mailto = _templates().unsubscribe_mailto("cmp-7", "ada@example.com", CAMPAIGN.sender)
    assert mailto.startswith("mailto:unsubscribe@mail.example.org?subject=unsubscribe%20")
    assert verify_unsubscribe(KEY, _subject_token(mailto)) == ("cmp-7", "ada@example.com")

    chosen = _templates(unsubscribe_mailto="leave@example.net")
    assert chosen.unsubscribe_mailto("c", "a@b.c", CAMPAIGN.sender).startswith(
        "mailto:leave@example.net?"
    )


def test_links_point_at_the_public_http_api_unless_an_unsubscribe_url_is_set():
    public = _templates(public_base_url="https://abc.execute-api.eu-west-1.amazonaws.com/")
    assert public.unsubscribe_base_url == (
        "https://abc.execute-api.eu-west-1.amazonaws.com/unsubscribe"
    )
    chosen = _templates(public_base_url="https://x.test", unsubscribe_base_url="https://u.test/u")
    assert chosen.unsubscribe_base_url == "https://u.test/u"
