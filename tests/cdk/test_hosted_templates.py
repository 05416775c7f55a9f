"""The campaigns stack deploys every Handlebars-safe campaign template to SES, named by stage
and content exactly as the consumer names them, and lets only the consumer send with them."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from tctfmsg.rendering import FileTemplateStore, load_registry
from tctfmsg.rendering.hosted import constants_for, hosted_campaign_templates

from .conftest import STAGE, STAGE_SETTINGS


def _deployed(templates: dict[str, Template]) -> dict[str, dict[str, Any]]:
    found = templates["campaigns"].find_resources("AWS::SES::Template")
    return {
        r["Properties"]["Template"]["TemplateName"]: r["Properties"]["Template"]
        for r in found.values()
    }


def test_every_hostable_campaign_template_is_deployed_as_the_consumer_names_it(
    templates: dict[str, Template],
) -> None:
    files = FileTemplateStore()
    # rendered with the stage's asset base URL, as the consumer renders them
    constants = constants_for(STAGE_SETTINGS["asset_base_url"])
    expected = hosted_campaign_templates(files, load_registry(files.root), constants, STAGE)

    deployed = _deployed(templates)

    assert len(expected) >= 4
    assert set(deployed) == {t.name for t in expected}
    for template in expected:
        assert deployed[template.name]["HtmlPart"] == template.html
        assert deployed[template.name]["SubjectPart"] == template.subject
        assert deployed[template.name]["TextPart"] == template.text
    for owner in ("shared", "communication", "user_messages"):
        assert not templates[owner].find_resources("AWS::SES::Template")


def test_only_the_consumer_may_send_with_the_hosted_templates(
    templates: dict[str, Template],
) -> None:
    policies = templates["campaigns"].find_resources("AWS::IAM::Policy")
    holders = [
        name for name, policy in policies.items()
        if ":template/" in str(policy["Properties"]["PolicyDocument"])
    ]  # fmt: skip
    assert len(holders) == 1 and "campaignconsumer" in holders[0].lower()
