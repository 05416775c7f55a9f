"""The stage's one SNS topic for alarm actions (docs/decisions/0085): created by the shared stack,
with an email subscription when context `alarm_email` names an address, and referenced by every
service stack by its stage-derived ARN, as the shared slice is (0063): no export, no import.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from cdk.components.nag import acknowledge
from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError

ALARM_TOPIC = "alarms"
ALARM_EMAIL_CONTEXT = "alarm_email"
TOPIC_OUTPUT = "AlarmTopicName"
_EMAIL = re.compile(r"[^@\s,;<>\"']{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+")


def alarm_topic_name(stage: str) -> str:
    return resources.physical_name(stage, ALARM_TOPIC)


class AlarmTopic(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        name = alarm_topic_name(stage)
        self.topic = sns.Topic(
            self, "Topic", topic_name=name, display_name=f"tctfmsg {stage}", enforce_ssl=True
        )
        acknowledge(
            self.topic,
            "AwsSolutions-SNS2",
            "Alarm notifications carry alarm names, states and metric values, never "
            "recipients' data; CloudWatch cannot publish to a topic under the AWS managed SNS "
            "key, and a customer managed key would only guard those figures.",
        )
        email = alarm_email(self)
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        output = cdk.CfnOutput(scope, TOPIC_OUTPUT, value=name, description="alarm actions")
        output.override_logical_id(TOPIC_OUTPUT)


def alarm_email(scope: Construct) -> str | None:
    """Context `alarm_email`: one address that alarms are mailed to, or none (no subscription)."""
    raw = scope.node.try_get_context(ALARM_EMAIL_CONTEXT)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 254 or not _EMAIL.fullmatch(raw):
        raise ConfigurationError(
            f"context {ALARM_EMAIL_CONTEXT} is not one email address",
            "e.g. -c alarm_email=oncall@example.com",
        )
    return raw


def alarm_topic_of(scope: Construct, stage: str) -> sns.ITopic:
    """The stage's alarm topic, by the ARN its name gives in this stack's account and region."""
    arn = cdk.Stack.of(scope).format_arn(
        service="sns", resource=alarm_topic_name(stage), arn_format=cdk.ArnFormat.NO_RESOURCE_NAME
    )
    return sns.Topic.from_topic_arn(scope, "AlarmTopic", arn)
