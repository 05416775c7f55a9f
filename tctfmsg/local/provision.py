"""Creates every resource of the spec on an AWS endpoint. Idempotent: existing resources stay."""

from __future__ import annotations

import json
from typing import Any

from tctfmsg.core import resources
from tctfmsg.core.resources import QueueSpec, TableSpec


def provision(stage: str, dynamodb: Any, sqs: Any, secrets: Any) -> dict[str, list[str]]:
    created: dict[str, list[str]] = {"tables": [], "queues": [], "secrets": []}
    existing = set(dynamodb.list_tables()["TableNames"])
    for spec in resources.TABLES:
        if spec.physical_name(stage) not in existing:
            create_table(dynamodb, spec, stage)
            created["tables"].append(spec.logical)
    queue_arns: dict[str, str] = {}
    for queue in _dead_letters_first(resources.QUEUES):
        url = create_queue(sqs, queue, stage, queue_arns)
        queue_arns[queue.logical] = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        created["queues"].append(queue.logical)
    for secret in resources.SECRETS:
        name = secret.physical_name(stage)
        try:
            secrets.describe_secret(SecretId=name)
        except secrets.exceptions.ResourceNotFoundException:
            secrets.create_secret(Name=name, SecretString=json.dumps(secret.initial_value()))
            created["secrets"].append(secret.logical)
    return created


def verify_senders(ses: Any, senders: list[str]) -> list[str]:
    """SES (and moto) sends only from verified identities: verify each sender's domain."""
    domains = sorted({sender.rsplit("@", 1)[-1].strip(">").lower() for sender in senders})
    for domain in domains:
        ses.verify_domain_identity(Domain=domain)  # idempotent
    return domains


def provision_email_events(stage: str, sns: Any, ses: Any, sqs: Any) -> str:
    """SES's configuration set publishing to the events topic, and the provider_events queue
    subscribed to it, as the stacks deploy them in AWS. Idempotent; returns the topic's ARN."""
    from botocore.exceptions import ClientError

    from tctfmsg.core.spec_types import physical_name
    from tctfmsg.core.specs.shared import EVENTS_CONFIGURATION_SET, EVENTS_TOPIC

    topic_arn = str(sns.create_topic(Name=physical_name(stage, EVENTS_TOPIC))["TopicArn"])
    queue_url = sqs.get_queue_url(QueueName=resources.queue("provider_events").physical_name(stage))
    queue_arn = sqs.get_queue_attributes(
        QueueUrl=queue_url["QueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    subscribed = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    if not any(s["Endpoint"] == queue_arn for s in subscribed):
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    name = physical_name(stage, EVENTS_CONFIGURATION_SET)
    destination = {
        "Name": f"{name}-sns",
        "Enabled": True,
        "MatchingEventTypes": ["send", "reject", "bounce", "complaint", "delivery"],
        "SNSDestination": {"TopicARN": topic_arn},
    }
    for create in (
        lambda: ses.create_configuration_set(ConfigurationSet={"Name": name}),
        lambda: ses.create_configuration_set_event_destination(
            ConfigurationSetName=name, EventDestination=destination
        ),
    ):
        try:
            create()
        except ClientError as exc:  # already there from an earlier start
            if "AlreadyExists" not in exc.response["Error"].get("Code", ""):
                raise
    return topic_arn


def create_table(dynamodb: Any, spec: TableSpec, stage: str) -> None:
    name = spec.physical_name(stage)
    request: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": _key_schema(spec.partition, spec.sort),
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": t} for n, t in spec.attributes().items()
        ],
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.partition, index.sort),
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ]
    dynamodb.create_table(**request)
    if spec.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )


def create_queue(sqs: Any, spec: QueueSpec, stage: str, arns: dict[str, str]) -> str:
    attributes = {
        "VisibilityTimeout": str(spec.visibility_timeout_s),
        "MessageRetentionPeriod": str(spec.retention_s),
    }
    if spec.dead_letter:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": arns[spec.dead_letter], "maxReceiveCount": spec.max_receives}
        )
    # CreateQueue with identical attributes is a no-op, so this is safe on every start.
    return str(
        sqs.create_queue(QueueName=spec.physical_name(stage), Attributes=attributes)["QueueUrl"]
    )


def _key_schema(partition: resources.Key, sort: resources.Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


def _dead_letters_first(queues: tuple[QueueSpec, ...]) -> list[QueueSpec]:
    return sorted(queues, key=lambda q: q.dead_letter is not None)
