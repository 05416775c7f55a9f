"""`render hosted` campaigns: the email names the SES copy of the template and carries only the
recipient's data for it, and also the same template rendered here, entity-equal to what SES
(Handlebars, here pybars) renders from that data, so a failover sends the same message."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pybars
import pytest

from tctfmsg.campaigns.domain.campaign import Audience, Campaign, RenderMode, new_campaign
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.services.consumer import compose
from tctfmsg.core.errors import InvalidInput
from tctfmsg.rendering import FileTemplateStore, Renderer, load_registry
from tctfmsg.rendering.hosted import HostedNames, hosted_campaign_templates
from tctfmsg.rendering.ses import SesTemplate

NOW = datetime(2026, 5, 1, tzinfo=UTC)
READERS = [
    Subscriber("ada@example.com", "Ada Lovelace", attributes={"first_name": "Ada", "plan": "pro"}),
    Subscriber("bob@example.com", "", attributes={}),  # no name: every fallback
    Subscriber("o'neil@example.com", "Tom <O'Neil> & Co", attributes={"first_name": 'T="1"'}),
]


def _link(campaign_id: str, email: str) -> str:
    return f"https://u.example/unsubscribe?c={campaign_id}&e={email}&sig=a=b"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    files = FileTemplateStore()
    return Renderer(files, load_registry(), files.design(), {"asset_base_url": "https://a.test"})


@pytest.fixture(scope="module")
def hosted(renderer: Renderer) -> dict[str, SesTemplate]:
    files = FileTemplateStore()
    found = hosted_campaign_templates(files, load_registry(), renderer.constants, "test")
    return {t.name: t for t in found}


def _campaign(template: str, render: RenderMode, subject: str = "May news") -> Campaign:
    audience = Audience("news")
    return new_campaign(
        name="n", subject=subject, template=template, audience=audience,
        sender="News <news@example.com>", now=NOW, render=render,
    )  # fmt: skip


def _same(theirs: str, ours: str) -> bool:
    return " ".join(html.unescape(theirs).split()) == " ".join(html.unescape(ours).split())


def test_every_campaign_template_is_hosted(renderer: Renderer, hosted: dict) -> None:
    campaigns = {
        n
        for n in renderer.registry.templates()
        if renderer.registry.for_template(n).category == "campaign"
    }
    assert len(campaigns) >= 4
    assert {name.rsplit("-", 1)[0].removeprefix("tctfmsg-test-") for name in hosted} == campaigns


@pytest.mark.parametrize("reader", READERS, ids=lambda s: s.email)
def test_ses_and_local_renderings_of_every_hosted_template_are_entity_equal(
    renderer: Renderer, hosted: dict[str, SesTemplate], reader: Subscriber
) -> None:
    names = HostedNames(renderer, "test")
    handlebars = pybars.Compiler()
    for ses_name, template in hosted.items():
        source = ses_name.rsplit("-", 1)[0].removeprefix("tctfmsg-test-")
        message = compose(renderer, _link, _campaign(source, RenderMode.HOSTED), reader, names)

        assert message.ses_template == ses_name
        data = dict(message.template_data)
        assert _same(str(handlebars.compile(template.html)(data)), message.html), source
        assert _same(str(handlebars.compile(template.text)(data)), message.text), source
        assert str(handlebars.compile(template.subject)(data)) == message.subject == "May news"


def test_template_data_is_the_recipients_own_and_nothing_else(renderer: Renderer) -> None:
    campaign = _campaign("newsletter", RenderMode.HOSTED)

    message = compose(renderer, _link, campaign, READERS[0], HostedNames(renderer, "test"))

    assert dict(message.template_data) == {
        "first_name": "Ada",
        "plan": "pro",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "unsubscribe_url": _link(campaign.campaign_id, "ada@example.com"),
        "campaign": {"id": campaign.campaign_id, "name": "n"},
        "subject": "May news",
    }
    other = compose(renderer, _link, campaign, READERS[1], HostedNames(renderer, "test"))
    assert "Ada" not in str(dict(other.template_data))


def test_a_runtime_campaign_names_no_ses_template(renderer: Renderer) -> None:
    campaign = _campaign("newsletter", RenderMode.RUNTIME)

    message = compose(renderer, _link, campaign, READERS[0], HostedNames(renderer, "test"))

    assert message.ses_template is None and dict(message.template_data) == {}
    assert "Ada" in message.html


def test_a_template_outside_the_handlebars_subset_is_rendered_here(renderer: Renderer) -> None:
    campaign = _campaign("password_reset", RenderMode.HOSTED)  # transactional: never hosted
    reader = Subscriber("ada@example.com", "Ada", attributes={"reset_url": "https://r.test"})

    message = compose(renderer, _link, campaign, reader, HostedNames(renderer, "test"))

    assert message.ses_template is None and message.html


@pytest.mark.parametrize("render", ["HOSTED", "server", "", 1])
def test_an_unknown_render_mode_is_refused(render: object) -> None:
    with pytest.raises(InvalidInput, match="invalid render"):
        new_campaign(
            name="n", subject="s", template="t", audience=Audience("l"),
            sender="a@example.com", now=NOW, render=render,  # type: ignore[arg-type]
        )  # fmt: skip


def test_a_campaign_is_runtime_rendered_unless_asked() -> None:
    campaign = new_campaign(
        name="n", subject="s", template="t", audience=Audience("l"), sender="a@example.com", now=NOW
    )
    assert campaign.render is RenderMode.RUNTIME
