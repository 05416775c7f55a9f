"""The slice every service shares: the email backbone's state (provider settings, breakers,
provider keys), the templates and signing keys, and the idempotency records. Deployed once per
stage, before the service stacks, which are granted its resources by name (docs/decisions/0063).
It also sets API Gateway's account-wide logging role, which every service's API needs (0071).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from cdk.components.alarm_topic import AlarmTopic
from cdk.components.alarms import AlarmSet, add_backbone_alarms
from cdk.components.api_gateway_logging import ApiGatewayLogging
from cdk.components.dashboard import StageDashboard
from cdk.components.email_events import EmailEventsPublishing
from cdk.components.spec_resources import SpecResources
from tctfmsg.core import resources


class SharedStack(cdk.Stack):
    def __init__(self, scope: Construct, *, stage: str, **kwargs: Any) -> None:
        name = resources.stack_name(stage, resources.SHARED)
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"tctfmsg state shared by every service, stage {stage}",
            **kwargs,
        )
        self.stage = stage
        self.resources = SpecResources(self, "Resources", owner=resources.SHARED, stage=stage)
        self.api_logging = ApiGatewayLogging(self, "ApiGatewayLogging")
        self.email_events = EmailEventsPublishing(self, "EmailEvents", stage=stage)
        # The stage's alarm topic, the backbone's alarms and the stage's dashboard (0085).
        self.alarm_topic = AlarmTopic(self, "AlarmTopic", stage=stage)
        self.alarms = AlarmSet(self, "Alarms", stage=stage, topic=self.alarm_topic.topic)
        add_backbone_alarms(self.alarms)
        self.dashboard = StageDashboard(self, "Dashboard", stage=stage)
        cdk.Tags.of(self).add("service", resources.SHARED)
