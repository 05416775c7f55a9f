"""What a function needs beyond the spec to deliver over AWS channels other than email, each as
narrow as the service's IAM allows: publishing status events under one source on one bus, and
sending SMS through End User Messaging SMS (docs/decisions/0071)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from cdk.components.nag import acknowledge
from cdk.components.python_function import PythonFunction

# The resources SendTextMessage authorises on (the Service Authorization Reference for
# sms-voice): the origination identities it may send from, and the configuration set and
# protect configuration it may apply.
SMS_RESOURCE_TYPES = (
    "phone-number",
    "pool",
    "sender-id",
    "configuration-set",
    "protect-configuration",
)


def grant_status_events(fn: PythonFunction, *, bus: str, source: str) -> None:
    """events:PutEvents on one bus (a name in this account and region, or an ARN), for events
    of this one source only."""
    if not bus.startswith("arn:"):
        bus = cdk.Stack.of(fn).format_arn(service="events", resource="event-bus", resource_name=bus)
    fn.role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["events:PutEvents"],
            resources=[bus],
            conditions={"StringEquals": {"events:source": source}},
        )
    )


def grant_send_sms(fn: PythonFunction) -> None:
    """sms-voice:SendTextMessage from this account's origination identities in this region."""
    stack = cdk.Stack.of(fn)
    fn.role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"],
            resources=[
                stack.format_arn(service="sms-voice", resource=kind, resource_name="*")
                for kind in SMS_RESOURCE_TYPES
            ],
        )
    )
    for kind in SMS_RESOURCE_TYPES:
        acknowledge(
            fn,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:"
            f"<AWS::AccountId>:{kind}/*]",
            "Origination numbers, sender IDs, pools and configuration sets are registered per "
            "country by operators, not declared in the spec; the wildcard stays in this "
            "account and region and allows SendTextMessage only.",
        )
