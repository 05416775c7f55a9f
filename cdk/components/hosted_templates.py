"""Every Handlebars-safe campaign template, deployed as an SES template, and the campaign
consumer allowed to send with them (docs/decisions/0080).

The templates are the ones tctfmsg.rendering.hosted lists, compiled with the stage's settings
as the consumer compiles them, so the name the consumer sends with (stage and content digest)
is one this stack deployed. A changed template is a new name: CloudFormation creates it,
then deletes the old one once the update has finished, so no send names a missing template.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda
from aws_cdk import aws_ses as ses
from constructs import Construct

from cdk.components.function_settings import stage_setting
from tctfmsg.rendering import FileTemplateStore, load_registry
from tctfmsg.rendering.hosted import constants_for, hosted_campaign_templates


class HostedTemplates(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        files = FileTemplateStore()
        constants = constants_for(stage_setting(self, "asset_base_url"))
        found = hosted_campaign_templates(files, load_registry(files.root), constants, stage)
        self.names: list[str] = []
        for template in found:
            source = template.name.removeprefix(f"tctfmsg-{stage}-").rsplit("-", 1)[0]
            ses.CfnTemplate(
                self,
                source,  # one per template: a new content digest replaces it in place
                template=ses.CfnTemplate.TemplateProperty(
                    template_name=template.name,
                    subject_part=template.subject,
                    html_part=template.html,
                    text_part=template.text,
                ),
            )
            self.names.append(template.name)

    def grant_send(self, fn: aws_lambda.IFunction) -> None:
        """Sending with these templates, and no other: sesv2 SendEmail checks the template's
        ARN besides the identity's (the v1 API is only the embedded stack's)."""
        if not self.names or fn.role is None:
            return
        stack = cdk.Stack.of(self)
        fn.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail"],
                resources=[
                    stack.format_arn(service="ses", resource="template", resource_name=name)
                    for name in self.names
                ],
            )
        )
