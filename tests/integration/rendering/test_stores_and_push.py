"""Config-table versions, the layered store, SES-hosted templates and the signing key, on moto."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import boto3
import pytest

from tctfmsg.core import settings
from tctfmsg.core.clients import Clients
from tctfmsg.core.errors import InvalidInput
from tctfmsg.core.resources import ResourceNames, physical_name
from tctfmsg.rendering import service
from tctfmsg.rendering.adapters.config_store import DynamoTemplateVersions
from tctfmsg.rendering.adapters.ses import SesHostedTemplates
from tctfmsg.rendering.bootstrap import TemplateRoot
from tctfmsg.rendering.checks import load_registry
from tctfmsg.rendering.layered import LayeredTemplateStore
from tctfmsg.rendering.renderer import Renderer
from tctfmsg.rendering.service import TemplateDeps
from tctfmsg.rendering.store import FileTemplateStore
from tctfmsg.rendering.unsubscribe import sign_unsubscribe, verify_unsubscribe

SUBSCRIBER = {"first_name": "Ada", "unsubscribe_url": "https://u/1"}


@pytest.fixture
def config(provisioned: dict[str, Any]) -> DynamoTemplateVersions:
    return DynamoTemplateVersions(physical_name("test", "config"), provisioned["dynamodb"])


@pytest.fixture
def hosted(aws: None) -> SesHostedTemplates:
    return SesHostedTemplates(boto3.client("ses", region_name="us-east-1"))


class NoScreenshots:
    def screenshot(self, html: str, out: Any, width: int) -> int:
        raise AssertionError("a push takes no screenshot")


def deps(files: FileTemplateStore, config: Any, hosted: Any = None) -> TemplateDeps:
    return TemplateDeps(files, config, hosted, NoScreenshots(), stage="test")


def test_each_push_is_a_new_version_and_the_newest_wins(config):
    files = FileTemplateStore()
    source = files.get("newsletter")
    assert config.latest("newsletter") is None
    assert config.put(source) == 1
    assert config.put(replace(source, subject="Edited {{first_name}}")) == 2
    latest = config.get("newsletter")
    assert (latest.version, latest.origin, latest.subject) == (
        "v2",
        "config table",
        "Edited {{first_name}}",
    )
    assert latest.html == source.html and latest.slots == source.slots
    assert config.names() == ["newsletter"]


def test_renderer_on_the_layered_store_sends_the_edited_version(config):
    files = FileTemplateStore()
    registry = load_registry()
    store = LayeredTemplateStore(files, config, ttl_s=0)
    renderer = Renderer(store, registry, files.design())
    assert renderer.render("newsletter", SUBSCRIBER).subject.startswith("What's new")
    edited = files.get("newsletter")
    config.put(
        replace(edited, subject="Issue 2 for {{first_name}}{{^first_name}}you{{/first_name}}")
    )
    assert renderer.render("newsletter", SUBSCRIBER).subject == "Issue 2 for Ada"
    assert store.get("welcome").origin == "files"


def test_push_uploads_once_and_creates_then_updates_the_ses_template(config, hosted):
    files = FileTemplateStore()
    [first] = service.push(deps(files, config, hosted), "newsletter", to_ses=True)
    [again] = service.push(deps(files, config, hosted), "newsletter", to_ses=True)
    assert (first.version, first.changed, first.ses) == (1, True, "created")
    assert (again.version, again.changed, again.ses) == (1, False, "updated")
    assert first.ses_template and first.ses_template.startswith("tctfmsg-test-newsletter-")
    template = hosted.client.get_template(TemplateName=first.ses_template)["Template"]
    assert "{{unsubscribe_url}}" in template["HtmlPart"] and "{{>" not in template["HtmlPart"]
    assert template["SubjectPart"].startswith("{{^subject}}What's new at tctfmsg")
    assert hosted.names() == {first.ses_template}


def test_push_refuses_a_template_outside_the_handlebars_subset(config, hosted, scratch_store):
    with pytest.raises(InvalidInput, match=r"not hostable in SES: .*reads outer data"):
        service.push(deps(scratch_store, config, hosted), "welcome", to_ses=True)
    assert config.latest("welcome") is None  # nothing half-pushed
    assert hosted.names() == set()


def test_a_push_of_every_template_uploads_none_when_one_is_broken(config, hosted, scratch_store):
    with pytest.raises(InvalidInput, match="not pushed: welcome"):
        service.push(deps(scratch_store, config, hosted))
    assert config.names() == []  # not even the templates before it


@pytest.fixture
def scratch_store(tmp_path) -> FileTemplateStore:
    import shutil

    from tctfmsg.rendering.store import TEMPLATES_DIR

    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, root)
    body = root / "messages" / "welcome" / "html.mustache"
    body.write_text(body.read_text() + "{{#first_name}}<p>{{first_name}}</p>{{/first_name}}\n")
    return FileTemplateStore(root)


def test_provisioning_generates_the_unsubscribe_key_and_the_runtime_reads_it(provisioned):
    secret = provisioned["secretsmanager"].get_secret_value(SecretId="tctfmsg/test/signing_keys")
    clients = Clients(settings.load(target="aws", stage="test"))
    clients.__dict__["names"] = ResourceNames("test")
    clients._clients["secretsmanager"] = provisioned["secretsmanager"]
    runtime = TemplateRoot(clients)
    key = runtime.unsubscribe_key
    assert len(key) >= 32 and key.decode() in secret["SecretString"]
    token = sign_unsubscribe(key, "cmp-1", "ada@example.com")
    assert verify_unsubscribe(key, token) == ("cmp-1", "ada@example.com")
    other = provision_key_of_another_stack(provisioned)
    assert other != key  # generated per stack, never a shared constant


def provision_key_of_another_stack(clients: dict[str, Any]) -> bytes:
    import json

    from tctfmsg.local.provision import provision

    provision("other", clients["dynamodb"], clients["sqs"], clients["secretsmanager"])
    value = clients["secretsmanager"].get_secret_value(SecretId="tctfmsg/other/signing_keys")
    return str(json.loads(value["SecretString"])["unsubscribe"]).encode()


def test_push_refuses_a_template_that_does_not_validate(config, tmp_path):
    import shutil

    from tctfmsg.rendering.store import TEMPLATES_DIR

    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, root)
    (root / "messages" / "verify_email" / "sample.json").write_text("{}")
    files = FileTemplateStore(root)
    with pytest.raises(InvalidInput, match=r"not pushed: verify_email: .*verify_url"):
        service.push(deps(files, config), "verify_email")
    assert config.latest("verify_email") is None


def test_a_pushed_version_keeps_every_locale_of_its_catalog(config):
    source = FileTemplateStore().get("password_reset")

    config.put(source)

    stored = config.get("password_reset")
    assert stored.locales == source.locales and "ar" in stored.locales
    assert stored.strings == source.strings  # Arabic and accents survive the round trip
