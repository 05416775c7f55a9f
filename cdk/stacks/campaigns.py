"""Bulk email campaigns: subscribers, lists, campaigns, the delivery ledger and its queues, and
the campaign templates SES hosts for `--render hosted` campaigns (docs/decisions/0080)."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from cdk.components.alarms import add_campaign_alarms
from cdk.components.email_events import subscribe_to_email_events
from cdk.components.hosted_templates import HostedTemplates
from cdk.stacks.service_stack import ServiceStack

CONSUMER = "campaign_consumer"


class CampaignsStack(ServiceStack):
    service = "campaigns"

    def __init__(self, scope: Construct, *, stage: str, **kwargs: Any) -> None:
        super().__init__(scope, stage=stage, **kwargs)
        self.hosted_templates = HostedTemplates(self, "HostedTemplates", stage=stage)
        self.hosted_templates.grant_send(self.functions.functions[CONSUMER])
        # SES's bounces, complaints and deliveries come in on the provider_events queue
        subscribe_to_email_events(self, stage, self.resources.queues["provider_events"])
        add_campaign_alarms(self.alarms)
