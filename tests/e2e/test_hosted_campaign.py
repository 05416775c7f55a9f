"""A `--render hosted` campaign on the embedded stack: SES renders its hosted template (the
local SES proxy records a templated send as `(template NAME)`), and under an SES outage the
same message, rendered here, goes through Resend: every recipient exactly once either way, and
every email with List-Unsubscribe (link and mailto) and List-Unsubscribe-Post (0084)."""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pybars

from tctfmsg.campaigns.domain.campaign import Audience, Campaign, RenderMode
from tctfmsg.campaigns.domain.subscriber import Subscriber
from tctfmsg.campaigns.services.consumer import compose
from tctfmsg.core import resources
from tctfmsg.rendering import FileTemplateStore, Renderer, load_registry, unsubscribe_url
from tctfmsg.rendering.hosted import HostedNames
from tctfmsg.rendering.unsubscribe import unsubscribe_mailto
from tests.e2e.conftest import Stack

READERS = {
    "hosted1@example.com": ("Ada Lovelace", "Ada"),
    "hosted2@example.com": ("Bob", ""),
    "hosted3@example.com": ("Cy <C&Co>", "Cy"),
}
_TARGETS = re.compile(r"<([^>]*)>")


def _json(stack: Stack, *args: str) -> Any:
    return json.loads(stack.cli(*args, "--json", check=True).stdout)


def _hosted_campaign(stack: Stack, tmp_path: Path, list_name: str) -> dict[str, Any]:
    source = tmp_path / f"{list_name}.csv"
    rows = "".join(f"{e},{n},{f}\n" for e, (n, f) in READERS.items())
    source.write_text("email,name,first_name\n" + rows)
    stack.cli("subscriber", "import", str(source), "--list", list_name, check=True)
    created = _json(
        stack, "campaign", "create", "--name", "hosted", "--template", "newsletter",
        "--subject", "Hosted & rendered", "--list", list_name, "--render", "hosted",
    )  # fmt: skip
    assert created["render"] == "hosted"
    stack.cli("campaign", "send-now", created["campaign_id"], check=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = _json(stack, "campaign", "status", created["campaign_id"])
        if status["status"] == "completed":
            return dict(created, counters=status["counters"])
        time.sleep(0.5)
    raise AssertionError("the hosted campaign did not complete within 90 s")


def _received(stack: Stack, campaign_id: str) -> list[dict[str, Any]]:
    return [
        m for m in _json(stack, "local", "outbox")
        if m.get("tags", {}).get("campaign_id") == campaign_id
    ]  # fmt: skip


def _boto(stack: Stack, service: str) -> Any:
    return stack.aws(service)


def test_a_hosted_campaign_goes_out_as_ses_templated_sends(stack: Stack, tmp_path: Path) -> None:
    created = _hosted_campaign(stack, tmp_path, "hosted-ses")

    received = _received(stack, created["campaign_id"])
    assert created["counters"]["sent"] == 3
    assert Counter(m["to"] for m in received) == dict.fromkeys(READERS, 1)
    assert {m["provider"] for m in received} == {"ses"}
    [subject] = {m["subject"] for m in received}
    assert subject.startswith("(template tctfmsg-local-newsletter-")
    name = subject.removeprefix("(template ").removesuffix(")")
    assert _boto(stack, "ses").get_template(TemplateName=name)["Template"]["HtmlPart"]
    ours = _expected(stack, created)
    for message in received:
        _assert_unsubscribe_headers(message, stack)
        assert message["headers"] == dict(ours[message["to"]].headers)


def test_under_an_ses_outage_the_same_message_goes_through_resend_rendered_here(
    stack: Stack, tmp_path: Path
) -> None:
    stack.cli("local", "fault", "ses", "--down", check=True)
    try:
        created = _hosted_campaign(stack, tmp_path, "hosted-outage")
    finally:
        stack.cli("local", "fault", "ses", "--up", check=True)
        stack.cli("providers", "reset", "ses", check=True)

    received = _received(stack, created["campaign_id"])
    assert created["counters"]["sent"] == 3
    assert Counter(m["to"] for m in received) == dict.fromkeys(READERS, 1)
    assert {m["provider"] for m in received} == {"resend"}
    ours = _expected(stack, created)
    for message in received:
        mine = ours[message["to"]]
        _assert_unsubscribe_headers(message, stack)
        assert message["headers"] == dict(mine.headers)
        assert message["subject"] == mine.subject == "Hosted & rendered"
        assert message["html_sha256"] == hashlib.sha256(mine.html.encode()).hexdigest()
        assert message["text_sha256"] == hashlib.sha256(mine.text.encode()).hexdigest()
        # and what SES would have rendered from its hosted copy is the same message
        hosted = _boto(stack, "ses").get_template(TemplateName=mine.ses_template)["Template"]
        theirs = str(pybars.Compiler().compile(hosted["HtmlPart"])(dict(mine.template_data)))
        assert _words(theirs) == _words(mine.html)


def _expected(stack: Stack, created: dict[str, Any]) -> dict[str, Any]:
    """Each recipient's message as the consumer composes it, rendered in this process."""
    files = FileTemplateStore()
    assets = files.design().assets_dir.resolve().as_uri()
    renderer = Renderer(files, load_registry(), files.design(), {"asset_base_url": assets})
    secret = resources.secret("signing_keys").physical_name("local")
    value = _boto(stack, "secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
    key = json.loads(value)["unsubscribe"].encode()
    base = _web(stack) + "/unsubscribe"
    campaign = Campaign(
        created["campaign_id"], created["name"], created["subject"], created["template"],
        Audience(created["list"]), created["sender"], render=RenderMode.HOSTED,
    )  # fmt: skip
    names = HostedNames(renderer, "local")
    link = lambda c, e: unsubscribe_url(base, key, c, e)  # noqa: E731
    mailto = lambda c, e, s: unsubscribe_mailto("unsubscribe@tctfmsg.local", key, c, e)  # noqa: E731
    expected = {}
    for email, (name, first) in READERS.items():
        reader = Subscriber(email, name, attributes={"first_name": first} if first else {})
        expected[email] = compose(renderer, link, campaign, reader, names, mailto)
    return expected


def _assert_unsubscribe_headers(message: dict[str, Any], stack: Stack) -> None:
    """Both List-Unsubscribe forms, each with this recipient's token, and one-click (RFC 8058)."""
    headers = message["headers"]
    link, mailto = _TARGETS.findall(headers["List-Unsubscribe"])
    token = link.partition("?token=")[2]
    assert link.startswith(f"{_web(stack)}/unsubscribe?token="), message["to"]
    assert mailto.startswith("mailto:unsubscribe@tctfmsg.local?subject=unsubscribe%20")
    assert token and mailto.endswith(f"%20{token}")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def _web(stack: Stack) -> str:
    """The stack's web endpoint, which serves the unsubscribe link."""
    return str(_json(stack, "local", "status")["endpoints"]["web"])


def _words(text: str) -> str:
    return " ".join(html.unescape(text).split())
