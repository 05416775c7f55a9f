"""The sesv2 patch, over HTTP against a moto server: a templated SendEmail renders the stored
template with Handlebars, as SES does, keeps its headers, and answers as SES answers."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pybars
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer

from tctfmsg.campaigns.domain.campaign import Audience, Campaign, RenderMode
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.services.consumer import compose
from tctfmsg.email.providers.ses import SesProvider
from tctfmsg.local import moto_patches
from tctfmsg.rendering import FileTemplateStore, Renderer, load_registry
from tctfmsg.rendering.adapters.ses import SesHostedTemplates
from tctfmsg.rendering.hosted import HostedNames, hosted_campaign_templates
from tests.support.ports import free_port

SENDER = "news@tctfmsg.local"
HEADERS = [
    {"Name": "List-Unsubscribe", "Value": "<https://u.example/?token=T>, <mailto:u@x?subject=T>"},
    {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"},
]
GREETING = {
    "TemplateName": "greeting",
    "SubjectPart": "{{^subject}}Hello{{/subject}}{{{subject}}}",
    "HtmlPart": "<p>Hi {{name}}{{^name}}friend{{/name}}</p><a href='{{{link}}}'>x</a>",
    "TextPart": "Hi {{{name}}}{{^name}}friend{{/name}}",
}


@pytest.fixture
def moto_server() -> Iterator[str]:
    port = free_port()
    with moto_patches.applied():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        url = f"http://127.0.0.1:{port}"
        try:
            yield url
        finally:
            requests.post(f"{url}/moto-api/reset", timeout=10)
            server.stop()


def _client(url: str, service: str) -> Any:
    return boto3.client(
        service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="local",
        aws_secret_access_key="local", config=Config(retries={"max_attempts": 1}),
    )  # fmt: skip


@pytest.fixture
def ses(moto_server: str) -> tuple[Any, Any]:
    v1 = _client(moto_server, "ses")
    v1.verify_domain_identity(Domain="tctfmsg.local")
    v1.create_template(Template=GREETING)
    return _client(moto_server, "sesv2"), v1


def _recorded(message_id: str) -> Any:
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    return next(m for m in sent if m.id == message_id)


def _send(sesv2: Any, data: Any, template: str = "greeting", **extra: Any) -> str:
    body = data if isinstance(data, str) else json.dumps(data)
    content = {"TemplateName": template, "TemplateData": body, "Headers": HEADERS}
    answer = sesv2.send_email(
        FromEmailAddress=extra.pop("sender", SENDER),
        Destination={"ToAddresses": ["ada@example.com"]},
        Content={"Template": content},
        **extra,
    )
    return str(answer["MessageId"])


def _error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_templated_send_is_rendered_as_handlebars_renders_it_and_keeps_its_headers(
    ses: tuple[Any, Any],
) -> None:
    sesv2, _ = ses
    data = {"subject": "News & more", "name": "<Ada & Co>", "link": "https://x/?a=1&b=2"}

    message_id = _send(sesv2, data)

    sent = _recorded(message_id)
    assert sent.subject == "News & more"  # triple braces: as given
    assert sent.html == (
        "<p>Hi &lt;Ada &amp; Co&gt;</p><a href='https://x/?a=1&b=2'>x</a>"
    )  # double braces escaped, an inverse section skipped
    assert sent.text == "Hi <Ada & Co>"
    assert sent.body == sent.html
    assert sent.headers == {h["Name"]: h["Value"] for h in HEADERS}
    assert sent.template == "greeting" and sent.template_data == data
    assert sent.destinations == {"ToAddresses": ["ada@example.com"]}


def test_data_left_out_takes_the_inverse_sections(ses: tuple[Any, Any]) -> None:
    sesv2, _ = ses

    sent = _recorded(_send(sesv2, {"link": "l"}))

    assert (sent.subject, sent.text) == ("Hello", "Hi friend")


def test_an_unknown_template_is_not_found_and_nothing_is_sent(ses: tuple[Any, Any]) -> None:
    sesv2, _ = ses

    with pytest.raises(ClientError) as caught:
        _send(sesv2, {}, template="nope")

    assert _error(caught) == ("NotFoundException", 404)
    assert _sent_count() == 0


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"text"', "x" * 262_145])
def test_template_data_that_is_not_a_json_object_is_a_bad_request(
    ses: tuple[Any, Any], data: str
) -> None:
    sesv2, _ = ses

    with pytest.raises(ClientError) as caught:
        _send(sesv2, data)

    assert _error(caught) == ("BadRequestException", 400)
    assert "Unable to parse template data" in str(caught.value)
    assert _sent_count() == 0


def test_a_template_handlebars_cannot_render_is_a_bad_request(ses: tuple[Any, Any]) -> None:
    sesv2, v1 = ses
    broken = {**GREETING, "TemplateName": "broken", "TextPart": "{{#if x}}a{{/each}}"}
    v1.create_template(Template=broken)

    with pytest.raises(ClientError) as caught:
        _send(sesv2, {}, template="broken")

    assert _error(caught) == ("BadRequestException", 400)
    assert "could not be rendered" in str(caught.value)
    assert _sent_count() == 0


def test_an_unverified_sender_is_rejected_as_a_simple_send_is(ses: tuple[Any, Any]) -> None:
    sesv2, _ = ses

    with pytest.raises(ClientError) as caught:
        _send(sesv2, {}, sender="someone@unverified.example")

    assert _error(caught)[0] == "MessageRejected"
    assert _sent_count() == 0


def test_simple_sends_are_still_moto_s_own(ses: tuple[Any, Any]) -> None:
    sesv2, _ = ses

    answer = sesv2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["ada@example.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}},
    )

    sent = _recorded(answer["MessageId"])
    assert (sent.subject, sent.body) == ("s", "t")
    assert not hasattr(sent, "template")


def test_every_hosted_campaign_template_renders_here_as_the_consumer_renders_it(
    ses: tuple[Any, Any],
) -> None:
    """The templates SES hosts for campaigns, through the adapter the backbone sends with: what
    moto now renders is the message the consumer renders for failover, headers included."""
    sesv2, v1 = ses
    files, registry = FileTemplateStore(), load_registry()
    renderer = Renderer(files, registry, files.design(), {})
    hosted = hosted_campaign_templates(files, registry, {}, "local")
    for template in hosted:
        SesHostedTemplates(v1).publish(template)
    names = HostedNames(renderer, "local")
    reader = Subscriber("cy@example.com", "Cy <C&Co>", attributes={"first_name": "Cy"})
    assert len(hosted) >= 4

    for template in hosted:
        entry = template.name.split("-")[2]
        campaign = Campaign(
            "c1", "May", "May & more", entry, Audience("news"), SENDER, render=RenderMode.HOSTED
        )
        mine = compose(renderer, lambda c, e: f"https://u.example/?t={c}", campaign, reader, names)
        assert mine.ses_template == template.name

        receipt = SesProvider(sesv2).send(mine)

        sent = _recorded(receipt.message_id)
        assert sent.subject == mine.subject
        assert _words(sent.html) == _words(mine.html)
        assert _words(sent.text) == _words(mine.text)
        assert sent.headers == dict(mine.headers)
        assert sent.html == str(pybars.Compiler().compile(template.html)(mine.template_data))


def _sent_count() -> int:
    from moto.ses.models import ses_backends

    return len(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def _words(text: str) -> str:
    return " ".join(html.unescape(text).split())
