"""SES's event publishing (docs/decisions/0077): the shared slice holds the configuration set
every SES send names and the topic it publishes bounce, complaint, delivery, reject and send
events to; the campaigns stack subscribes its provider_events queue to that topic."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from tctfmsg.core.spec_types import physical_name
from tctfmsg.core.specs.shared import EVENTS_CONFIGURATION_SET, EVENTS_TOPIC

EVENTS = [
    ses.EmailSendingEvent.SEND,
    ses.EmailSendingEvent.REJECT,
    ses.EmailSendingEvent.BOUNCE,
    ses.EmailSendingEvent.COMPLAINT,
    ses.EmailSendingEvent.DELIVERY,
]


class EmailEventsPublishing(Construct):
    """In the shared stack: the configuration set and its topic."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "Topic", topic_name=physical_name(stage, EVENTS_TOPIC), enforce_ssl=True
        )
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=physical_name(stage, EVENTS_CONFIGURATION_SET),
        )
        self.configuration_set.add_event_destination(
            "ToTopic",
            destination=ses.EventDestination.sns_topic(self.topic),
            events=EVENTS,
        )


def subscribe_to_email_events(scope: Construct, stage: str, queue: sqs.IQueue) -> None:
    """In a service stack: its queue receives the events topic's messages (SNS's envelope)."""
    stack = cdk.Stack.of(scope)
    arn = stack.format_arn(
        service="sns",
        resource=physical_name(stage, EVENTS_TOPIC),
        arn_format=cdk.ArnFormat.NO_RESOURCE_NAME,
    )
    topic = sns.Topic.from_topic_arn(scope, "EmailEventsTopic", arn)
    topic.add_subscription(subscriptions.SqsSubscription(queue))
